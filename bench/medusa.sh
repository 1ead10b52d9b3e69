#!/usr/bin/env bash
# Peer benchmark: Shopfleet beside Medusa 2 (npm `@medusajs/medusa`, pinned in
# bench/medusa/package.json) on the same 1,000 demo products, the same Postgres and Redis,
# in the same run. Medusa is the small project in bench/medusa/, installed and built in
# production mode (`medusa build`, run from .medusa/server with NODE_ENV=production, Redis
# event bus, workflow engine, cache and locking, admin off, Node's cluster mode over every
# CPU). Scenario by scenario it alternates Shopfleet and Medusa: list, detail, search (goose
# `catalog-bench` and `medusa-bench`) and a checkout (`checkout-bench` as bench/checkout.sh
# runs it with standard shipping to Germany and VAT, no code; `medusa-bench` with the same),
# and prints Markdown: req/s and p99 of each, and Shopfleet ÷ Medusa.
#
#   bench/medusa.sh                                     # 16 users, 20 s per scenario and system
#   BENCH_USERS=4 BENCH_SECONDS=5 bench/medusa.sh       # a quick check
#   BENCH_SCENARIOS="list search" bench/medusa.sh       # some scenarios only
#
# Each measured run follows an unmeasured one of BENCH_WARMUP seconds (default 5; 0 for none)
# of the same scenario on the same system, so Node's JIT and both systems' caches are warm.
#
# Settings: MEDUSA_CLUSTER (Medusa processes, default nproc; 0 runs one process without
# cluster mode), MEDUSA_CACHING (1, the default, turns on Medusa's Redis caching module,
# behind its `caching` feature flag, as Shopfleet's catalog cache is on; 0 leaves it off),
# MEDUSA_REDIS_DB (the Redis database index Medusa gets to itself, default 13: it must be
# empty, and is flushed afterwards), MEDUSA_HOME (where Medusa is installed and built,
# default ~/.cache/shopfleet/medusa), BENCH_NO_BUILD=1 (use the release binaries already in
# the target directories instead of running cargo).
#
# Needs: cargo, node (^20.19 or >=22.12) and npm with the npm registry, psql, curl, python3,
# redis-cli, Postgres on 127.0.0.1:5432 (trust, user postgres) and Redis on 127.0.0.1:6379.
set -euo pipefail
# `serve` checks that the assistant's model is there (scripts/dev/prereqs.sh fetches it).
export EMBEDDING_MODEL_DIR=${EMBEDDING_MODEL_DIR:-$HOME/.cache/shopfleet/models/all-MiniLM-L6-v2}

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/shoppers.sh
source "$ROOT/bench/shoppers.sh"
USERS=${BENCH_USERS:-16}
SECONDS_PER_RUN=${BENCH_SECONDS:-20}
WARMUP_SECONDS=${BENCH_WARMUP:-5}
read -ra SCENARIOS <<<"${BENCH_SCENARIOS:-list detail search checkout}"
PG=postgres://postgres@127.0.0.1:5432
API_TARGET=${CARGO_TARGET_DIR:-$HOME/.cache/shopfleet/target}
BENCH_TARGET=${BENCH_TARGET_DIR:-$HOME/.cache/shopfleet/target-bench}
MEDUSA_HOME=${MEDUSA_HOME:-$HOME/.cache/shopfleet/medusa}
MEDUSA_REDIS_DB=${MEDUSA_REDIS_DB:-13}
MEDUSA_CLUSTER=${MEDUSA_CLUSTER:-$(nproc)}
MEDUSA_CACHING=${MEDUSA_CACHING:-1}
RUN_ID=$(date -u +%Y%m%d%H%M%S)_$$
OUT=${BENCH_OUT:-/tmp/shopfleet-bench-medusa-$RUN_ID}
SF_DB=shopfleet_peer_$RUN_ID
MEDUSA_DB=medusa_peer_$RUN_ID
SF_PREFIX=bench-medusa-$RUN_ID
PASSWORD="Amber-Harbour-Violin-$$"
mkdir -p "$OUT"

log() { printf '[medusa.sh] %s\n' "$*" >&2; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
secret() { python3 -c "import secrets; print($1)"; }
has() { case " ${SCENARIOS[*]} " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

for tool in node npm psql curl python3 redis-cli; do
  command -v "$tool" >/dev/null || { log "$tool not found"; exit 1; }
done
node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit((a === 20 && b >= 19) || (a === 22 && b >= 12) || a > 22 ? 0 : 1)' ||
  { log "Medusa 2 needs Node ^20.19 or >=22.12, not $(node --version)"; exit 1; }
for s in "${SCENARIOS[@]}"; do
  case $s in list | detail | search | checkout) ;; *) log "unknown scenario $s (list, detail, search, checkout)"; exit 1 ;; esac
done
# Medusa's modules take fixed Redis key names (BullMQ queues, locks, cache): a database index
# of its own keeps them apart from Shopfleet's and anyone else's, and lets cleanup flush it.
REDIS_KEYS=$(redis-cli -n "$MEDUSA_REDIS_DB" dbsize)
[ "$REDIS_KEYS" = 0 ] || { log "Redis database $MEDUSA_REDIS_DB has $REDIS_KEYS keys; set MEDUSA_REDIS_DB to an empty one"; exit 1; }

SF_PIDS=() MEDUSA_PID='' DATABASES=() REDIS_DIRTY=''
cleanup() {
  for pid in "${SF_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  if [ -n "$MEDUSA_PID" ]; then
    # Medusa runs in its own process group (setsid): the cluster's primary and its workers.
    kill -TERM -- "-$MEDUSA_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 -- "-$MEDUSA_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$MEDUSA_PID" 2>/dev/null || true
  fi
  for db in "${DATABASES[@]}"; do psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" 2>/dev/null || true; done
  if [ -n "$REDIS_DIRTY" ]; then
    redis-cli -n "$MEDUSA_REDIS_DB" flushdb >/dev/null 2>&1 || true
    redis-cli -n 0 --scan --pattern "$SF_PREFIX*" 2>/dev/null | xargs -r redis-cli -n 0 del >/dev/null 2>&1 || true
  fi
  log "raw output in $OUT"
}
trap cleanup EXIT INT TERM

if [ "${BENCH_NO_BUILD:-0}" = 1 ]; then
  log "using the release binaries as built (BENCH_NO_BUILD=1)"
else
  log "building shopfleet-api, shopfleet-worker and the goose scenarios (release)"
  (cd "$ROOT" && CARGO_TARGET_DIR=$API_TARGET cargo build --quiet --release -p shopfleet-api -p shopfleet-worker)
  (cd "$ROOT/bench" && CARGO_TARGET_DIR=$BENCH_TARGET cargo build --quiet --release)
fi
for bin in "$API_TARGET/release/shopfleet-api" "$API_TARGET/release/shopfleet-worker" "$BENCH_TARGET/release/catalog-bench" \
  "$BENCH_TARGET/release/checkout-bench" "$BENCH_TARGET/release/medusa-bench"; do
  [ -x "$bin" ] || { log "$bin is missing"; exit 1; }
done

# Medusa: the project's files into MEDUSA_HOME (node_modules and the build stay out of the
# repository), `npm ci` from the lockfile when it changed (no install scripts: none is needed,
# and some would download), then the production build into .medusa/server.
started=$(date +%s)
mkdir -p "$MEDUSA_HOME"
rm -rf "$MEDUSA_HOME/src"
cp -r "$ROOT/bench/medusa/src" "$MEDUSA_HOME/src"
cp "$ROOT/bench/medusa/package.json" "$ROOT/bench/medusa/package-lock.json" "$ROOT/bench/medusa/medusa-config.ts" \
  "$ROOT/bench/medusa/tsconfig.json" "$MEDUSA_HOME/"
LOCK_SUM=$(cat "$MEDUSA_HOME/package.json" "$MEDUSA_HOME/package-lock.json" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$MEDUSA_HOME/node_modules/.shopfleet-lock" 2>/dev/null || true)" != "$LOCK_SUM" ]; then
  log "installing Medusa (npm ci in $MEDUSA_HOME)"
  (cd "$MEDUSA_HOME" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) >"$OUT/npm-ci.log" 2>&1 ||
    { log "npm ci failed; see $OUT/npm-ci.log"; tail -20 "$OUT/npm-ci.log" >&2; exit 1; }
  echo "$LOCK_SUM" >"$MEDUSA_HOME/node_modules/.shopfleet-lock"
fi
INSTALL_S=$(($(date +%s) - started))
MEDUSA_VERSION=$(node -p "require('$MEDUSA_HOME/node_modules/@medusajs/medusa/package.json').version")
MEDUSA_PORT=$(free_port)
MEDUSA_BASE=http://127.0.0.1:$MEDUSA_PORT
# Medusa's environment, apart from Shopfleet's (both read DATABASE_URL and REDIS_URL).
MEDUSA_ENV=(
  NODE_ENV=production MEDUSA_DISABLE_TELEMETRY=true LOG_LEVEL=warn
  DATABASE_URL="$PG/$MEDUSA_DB" REDIS_URL="redis://127.0.0.1:6379/$MEDUSA_REDIS_DB"
  JWT_SECRET="$(secret 'secrets.token_hex(32)')" COOKIE_SECRET="$(secret 'secrets.token_hex(32)')"
  MEDUSA_FF_CACHING="$([ "$MEDUSA_CACHING" = 1 ] && echo true || echo false)"
)
MEDUSA_BIN=$MEDUSA_HOME/node_modules/.bin/medusa
started=$(date +%s)
log "building Medusa $MEDUSA_VERSION (medusa build)"
(cd "$MEDUSA_HOME" && env "${MEDUSA_ENV[@]}" LOG_LEVEL=info "$MEDUSA_BIN" build) >"$OUT/medusa-build.log" 2>&1 ||
  { log "medusa build failed; see $OUT/medusa-build.log"; tail -20 "$OUT/medusa-build.log" >&2; exit 1; }
BUILD_S=$(($(date +%s) - started))

# Shopfleet: the demo shop, exactly as bench/catalog.sh and bench/checkout.sh load it.
API_PORT=$(free_port)
WORKER_PORT=$(free_port)
SF_BASE=http://127.0.0.1:$API_PORT
SF_ENV=(
  DATABASE_URL="$PG/$SF_DB" REDIS_URL=redis://127.0.0.1:6379/0 REDIS_KEY_PREFIX="$SF_PREFIX"
  JWT_SECRET="$(secret 'secrets.token_hex(32)')" PAYMENTS_WEBHOOK_SECRETS="whsec_$(secret 'secrets.token_hex(24)')"
  DEMO_PASSWORD="$(secret '"Bench-" + secrets.token_urlsafe(12)')"
  API_HOST=127.0.0.1 API_PORT="$API_PORT" WORKER_HOST=127.0.0.1 WORKER_PORT="$WORKER_PORT"
  PAYMENTS_WEBHOOK_URL="$SF_BASE/api/v1/payments/webhook" LOGIN_MAX_ATTEMPTS_PER_IP=1000000000
  LOG_LEVEL=warn LOG_FORMAT=json
)
DATABASES+=("$SF_DB")
REDIS_DIRTY=1
psql "$PG/postgres" -qc "CREATE DATABASE \"$SF_DB\""
env "${SF_ENV[@]}" "$API_TARGET/release/shopfleet-api" migrate >"$OUT/shopfleet-migrate.log" 2>&1
log "seeding Shopfleet's demo shop (1,000 products)"
env "${SF_ENV[@]}" "$API_TARGET/release/shopfleet-api" seed-demo --products 1000 >"$OUT/shopfleet-seed.log" 2>&1
psql "$PG/$SF_DB" -qc "VACUUM ANALYZE"

# The same catalog for Medusa: categories (parents first) and products with their variants,
# prices, available stock and attributes, in the demo shop's order.
psql "$PG/$SF_DB" -At >"$OUT/catalog.json" <<'SQL'
SELECT json_build_object(
  'categories', (SELECT json_agg(json_build_object('slug', c.slug, 'name', c.name, 'parent', p.slug) ORDER BY c.path)
                 FROM categories c LEFT JOIN categories p ON p.id = c.parent_id),
  'products', (SELECT json_agg(json_build_object(
                 'title', p.title, 'handle', p.slug, 'description', p.description, 'status', p.status,
                 'category', c.slug, 'attributes', p.attributes,
                 'variants', (SELECT json_agg(json_build_object('sku', v.sku, 'price_minor', v.price_minor,
                                'currency', v.currency, 'on_hand', v.on_hand - v.reserved, 'options', v.options)
                                ORDER BY v.position)
                              FROM variants v WHERE v.product_id = p.id))
               ORDER BY p.created_at, p.id)
               FROM products p LEFT JOIN categories c ON c.id = p.category_id))
SQL
read -r PRODUCTS VARIANTS < <(python3 -c 'import json, sys; c = json.load(open(sys.argv[1])); print(len(c["products"]), sum(len(p["variants"]) for p in c["products"]))' "$OUT/catalog.json")
log "exported $PRODUCTS products, $VARIANTS variants"

DATABASES+=("$MEDUSA_DB")
psql "$PG/postgres" -qc "CREATE DATABASE \"$MEDUSA_DB\""
SERVER_DIR=$MEDUSA_HOME/.medusa/server
started=$(date +%s)
log "migrating Medusa's database"
(cd "$SERVER_DIR" && env "${MEDUSA_ENV[@]}" "$MEDUSA_BIN" db:migrate) >"$OUT/medusa-migrate.log" 2>&1 ||
  { log "medusa db:migrate failed; see $OUT/medusa-migrate.log"; tail -20 "$OUT/medusa-migrate.log" >&2; exit 1; }
MIGRATE_S=$(($(date +%s) - started))
started=$(date +%s)
log "seeding Medusa with the same catalog"
(cd "$SERVER_DIR" && env "${MEDUSA_ENV[@]}" LOG_LEVEL=info "$MEDUSA_BIN" exec ./src/scripts/seed.js "$OUT/catalog.json" "$OUT/medusa-seed.json") \
  >"$OUT/medusa-seed.log" 2>&1 || { log "the Medusa seed failed; see $OUT/medusa-seed.log"; tail -20 "$OUT/medusa-seed.log" >&2; exit 1; }
SEED_S=$(($(date +%s) - started))
psql "$PG/$MEDUSA_DB" -qc "VACUUM ANALYZE"
MEDUSA_PRODUCTS=$(psql "$PG/$MEDUSA_DB" -At -c "SELECT count(*) FROM product WHERE deleted_at IS NULL AND status = 'published'")
[ "$MEDUSA_PRODUCTS" = "$PRODUCTS" ] || { log "Medusa has $MEDUSA_PRODUCTS published products, Shopfleet $PRODUCTS"; exit 1; }
seed_field() { python3 -c 'import json, sys; print(eval(sys.argv[2], {"s": json.load(open(sys.argv[1]))}))' "$OUT/medusa-seed.json" "$1"; }
# What medusa-bench reads: the publishable key, the region, and the category filter
# (`electronics` and its subcategories, which Shopfleet's `category=electronics` includes).
export MEDUSA_PUBLISHABLE_KEY MEDUSA_REGION_ID MEDUSA_CATEGORY_IDS MEDUSA_VARIANT_IDS MEDUSA_SHIPPING_OPTION_ID
MEDUSA_PUBLISHABLE_KEY=$(seed_field 's["publishable_key"]')
MEDUSA_REGION_ID=$(seed_field 's["region_id"]')
MEDUSA_CATEGORY_IDS=$(psql "$PG/$SF_DB" -At -c "SELECT string_agg(slug, ' ') FROM categories WHERE path = 'electronics' OR path LIKE 'electronics/%'" |
  python3 -c 'import json, sys; c = json.load(open(sys.argv[1]))["categories"]; print(",".join(c[s] for s in sys.stdin.read().split()))' "$OUT/medusa-seed.json")

log "starting shopfleet-api and Medusa (cluster ${MEDUSA_CLUSTER})"
env "${SF_ENV[@]}" "$API_TARGET/release/shopfleet-api" serve >"$OUT/shopfleet-api.log" 2>&1 &
SF_PIDS+=($!)
if has checkout; then
  env "${SF_ENV[@]}" "$API_TARGET/release/shopfleet-worker" >"$OUT/shopfleet-worker.log" 2>&1 &
  SF_PIDS+=($!)
fi
CLUSTER_ARGS=()
[ "$MEDUSA_CLUSTER" -gt 0 ] && CLUSTER_ARGS=(--cluster "$MEDUSA_CLUSTER")
(cd "$SERVER_DIR" && exec setsid env "${MEDUSA_ENV[@]}" "$MEDUSA_BIN" start -H 127.0.0.1 -p "$MEDUSA_PORT" "${CLUSTER_ARGS[@]}") \
  >"$OUT/medusa-server.log" 2>&1 &
MEDUSA_PID=$!
for _ in $(seq 1 100); do
  curl -fsS "$SF_BASE/ready" >/dev/null 2>&1 && break
  kill -0 "${SF_PIDS[0]}" 2>/dev/null || { log "shopfleet-api exited:"; tail -5 "$OUT/shopfleet-api.log" >&2; exit 1; }
  sleep 0.2
done
for _ in $(seq 1 300); do
  curl -fsS "$MEDUSA_BASE/health" >/dev/null 2>&1 && break
  kill -0 "$MEDUSA_PID" 2>/dev/null || { log "Medusa exited:"; tail -5 "$OUT/medusa-server.log" >&2; exit 1; }
  sleep 0.5
done
curl -fsS "$MEDUSA_BASE/health" >/dev/null || { log "Medusa did not answer /health"; tail -5 "$OUT/medusa-server.log" >&2; exit 1; }

if has checkout; then
  log "checkout set-up: $USERS Shopfleet shoppers with an address, stock that never runs out on both sides"
  register_shoppers "$SF_BASE" "$USERS" "$PASSWORD"
  SF_VARIANTS=$(psql "$PG/$SF_DB" -At -c "SELECT string_agg(v.id::text, ',') FROM (SELECT v.id FROM variants v JOIN products p ON p.id = v.product_id
    WHERE p.status = 'published' AND v.currency = 'EUR' ORDER BY v.sku LIMIT 200) v")
  # The same 200 variants (by SKU) on Medusa's side.
  MEDUSA_VARIANT_IDS=$(psql "$PG/$MEDUSA_DB" -At -c "SELECT string_agg(id, ',') FROM (SELECT id FROM product_variant
    WHERE deleted_at IS NULL ORDER BY sku LIMIT 200) v")
  MEDUSA_SHIPPING_OPTION_ID=$(psql "$PG/$MEDUSA_DB" -At -c "SELECT id FROM shipping_option WHERE deleted_at IS NULL AND name = 'Standard'")
  SF_METHOD=$(psql "$PG/$SF_DB" -At -c "SELECT m.id FROM shipping_methods m JOIN shipping_zones z ON z.id = m.zone_id
    WHERE z.name = 'Germany' AND m.name = 'Standard'")
fi

goose() { # <name> <seconds> <scenario> <binary> <host> [VAR=value ...]: one goose run into $OUT/<name>.json
  local name=$1 seconds=$2 scenario=$3 bin=$4 host=$5
  shift 5
  env "$@" BENCH_SCENARIO="$scenario" BENCH_RESULT="$OUT/$name.json" "$BENCH_TARGET/release/$bin" \
    --host "$host" --users "$USERS" --increase-rate "$USERS" --run-time "${seconds}s" \
    --no-telnet --no-websocket --no-gzip >"$OUT/$name.log" 2>&1 ||
    { log "scenario failed; see $OUT/$name.log"; tail -20 "$OUT/$name.log" >&2; exit 1; }
}
run_goose() { # <system> <scenario> <binary> <host> [VAR=value ...]: warm-up, then the run into $OUT/<system>-<scenario>.json
  local system=$1 scenario=$2
  shift 2
  [ "$WARMUP_SECONDS" -gt 0 ] && goose "$system-$scenario-warmup" "$WARMUP_SECONDS" "$scenario" "$@" BENCH_ROUND="$RUN_ID-warmup"
  log "$system, scenario $scenario: $USERS users, ${SECONDS_PER_RUN}s"
  goose "$system-$scenario" "$SECONDS_PER_RUN" "$scenario" "$@" BENCH_ROUND="$RUN_ID"
}

# Alternating, scenario by scenario: Shopfleet, then Medusa, each with the machine to itself
# (the other server idles meanwhile).
for scenario in "${SCENARIOS[@]}"; do
  if [ "$scenario" = checkout ]; then
    # As bench/checkout.sh: stock that never runs out, so every iteration is a whole order.
    # Only now, so that the reads above saw the demo stock.
    psql "$PG/$SF_DB" -qc "UPDATE variants SET on_hand = 100000000, low_stock_threshold = NULL"
    psql "$PG/$MEDUSA_DB" -qc "UPDATE inventory_level SET stocked_quantity = 100000000 WHERE deleted_at IS NULL"
    run_goose shopfleet checkout checkout-bench "$SF_BASE" BENCH_ACCOUNTS="$USERS" \
      BENCH_PASSWORD="$PASSWORD" BENCH_VARIANTS="$SF_VARIANTS" BENCH_SHIPPING_METHOD="$SF_METHOD"
    run_goose medusa checkout medusa-bench "$MEDUSA_BASE"
  else
    run_goose shopfleet "$scenario" catalog-bench "$SF_BASE"
    run_goose medusa "$scenario" medusa-bench "$MEDUSA_BASE"
  fi
done
if has checkout; then
  SF_ORDERS=$(psql "$PG/$SF_DB" -At -c "SELECT count(*) FROM orders")
  MEDUSA_ORDERS=$(psql "$PG/$MEDUSA_DB" -At -c "SELECT count(*) FROM \"order\" WHERE deleted_at IS NULL")
  log "orders placed: Shopfleet $SF_ORDERS, Medusa $MEDUSA_ORDERS"
fi

python3 - "$OUT" "${SCENARIOS[@]}" <<PY | tee "$OUT/summary.md"
import json, sys
out, scenarios = sys.argv[1], sys.argv[2:]
print("Run $RUN_ID, $(date -u '+%Y-%m-%d %H:%M UTC'), commit \`$(git -C "$ROOT" rev-parse --short HEAD)\`, $(nproc) CPUs,"
      " $USERS users, ${SECONDS_PER_RUN} s per scenario and system after ${WARMUP_SECONDS} s of warm-up, $PRODUCTS products ($VARIANTS variants) on both."
      " Medusa $MEDUSA_VERSION, Node $(node --version), production build, cluster ${MEDUSA_CLUSTER},"
      " caching module $([ "$MEDUSA_CACHING" = 1 ] && echo on || echo off)."
      " Medusa set-up: install ${INSTALL_S} s, build ${BUILD_S} s, migrate ${MIGRATE_S} s, seed ${SEED_S} s.")
print()
print("| scenario | Shopfleet req/s | Shopfleet p99 (ms) | Medusa req/s | Medusa p99 (ms) | Shopfleet ÷ Medusa | failed (Shopfleet / Medusa) |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for name in scenarios:
    s, m = (json.load(open(f"{out}/{system}-{name}.json")) for system in ("shopfleet", "medusa"))
    label = "checkout (orders/s)" if name == "checkout" else name
    ratio = f"{s['req_per_s'] / m['req_per_s']:,.1f}×" if m["req_per_s"] > 0 else "n/a"
    print(f"| {label} | {s['req_per_s']:,.1f} | {s['p99_ms']:.2f} | {m['req_per_s']:,.1f} | {m['p99_ms']:.2f} | {ratio} | {s['fail']} / {m['fail']} |")
if "checkout" in scenarios:
    print()
    print("Checkout: an order is Shopfleet's add to cart, checkout and card payment (3 requests; p99 of the payment) and"
          " Medusa's cart, line, shipping method, payment collection, payment session and completion (6 requests; p99"
          " of the completion), both with standard shipping to Germany and 19 % VAT.")
PY
