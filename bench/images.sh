#!/usr/bin/env bash
# Product images benchmark (issue 21), release builds, printing Markdown:
#  1. Rendering: the worker's renderer (`media/examples/render.rs`: check, decode, orient,
#     160/480/1200 px as WebP and JPEG, placeholder) on 12-megapixel JPEGs, timed by
#     farm-bench as a whole process against the same renditions made with Pillow (the
#     library Python shops such as Saleor use) in alternating runs.
#  2. Serving: goose GETs of one 1200 px WebP rendition through shopfleet-api, beside GETs of
#     a static file with the same bytes from the same server (the web app's /assets), in
#     alternating rounds; p99 and req/s of each and their ratio.
#
#   bench/images.sh                                 # 4 photos, 16 users, 15 s rounds
#   BENCH_PHOTOS=2 BENCH_USERS=8 BENCH_SECONDS=10 bench/images.sh
#
# Needs: cargo, farm-bench, python3, psql, curl, Postgres on 127.0.0.1:5432 (trust, user
# postgres) and Redis on 127.0.0.1:6379. Pillow is installed into the tools venv.
set -euo pipefail
export EMBEDDING_MODEL_DIR=${EMBEDDING_MODEL_DIR:-$HOME/.cache/shopfleet/models/all-MiniLM-L6-v2}

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PHOTOS=${BENCH_PHOTOS:-4}
USERS=${BENCH_USERS:-16}
SECONDS_PER_RUN=${BENCH_SECONDS:-15}
PG=postgres://postgres@127.0.0.1:5432
API_TARGET=${CARGO_TARGET_DIR:-$HOME/.cache/shopfleet/target}
BENCH_TARGET=${BENCH_TARGET_DIR:-$HOME/.cache/shopfleet/target-bench}
VENV=$HOME/.cache/shopfleet/venv
RUN_ID=$(date -u +%Y%m%d%H%M%S)_$$
OUT=${BENCH_OUT:-/tmp/shopfleet-bench-images-$RUN_ID}
DB=shopfleet_images_$RUN_ID
mkdir -p "$OUT"

log() { printf '[images.sh] %s\n' "$*" >&2; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
json_field() { python3 -c "import json, sys; print(json.load(sys.stdin)$1)"; }
command -v farm-bench >/dev/null || { log "farm-bench is needed to time the renderers"; exit 1; }

PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" 2>/dev/null || true
  log "raw output in $OUT"
}
trap cleanup EXIT INT TERM

log "building shopfleet-api, shopfleet-worker, the renderer and the goose scenarios (release)"
(cd "$ROOT" && CARGO_TARGET_DIR=$API_TARGET cargo build --quiet --release -p shopfleet-api -p shopfleet-worker)
(cd "$ROOT" && CARGO_TARGET_DIR=$API_TARGET cargo build --quiet --release -p shopfleet-media --example render)
(cd "$ROOT/bench" && CARGO_TARGET_DIR=$BENCH_TARGET cargo build --quiet --release)
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check "pillow==11.*"

log "making $PHOTOS photos of 12 megapixels"
"$VENV/bin/python" "$ROOT/bench/images/make_photos.py" "$OUT/photos" "$PHOTOS"
photos=("$OUT"/photos/*.jpg)

log "rendering: shopfleet-media vs Pillow, alternating runs"
farm-bench -n 5 --timeout 1800 --vs "$VENV/bin/python $ROOT/bench/images/pillow_render.py ${photos[*]}" -- \
  "$API_TARGET/release/examples/render" "${photos[@]}" >"$OUT/render.txt" 2>&1
cat "$OUT/render.txt" >&2
median_wall() { awk -v who="$1" '$1 == who && $2 == "wall" { print $5 }' "$OUT/render.txt"; }
OURS=$(median_wall A) PILLOW=$(median_wall B)
RENDITIONS=$("$API_TARGET/release/examples/render" "${photos[0]}" | sed -n 's/.*: \([0-9]*\) renditions.*/\1/p')

log "serving: a rendition and a static file of the same size"
API_PORT=$(free_port) WORKER_PORT=$(free_port)
BASE=http://127.0.0.1:$API_PORT
mkdir -p "$OUT/web/assets" "$OUT/data"
echo '<!doctype html><title>bench</title>' >"$OUT/web/index.html"
export DATABASE_URL="$PG/$DB" REDIS_URL=redis://127.0.0.1:6379/0 REDIS_KEY_PREFIX="bench-images-$RUN_ID"
export JWT_SECRET=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
export PAYMENTS_WEBHOOK_SECRETS=whsec_$(python3 -c 'import secrets; print(secrets.token_hex(24))')
export DEMO_PASSWORD=$(python3 -c 'import secrets; print("Bench-" + secrets.token_urlsafe(12))')
export API_HOST=127.0.0.1 API_PORT WORKER_HOST=127.0.0.1 WORKER_PORT WEB_DIR="$OUT/web" DATA_DIR="$OUT/data"
export MEDIA_DIR="$OUT/data/media" IMAGE_MAX_BYTES=52428800 LOG_LEVEL=warn LOG_FORMAT=json
psql "$PG/postgres" -qc "CREATE DATABASE \"$DB\""
"$API_TARGET/release/shopfleet-api" migrate >"$OUT/migrate.log" 2>&1
"$API_TARGET/release/shopfleet-api" seed-demo --products 20 >"$OUT/seed.log" 2>&1
"$API_TARGET/release/shopfleet-api" serve >"$OUT/api.log" 2>&1 &
PIDS+=($!)
"$API_TARGET/release/shopfleet-worker" >"$OUT/worker.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do curl -fsS "$BASE/ready" >/dev/null 2>&1 && break; sleep 0.2; done

token=$(curl -fsS --data-urlencode grant_type=password --data-urlencode username=merchant0@demo.shopfleet.dev \
  --data-urlencode "password=$DEMO_PASSWORD" "$BASE/api/v1/auth/token" | json_field '["access_token"]')
product=$(curl -fsS -H "authorization: Bearer $token" "$BASE/api/v1/merchant/products?limit=1" | json_field '["items"][0]["id"]')
curl -fsS -o /dev/null -H "authorization: Bearer $token" -F "file=@${photos[0]}" "$BASE/api/v1/products/$product/images"
url=
for _ in $(seq 1 300); do
  url=$(curl -fsS "$BASE/api/v1/products/$product" | python3 -c '
import json, sys
media = json.load(sys.stdin).get("media") or []
print(next((r["url"] for m in media for r in m["renditions"] if r["width"] == 1200 and r["format"] == "webp"), ""))')
  [ -n "$url" ] && break
  sleep 0.2
done
[ -n "$url" ] || { log "the image never became ready; see $OUT/worker.log"; exit 1; }
curl -fsS -o "$OUT/web/assets/same-size.webp" "$BASE$url"
SIZE=$(stat -c %s "$OUT/web/assets/same-size.webp")

serve_round() { # <name> <path> <round>
  BENCH_SCENARIO=$1 BENCH_PATH=$2 BENCH_RESULT="$OUT/$1-$3.json" "$BENCH_TARGET/release/media-bench" \
    --host "$BASE" --users "$USERS" --increase-rate "$USERS" --run-time "${SECONDS_PER_RUN}s" \
    --no-telnet --no-websocket --no-gzip >"$OUT/$1-$3.log" 2>&1 ||
    { log "scenario $1 failed; see $OUT/$1-$3.log"; tail -20 "$OUT/$1-$3.log" >&2; exit 1; }
}
for round in 1 2; do
  serve_round rendition "$url" "$round"
  serve_round static /assets/same-size.webp "$round"
done

python3 - "$OUT" "$OURS" "$PILLOW" "$RENDITIONS" "$PHOTOS" "$SIZE" <<PY | tee "$OUT/summary.md"
import json, sys
out, ours, pillow, renditions, photos, size = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), *map(int, sys.argv[4:])
print("Run $RUN_ID, $(date -u '+%Y-%m-%d %H:%M UTC'), commit \`$(git -C "$ROOT" rev-parse --short HEAD)\`, $(nproc) CPUs, release builds.")
print()
print(f"Rendering {photos} photos of 4000 × 3000 px (JPEG), {renditions} renditions each plus a placeholder, one process, median of 5 alternating runs:")
print()
print("| renderer | wall s | photos/s | renditions/s | time ÷ Pillow |")
print("| --- | ---: | ---: | ---: | ---: |")
for name, wall in [("shopfleet-media (the worker's code)", ours), ("Pillow 11 (baseline)", pillow)]:
    print(f"| {name} | {wall:.2f} | {photos / wall:.2f} | {photos * renditions / wall:.1f} | {wall / pillow:.2f} |")
print()
print(f"Serving a {size:,}-byte WebP rendition and a static file of the same bytes from the same server, $USERS users, ${SECONDS_PER_RUN} s per round, rounds alternating:")
print()
print("| round | rendition req/s | rendition p99 ms | static req/s | static p99 ms | p99 rendition ÷ static |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")
for n in (1, 2):
    r = json.load(open(f"{out}/rendition-{n}.json"))
    s = json.load(open(f"{out}/static-{n}.json"))
    assert r["fail"] == 0 and s["fail"] == 0, "failed requests"
    print(f"| {n} | {r['req_per_s']:,.0f} | {r['p99_ms']:.2f} | {s['req_per_s']:,.0f} | {s['p99_ms']:.2f} | {r['p99_ms'] / s['p99_ms']:.2f} |")
PY
