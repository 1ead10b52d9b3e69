#!/usr/bin/env bash
# Lighthouse (12.2.3 from npm, run with Debian's Chromium) on the web app's main storefront
# pages, served by a debug shopfleet-api with a 1,000-product demo shop; mobile (Lighthouse's
# default throttled profile) and desktop. Prints one table row per page and profile, plus the
# first route's JavaScript (gzip) against its budget. Usage: bench/web.sh
set -euo pipefail
source "$(dirname "$0")/../scripts/dev/common.sh"
source "$ROOT/scripts/web/demo-server.sh"
cd "$ROOT"

lighthouse_dir="$CACHE_DIR/lighthouse-12.2.3"
if [ ! -x "$lighthouse_dir/node_modules/.bin/lighthouse" ]; then
  say "installing lighthouse 12.2.3 into $lighthouse_dir"
  mkdir -p "$lighthouse_dir"
  (cd "$lighthouse_dir" && echo '{"private":true}' > package.json && npm i -E --no-audit --no-fund --loglevel=error lighthouse@12.2.3)
fi
(cd web && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error && npx vite build --logLevel warn)
start_demo_server "${BENCH_PRODUCTS:-1000}"
product="$(curl -fs "$DEMO_URL/api/v1/products?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')"

out="$(mktemp -d)"
echo "commit $(git rev-parse --short HEAD), $(nproc) cores, $(chromium --version 2>/dev/null | head -1)"
echo "| page | profile | performance | accessibility | best practices | SEO | FCP ms | LCP ms | TBT ms | CLS |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for page in "/products" "/" "/products/$product" "/search?q=sneakers"; do
  for profile in mobile desktop; do
    preset=(); [ "$profile" = desktop ] && preset=(--preset=desktop)
    # Warm the API's cache as a second visitor would find it.
    curl -fs -o /dev/null "$DEMO_URL$page"
    CHROME_PATH=/usr/bin/chromium "$lighthouse_dir/node_modules/.bin/lighthouse" "$DEMO_URL$page" "${preset[@]}" \
      --chrome-flags="--headless=new --no-sandbox" --output=json --output-path="$out/report.json" --quiet
    python3 - "$out/report.json" "$page" "$profile" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
score = lambda c: round(report["categories"][c]["score"] * 100)
audit = lambda a: report["audits"][a]["numericValue"]
page = sys.argv[2] if not sys.argv[2].startswith("/products/") else "/products/{id}"
print(f"| `{page}` | {sys.argv[3]} | {score('performance')} | {score('accessibility')} | {score('best-practices')} | {score('seo')} "
      f"| {audit('first-contentful-paint'):.0f} | {audit('largest-contentful-paint'):.0f} | {audit('total-blocking-time'):.0f} | {audit('cumulative-layout-shift'):.3f} |")
PY
  done
done
echo
node scripts/web/size-budget.mjs web/dist 200
