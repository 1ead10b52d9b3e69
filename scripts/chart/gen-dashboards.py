#!/usr/bin/env python3
"""Generate the Grafana dashboards shipped by the chart (charts/shopfleet/files/dashboards/*.json).

One dashboard each for the API, the worker and the operator, built from the metric names the
binaries export. `--check` exits 1 when the committed JSON differs from what this script makes.
"""
import json
import pathlib
import sys

OUT = pathlib.Path(__file__).resolve().parents[2] / "charts/shopfleet/files/dashboards"
DS = {"type": "prometheus", "uid": "${datasource}"}


def panel(pid, title, exprs, unit="short", x=0, y=0, w=12, h=8, kind="timeseries"):
    return {
        "id": pid,
        "type": kind,
        "title": title,
        "datasource": DS,
        "gridPos": {"x": x, "y": y, "w": w, "h": h},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "options": {"legend": {"displayMode": "list", "placement": "bottom"}},
        "targets": [
            {"refId": chr(ord("A") + i), "datasource": DS, "expr": e, "legendFormat": lf}
            for i, (e, lf) in enumerate(exprs)
        ],
    }


def dashboard(uid, title, panels, job_hint):
    return {
        "uid": uid,
        "title": title,
        "tags": ["shopfleet"],
        "schemaVersion": 39,
        "version": 1,
        "editable": True,
        "refresh": "30s",
        "time": {"from": "now-1h", "to": "now"},
        "templating": {
            "list": [
                {"name": "datasource", "type": "datasource", "query": "prometheus", "label": "Data source"},
                {
                    "name": "namespace",
                    "type": "query",
                    "datasource": DS,
                    "query": f"label_values({job_hint}, namespace)",
                    "includeAll": True,
                    "multi": True,
                    "label": "Namespace",
                },
            ]
        },
        "panels": [dict(p, id=i + 1) for i, p in enumerate(panels)],
    }


NS = 'namespace=~"$namespace"'

API = dashboard("shopfleet-api", "Shopfleet / API", [
    panel(0, "Requests per second by route", [(f'sum by (route) (rate(http_requests_total{{{NS}}}[5m]))', "{{route}}")], "reqps", 0, 0),
    panel(0, "5xx ratio", [(f'sum(rate(http_requests_total{{{NS},status=~"5.."}}[5m])) / sum(rate(http_requests_total{{{NS}}}[5m]))', "5xx")], "percentunit", 12, 0),
    panel(0, "Latency p50 / p95 / p99", [
        (f'histogram_quantile({q}, sum by (le) (rate(http_request_duration_seconds_bucket{{{NS}}}[5m])))', f"p{int(q * 100)}")
        for q in (0.5, 0.95, 0.99)], "s", 0, 8),
    panel(0, "p95 latency by route", [(f'histogram_quantile(0.95, sum by (le, route) (rate(http_request_duration_seconds_bucket{{{NS}}}[5m])))', "{{route}}")], "s", 12, 8),
    panel(0, "Requests by status", [(f'sum by (status) (rate(http_requests_total{{{NS}}}[5m]))', "{{status}}")], "reqps", 0, 16),
    panel(0, "Requests by method", [(f'sum by (method) (rate(http_requests_total{{{NS}}}[5m]))', "{{method}}")], "reqps", 12, 16),
], "http_requests_total")

WORKER = dashboard("shopfleet-worker", "Shopfleet / Worker", [
    panel(0, "Events handled per second by handler", [(f'sum by (handler) (rate(worker_events_handled_total{{{NS}}}[5m]))', "{{handler}}")], "ops", 0, 0),
    panel(0, "Consumer lag", [(f'max by (namespace) (worker_consumer_lag{{{NS}}})', "{{namespace}}")], "short", 12, 0),
    panel(0, "Events handled (total, 1h)", [(f'sum by (handler) (increase(worker_events_handled_total{{{NS}}}[1h]))', "{{handler}}")], "short", 0, 8, 24, 8, "bargauge"),
], "worker_events_handled_total")

OPERATOR = dashboard("shopfleet-operator", "Shopfleet / Operator", [
    panel(0, "Reconciliations per second", [(f'sum(rate(shopfleet_operator_reconciles_total{{{NS}}}[5m]))', "reconciles")], "ops", 0, 0),
    panel(0, "Reconcile errors by reason", [(f'sum by (reason) (rate(shopfleet_operator_reconcile_errors_total{{{NS}}}[5m]))', "{{reason}}")], "ops", 12, 0),
    panel(0, "Reconcile duration p50 / p95 / p99", [
        (f'histogram_quantile({q}, sum by (le) (rate(shopfleet_operator_reconcile_duration_seconds_bucket{{{NS}}}[5m])))', f"p{int(q * 100)}")
        for q in (0.5, 0.95, 0.99)], "s", 0, 8, 24),
], "shopfleet_operator_reconciles_total")


def render():
    return {f"{d['uid']}.json": json.dumps(d, indent=2, sort_keys=True) + "\n" for d in (API, WORKER, OPERATOR)}


def main():
    files = render()
    if "--check" in sys.argv:
        stale = [n for n, text in files.items() if not (OUT / n).exists() or (OUT / n).read_text() != text]
        if stale:
            print(f"stale dashboards (run scripts/chart/gen-dashboards.py): {stale}", file=sys.stderr)
            return 1
        print(f"dashboards up to date: {sorted(files)}")
        return 0
    OUT.mkdir(parents=True, exist_ok=True)
    for n, text in files.items():
        (OUT / n).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
