#!/usr/bin/env python3
"""Check that values.schema.json and the chart README cover every value:

- every object in the schema is closed: `additionalProperties: false` with `properties`, a typed
  map (`additionalProperties: {schema}`), or marked free-form with a `$comment` giving why;
- every key in values.yaml has a schema entry, and every schema property exists in values.yaml;
- every schema property has a description;
- the values table under '## Values' in the README lists every value (leaf) path as `path`, and no path
  that does not exist, with its default (a JSON cell) equal to values.yaml's.
Usage: check_values.py CHART_DIR
"""
import json
import pathlib
import re
import sys

import yaml


def walk_schema(node, path, errs, paths):
    if node.get("type") == "object":
        props = node.get("properties")
        ap = node.get("additionalProperties")
        if props is not None:
            if ap is not False:
                errs.append(f"{path or '<root>'}: object with properties must set additionalProperties: false")
            for k, sub in props.items():
                p = f"{path}.{k}" if path else k
                paths.add(p)
                if not sub.get("description") and p != "global":
                    errs.append(f"{p}: no description")
                walk_schema(sub, p, errs, paths)
        elif isinstance(ap, dict):
            pass
        elif not str(node.get("$comment", "")).startswith("free-form:"):
            errs.append(f"{path}: open object: add properties, a typed additionalProperties, or a '$comment: free-form: why'")
    if node.get("type") == "array" and isinstance(node.get("items"), dict):
        walk_schema(node["items"], f"{path}[]", errs, set())


def value_paths(values, schema, path=""):
    """(all paths, leaf paths) of values.yaml, descending only into schema objects with properties."""
    out, leaves = set(), set()
    for k, v in values.items():
        p = f"{path}.{k}" if path else k
        out.add(p)
        sub = (schema.get("properties") or {}).get(k) or {}
        if isinstance(v, dict) and "properties" in sub:
            o, lv = value_paths(v, sub, p)
            out |= o
            leaves |= lv
        else:
            leaves.add(p)
    return out, leaves


def lookup(values, path):
    for key in path.split("."):
        values = (values or {}).get(key)
    return values


def main():
    chart = pathlib.Path(sys.argv[1])
    schema = json.loads((chart / "values.schema.json").read_text())
    values = yaml.safe_load((chart / "values.yaml").read_text()) or {}
    errs, schema_paths = [], set()
    walk_schema(schema, "", errs, schema_paths)
    vpaths, leaves = value_paths(values, schema)
    for p in sorted(vpaths - schema_paths):
        errs.append(f"values.yaml key {p} has no schema entry")
    for p in sorted(schema_paths - vpaths - {"global"}):
        errs.append(f"schema property {p} is not in values.yaml")
    readme = (chart / "README.md").read_text()
    section = re.search(r"^## Values\n(.*?)(?=^## |\Z)", readme, flags=re.M | re.S)
    if not section:
        errs.append("README.md has no '## Values' section")
    readme = section.group(1) if section else ""
    rows = re.findall(r"^\|\s*`([^`]+)`\s*\|[^|]*\|\s*`([^`]*)`\s*\|", readme, flags=re.M)
    documented = set(re.findall(r"^\|\s*`([^`]+)`\s*\|", readme, flags=re.M))
    for path, default in rows:
        actual = lookup(values, path)
        try:
            if path in leaves and json.loads(default) != actual:
                errs.append(f"README.md default of `{path}` is {default}, values.yaml has {json.dumps(actual)}")
        except ValueError:
            errs.append(f"README.md default of `{path}` is not JSON: {default}")
    for p in sorted(leaves - documented):
        errs.append(f"README.md values table does not list `{p}`")
    for p in sorted(documented - leaves):
        errs.append(f"README.md lists `{p}`, which is not a value")
    for e in errs:
        print(f"FAIL {e}", file=sys.stderr)
    print(f"check_values: {len(leaves)} values, {len(schema_paths)} schema properties, "
          f"{len(documented)} documented, {len(errs)} problems")
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
