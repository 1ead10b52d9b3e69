#!/usr/bin/env bash
# `make dev`: installs what is missing, brings up Postgres and Redis (and tansu with
# KAFKA=1), builds the web app, migrates, then runs shopfleet-api (port 8000) and shopfleet-worker (port 9090)
# in the foreground. Ctrl-C stops the binaries and every service this script started.
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$ROOT"

kafka_flag=()
[ "${KAFKA:-0}" = 1 ] && kafka_flag=(--kafka)
scripts/dev/prereqs.sh "${kafka_flag[@]}"

pids=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  scripts/dev/services.sh down
}
trap cleanup EXIT
trap 'exit 130' INT TERM

scripts/dev/services.sh up "${kafka_flag[@]}"
[ "${KAFKA:-0}" = 1 ] && export KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:9092}"

# Secrets for this checkout, generated once (never committed): JWT key and demo admin.
secrets="$DEV_DIR/secrets.env"
umask_before=$(umask); umask 077
add_secret() { grep -q "^$1=" "$secrets" 2>/dev/null || echo "$1=$2" >> "$secrets"; }
add_secret JWT_SECRET "$(openssl rand -hex 32)"
add_secret PAYMENTS_WEBHOOK_SECRETS "whsec_$(openssl rand -hex 24)"
add_secret BOOTSTRAP_ADMIN_EMAIL admin@shopfleet.dev
add_secret BOOTSTRAP_ADMIN_PASSWORD "$(openssl rand -base64 18)"
add_secret DEMO_PASSWORD "$(openssl rand -base64 18)"
umask "$umask_before"
set -a; source "$secrets"; set +a

export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/shopfleet}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
export API_HOST="${API_HOST:-127.0.0.1}" API_PORT="${API_PORT:-8000}"
export WORKER_HOST="${WORKER_HOST:-127.0.0.1}" WORKER_PORT="${WORKER_PORT:-9090}"
export DOCS_ENABLED="${DOCS_ENABLED:-true}" DOCS_ASSETS_DIR="${DOCS_ASSETS_DIR:-$DEV_DIR/swagger-ui}"
export LOG_FORMAT="${LOG_FORMAT:-pretty}"
export EMBEDDING_MODEL_DIR="${EMBEDDING_MODEL_DIR:-$CACHE_DIR/models/all-MiniLM-L6-v2}" DATA_DIR="${DATA_DIR:-$DEV_DIR/data}"

bin="$CARGO_TARGET_DIR/debug"
if [ ! -x "$bin/shopfleet-api" ]; then
  say "building shopfleet-api and shopfleet-worker for the first time: about 600 crates, roughly 6 minutes on an idle 2-core machine (later builds take seconds; BENCHMARKS.md times a cold start)"
else
  say "building shopfleet-api and shopfleet-worker"
fi
cargo build --bin shopfleet-api --bin shopfleet-worker

# The web app (storefront and consoles), rebuilt when its sources changed since the last build.
if [ ! -f web/dist/index.html ] || [ -n "$(find web/src web/index.html web/package-lock.json -newer web/dist/index.html -print -quit)" ]; then
  say "building the web app (web/dist)"
  (cd web && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error && npx vite build --logLevel warn)
fi
export WEB_DIR="${WEB_DIR:-$ROOT/web/dist}"

db_name="${DATABASE_URL##*/}"; db_name="${db_name%%\?*}"
admin_url="${DATABASE_URL%/*}/postgres"
if ! psql "$admin_url" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db_name'" | grep -q 1; then
  say "creating database $db_name"
  psql "$admin_url" -qc "CREATE DATABASE \"$db_name\"" >/dev/null
fi
say "applying migrations"
"$bin/shopfleet-api" migrate
say "loading the demo shop (1,000 products; skipped when the catalog has products)"
"$bin/shopfleet-api" seed-demo --products "${DEMO_PRODUCTS:-1000}"
say "embedding product vectors for the assistant (only products not yet embedded)"
"$bin/shopfleet-api" reindex-vectors

"$bin/shopfleet-api" serve & pids+=($!)
# Notification mail lands as .eml files here unless SMTP_URL is set.
[ -n "${SMTP_URL:-}" ] || export MAIL_DIR="${MAIL_DIR:-$DEV_DIR/mail}"
"$bin/shopfleet-worker" & pids+=($!)

for _ in $(seq 1 100); do
  curl -fs "http://$API_HOST:$API_PORT/ready" >/dev/null 2>&1 && break
  sleep 0.2
done
cat >&2 <<EOT

  Shopfleet is running (Ctrl-C stops everything make dev started)
    web app    http://$API_HOST:$API_PORT/   (merchant console /merchant, admin console /admin)
    API        http://$API_HOST:$API_PORT/api/v1
    API docs   http://$API_HOST:$API_PORT/docs   (spec: /openapi.json)
    metrics    http://$API_HOST:$API_PORT/metrics   worker: http://$WORKER_HOST:$WORKER_PORT/metrics
    readiness  http://$API_HOST:$API_PORT/ready
    demo admin $BOOTSTRAP_ADMIN_EMAIL (password in .dev/secrets.env)
    mail       ${MAIL_DIR:-SMTP_URL} (notification e-mail)
    demo shop  merchant0..9@demo.shopfleet.dev, user0..19@demo.shopfleet.dev (DEMO_PASSWORD in .dev/secrets.env)
    try        curl -s 'http://$API_HOST:$API_PORT/api/v1/products?category=electronics&limit=3'
    
    kafka      ${KAFKA_BROKERS:-not configured (make dev KAFKA=1 starts a local Kafka-protocol broker)}

EOT
# Stop when either binary exits (or on Ctrl-C).
wait -n "${pids[@]}"
