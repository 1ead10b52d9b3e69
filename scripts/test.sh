#!/usr/bin/env bash
# `make test`: installs what is missing, brings up Postgres, Redis, a Kafka-protocol
# broker and Meilisearch on loopback, then runs the lints, every Rust test, the OpenAPI validation, the API
# contract check (schemathesis), the web app's checks and browser journeys, the chart checks, and
# a shop's pods end to end on a real single-node cluster. Stops the services it started.
set -euo pipefail
source "$(dirname "$0")/dev/common.sh"
cd "$ROOT"

scripts/dev/prereqs.sh --test
trap 'scripts/dev/services.sh down' EXIT
scripts/dev/services.sh up --kafka --meili

export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
export TEST_REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379/0}"
export TEST_KAFKA_BROKERS="${TEST_KAFKA_BROKERS:-127.0.0.1:9092}"
# The Meilisearch backend's tests and the worker's search-index tests run against it.
export MEILI_URL="${MEILI_URL:-http://127.0.0.1:7700}"
export MEILI_API_KEY="${MEILI_API_KEY:-$(cat "$DEV_DIR/meili/master-key")}"
export EMBEDDING_MODEL_DIR="${EMBEDDING_MODEL_DIR:-$CACHE_DIR/models/all-MiniLM-L6-v2}"
# Operator envtest binaries (etcd, kube-apiserver, kube-controller-manager; see scripts/dev/envtest.sh).
export KUBEBUILDER_ASSETS="${KUBEBUILDER_ASSETS:-$CACHE_DIR/k8s}"

say "dropping databases left by earlier test runs"
psql "$TEST_DATABASE_URL" -tAc "SELECT datname FROM pg_database WHERE datname LIKE 'sf\_test\_%'" |
  while read -r db; do [ -n "$db" ] && psql "$TEST_DATABASE_URL" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)"; done

# stage NAME CMD... : runs one stage and records how long it took (printed at the end).
timings=()
stage() {
  local name="$1" start=$SECONDS
  shift
  say "$name"
  "$@"
  timings+=("$(printf '%-44s %4d s' "$name" $((SECONDS - start)))")
}
stage "cargo fmt --check" cargo fmt --all -- --check
stage "cargo clippy" cargo clippy --workspace --all-targets --quiet -- -D warnings
stage "cargo nextest" cargo nextest run --workspace --no-fail-fast
stage "OpenAPI 3.1 validation of api-server/openapi.json" \
  "$CACHE_DIR/venv/bin/openapi-spec-validator" --schema 3.1.0 api-server/openapi.json
stage "the API against its OpenAPI contract (schemathesis)" scripts/contract/schemathesis.sh
stage "web app checks" scripts/web/check.sh
stage "web app journeys in Chromium" scripts/web/e2e.sh
stage "chart checks" "${MAKE:-make}" --no-print-directory chart-check
# A shop's real pods on a single-node cluster: needs root (a bridge, iptables, mounts).
if [ "$(id -u)" = 0 ]; then
  stage "a shop on a real single-node cluster" scripts/cluster/e2e.sh
else
  say "SKIPPED: the real-cluster end-to-end test needs root (scripts/cluster/e2e.sh)"
fi
say "all checks passed; time per stage:"
printf '  %s\n' "${timings[@]}" >&2
