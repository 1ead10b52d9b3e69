#!/usr/bin/env bash
# `make chart-check`: every check of the chart, manifests and Dockerfiles. Installs its tools
# first (ensure-tools.sh, cached outside the repo), runs every step even after a failure, prints
# one line per step and exits 1 if any failed.
source "$(dirname "$0")/lib.sh"
HERE="$ROOT/scripts/chart"
K8S_VERSIONS=(1.30.0 1.35.0)
NAMESPACE=shopfleet-system

"$HERE/ensure-tools.sh"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
passed=0; failed=0; failed_names=()

step() {  # step NAME COMMAND... : run, time, record
  local name="$1"; shift
  local start=$SECONDS
  if "$@" > "$WORK/step.log" 2>&1; then
    passed=$((passed + 1)); printf 'ok    %-28s %3ss  %s\n' "$name" $((SECONDS - start)) "$(tail -n 1 "$WORK/step.log")"
  else
    failed=$((failed + 1)); failed_names+=("$name")
    printf 'FAIL  %-28s %3ss\n' "$name" $((SECONDS - start)); sed 's/^/      /' "$WORK/step.log" | tail -n 60
  fi
}

shellcheck_all() {
  local files=("$HERE"/*.sh "$ROOT"/scripts/cluster/*.sh "$ROOT"/scripts/cluster/entrypoints/*.sh)
  shellcheck -x -P SCRIPTDIR "${files[@]}" && echo "shellcheck: ${#files[@]} scripts clean"
}

render_all() {  # helm template with every ci/*-values.yaml
  mkdir -p "$WORK/rendered"
  local f
  for f in "$CHART"/ci/*-values.yaml; do
    helm template shopfleet "$CHART" --namespace "$NAMESPACE" -f "$f" > "$WORK/rendered/$(basename "$f" -values.yaml).yaml" || return 1
  done
  echo "rendered: $(cd "$WORK/rendered" && echo *)"
}

lint_all() {
  local files=("$CHART"/ci/*-values.yaml) f
  for f in "${files[@]}"; do
    helm lint --strict --quiet "$CHART" -f "$f" || return 1
  done
  echo "helm lint --strict: ${#files[@]} values files"
}

# The operator's insta snapshots of the objects it builds (YAML), when present.
mapfile -t SNAPSHOTS < <(find "$ROOT/operator" -path '*snapshots*' -name '*.snap' 2>/dev/null | sort)

validate() {
  local extra=() v
  [[ -d "$ROOT/manifests/samples" ]] && extra+=("$ROOT/manifests/samples")
  extra+=("${SNAPSHOTS[@]}")
  local versions=(); for v in "${K8S_VERSIONS[@]}"; do versions+=(--k8s "$v"); done
  # CloudNativePG's and Strimzi's own CRDs (beside the repository, never in it) validate the
  # objects the operator builds for them.
  local crds=(--crd "$CRD_SRC") f
  for f in "$ROOT"/../shared/crds/cloudnative-pg/postgresql.cnpg.io_{clusters,scheduledbackups}.yaml \
    "$ROOT"/../shared/crds/strimzi/*.yaml; do
    [[ -f "$f" ]] || die "$f is missing: the third-party CRDs are read from ../shared/crds"
    crds+=(--crd "$f")
  done
  python3 "$HERE/validate_objects.py" "${versions[@]}" "${crds[@]}" \
    "$WORK/rendered" "$ROOT/manifests/install.yaml" "${extra[@]}"
}

pod_security() {  # rendered chart + the operator's snapshots of the pods it builds
  echo "including ${#SNAPSHOTS[@]} operator snapshot files"
  python3 "$HERE/check_pod_security.py" --min 4 "$WORK/rendered" "${SNAPSHOTS[@]}"
}

rbac() {
  local built=() f
  for f in "${SNAPSHOTS[@]}"; do built+=(--built "$f"); done
  python3 "$HERE/check_rbac.py" "${built[@]}" "$WORK"/rendered/*.yaml "$ROOT/manifests/install.yaml"
}

checkov_scan() {  # one JSON run; print each failure, then the summary
  checkov --directory "$WORK/rendered" --framework kubernetes --skip-download --quiet \
    --output json > "$WORK/checkov.json" 2> "$WORK/checkov.err" || true
  python3 - "$WORK/checkov.json" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
except ValueError:
    sys.exit("checkov produced no JSON report: " + open(sys.argv[1]).read()[:500])
r = r if isinstance(r, list) else [r]
for x in r:
    for c in (x.get("results") or {}).get("failed_checks", []):
        print(f"FAIL {c['check_id']} {c['check_name']}: {c['resource']} ({c['file_path']})")
s = [x["summary"] for x in r if "summary" in x]
p, f, k = (sum(x[key] for x in s) for key in ("passed", "failed", "skipped"))
print(f"checkov: {p} passed, {f} failed, {k} skipped (each skip annotated in the chart with its reason)")
sys.exit(1 if f or not p else 0)
PY
}

dockerfiles() {
  local files=("$ROOT"/docker/*.Dockerfile)
  [[ -e "${files[0]}" ]] || { echo "no Dockerfiles under docker/"; return 1; }
  hadolint --config "$ROOT/docker/hadolint.yaml" "${files[@]}" || return 1
  python3 "$HERE/check_dockerfiles.py" "$ROOT" "${files[@]}"
}

step "shellcheck"              shellcheck_all
step "crd-in-sync"             "$HERE/sync-crd.sh" --check
step "dashboards-in-sync"      python3 "$HERE/gen-dashboards.py" --check
step "helm-lint"               lint_all
step "helm-template"           render_all
step "kubernetes-validate"     validate
step "rbac"                    rbac
step "pod-security-restricted" pod_security
step "checkov"                 checkov_scan
step "metrics-exported"        python3 "$HERE/check_metrics.py" "$ROOT" "$WORK"/rendered/*.yaml
step "values-schema-readme"    python3 "$HERE/check_values.py" "$CHART"
step "install-yaml-in-sync"    "$HERE/render-install.sh" --check
step "dockerfiles"             dockerfiles
step "checks-fail-when-broken" "$HERE/selftest.sh"

echo "chart-check: $passed passed, $failed failed"
if (( failed )); then
  echo "chart-check failed: ${failed_names[*]}" >&2
  exit 1
fi
