# shellcheck shell=bash
# Sourced by the checkout benchmarks: registers the goose users' shoppers, each with a
# saved address in Berlin (so standard shipping to Germany and German VAT apply).
#
#   register_shoppers <API base URL> <count> <password>
#   (accounts bench-0@bench.shopfleet.test … bench-<count-1>@…, the emails checkout-bench logs in with)
register_shoppers() {
  local base=$1 count=$2 password=$3 i email token
  for i in $(seq 0 $((count - 1))); do
    email="bench-$i@bench.shopfleet.test"
    curl -fsS -o /dev/null -H 'content-type: application/json' -d "{\"email\":\"$email\",\"password\":\"$password\"}" "$base/api/v1/auth/register"
    token=$(curl -fsS --data-urlencode grant_type=password --data-urlencode "username=$email" --data-urlencode "password=$password" \
      "$base/api/v1/auth/token" | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
    curl -fsS -o /dev/null -H "authorization: Bearer $token" -H 'content-type: application/json' \
      -d '{"full_name": "Bench Shopper", "line1": "1 Load St", "city": "Berlin", "postal_code": "10115", "country": "DE"}' \
      "$base/api/v1/users/me/addresses"
  done
}
