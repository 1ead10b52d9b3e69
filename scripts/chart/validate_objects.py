#!/usr/bin/env python3
"""Validate rendered Kubernetes objects.

- built-in kinds: kubernetes-validate (strict: unknown fields fail) for each --k8s version;
- custom resources of a CRD given with --crd (ShopInstance): JSON-schema validation against the
  CRD's openAPIV3Schema (CEL x-kubernetes-validations are not evaluated here);
- Prometheus Operator kinds (ServiceMonitor, PodMonitor, PrometheusRule): the partial schemas in schemas/;
- every `checkov.io/skipN` annotation must name a check and give a reason.
Usage: validate_objects.py --k8s 1.30.0 --k8s 1.35.0 --crd crd.yaml FILE_OR_DIR...
"""
import argparse
import copy
import json
import pathlib
import re
import sys

import jsonschema
import kubernetes_validate
import yaml

from k8sobjects import load_objects, name_of

HERE = pathlib.Path(__file__).resolve().parent
LOCAL_SCHEMAS = {
    ("monitoring.coreos.com/v1", "ServiceMonitor"): HERE / "schemas/servicemonitor.json",
    ("monitoring.coreos.com/v1", "PrometheusRule"): HERE / "schemas/prometheusrule.json",
    ("monitoring.coreos.com/v1", "PodMonitor"): HERE / "schemas/podmonitor.json",
}
SKIP_RE = re.compile(r"^CKV2?_[A-Z0-9]+_\d+=\S.{19,}$")


def to_jsonschema(s):
    """OpenAPI v3 (Kubernetes structural schema) -> JSON schema draft 7, unknown fields rejected."""
    if isinstance(s, list):
        return [to_jsonschema(x) for x in s]
    if not isinstance(s, dict):
        return s
    out = {k: to_jsonschema(v) for k, v in s.items() if not k.startswith("x-kubernetes-") and k != "nullable"}
    if s.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if s.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    if "properties" in s and "additionalProperties" not in s and not s.get("x-kubernetes-preserve-unknown-fields"):
        # The API server would prune unknown fields silently; like `kubectl --validate=strict`, reject them.
        out["additionalProperties"] = False
    return out


def crd_validators(crd_files):
    validators = {}
    for f in crd_files:
        for crd in yaml.safe_load_all(pathlib.Path(f).read_text()):
            if not crd or crd.get("kind") != "CustomResourceDefinition":
                continue
            group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
            for v in crd["spec"]["versions"]:
                schema = to_jsonschema(copy.deepcopy(v["schema"]["openAPIV3Schema"]))
                schema.setdefault("properties", {}).update(
                    apiVersion={"type": "string"}, kind={"type": "string"}, metadata={"type": "object"})
                validators[(f"{group}/{v['name']}", kind)] = jsonschema.Draft7Validator(schema)
    return validators


def check_meta(obj):
    errs = []
    name = (obj.get("metadata") or {}).get("name", "")
    if not re.fullmatch(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?", name or "") or len(name) > 253:
        errs.append(f"invalid metadata.name {name!r}")
    for k, v in ((obj.get("metadata") or {}).get("annotations") or {}).items():
        if k.startswith("checkov.io/skip") and not SKIP_RE.match(str(v)):
            errs.append(f"annotation {k} must be 'CKV_..=<reason of 20+ chars>', got {v!r}")
    return errs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--k8s", action="append", required=True, help="Kubernetes version, e.g. 1.30.0")
    ap.add_argument("--crd", action="append", default=[], help="CRD file whose custom resources to validate")
    ap.add_argument("paths", nargs="+")
    a = ap.parse_args()
    crds = crd_validators(a.crd)
    failures, counts = [], {"builtin": 0, "custom": 0, "monitoring": 0}
    for src, obj in load_objects(a.paths):
        key = (obj.get("apiVersion"), obj.get("kind"))
        where = f"{src} {name_of(obj)}"
        failures += [f"{where}: {e}" for e in check_meta(obj)]
        if key in crds:
            counts["custom"] += 1
            for e in crds[key].iter_errors(obj):
                failures.append(f"{where}: {'/'.join(map(str, e.absolute_path))}: {e.message}")
        elif key in LOCAL_SCHEMAS:
            counts["monitoring"] += 1
            v = jsonschema.Draft7Validator(json.loads(LOCAL_SCHEMAS[key].read_text()))
            for e in v.iter_errors(obj):
                failures.append(f"{where}: {'/'.join(map(str, e.absolute_path))}: {e.message}")
        elif "/" in key[0] and key[0].split("/")[0].endswith("shopfleet.dev"):
            failures.append(f"{where}: no CRD given for {key}")
        else:
            counts["builtin"] += 1
            for version in a.k8s:
                try:
                    kubernetes_validate.validate(obj, version, strict=True)
                except kubernetes_validate.ValidationError as e:
                    failures.append(f"{where}: k8s {version}: {'/'.join(map(str, e.path))}: {e.message}")
                except (kubernetes_validate.SchemaNotFoundError, kubernetes_validate.InvalidSchemaError) as e:
                    failures.append(f"{where}: k8s {version}: {e}")
    for f in failures:
        print(f"FAIL {f}", file=sys.stderr)
    total = sum(counts.values())
    print(f"validate_objects: {total} objects ({counts['builtin']} built-in x {len(a.k8s)} versions, "
          f"{counts['custom']} custom resources, {counts['monitoring']} monitoring.coreos.com), {len(failures)} failures")
    if total == 0:
        print("validate_objects: no objects found", file=sys.stderr)
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
