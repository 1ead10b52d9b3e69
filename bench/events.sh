#!/usr/bin/env bash
# Event backbone benchmark (issue 6): 10,000 events end to end (state change → handler
# effect) in Postgres-outbox mode and Kafka mode (tansu on 127.0.0.1:9092), beside
# pgbench's TPC-B on the same Postgres as the baseline. Prints a Markdown summary.
#
#   bench/events.sh                 # 10,000 events per mode
#   BENCH_EVENTS=20000 bench/events.sh
#
# Needs: cargo, psql, pgbench, Postgres on 127.0.0.1:5432 (trust, user postgres), Redis on
# 127.0.0.1:6379 and, for Kafka mode, a broker on TEST_KAFKA_BROKERS (scripts/dev/services.sh up --kafka).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
EVENTS=${BENCH_EVENTS:-10000}
PGBENCH_CLIENTS=${BENCH_PGBENCH_CLIENTS:-8}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/shopfleet/target}
export TEST_DATABASE_URL=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
PGBENCH_DB=pgbench_events_$$

log() { printf '[events.sh] %s\n' "$*" >&2; }
PGBENCH=$(command -v pgbench || ls /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | sort -V | tail -1 || true)
[ -x "$PGBENCH" ] || { log "pgbench not found (Debian: apt-get install -y postgresql-contrib)"; exit 1; }
trap 'psql "$TEST_DATABASE_URL" -qc "DROP DATABASE IF EXISTS $PGBENCH_DB WITH (FORCE)" >/dev/null 2>&1 || true' EXIT

log "building the benchmark (release)"
(cd "$ROOT" && cargo build --quiet --release -p shopfleet-worker --example event_throughput)
bin="$CARGO_TARGET_DIR/release/examples/event_throughput"

log "baseline: pgbench TPC-B, $PGBENCH_CLIENTS clients, 15 s"
psql "$TEST_DATABASE_URL" -qc "CREATE DATABASE $PGBENCH_DB" >/dev/null
"$PGBENCH" -q -i -s 8 -h 127.0.0.1 -U postgres "$PGBENCH_DB" >/dev/null 2>&1
tps=$("$PGBENCH" -c "$PGBENCH_CLIENTS" -j 2 -T 15 -h 127.0.0.1 -U postgres "$PGBENCH_DB" 2>/dev/null |
  awk -F'= ' '/^tps/ { split($2, a, " "); print a[1]; exit }')

results=()
for mode in postgres kafka; do
  log "$mode mode: $EVENTS events"
  results+=("$("$bin" "$mode" "$EVENTS" | tail -1)")
done

python3 - "$tps" "${results[@]}" <<'PY'
import json, sys
tps = float(sys.argv[1])
print(f"pgbench TPC-B baseline: {tps:.0f} tps\n")
print("| mode | events | events/s | ratio to pgbench TPC-B tps | delay p50 | p99 | max |")
print("|---|---|---|---|---|---|---|")
for line in sys.argv[2:]:
    r = json.loads(line)
    d = r["delay_ms"]
    print(f"| {r['mode']} | {r['events']} | {r['events_per_sec']:.0f} | {r['events_per_sec'] / tps:.2f} | "
          f"{d['p50']:.0f} ms | {d['p99']:.0f} ms | {d['max']:.0f} ms |")
PY
