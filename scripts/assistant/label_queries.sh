#!/usr/bin/env bash
# Builds the assistant's labelled query set (assistant/src/eval/queries.json)
# from rules.tsv and a database holding the demo shop (`shopfleet-api seed-demo`, 1,000
# products, seed 42): a query's relevant products are the published products of the
# rule's category with the rule's attribute value. Queries with no such product are left out.
#   scripts/assistant/label_queries.sh postgres://postgres@127.0.0.1:5432/shopfleet
set -euo pipefail
db="${1:?usage: label_queries.sh DATABASE_URL}"
dir="$(cd "$(dirname "$0")/../../assistant/src/eval" && pwd)"
psql "$db" -qtAX -v ON_ERROR_STOP=1 <<SQL > "$dir/queries.json"
CREATE TEMP TABLE rules (query text, category text, attribute text, value text);
\copy rules FROM '$dir/rules.tsv'
SELECT jsonb_pretty(jsonb_agg(q ORDER BY n)) FROM (
  SELECT row_number() OVER () AS n,
         jsonb_build_object(
           'query', r.query,
           'rule', format('%s, %s = %s', r.category, r.attribute, r.value),
           'relevant', (SELECT jsonb_agg(p.slug ORDER BY p.slug) FROM products p JOIN categories c ON c.id = p.category_id
                        WHERE c.slug = r.category AND p.attributes ->> r.attribute = r.value AND p.status = 'published')) AS q
  FROM rules r) x
WHERE q -> 'relevant' <> 'null'::jsonb;
SQL
echo "wrote $(grep -c '"query"' "$dir/queries.json") queries to $dir/queries.json" >&2
