#!/usr/bin/env bash
# The API contract check of `make test`: a real shopfleet-api on a fresh database with a
# small demo shop, tested by schemathesis (`--checks all`) against its own OpenAPI document,
# once anonymously and once with a token of each role (user, merchant, admin). A fixed seed
# and a bounded example count keep it reproducible and a few minutes long. Zero failures is
# the bar; a failure prints the request that reproduces it.
#
# Needs: Postgres and Redis on loopback (TEST_DATABASE_URL, TEST_REDIS_URL), the debug
# binary (built by the test run), the embedding model (EMBEDDING_MODEL_DIR) and the venv
# with schemathesis (scripts/dev/prereqs.sh --test).
set -euo pipefail
source "$(dirname "$0")/../dev/common.sh"
cd "$ROOT"

st="$CACHE_DIR/venv/bin/schemathesis"
api="$CARGO_TARGET_DIR/debug/shopfleet-api"
[ -x "$st" ] || die "schemathesis is missing: run scripts/dev/prereqs.sh --test"
cargo build --quiet --bin shopfleet-api  # a no-op when the test run built it
examples="${CONTRACT_MAX_EXAMPLES:-12}"
seed="${CONTRACT_SEED:-20261203}"

admin_url="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
db="sf_test_contract_$$"
work=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  psql "$admin_url" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
psql "$admin_url" -qc "CREATE DATABASE \"$db\"" >/dev/null

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
password="contract-$(openssl rand -hex 12)"
export DATABASE_URL="${admin_url%/*}/$db" REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379/0}"
export REDIS_KEY_PREFIX="contract:$$" API_HOST=127.0.0.1 API_PORT="$port" MIGRATE_ON_START=true
export JWT_SECRET="$(openssl rand -hex 32)" PAYMENTS_WEBHOOK_SECRETS="$(openssl rand -hex 24)"
export BOOTSTRAP_ADMIN_EMAIL=admin@contract.example.com BOOTSTRAP_ADMIN_PASSWORD="$password"
export DEMO_PASSWORD="$password" DATA_DIR="$work/data" LOG_LEVEL="${CONTRACT_LOG_LEVEL:-warn}"
export ARGON2_MEMORY_KIB=1024 ARGON2_ITERATIONS=1 LOGIN_MAX_ATTEMPTS_PER_IP=1000000 LOGIN_MAX_FAILURES_PER_ACCOUNT=1000000
export EMBEDDING_MODEL_DIR="${EMBEDDING_MODEL_DIR:-$CACHE_DIR/models/all-MiniLM-L6-v2}"

"$api" migrate >/dev/null
"$api" seed-demo --products 40 --merchants 2 --shoppers 2 --seed 7 >/dev/null
"$api" >"$work/api.log" 2>&1 &
server_pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 120); do
  curl -fsS "$base/health" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/api.log"; die "shopfleet-api exited"; }
  sleep 0.5
done
"$api" reindex-vectors >/dev/null

token() {
  curl -fsS "$base/api/v1/auth/token" --data-urlencode grant_type=password \
    --data-urlencode "username=$1" --data-urlencode "password=$password" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}

# Operations that would lock the run out of its own account, skipped for signed-in runs:
# signing out (this session, every session), changing the password (revokes the sessions),
# and an admin demoting or deactivating accounts (the admin's own among them).
lockout=()
for operation in logout logout_all change_password change_role deactivate; do
  lockout+=(--exclude-operation-id "$operation")
done

failed=0
# One worker: with two, hypothesis describing its strategies from two threads at once
# sometimes fails inside CPython's ast module ("AST constructor recursion depth mismatch"),
# an error of the tool, not of the API.
run() {
  local who="$1"; shift
  say "schemathesis as $who ($examples examples per operation, seed $seed)"
  if ! "$st" --no-color run "$base/openapi.json" --url "$base" --checks all --seed "$seed" \
      --max-examples "$examples" --phases examples,coverage,fuzzing --workers 1 \
      --generation-database none --suppress-health-check all --warnings off "$@"; then
    failed=1
  fi
}
run anonymous
run user -H "Authorization: Bearer $(token user0@demo.shopfleet.dev)" "${lockout[@]}"
run merchant -H "Authorization: Bearer $(token merchant0@demo.shopfleet.dev)" "${lockout[@]}"
run admin -H "Authorization: Bearer $(token "$BOOTSTRAP_ADMIN_EMAIL")" "${lockout[@]}"

if grep -q '"level":"ERROR"\|ERROR' "$work/api.log"; then
  say "server errors logged during the run:"; grep 'ERROR' "$work/api.log" | head -20
  failed=1
fi
[ "$failed" = 0 ] || die "the API does not meet its OpenAPI contract (reproducing requests above)"
say "schemathesis: no failures"
