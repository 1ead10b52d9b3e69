#!/usr/bin/env bash
# Shopping-assistant benchmark (issue 7): embedding throughput of the in-process MiniLM
# (batch 1 and 32, against candle's matmul GFLOP/s in the same run), then
# `POST /api/v1/assistant/recommend` against a release build of shopfleet-api on the
# demo shop, with full-text search (`GET /api/v1/search`) on the same catalog in the same
# run as the baseline. Prints Markdown.
#
#   bench/assistant.sh                                   # 10k and 100k products, 8 users, 20 s
#   BENCH_SIZES="10000" BENCH_USERS=4 BENCH_SECONDS=10 bench/assistant.sh
#   BENCH_KEEP=1 bench/assistant.sh                      # keep (and later reuse) the embedded shops
#   EMBEDDING_MAX_TOKENS=48 bench/assistant.sh           # texts cut at 48 tokens (re-embeds a kept shop)
#
# Needs what bench/catalog.sh needs, plus EMBEDDING_MODEL_DIR (scripts/dev/prereqs.sh).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SIZES=${BENCH_SIZES:-10000 100000}
USERS=${BENCH_USERS:-8}
SECONDS_PER_RUN=${BENCH_SECONDS:-20}
PG=postgres://postgres@127.0.0.1:5432
API_TARGET=${CARGO_TARGET_DIR:-$HOME/.cache/shopfleet/target}
BENCH_TARGET=${BENCH_TARGET_DIR:-$HOME/.cache/shopfleet/target-bench}
export EMBEDDING_MODEL_DIR=${EMBEDDING_MODEL_DIR:-$HOME/.cache/shopfleet/models/all-MiniLM-L6-v2}
RUN_ID=$(date -u +%Y%m%d%H%M%S)_$$
OUT=${BENCH_OUT:-/tmp/shopfleet-bench-assistant-$RUN_ID}
mkdir -p "$OUT"

log() { printf '[assistant.sh] %s\n' "$*" >&2; }

SERVER_PID= DATABASES=()
cleanup() {
  [ -z "$SERVER_PID" ] || { kill -TERM "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; }
  for db in "${DATABASES[@]}"; do psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" 2>/dev/null || true; done
  rm -rf "$OUT/data"
  log "raw output in $OUT"
}
trap cleanup EXIT INT TERM

log "building shopfleet-api, the embedding benchmark and the goose scenarios (release)"
# One build for both (`--bins` too, or `--example` alone would leave out the server).
(cd "$ROOT" && CARGO_TARGET_DIR=$API_TARGET cargo build --quiet --release -p shopfleet-api -p shopfleet-assistant --bins --example embed_throughput)
(cd "$ROOT/bench" && CARGO_TARGET_DIR=$BENCH_TARGET cargo build --quiet --release --bin assistant-bench)

log "embedding throughput (${SECONDS_PER_RUN}s per measurement)"
"$API_TARGET/release/examples/embed_throughput" "$SECONDS_PER_RUN" | tee "$OUT/embed.json"

export JWT_SECRET PAYMENTS_WEBHOOK_SECRETS DEMO_PASSWORD REDIS_URL=redis://127.0.0.1:6379/0 LOG_LEVEL=warn,shopfleet_assistant::vectors=info LOG_FORMAT=json API_HOST=127.0.0.1
JWT_SECRET=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
PAYMENTS_WEBHOOK_SECRETS=whsec_$(python3 -c 'import secrets; print(secrets.token_hex(24))')
DEMO_PASSWORD=$(python3 -c 'import secrets; print("Bench-" + secrets.token_urlsafe(12))')
for size in $SIZES; do
  # With BENCH_KEEP=1 the seeded and embedded shop is kept (embedding 100k products takes
  # about an hour on 2 CPUs) and a later run with BENCH_KEEP=1 starts from it.
  if [ "${BENCH_KEEP:-0}" = 1 ]; then db=shopfleet_assistant_bench_$size; else db=shopfleet_assistant_${size}_$RUN_ID; DATABASES+=("$db"); fi
  export DATABASE_URL="$PG/$db" REDIS_KEY_PREFIX="bench-assistant-$RUN_ID-$size" DATA_DIR="$OUT/data/$size"
  API_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  export API_PORT
  # Vectors count as current only under this run's model name (a token budget is part of it).
  model=all-MiniLM-L6-v2; [ "${EMBEDDING_MAX_TOKENS:-256}" = 256 ] || model="$model/${EMBEDDING_MAX_TOKENS}-tokens"
  embedded=$(psql "$PG/$db" -Atc "SELECT count(*) FROM product_embeddings WHERE embedding IS NOT NULL AND model = '$model'" 2>/dev/null || echo 0)
  if [ "$embedded" -ge "$size" ]; then
    log "reusing $db ($embedded products embedded)"
    echo "reused" > "$OUT/reindex-$size.seconds"
  else
    seeded=$(psql "$PG/$db" -Atc "SELECT count(*) FROM products" 2>/dev/null || echo 0)
    if [ "$seeded" -lt "$size" ]; then
      psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS \"$db\"" -c "CREATE DATABASE \"$db\""
      "$API_TARGET/release/shopfleet-api" migrate >"$OUT/migrate-$size.log" 2>&1
      log "seeding $size products"
      "$API_TARGET/release/shopfleet-api" seed-demo --products "$size" >"$OUT/seed-$size.log" 2>&1
    fi
    log "embedding $size products ($model)"
    started=$(date +%s.%N)
    "$API_TARGET/release/shopfleet-api" reindex-vectors >"$OUT/reindex-$size.log" 2>&1
    echo "$(date +%s.%N) - $started" | bc > "$OUT/reindex-$size.seconds"
    psql "$PG/$db" -qc "VACUUM ANALYZE"
  fi
  "$API_TARGET/release/shopfleet-api" serve >"$OUT/server-$size.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 600); do
    curl -fsS "http://127.0.0.1:$API_PORT/ready" >/dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2>/dev/null || { log "the server exited:"; tail -5 "$OUT/server-$size.log" >&2; exit 1; }
    sleep 0.2
  done
  # The first call opens the model and catches the embedded index up from Postgres; past
  # the indexing threshold (about 1.5 KB of vector per product) the HNSW index is then
  # built in the background, and the measurement starts once it is.
  # Until it is open a request times out (408) or is refused (503); the opening goes on.
  for _ in $(seq 1 120); do
    curl -fsS -m 60 -H 'content-type: application/json' -d '{"query":"warm up"}' \
      "http://127.0.0.1:$API_PORT/api/v1/assistant/recommend" >/dev/null 2>&1 && { opened=1; break; }
    sleep 5
  done
  [ "${opened:-0}" = 1 ] || { log "the assistant did not open in 2 hours"; exit 1; }
  opened=0
  if [ $((size * 1536 / 1024)) -gt "${VECTOR_INDEXING_THRESHOLD_KB:-10000}" ]; then
    for _ in $(seq 1 1200); do grep -q 'vector index optimised' "$OUT/server-$size.log" && break; sleep 0.5; done
    grep -q 'vector index optimised' "$OUT/server-$size.log" || { log "the vector index was not optimised in 10 min"; exit 1; }
  fi
  for scenario in search recommend; do
    log "$size products, scenario $scenario"
    BENCH_SCENARIO=$scenario BENCH_RESULT="$OUT/$size-$scenario.json" "$BENCH_TARGET/release/assistant-bench" \
      --host "http://127.0.0.1:$API_PORT" --users "$USERS" --increase-rate "$USERS" \
      --run-time "${SECONDS_PER_RUN}s" --no-telnet --no-websocket --no-gzip >"$OUT/$size-$scenario.log" 2>&1 ||
      { log "scenario failed; see $OUT/$size-$scenario.log"; tail -20 "$OUT/$size-$scenario.log" >&2; exit 1; }
  done
  kill -TERM "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=
done

python3 - "$OUT" $SIZES <<PY | tee "$OUT/summary.md"
import json, sys
out, sizes = sys.argv[1], sys.argv[2:]
e = json.load(open(f"{out}/embed.json"))
print("Run $RUN_ID, $(date -u '+%Y-%m-%d %H:%M UTC'), commit \`$(git -C "$ROOT" rev-parse --short HEAD)\`, $(nproc) CPUs,"
      " $USERS users, ${SECONDS_PER_RUN} s per measurement.")
print()
print(f"Embedding (all-MiniLM-L6-v2, candle, CPU; baseline: candle f32 matmul {e['matmul_gflops']:.1f} GFLOP/s in the same run;"
      f" texts cut at {e['max_tokens']} tokens; product texts of {e['tokens_per_text']:.1f} tokens on average, about {e['tokens_per_text'] * 21.3 / 1000:.2f} GFLOP each):")
print()
gflop = e['tokens_per_text'] * 21.3 / 1000
print("| measurement | texts/s | model GFLOP/s | ÷ matmul |")
print("| --- | ---: | ---: | ---: |")
for name, key in [("product texts, one at a time, 1 thread", "batch1_sentences_per_s"),
                  ("product texts, passes of 32, 1 thread", "batch32_sentences_per_s"),
                  (f"re-index: pages of 256, {e['embedding_threads']} threads", "reindex_sentences_per_s")]:
    print(f"| {name} | {e[key]:,.1f} | {e[key] * gflop:,.1f} | {e[key] * gflop / e['matmul_gflops']:.2f} |")
print()
print("| eight short queries, 1 thread | queries/s |")
print("| --- | ---: |")
print(f"| one after another | {e['queries_one_by_one_per_s']:,.1f} |")
print(f"| at once, sharing passes | {e['queries_together_per_s']:,.1f} |")
print()
print("| products | re-index (s) | scenario | requests | failed | req/s | p50 (ms) | p99 (ms) | p50 ÷ search p50 | p99 ÷ search p99 |")
print("| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for size in sizes:
    reindex = open(f"{out}/reindex-{size}.seconds").read().strip()
    reindex = reindex if reindex == "reused" else f"{float(reindex):,.0f}"
    base = json.load(open(f"{out}/{size}-search.json"))
    for name in ["search", "recommend"]:
        r = json.load(open(f"{out}/{size}-{name}.json"))
        print(f"| {int(size):,} | {reindex} | {name} | {r['requests']:,} | {r['fail']} | {r['req_per_s']:,.1f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['p50_ms'] / base['p50_ms']:.2f} | {r['p99_ms'] / base['p99_ms']:.2f} |")
PY
