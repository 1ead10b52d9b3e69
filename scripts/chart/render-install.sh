#!/usr/bin/env bash
# Render manifests/install.yaml from the chart's defaults: a Namespace (restricted Pod Security)
# followed by `helm template` into it, for `kubectl apply -f manifests/install.yaml`.
#   render-install.sh          rewrite manifests/install.yaml
#   render-install.sh --check  exit 1 when manifests/install.yaml is stale
source "$(dirname "$0")/lib.sh"
NAMESPACE=shopfleet-system
OUT="$ROOT/manifests/install.yaml"

render() {
  cat <<YAML
# Shopfleet operator, rendered from charts/shopfleet with default values by
# scripts/chart/render-install.sh (make install-yaml). Do not edit by hand.
#   kubectl apply --server-side -f manifests/install.yaml
---
apiVersion: v1
kind: Namespace
metadata:
  name: $NAMESPACE
  labels:
    app.kubernetes.io/part-of: shopfleet
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/warn: restricted
YAML
  helm template shopfleet "$CHART" --namespace "$NAMESPACE"
}

if [[ "${1:-}" == "--check" ]]; then
  [[ -f "$OUT" ]] || die "manifests/install.yaml is missing: run make install-yaml"
  if ! diff -u "$OUT" <(render) > /dev/null; then
    diff -u "$OUT" <(render) | head -n 40 >&2 || true
    die "manifests/install.yaml is stale: run make install-yaml and commit it"
  fi
  log "manifests/install.yaml is up to date"
else
  mkdir -p "$(dirname "$OUT")"
  render > "$OUT"
  log "wrote manifests/install.yaml"
fi
