#!/usr/bin/env bash
# Prove the chart-check checks fail when things are wrong: each case breaks one thing (a fixture
# in testdata/ or a broken copy of the chart in a temp repo) and expects the check to exit non-zero.
source "$(dirname "$0")/lib.sh"
HERE="$ROOT/scripts/chart"
T="$HERE/testdata"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
n=0

must_fail() {  # must_fail DESCRIPTION COMMAND...
  local what="$1"; shift
  if "$@" > "$TMP/out.log" 2>&1; then
    echo "selftest: '$what' passed but must fail:" >&2; tail -n 20 "$TMP/out.log" >&2; exit 1
  fi
  [[ -n "${SELFTEST_VERBOSE:-}" ]] && { echo "--- $what"; tail -n 5 "$TMP/out.log"; }
  n=$((n + 1))
}

# A throwaway repo with the chart, CRD, manifests and scripts, to break copies of them.
fresh_repo() {
  rm -rf "$TMP/repo"; mkdir -p "$TMP/repo/crds" "$TMP/repo/scripts"
  cp -r "$ROOT/charts" "$ROOT/manifests" "$TMP/repo/"
  cp "$CRD_SRC" "$TMP/repo/crds/"
  cp -r "$HERE" "$TMP/repo/scripts/chart"
}

must_fail "restricted pod security" python3 "$HERE/check_pod_security.py" "$T/bad-pod.yaml"
must_fail "rbac wildcard + cluster Secrets in namespaced mode" python3 "$HERE/check_rbac.py" "$T/bad-rbac.yaml"
helm template x "$CHART" -n shopfleet-system > "$TMP/default.yaml"
must_fail "operator builds a kind the RBAC does not grant" python3 "$HERE/check_rbac.py" --built "$T/built-ungranted.yaml" "$TMP/default.yaml"
must_fail "pod security of an operator snapshot" python3 "$HERE/check_pod_security.py" "$T/built-ungranted.yaml"
must_fail "alert on an unexported metric" python3 "$HERE/check_metrics.py" "$ROOT" "$T/bad-alert.yaml"
must_fail "schema validation" python3 "$HERE/validate_objects.py" --k8s 1.30.0 --crd "$CRD_SRC" "$T/bad-object.yaml"
must_fail "checkov on an insecure pod" checkov --file "$T/bad-pod.yaml" --framework kubernetes --skip-download --quiet --compact
must_fail "hadolint" hadolint --config "$ROOT/docker/hadolint.yaml" "$T/bad.Dockerfile"
must_fail "dockerfile structure" python3 "$HERE/check_dockerfiles.py" "$ROOT" "$T/bad.Dockerfile"

fresh_repo
python3 - "$TMP/repo/crds/shopinstances.shopfleet.dev.yaml" <<'PY'
import sys, yaml
crd = yaml.safe_load(open(sys.argv[1]))
crd["spec"]["names"]["shortNames"] = ["stale"]
yaml.safe_dump(crd, open(sys.argv[1], "w"))
PY
must_fail "stale chart CRD" env SHOPFLEET_ROOT="$TMP/repo" "$TMP/repo/scripts/chart/sync-crd.sh" --check

fresh_repo
sed -i 's/^  pullPolicy: IfNotPresent/  pullPolicy: Always/' "$TMP/repo/charts/shopfleet/values.yaml"
must_fail "stale install.yaml" env SHOPFLEET_ROOT="$TMP/repo" "$TMP/repo/scripts/chart/render-install.sh" --check

fresh_repo
printf 'undocumented: true\n' >> "$TMP/repo/charts/shopfleet/values.yaml"
must_fail "value without schema/README entry" python3 "$HERE/check_values.py" "$TMP/repo/charts/shopfleet"
must_fail "helm lint --strict rejects an unknown value" helm lint --strict "$TMP/repo/charts/shopfleet"

fresh_repo
sed -i 's/^concurrency: 4$/concurrency: 8/' "$TMP/repo/charts/shopfleet/values.yaml"
must_fail "README default differs from values.yaml" python3 "$HERE/check_values.py" "$TMP/repo/charts/shopfleet"

fresh_repo
sed -i 's/verbs: \["get", "patch", "update"\]/verbs: ["get", "patch", "update", "*"]/' "$TMP/repo/charts/shopfleet/templates/_helpers.tpl"
helm template x "$TMP/repo/charts/shopfleet" -n shopfleet-system > "$TMP/wild.yaml"
must_fail "rbac wildcard rendered from the chart" python3 "$HERE/check_rbac.py" "$TMP/wild.yaml"

fresh_repo
sed -i 's/readOnlyRootFilesystem: true/readOnlyRootFilesystem: false/; s/allowPrivilegeEscalation: false/allowPrivilegeEscalation: true/' \
  "$TMP/repo/charts/shopfleet/templates/deployment.yaml"
helm template x "$TMP/repo/charts/shopfleet" -n shopfleet-system > "$TMP/psa.yaml"
must_fail "pod security rendered from the chart" python3 "$HERE/check_pod_security.py" "$TMP/psa.yaml"

echo "selftest: $n broken inputs, each rejected"
