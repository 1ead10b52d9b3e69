#!/usr/bin/env bash
# The web app end to end in a real browser: a fresh database with a small demo shop, the
# real shopfleet-api (serving web/dist) and shopfleet-worker, and Playwright driving Debian's
# Chromium through shopper, merchant and admin journeys (web/e2e/). Run by `make test` after
# scripts/web/check.sh built the app; needs Postgres and Redis on loopback.
# Screenshots and failure traces land in web/test-results/.
set -euo pipefail
source "$(dirname "$0")/../dev/common.sh"
source "$(dirname "$0")/demo-server.sh"
cd "$ROOT"

start_demo_server "${E2E_PRODUCTS:-300}"
say "web: browser journeys (Playwright, Debian Chromium) against $DEMO_URL"
cd web
status=0
E2E_BASE_URL="$DEMO_URL" E2E_ADMIN_EMAIL="$BOOTSTRAP_ADMIN_EMAIL" E2E_ADMIN_PASSWORD="$BOOTSTRAP_ADMIN_PASSWORD" \
  E2E_DEMO_PASSWORD="$DEMO_PASSWORD" E2E_DATABASE_URL="$DATABASE_URL" CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}" \
  npx playwright test || status=$?
if [ "$status" != 0 ]; then
  say "last lines of the API and worker logs"
  tail -n 40 "${DEMO_LOGS[@]}" >&2 || true
fi
exit "$status"
