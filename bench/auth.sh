#!/usr/bin/env bash
# Authentication benchmark (issue 3): login, refresh and an authorized read against a
# release build of shopfleet-api on loopback Postgres + Redis, with `pgbench -S` on the
# same Postgres as a baseline. Prints a Markdown summary; raw output goes to $BENCH_OUT.
#
#   bench/auth.sh                      # 16 users, 20 s per scenario
#   BENCH_USERS=32 BENCH_SECONDS=30 bench/auth.sh
#
# Needs: cargo, psql, pgbench (Debian: apt-get install -y postgresql-contrib), curl,
# python3, Postgres on 127.0.0.1:5432 (trust auth, user postgres), Redis on 127.0.0.1:6379.
set -euo pipefail
# `serve` checks that the assistant's model is there (scripts/dev/prereqs.sh fetches it).
export EMBEDDING_MODEL_DIR=${EMBEDDING_MODEL_DIR:-$HOME/.cache/shopfleet/models/all-MiniLM-L6-v2}

ROOT=$(cd "$(dirname "$0")/.." && pwd)
USERS=${BENCH_USERS:-16}
SECONDS_PER_RUN=${BENCH_SECONDS:-20}
PG_HOST=${BENCH_PG_HOST:-127.0.0.1}
PG_PORT=${BENCH_PG_PORT:-5432}
PG_USER=${BENCH_PG_USER:-postgres}
REDIS_URL_BASE=${BENCH_REDIS_URL:-redis://127.0.0.1:6379/0}
# Argon2id cost under test: the OWASP defaults of shopfleet-api, stated explicitly.
ARGON2_MEMORY_KIB=${ARGON2_MEMORY_KIB:-19456}
ARGON2_ITERATIONS=${ARGON2_ITERATIONS:-2}
ARGON2_PARALLELISM=${ARGON2_PARALLELISM:-1}
API_TARGET=${CARGO_TARGET_DIR:-$HOME/.cache/shopfleet/target}
BENCH_TARGET=${BENCH_TARGET_DIR:-$HOME/.cache/shopfleet/target-bench}

RUN_ID=$(date -u +%Y%m%d%H%M%S)_$$
OUT=${BENCH_OUT:-/tmp/shopfleet-bench-auth-$RUN_ID}
mkdir -p "$OUT"
API_DB=shopfleet_bench_$RUN_ID
PGBENCH_DB=pgbench_bench_$RUN_ID
REDIS_KEY_PREFIX=shopfleet-bench-$RUN_ID
# Must not contain the e-mail address (password policy).
PASSWORD="Violet-Lantern-Quartz-$$"

log() { printf '[auth.sh] %s\n' "$*" >&2; }
psql_admin() { psql -X -q -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres "$@"; }

PGBENCH=$(command -v pgbench || ls /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | sort -V | tail -1 || true)
[ -x "$PGBENCH" ] || { log "pgbench not found (Debian: apt-get install -y postgresql-contrib)"; exit 1; }
for tool in cargo psql curl python3 redis-cli; do
    command -v "$tool" >/dev/null || { log "$tool not found"; exit 1; }
done

SERVER_PID=
cleanup() {
    local status=$?
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    psql_admin -c "DROP DATABASE IF EXISTS \"$API_DB\" WITH (FORCE)" 2>/dev/null || true
    psql_admin -c "DROP DATABASE IF EXISTS \"$PGBENCH_DB\" WITH (FORCE)" 2>/dev/null || true
    redis-cli -u "$REDIS_URL_BASE" --scan --pattern "$REDIS_KEY_PREFIX*" 2>/dev/null |
        xargs -r -n 500 redis-cli -u "$REDIS_URL_BASE" del >/dev/null 2>&1 || true
    log "cleaned up (server stopped, databases $API_DB and $PGBENCH_DB dropped); raw output in $OUT"
    exit $status
}
trap cleanup EXIT INT TERM

log "building shopfleet-api (release) into $API_TARGET"
(cd "$ROOT" && CARGO_TARGET_DIR=$API_TARGET cargo build --release -p shopfleet-api)
log "building the goose scenarios (release) into $BENCH_TARGET"
(cd "$ROOT/bench" && CARGO_TARGET_DIR=$BENCH_TARGET cargo build --release)
API_BIN=$API_TARGET/release/shopfleet-api
BENCH_BIN=$BENCH_TARGET/release/auth-bench

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT

psql_admin -c "CREATE DATABASE \"$API_DB\""
psql_admin -c "CREATE DATABASE \"$PGBENCH_DB\""

export DATABASE_URL="postgres://$PG_USER@$PG_HOST:$PG_PORT/$API_DB"
export REDIS_URL=$REDIS_URL_BASE REDIS_KEY_PREFIX
export JWT_SECRET=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
export PAYMENTS_WEBHOOK_SECRETS=whsec_$(python3 -c 'import secrets; print(secrets.token_hex(24))')
export API_HOST=127.0.0.1 API_PORT=$PORT
export ARGON2_MEMORY_KIB ARGON2_ITERATIONS ARGON2_PARALLELISM
# Every request comes from 127.0.0.1 and every goose user logs in again and again: lift
# the login throttles so the benchmark measures the work, not the 429s.
export LOGIN_MAX_ATTEMPTS_PER_IP=1000000000 LOGIN_MAX_FAILURES_PER_ACCOUNT=1000000000
# Warnings only: per-request info logs would put terminal I/O into the measurement.
export LOG_LEVEL=warn LOG_FORMAT=json

"$API_BIN" migrate >"$OUT/migrate.log" 2>&1
"$API_BIN" serve >"$OUT/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
    curl -fsS "$BASE/ready" >/dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2>/dev/null || { log "server exited; see $OUT/server.log"; cat "$OUT/server.log" >&2; exit 1; }
    sleep 0.2
done
curl -fsS "$BASE/ready" >/dev/null || { log "server not ready"; exit 1; }
log "shopfleet-api serving on $BASE (database $API_DB, Redis prefix $REDIS_KEY_PREFIX)"

log "registering $USERS accounts"
for i in $(seq 0 $((USERS - 1))); do
    code=$(curl -sS -o "$OUT/register.out" -w '%{http_code}' -H 'content-type: application/json' \
        -d "{\"email\":\"bench-$i@bench.shopfleet.test\",\"password\":\"$PASSWORD\"}" \
        "$BASE/api/v1/auth/register")
    [ "$code" = 201 ] || { log "register bench-$i: HTTP $code"; cat "$OUT/register.out" >&2; exit 1; }
done

log "baseline: pgbench -S, $USERS clients, ${SECONDS_PER_RUN}s"
"$PGBENCH" -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -i -s 10 -q "$PGBENCH_DB" >"$OUT/pgbench-init.log" 2>&1
PGBENCH_CMD="pgbench -S -c $USERS -j $(nproc) -T $SECONDS_PER_RUN $PGBENCH_DB"
"$PGBENCH" -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -S -c "$USERS" -j "$(nproc)" -T "$SECONDS_PER_RUN" \
    "$PGBENCH_DB" >"$OUT/pgbench.log" 2>&1
PGBENCH_TPS=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$OUT/pgbench.log" | tail -1)
PGBENCH_LAT=$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' "$OUT/pgbench.log" | tail -1)
[ -n "$PGBENCH_TPS" ] || { log "could not read pgbench TPS"; cat "$OUT/pgbench.log" >&2; exit 1; }

GOOSE_ARGS=(--host "$BASE" --users "$USERS" --increase-rate "$USERS" --run-time "${SECONDS_PER_RUN}s"
    --no-telnet --no-websocket --no-gzip)
for scenario in login refresh me; do
    log "scenario $scenario: ${GOOSE_ARGS[*]}"
    BENCH_SCENARIO=$scenario BENCH_ACCOUNTS=$USERS BENCH_PASSWORD=$PASSWORD BENCH_RESULT="$OUT/$scenario.json" \
        "$BENCH_BIN" "${GOOSE_ARGS[@]}" >"$OUT/$scenario.log" 2>&1 ||
        { log "scenario $scenario failed; see $OUT/$scenario.log"; tail -20 "$OUT/$scenario.log" >&2; exit 1; }
done

CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
PG_VERSION=$(psql_admin -At -c 'SHOW server_version')
REDIS_VERSION=$(redis-cli -u "$REDIS_URL_BASE" INFO server | sed -n 's/^redis_version:\(.*\)\r*$/\1/p' | tr -d '\r')
python3 - "$OUT" "$PGBENCH_TPS" "$PGBENCH_LAT" <<PY | tee "$OUT/summary.md"
import json, sys
out, tps, lat = sys.argv[1], float(sys.argv[2]), sys.argv[3]
print("Run $RUN_ID on \`$(hostname)\`, $(date -u '+%Y-%m-%d %H:%M UTC'), commit \`$(git -C "$ROOT" rev-parse --short HEAD)\`")
print()
print("- machine: $(nproc) CPUs ($CPU), load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)")
print("- Postgres $PG_VERSION, Redis $REDIS_VERSION, all on loopback on the same machine as the load generator")
print("- argon2id: m=$ARGON2_MEMORY_KIB KiB, t=$ARGON2_ITERATIONS, p=$ARGON2_PARALLELISM")
print("- $USERS concurrent users (pgbench: $USERS clients), ${SECONDS_PER_RUN} s per scenario")
print()
print("| scenario | requests | failed | req/s | p50 (ms) | p99 (ms) | req/s ÷ pgbench TPS |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
print(f"| baseline: \`$PGBENCH_CMD\` | — | — | {tps:,.0f} TPS | avg {lat} | — | 1 |")
for name, label in [("login", "login (password grant)"), ("refresh", "refresh (rotation)"), ("me", "GET /api/v1/users/me")]:
    r = json.load(open(f"{out}/{name}.json"))
    print(f"| {label} | {r['requests']:,} | {r['fail']} | {r['req_per_s']:,.1f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['req_per_s'] / tps:.4f} |")
PY
