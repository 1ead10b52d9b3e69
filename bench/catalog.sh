#!/usr/bin/env bash
# Catalog benchmark (issue 4): product list, product detail and search against a release
# build of shopfleet-api on the deterministic demo shop at 1k and 100k products, with
# `pgbench -S` on the same Postgres in the same run as the baseline. Prints Markdown.
#
#   bench/catalog.sh                                   # 1k and 100k products, 16 users, 20 s
#   BENCH_SIZES="1000" BENCH_USERS=8 BENCH_SECONDS=10 bench/catalog.sh
#
# Needs: cargo, psql, pgbench, curl, python3, Postgres on 127.0.0.1:5432 (trust, user
# postgres) and Redis on 127.0.0.1:6379.
set -euo pipefail
# `serve` checks that the assistant's model is there (scripts/dev/prereqs.sh fetches it).
export EMBEDDING_MODEL_DIR=${EMBEDDING_MODEL_DIR:-$HOME/.cache/shopfleet/models/all-MiniLM-L6-v2}

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SIZES=${BENCH_SIZES:-1000 100000}
USERS=${BENCH_USERS:-16}
SECONDS_PER_RUN=${BENCH_SECONDS:-20}
PG=postgres://postgres@127.0.0.1:5432
API_TARGET=${CARGO_TARGET_DIR:-$HOME/.cache/shopfleet/target}
BENCH_TARGET=${BENCH_TARGET_DIR:-$HOME/.cache/shopfleet/target-bench}
RUN_ID=$(date -u +%Y%m%d%H%M%S)_$$
OUT=${BENCH_OUT:-/tmp/shopfleet-bench-catalog-$RUN_ID}
PGBENCH_DB=pgbench_catalog_$RUN_ID
mkdir -p "$OUT"

log() { printf '[catalog.sh] %s\n' "$*" >&2; }
PGBENCH=$(command -v pgbench || ls /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | sort -V | tail -1 || true)
[ -x "$PGBENCH" ] || { log "pgbench not found (Debian: apt-get install -y postgresql-contrib)"; exit 1; }

SERVER_PID= DATABASES=("$PGBENCH_DB")
cleanup() {
  [ -z "$SERVER_PID" ] || { kill -TERM "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; }
  for db in "${DATABASES[@]}"; do psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" 2>/dev/null || true; done
  log "raw output in $OUT"
}
trap cleanup EXIT INT TERM

log "building shopfleet-api and the goose scenarios (release)"
(cd "$ROOT" && CARGO_TARGET_DIR=$API_TARGET cargo build --quiet --release -p shopfleet-api)
(cd "$ROOT/bench" && CARGO_TARGET_DIR=$BENCH_TARGET cargo build --quiet --release)

log "baseline: pgbench -S, $USERS clients, ${SECONDS_PER_RUN}s"
psql "$PG/postgres" -qc "CREATE DATABASE \"$PGBENCH_DB\""
"$PGBENCH" -h 127.0.0.1 -U postgres -i -s 10 -q "$PGBENCH_DB" >"$OUT/pgbench-init.log" 2>&1
"$PGBENCH" -h 127.0.0.1 -U postgres -S -c "$USERS" -j "$(nproc)" -T "$SECONDS_PER_RUN" "$PGBENCH_DB" >"$OUT/pgbench.log" 2>&1
TPS=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$OUT/pgbench.log" | tail -1)

export JWT_SECRET PAYMENTS_WEBHOOK_SECRETS DEMO_PASSWORD REDIS_URL=redis://127.0.0.1:6379/0 LOG_LEVEL=warn LOG_FORMAT=json API_HOST=127.0.0.1
JWT_SECRET=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
PAYMENTS_WEBHOOK_SECRETS=whsec_$(python3 -c 'import secrets; print(secrets.token_hex(24))')
DEMO_PASSWORD=$(python3 -c 'import secrets; print("Bench-" + secrets.token_urlsafe(12))')
for size in $SIZES; do
  db=shopfleet_catalog_${size}_$RUN_ID
  DATABASES+=("$db")
  psql "$PG/postgres" -qc "CREATE DATABASE \"$db\""
  export DATABASE_URL="$PG/$db" REDIS_KEY_PREFIX="bench-catalog-$RUN_ID-$size"
  API_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  export API_PORT
  "$API_TARGET/release/shopfleet-api" migrate >"$OUT/migrate-$size.log" 2>&1
  log "seeding $size products"
  "$API_TARGET/release/shopfleet-api" seed-demo --products "$size" >"$OUT/seed-$size.log" 2>&1
  psql "$PG/$db" -qc "VACUUM ANALYZE"
  "$API_TARGET/release/shopfleet-api" serve >"$OUT/server-$size.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$API_PORT/ready" >/dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2>/dev/null || { log "the server exited:"; tail -5 "$OUT/server-$size.log" >&2; exit 1; }
    sleep 0.2
  done
  for scenario in list detail search; do
    log "$size products, scenario $scenario"
    BENCH_SCENARIO=$scenario BENCH_RESULT="$OUT/$size-$scenario.json" "$BENCH_TARGET/release/catalog-bench" \
      --host "http://127.0.0.1:$API_PORT" --users "$USERS" --increase-rate "$USERS" \
      --run-time "${SECONDS_PER_RUN}s" --no-telnet --no-websocket --no-gzip >"$OUT/$size-$scenario.log" 2>&1 ||
      { log "scenario failed; see $OUT/$size-$scenario.log"; tail -20 "$OUT/$size-$scenario.log" >&2; exit 1; }
  done
  kill -TERM "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=
done

python3 - "$OUT" "$TPS" $SIZES <<PY | tee "$OUT/summary.md"
import json, sys
out, tps, sizes = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
print("Run $RUN_ID, $(date -u '+%Y-%m-%d %H:%M UTC'), commit \`$(git -C "$ROOT" rev-parse --short HEAD)\`, $(nproc) CPUs,"
      " $USERS users, ${SECONDS_PER_RUN} s per scenario; baseline \`pgbench -S -c $USERS\`: " + f"{tps:,.0f} TPS")
print()
print("| products | scenario | requests | failed | req/s | p50 (ms) | p99 (ms) | req/s ÷ pgbench -S TPS |")
print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for size in sizes:
    for name in ["list", "detail", "search"]:
        r = json.load(open(f"{out}/{size}-{name}.json"))
        print(f"| {int(size):,} | {name} | {r['requests']:,} | {r['fail']} | {r['req_per_s']:,.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['req_per_s'] / tps:.3f} |")
PY
