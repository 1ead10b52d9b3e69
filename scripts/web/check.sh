#!/usr/bin/env bash
# The web app's own checks, run by `make test` before its browser tests: installs the locked
# npm packages, checks that src/api/schema.d.ts matches api-server/openapi.json, then type
# check, lint, unit tests, the production build and the first-route size budget.
set -euo pipefail
source "$(dirname "$0")/../dev/common.sh"
cd "$ROOT/web"

export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
say "web: npm ci"
npm ci --no-audit --no-fund --loglevel=error
say "web: API types up to date with api-server/openapi.json"
npx openapi-typescript ../api-server/openapi.json -o src/api/schema.d.ts --check >/dev/null ||
  die "web/src/api/schema.d.ts is stale: run 'npm run gen:api' in web/ and commit it"
say "web: type check"
npx tsc -b
say "web: lint"
npx eslint --max-warnings=0 .
say "web: unit tests"
npx vitest run
say "web: production build"
npx vite build --logLevel warn
say "web: first-route size budget"
node "$ROOT/scripts/web/size-budget.mjs" dist 200
