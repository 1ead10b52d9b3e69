# Sourced by the web app's e2e and Lighthouse runs: start_demo_server brings up a fresh
# database with a small demo shop, shopfleet-api (serving web/dist) and shopfleet-worker on
# free loopback ports, and registers their teardown (processes, database, files) on EXIT.
# Afterwards DEMO_URL, DATABASE_URL, BOOTSTRAP_ADMIN_*, DEMO_PASSWORD and DEMO_LOGS are set.
# Needs common.sh sourced first, and Postgres and Redis on loopback.

start_demo_server() {
  local products="$1" profile="${2:-debug}"
  local base_url="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
  local db="sf_test_web_$(date +%s)_$$"
  export DATABASE_URL="${base_url%/*}/$db"
  export REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379/0}" REDIS_KEY_PREFIX="web-$$"
  export API_HOST=127.0.0.1 API_PORT="$(free_port)" WORKER_HOST=127.0.0.1 WORKER_PORT="$(free_port)"
  DEMO_WORK="$(mktemp -d)"
  export DATA_DIR="$DEMO_WORK/data" MAIL_DIR="$DEMO_WORK/mail" WEB_DIR="$ROOT/web/dist"
  export JWT_SECRET="$(openssl rand -hex 32)" PAYMENTS_WEBHOOK_SECRETS="whsec_$(openssl rand -hex 24)"
  export BOOTSTRAP_ADMIN_EMAIL="admin@web.shopfleet.dev" BOOTSTRAP_ADMIN_PASSWORD="$(openssl rand -base64 18)"
  export DEMO_PASSWORD="$(openssl rand -base64 18)"
  export EMBEDDING_MODEL_DIR="${EMBEDDING_MODEL_DIR:-$CACHE_DIR/models/all-MiniLM-L6-v2}"
  export LOG_FORMAT=json RUST_LOG="${RUST_LOG:-warn}"
  # The worker confirms payments to the API's webhook as the provider would.
  export PAYMENTS_WEBHOOK_URL="http://$API_HOST:$API_PORT/api/v1/payments/webhook"
  DEMO_URL="http://$API_HOST:$API_PORT"
  DEMO_LOGS=("$DEMO_WORK/api.log" "$DEMO_WORK/worker.log")
  DEMO_PIDS=()
  DEMO_DB="$db" DEMO_ADMIN_URL="$base_url"
  trap stop_demo_server EXIT

  local flags=() bin="$CARGO_TARGET_DIR/debug"
  [ "$profile" = release ] && flags=(--release) bin="$CARGO_TARGET_DIR/release"
  cargo build --quiet "${flags[@]}" --bin shopfleet-api --bin shopfleet-worker
  psql "$base_url" -qc "CREATE DATABASE \"$db\"" >/dev/null
  "$bin/shopfleet-api" migrate >/dev/null
  "$bin/shopfleet-api" seed-demo --products "$products" >/dev/null
  "$bin/shopfleet-api" reindex-vectors >/dev/null
  "$bin/shopfleet-api" serve > "${DEMO_LOGS[0]}" 2>&1 & DEMO_PIDS+=($!)
  "$bin/shopfleet-worker" > "${DEMO_LOGS[1]}" 2>&1 & DEMO_PIDS+=($!)
  for _ in $(seq 1 150); do curl -fs "$DEMO_URL/ready" >/dev/null 2>&1 && return 0; sleep 0.2; done
  tail -n 50 "${DEMO_LOGS[0]}" >&2
  die "shopfleet-api did not become ready"
}

stop_demo_server() {
  for pid in "${DEMO_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${DEMO_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  psql "$DEMO_ADMIN_URL" -qc "DROP DATABASE IF EXISTS \"$DEMO_DB\" WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$DEMO_WORK"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
