#!/usr/bin/env bash
# The web app end to end in a real browser: a fresh database with a small demo shop, the
# real shopfleet-api (serving web/dist) and shopfleet-worker, and Playwright driving Debian's
# Chromium through shopper, merchant and admin journeys (web/e2e/). Run by `make test` after
# scripts/web/check.sh built the app; needs Postgres and Redis on loopback.
# Screenshots and failure traces land in web/test-results/.
set -euo pipefail
source "$(dirname "$0")/../dev/common.sh"
cd "$ROOT"

base_url="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
db="sf_test_web_$(date +%s)_$$"
export DATABASE_URL="${base_url%/*}/$db"
export REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379/0}" REDIS_KEY_PREFIX="e2e-$$"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
export API_HOST=127.0.0.1 API_PORT="$(free_port)" WORKER_HOST=127.0.0.1 WORKER_PORT="$(free_port)"
work="$(mktemp -d)"
export DATA_DIR="$work/data" MAIL_DIR="$work/mail" WEB_DIR="$ROOT/web/dist"
export JWT_SECRET="$(openssl rand -hex 32)" PAYMENTS_WEBHOOK_SECRETS="whsec_$(openssl rand -hex 24)"
export BOOTSTRAP_ADMIN_EMAIL="admin@e2e.shopfleet.dev" BOOTSTRAP_ADMIN_PASSWORD="$(openssl rand -base64 18)"
export DEMO_PASSWORD="$(openssl rand -base64 18)"
export EMBEDDING_MODEL_DIR="${EMBEDDING_MODEL_DIR:-$CACHE_DIR/models/all-MiniLM-L6-v2}"
export LOG_FORMAT=json RUST_LOG="${RUST_LOG:-warn}"
# The worker confirms payments to the API's webhook as the provider would.
export PAYMENTS_WEBHOOK_URL="http://$API_HOST:$API_PORT/api/v1/payments/webhook"

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  psql "$base_url" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

bin="$CARGO_TARGET_DIR/debug"
cargo build --quiet --bin shopfleet-api --bin shopfleet-worker
psql "$base_url" -qc "CREATE DATABASE \"$db\"" >/dev/null
"$bin/shopfleet-api" migrate >/dev/null
"$bin/shopfleet-api" seed-demo --products "${E2E_PRODUCTS:-300}" >/dev/null
"$bin/shopfleet-api" reindex-vectors >/dev/null
"$bin/shopfleet-api" serve > "$work/api.log" 2>&1 & pids+=($!)
"$bin/shopfleet-worker" > "$work/worker.log" 2>&1 & pids+=($!)
for _ in $(seq 1 150); do curl -fs "http://$API_HOST:$API_PORT/ready" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fs "http://$API_HOST:$API_PORT/ready" >/dev/null || { tail -50 "$work/api.log"; die "shopfleet-api did not become ready"; }

say "web: browser journeys (Playwright, Debian Chromium) against http://$API_HOST:$API_PORT"
cd web
status=0
E2E_BASE_URL="http://$API_HOST:$API_PORT" E2E_ADMIN_EMAIL="$BOOTSTRAP_ADMIN_EMAIL" E2E_ADMIN_PASSWORD="$BOOTSTRAP_ADMIN_PASSWORD" \
  E2E_DEMO_PASSWORD="$DEMO_PASSWORD" E2E_DATABASE_URL="$DATABASE_URL" CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}" \
  npx playwright test || status=$?
if [ "$status" != 0 ]; then
  say "last lines of the API and worker logs"
  tail -n 40 "$work/api.log" "$work/worker.log" >&2 || true
fi
exit "$status"
