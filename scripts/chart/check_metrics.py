#!/usr/bin/env python3
"""Check that every metric the Grafana dashboards and PrometheusRule alerts query is one the
binaries export: each name (less _bucket/_sum/_count) must appear as a string literal or const in
the workspace's Rust sources, or be listed with a reason in metrics-pending.txt.
Usage: check_metrics.py REPO_ROOT RENDERED.yaml...   (rendered chart with dashboards + alerts)
"""
import json
import pathlib
import re
import sys

from k8sobjects import load_objects

METRIC = re.compile(r"\b((?:http|worker|shopfleet_operator)_[a-z0-9_]+)\b")
SUFFIX = re.compile(r"_(bucket|sum|count)$")


def queried(rendered):
    exprs = []
    for _, obj in load_objects(rendered):
        if obj["kind"] == "PrometheusRule":
            exprs += [r["expr"] for g in obj["spec"]["groups"] for r in g["rules"]]
        if obj["kind"] == "ConfigMap" and obj["metadata"].get("labels", {}).get("grafana_dashboard"):
            for text in obj["data"].values():
                exprs += [t["expr"] for p in json.loads(text)["panels"] for t in p["targets"]]
    return {SUFFIX.sub("", m) for e in exprs for m in METRIC.findall(e)}, len(exprs)


def exported(root):
    names = set()
    for f in root.rglob("*.rs"):
        if "target" not in f.parts:
            names |= set(re.findall(r'"([a-z_][a-z0-9_]*)"', f.read_text(errors="replace")))
    return names


def main():
    root, rendered = pathlib.Path(sys.argv[1]), sys.argv[2:]
    pending = {}
    for line in (pathlib.Path(__file__).parent / "metrics-pending.txt").read_text().splitlines():
        name, _, why = line.partition("#")
        if name.strip():
            pending[name.strip()] = why.strip()
    want, n_exprs = queried(rendered)
    have = exported(root)
    errs = [f"{m} is queried by a dashboard or alert but exported by no Rust source (and not in metrics-pending.txt)"
            for m in sorted(want - have - set(pending))]
    stale = sorted(want & set(pending) & have)
    for m in stale:
        print(f"note: {m} is exported now; delete it from scripts/chart/metrics-pending.txt", file=sys.stderr)
    for m in sorted(set(pending) - want):
        errs.append(f"metrics-pending.txt lists {m}, which nothing queries")
    for e in errs:
        print(f"FAIL {e}", file=sys.stderr)
    if n_exprs == 0:
        errs.append("no dashboard or alert expressions found")
    missing = sorted((want - have) & set(pending))
    print(f"check_metrics: {len(want)} metrics in {n_exprs} queries, {len(want & have)} exported, "
          f"{len(missing)} pending ({', '.join(missing) or 'none'}), "
          f"{len(stale)} pending entries exported now (delete them), {len(errs)} problems")
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
