#!/usr/bin/env bash
# Checkout benchmark (issue 5): goose users log in, add to cart, check out and pay with
# the success test card against release builds of shopfleet-api and shopfleet-worker
# (Postgres mode, delivering the payment webhooks meanwhile) on the demo shop, beside
# pgbench's TPC-B run on the same Postgres in the same run, in two rounds: priced (shipping,
# VAT and a promotion code) and plain (no shipping, no code). Prints Markdown.
#
#   bench/checkout.sh                          # 16 users, 30 s
#   BENCH_USERS=8 BENCH_SECONDS=10 bench/checkout.sh
#   BENCH_WAL_BREAKDOWN=1 bench/checkout.sh    # also: each round's WAL by table (pg_waldump)
#
# Needs: cargo, psql, pgbench, curl, python3, Postgres on 127.0.0.1:5432 (trust, user
# postgres; `BENCH_PG_PORT` for another cluster, such as one preloading pg_stat_statements)
# and Redis on 127.0.0.1:6379.
set -euo pipefail
# `serve` checks that the assistant's model is there (scripts/dev/prereqs.sh fetches it).
export EMBEDDING_MODEL_DIR=${EMBEDDING_MODEL_DIR:-$HOME/.cache/shopfleet/models/all-MiniLM-L6-v2}

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/shoppers.sh
source "$ROOT/bench/shoppers.sh"
USERS=${BENCH_USERS:-16}
SECONDS_PER_RUN=${BENCH_SECONDS:-30}
PG_PORT=${BENCH_PG_PORT:-5432}
PG=postgres://postgres@127.0.0.1:$PG_PORT
API_TARGET=${CARGO_TARGET_DIR:-$HOME/.cache/shopfleet/target}
# BENCH_BIN_DIR: run shopfleet-api and shopfleet-worker from this directory instead of
# building them (an A/B of two builds, alternating rounds).
BIN=${BENCH_BIN_DIR:-$API_TARGET/release}
BENCH_TARGET=${BENCH_TARGET_DIR:-$HOME/.cache/shopfleet/target-bench}
RUN_ID=$(date -u +%Y%m%d%H%M%S)_$$
OUT=${BENCH_OUT:-/tmp/shopfleet-bench-checkout-$RUN_ID}
DB=shopfleet_checkout_$RUN_ID
PGBENCH_DB=pgbench_checkout_$RUN_ID
PASSWORD="Amber-Harbour-Violin-$$"
mkdir -p "$OUT"

log() { printf '[checkout.sh] %s\n' "$*" >&2; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PGBENCH=$(command -v pgbench || ls /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | sort -V | tail -1 || true)
[ -x "$PGBENCH" ] || { log "pgbench not found (Debian: apt-get install -y postgresql-contrib)"; exit 1; }

PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  for db in "$DB" "$PGBENCH_DB"; do psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" 2>/dev/null || true; done
  log "raw output in $OUT"
}
trap cleanup EXIT INT TERM

log "building shopfleet-api, shopfleet-worker (unless BENCH_BIN_DIR) and the goose scenarios (release)"
[ -n "${BENCH_BIN_DIR:-}" ] ||
  (cd "$ROOT" && CARGO_TARGET_DIR=$API_TARGET cargo build --quiet --release -p shopfleet-api -p shopfleet-worker)
(cd "$ROOT/bench" && CARGO_TARGET_DIR=$BENCH_TARGET cargo build --quiet --release)

log "baseline: pgbench TPC-B, $USERS clients, ${SECONDS_PER_RUN}s"
psql "$PG/postgres" -qc "CREATE DATABASE \"$PGBENCH_DB\""
"$PGBENCH" -h 127.0.0.1 -p "$PG_PORT" -U postgres -i -s 10 -q "$PGBENCH_DB" >"$OUT/pgbench-init.log" 2>&1
# WAL written is the cluster's (pg_stat_wal): nothing else should use this Postgres meanwhile.
wal_bytes() { psql "$PG/postgres" -At -c "SELECT wal_bytes::bigint FROM pg_stat_wal"; }
WAL_BEFORE=$(wal_bytes)
"$PGBENCH" -h 127.0.0.1 -p "$PG_PORT" -U postgres -c "$USERS" -j "$(nproc)" -T "$SECONDS_PER_RUN" "$PGBENCH_DB" >"$OUT/pgbench.log" 2>&1
sleep 1.5 # as db_work below
PGBENCH_WAL=$(( $(wal_bytes) - WAL_BEFORE ))
TPS=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$OUT/pgbench.log" | tail -1)
LAT=$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' "$OUT/pgbench.log" | tail -1)
PGBENCH_TX=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$OUT/pgbench.log" | tail -1)

API_PORT=$(free_port)
WORKER_PORT=$(free_port)
BASE=http://127.0.0.1:$API_PORT
export DATABASE_URL="$PG/$DB" REDIS_URL=redis://127.0.0.1:6379/0 REDIS_KEY_PREFIX="bench-checkout-$RUN_ID"
export JWT_SECRET=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
export PAYMENTS_WEBHOOK_SECRETS=whsec_$(python3 -c 'import secrets; print(secrets.token_hex(24))')
export DEMO_PASSWORD=$(python3 -c 'import secrets; print("Bench-" + secrets.token_urlsafe(12))')
export API_HOST=127.0.0.1 API_PORT WORKER_HOST=127.0.0.1 WORKER_PORT PAYMENTS_WEBHOOK_URL="$BASE/api/v1/payments/webhook"
export LOGIN_MAX_ATTEMPTS_PER_IP=1000000000 LOG_LEVEL=warn LOG_FORMAT=json
psql "$PG/postgres" -qc "CREATE DATABASE \"$DB\""
"$BIN/shopfleet-api" migrate >"$OUT/migrate.log" 2>&1
log "seeding the demo shop"
"$BIN/shopfleet-api" seed-demo --products 1000 >"$OUT/seed.log" 2>&1
# Stock that never runs out, so every iteration is a full order.
psql "$PG/$DB" -qc "UPDATE variants SET on_hand = 100000000, low_stock_threshold = NULL"
# Statistics for the tables the seed filled, as autovacuum would gather them. The tables
# the run fills (orders, outbox, idempotency keys, the provider's books…) are left as a
# fresh install leaves them: analysed while still empty, a table is planned as empty, and a
# statement prepared then keeps a sequential scan while the table grows (this machine's
# Postgres runs without autovacuum, which would analyse them again).
psql "$PG/$DB" -q <<'SQL'
SELECT format('VACUUM ANALYZE %s', oid::regclass) FROM pg_class
WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace AND pg_relation_size(oid) > 0
\gexec
SQL
VARIANTS=$(psql "$PG/$DB" -At -c "SELECT string_agg(v.id::text, ',') FROM (SELECT v.id FROM variants v JOIN products p ON p.id = v.product_id
  WHERE p.status = 'published' AND v.currency = 'EUR' ORDER BY v.sku LIMIT 200) v")
"$BIN/shopfleet-api" serve >"$OUT/api.log" 2>&1 &
PIDS+=($!)
API_PID=$!
"$BIN/shopfleet-worker" >"$OUT/worker.log" 2>&1 &
PIDS+=($!)
WORKER_PID=$!
for _ in $(seq 1 100); do curl -fsS "$BASE/ready" >/dev/null 2>&1 && break; sleep 0.2; done

log "registering $USERS shoppers with an address"
register_shoppers "$BASE" "$USERS" "$PASSWORD"

# Two rounds, alternating: "priced" checks out with the demo's Standard shipping to Germany
# (VAT inclusive) and a 5 % code applied each time; "plain" with shipping switched off and no
# code, so the difference is the cost of pricing shipping, tax and promotions.
METHOD=$(psql "$PG/$DB" -At -c "SELECT m.id FROM shipping_methods m JOIN shipping_zones z ON z.id = m.zone_id
  WHERE z.name = 'Germany' AND m.name = 'Standard'")
psql "$PG/$DB" -qc "INSERT INTO promotions (id, code, name, currency, benefit)
  VALUES (gen_random_uuid(), 'BENCH5', 'Bench', 'EUR', '{\"kind\": \"percent_off\", \"percent_bp\": 500, \"target\": {\"scope\": \"order\"}}')"
# Database work per paid order: transactions from pg_stat_database, statements from
# pg_stat_statements when the server preloads it (each statement is one round trip: sqlx sends
# them one at a time, BEGIN and COMMIT included). API and worker both count.
STATEMENTS=$(psql "$PG/$DB" -At -c "SELECT count(*) FROM pg_settings WHERE name = 'shared_preload_libraries'
  AND setting ~ 'pg_stat_statements'")
[ "$STATEMENTS" = 1 ] && psql "$PG/$DB" -qc "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"
db_work() { # transactions, statements (or -1), rows written, paid orders so far, WAL bytes
  sleep 1.5 # statistics reach the shared counters within a second of a transaction
  local statements=-1
  [ "$STATEMENTS" = 1 ] && statements=$(psql "$PG/$DB" -At -c "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements
    WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())")
  psql "$PG/$DB" -At -F ' ' -c "SELECT xact_commit + xact_rollback, $statements,
    tup_inserted + tup_updated + tup_deleted, (SELECT count(*) FROM orders WHERE status = 'paid'), (SELECT wal_bytes::bigint FROM pg_stat_wal)
    FROM pg_stat_database WHERE datname = current_database()"
}
run_round() { # <name>
  local name=$1 extra=()
  if [ "$name" = priced ]; then
    psql "$PG/$DB" -qc "UPDATE shipping_methods SET active = true"
    extra=(BENCH_CODE=BENCH5 BENCH_SHIPPING_METHOD="$METHOD")
  else
    psql "$PG/$DB" -qc "UPDATE shipping_methods SET active = false"
  fi
  log "scenario checkout ($name): $USERS users, ${SECONDS_PER_RUN}s"
  env "${extra[@]}" BENCH_ROUND="$RUN_ID-$name" BENCH_ACCOUNTS=$USERS BENCH_PASSWORD=$PASSWORD BENCH_VARIANTS=$VARIANTS BENCH_RESULT="$OUT/$name.json" \
    "$BENCH_TARGET/release/checkout-bench" --host "$BASE" --users "$USERS" --increase-rate "$USERS" \
    --run-time "${SECONDS_PER_RUN}s" --no-telnet --no-websocket --no-gzip >"$OUT/$name.log" 2>&1 ||
    { log "scenario failed; see $OUT/$name.log"; tail -20 "$OUT/$name.log" >&2; exit 1; }
}
# CPU time spent so far, in clock ticks: the API, the worker, Postgres (its live processes
# plus what its exited backends left in the postmaster's children count) and the whole
# machine (every CPU's busy time); then this script's finished children (goose, psql), which
# only this shell can read (`times`, not in a subshell).
cpu_ticks() {
  python3 - "$API_PID" "$WORKER_PID" <<'PY'
import os, sys
def stat(pid):
    return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
def own(pid):
    fields = stat(pid)
    return int(fields[11]) + int(fields[12])
postgres = 0
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        if open(f"/proc/{pid}/comm").read().strip() != "postgres":
            continue
        fields = stat(pid)
        postgres += int(fields[11]) + int(fields[12])
        if open(f"/proc/{fields[1]}/comm").read().strip() != "postgres":  # the postmaster
            postgres += int(fields[13]) + int(fields[14])
    except (FileNotFoundError, ProcessLookupError):
        pass
cpu = list(map(int, open("/proc/stat").readline().split()[1:8]))  # user nice system idle iowait irq softirq
busy = sum(cpu) - cpu[3] - cpu[4]
print(own(sys.argv[1]), own(sys.argv[2]), postgres, busy)
PY
}
wal_lsn() { psql "$PG/postgres" -At -c "SELECT pg_current_wal_insert_lsn()"; }
# Each round's WAL by table, its indexes counted with it: pg_waldump over the round's LSN range
# (the segments must still be there: raise wal_keep_size), relations named from this database.
wal_breakdown() { # <name> <paid orders in the round>
  local range waldump
  range=($(cat "$OUT/$1-lsn.txt"))
  waldump=/usr/lib/postgresql/$(( $(psql "$PG/postgres" -At -c "SHOW server_version_num") / 10000 ))/bin/pg_waldump
  [ -x "$waldump" ] || waldump=$(command -v pg_waldump) || { log "pg_waldump not found"; return 0; }
  "$waldump" -p "$(psql "$PG/postgres" -At -c "SHOW data_directory")/pg_wal" -s "${range[0]}" -e "${range[1]}" >"$OUT/$1-wal.txt" 2>"$OUT/$1-waldump.err" ||
    { log "pg_waldump failed for $1 (WAL recycled? raise wal_keep_size): $(tail -1 "$OUT/$1-waldump.err")"; return 0; }
  python3 - "$OUT" "$1" "$2" <<'PY'
import collections, re, sys
out, name, orders = sys.argv[1], sys.argv[2], max(int(sys.argv[3]), 1)
tables = dict(line.split(" ", 1) for line in open(f"{out}/relations.txt").read().splitlines())
records, size, kinds = collections.Counter(), collections.Counter(), collections.defaultdict(collections.Counter)
for line in open(f"{out}/{name}-wal.txt"):
    found = re.search(r"len \(rec/tot\):\s*\d+/\s*(\d+),.*?desc: (\S+)(?:.*?blkref #0: rel \d+/\d+/(\d+))?", line)
    if not found:
        continue
    table = tables.get(found[3] or "", "(no table: commits, other databases)")
    records[table] += 1
    size[table] += int(found[1])
    kinds[table][found[2]] += 1
total = sum(size.values())
print(f"| {name}: table (with its indexes) | WAL records per paid order | WAL bytes per paid order | share | most frequent records per order |")
print("| --- | ---: | ---: | ---: | --- |")
for table, bytes_ in size.most_common(12):
    common = ", ".join(f"{kind} {count / orders:.1f}" for kind, count in kinds[table].most_common(3))
    print(f"| {table} | {records[table] / orders:.1f} | {bytes_ / orders:,.0f} | {100 * bytes_ / total:.0f} % | {common} |")
print()
PY
}
measured_round() { # <name>: the round, then its database work into $OUT/<name>-db.txt
  local before after cpu_before cpu_after
  before=$(db_work)
  wal_lsn >"$OUT/$1-lsn.txt"
  cpu_ticks >"$OUT/$1-cpu-before.txt"
  times >>"$OUT/$1-cpu-before.txt"
  run_round "$1"
  # Let the worker finish the round's events and webhooks before counting.
  for _ in $(seq 1 30); do
    [ "$(psql "$PG/$DB" -At -c "SELECT count(*) FROM sim_psp_webhooks WHERE delivered_at IS NULL")" = 0 ] && break
    sleep 1
  done
  after=$(db_work)
  wal_lsn >>"$OUT/$1-lsn.txt"
  cpu_ticks >"$OUT/$1-cpu-after.txt"
  times >>"$OUT/$1-cpu-after.txt"
  echo "$before $after" >"$OUT/$1-db.txt"
}
measured_round priced
measured_round plain
# Let the worker deliver the last webhooks (it retries with backoff), up to 30 s.
for _ in $(seq 1 30); do
  [ "$(psql "$PG/$DB" -At -c "SELECT count(*) FROM sim_psp_webhooks WHERE delivered_at IS NULL")" = 0 ] && break
  sleep 1
done
PAID=$(psql "$PG/$DB" -At -c "SELECT count(*) FROM orders WHERE status = 'paid'")
UNDELIVERED=$(psql "$PG/$DB" -At -c "SELECT count(*) FROM sim_psp_webhooks WHERE delivered_at IS NULL")
DOUBLE=$(psql "$PG/$DB" -At -c "SELECT count(*) FROM (SELECT intent_ref FROM sim_psp_charges GROUP BY 1 HAVING count(*) > 1) d")
DISCOUNTED=$(psql "$PG/$DB" -At -c "SELECT count(*) FROM orders WHERE discount_minor > 0")
REDEEMED=$(psql "$PG/$DB" -At -c "SELECT count(*) FROM promotion_redemptions r JOIN promotions p ON p.id = r.promotion_id
  WHERE p.code = 'BENCH5' AND r.released_at IS NULL")

python3 - "$OUT" "$TPS" "$LAT" "$PAID" "$UNDELIVERED" "$DOUBLE" "$DISCOUNTED" "$REDEEMED" "$PGBENCH_TX" "$PGBENCH_WAL" <<PY | tee "$OUT/summary.md"
import json, os, sys
out, tps, lat, paid, undelivered, double, discounted, redeemed, pgbench_tx, pgbench_wal = sys.argv[1], float(sys.argv[2]), sys.argv[3], *map(int, sys.argv[4:])
print("Run $RUN_ID, $(date -u '+%Y-%m-%d %H:%M UTC'), commit \`$(git -C "$ROOT" rev-parse --short HEAD)\`, $(nproc) CPUs,"
      " $USERS users, ${SECONDS_PER_RUN} s per round; baseline \`pgbench -c $USERS\` (TPC-B): " + f"{tps:,.0f} TPS, avg {lat} ms")
print()
print("| round | request | requests | failed | req/s | p50 (ms) | p99 (ms) | req/s ÷ pgbench TPC-B TPS |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
rounds = {}
for name in ("priced", "plain"):
    for label, file in [("add to cart", f"{name}-POST-add-to-cart"), ("checkout", f"{name}-POST-checkout"), ("confirm payment = orders/s", name)]:
        r = json.load(open(f"{out}/{file}.json"))
        rounds[(name, label)] = r
        print(f"| {name} | {label} | {r['requests']:,} | {r['fail']} | {r['req_per_s']:,.1f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['req_per_s'] / tps:.3f} |")
priced, plain = rounds[("priced", "checkout")], rounds[("plain", "checkout")]
cost = priced["p50_ms"] - plain["p50_ms"]
print()
print(f"Pricing (shipping, VAT, a code) adds {cost:.2f} ms to the median checkout: {100 * cost / priced['p50_ms']:.1f} % of its {priced['p50_ms']:.2f} ms.")
print()
print("| round | transactions per paid order | statements (round trips) per paid order | rows written per paid order (TPC-B: 4 per transaction) "
      f"| WAL bytes per paid order (TPC-B: {pgbench_wal / max(pgbench_tx, 1):,.0f} per transaction) |")
print("| --- | ---: | ---: | ---: | ---: |")
def work(name):  # (transactions, statements, rows written, paid orders, WAL bytes) before and after the round
    values = list(map(int, open(f"{out}/{name}-db.txt").read().split()))
    return values[:5], values[5:]
for name in ("priced", "plain"):
    (x0, s0, w0, p0, b0), (x1, s1, w1, p1, b1) = work(name)
    orders = max(p1 - p0, 1)
    statements = f"{(s1 - s0) / orders:.1f}" if s0 >= 0 else "not measured (pg_stat_statements not preloaded)"
    print(f"| {name} | {(x1 - x0) / orders:.1f} | {statements} | {(w1 - w0) / orders:.1f} | {(b1 - b0) / orders:,.0f} |")
print()
# CPU per paid order by process, from the before/after snapshots of each round.
hz = os.sysconf("SC_CLK_TCK")
def cpu(path):
    lines = open(path).read().splitlines()
    api, worker, postgres, busy = map(int, lines[0].split())
    user, system = lines[-1].split()  # what times printed for the shell's children: 0m1.250s 0m0.300s
    seconds = lambda t: int(t.split("m")[0]) * 60 + float(t.split("m")[1].rstrip("s"))
    return api, worker, postgres, (seconds(user) + seconds(system)) * hz, busy
print("| round | CPU ms per paid order: API | worker | Postgres | goose | machine in all |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")
for name in ("priced", "plain"):
    (_, _, _, p0, _), (_, _, _, p1, _) = work(name)
    orders = max(p1 - p0, 1)
    spent = [(b - a) * 1000 / hz / orders for a, b in zip(cpu(f"{out}/{name}-cpu-before.txt"), cpu(f"{out}/{name}-cpu-after.txt"))]
    print(f"| {name} | " + " | ".join(f"{ms:.2f}" for ms in spent) + " |")
print()
print(f"Afterwards: {paid:,} orders paid, {undelivered} webhooks undelivered, {double} payment intents charged twice, "
      f"{discounted:,} orders discounted and the code counted {redeemed:,} redemptions.")
PY
if [ -n "${BENCH_WAL_BREAKDOWN:-}" ]; then
  # Every relation by its file: an index under its table's name.
  psql "$PG/$DB" -At -F ' ' -c "SELECT c.relfilenode, coalesce(t.relname, c.relname) FROM pg_class c
    LEFT JOIN pg_index i ON i.indexrelid = c.oid LEFT JOIN pg_class t ON t.oid = i.indrelid WHERE c.relfilenode <> 0" >"$OUT/relations.txt"
  for name in priced plain; do
    read -r _ _ _ paid_before _ _ _ _ paid_after _ <"$OUT/$name-db.txt" # as db_work printed them, before and after
    wal_breakdown "$name" $((paid_after - paid_before))
  done | tee -a "$OUT/summary.md"
fi
