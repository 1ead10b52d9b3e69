"""Helpers shared by the chart-check scripts: load Kubernetes objects from YAML files and
find every pod template in them (Deployment, StatefulSet, Job, CronJob, ...)."""
import pathlib
import sys

import yaml


def load_objects(paths):
    """Yield (source, object) for every mapping with a `kind` in the given files or directories.

    Insta snapshot files (`.snap`, a YAML header then `---` then the body) are read too, so the
    operator's snapshot tests of built objects can be checked with the same rules."""
    files = []
    for p in map(pathlib.Path, paths):
        if p.is_dir():
            files += sorted(f for f in p.rglob("*") if f.suffix in (".yaml", ".yml", ".snap"))
        elif p.exists():
            files.append(p)
        else:
            sys.exit(f"no such file: {p}")
    for f in files:
        try:
            docs = list(yaml.safe_load_all(f.read_text()))
        except yaml.YAMLError as e:
            if f.suffix == ".snap":  # a Debug or non-YAML snapshot: nothing to check in it
                print(f"note: {f} is not a YAML snapshot; skipped", file=sys.stderr)
                continue
            sys.exit(f"{f}: invalid YAML: {e}")
        for i, doc in enumerate(docs):
            for obj in _flatten(doc):
                yield f"{f}#{i}", obj


def _flatten(doc):
    if isinstance(doc, dict):
        if "kind" in doc and "apiVersion" in doc:
            if doc["kind"].endswith("List") and isinstance(doc.get("items"), list):
                for item in doc["items"]:
                    yield from _flatten(item)
            else:
                yield doc
        else:  # e.g. a snapshot of a struct holding several objects
            for v in doc.values():
                yield from _flatten(v)
    elif isinstance(doc, list):
        for v in doc:
            yield from _flatten(v)


def name_of(obj):
    m = obj.get("metadata") or {}
    ns = m.get("namespace")
    return f"{obj.get('kind')}/{(ns + '/') if ns else ''}{m.get('name')}"


def pod_specs(obj):
    """Return the PodSpec(s) inside an object, with a path for messages."""
    kind, spec = obj.get("kind"), obj.get("spec") or {}
    if kind == "Pod":
        return [("spec", spec)]
    if kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "ReplicationController"):
        return [("spec.template.spec", (spec.get("template") or {}).get("spec") or {})]
    if kind == "CronJob":
        jt = (spec.get("jobTemplate") or {}).get("spec") or {}
        return [("spec.jobTemplate.spec.template.spec", (jt.get("template") or {}).get("spec") or {})]
    return []
