//! Product search on Postgres (the default backend): full text over title, SKUs,
//! attribute values and description, with prefix matching on the last word, typo
//! tolerance through trigram similarity on titles, partial SKU matches (an exact SKU
//! ranks first), the listing filters, facets and HTML-safe highlights.

use super::{
    safe_highlight, Highlights, ProductDocument, SearchBackend, SearchHit, SearchIndex, SearchQuery,
    SearchResults, MARK_END, MARK_START, PRICE_BUCKETS,
};
use crate::catalog::{
    listing::{push_filters, ListingQuery},
    products::{Product, PRODUCT_COLUMNS},
};
use shopfleet_domain::DomainError;
use sqlx::{PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

/// Titles at least this similar to the query (trigram word similarity) match despite typos.
const TYPO_SIMILARITY: f64 = 0.5;

/// `headphon` → `headphon:*`; `blue rain jack` → `blue & rain & jack:*`.
fn tsquery(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(10)
        .map(str::to_lowercase)
        .collect();
    let (last, rest) = words.split_last()?;
    let mut query: Vec<String> = rest.to_vec();
    query.push(format!("{last}:*"));
    Some(query.join(" & "))
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// What a query needs of each match.
#[derive(Clone, Copy, PartialEq)]
enum Columns {
    /// Its rank, for a page of hits.
    Scored,
    /// The columns the facets count (no ranking work).
    Faceted,
}

/// Whether a title a few letters off the query matches too.
#[derive(Clone, Copy, PartialEq)]
enum Typos {
    /// Yes, by word similarity: every title sharing trigrams with the query is re-checked,
    /// which is most of a broad query's cost on a large catalog.
    Tolerated,
    /// No: only the query's words (and a SKU fragment) match.
    NotMatched,
}

/// `WITH matches AS (SELECT id, … )`: every published product matching text and filters.
/// Each condition is an index scan on `products` (full text; with [`Typos::Tolerated`],
/// title trigrams with the word-similarity threshold `begin` sets; SKU trigrams), so
/// Postgres ORs bitmaps instead of looking at every product.
fn push_matches<'a>(
    sql: &mut QueryBuilder<'a, Postgres>,
    ts: &str,
    raw: &str,
    filters: &'a ListingQuery,
    columns: Columns,
    typos: Typos,
) {
    sql.push("WITH matches AS (SELECT p.id");
    if columns == Columns::Faceted {
        sql.push(", p.category_id, p.min_price_minor, p.attributes, p.merchant_id");
    } else {
        sql.push(", (CASE WHEN EXISTS (SELECT 1 FROM variants v WHERE v.product_id = p.id AND lower(v.sku) = lower(")
            .push_bind(raw.to_owned())
            .push(")) THEN 100 ELSE 0 END + ts_rank_cd(p.search_vector, to_tsquery('english', ")
            .push_bind(ts.to_owned())
            .push(")) + word_similarity(")
            .push_bind(raw.to_owned())
            .push(", p.title))::float8 AS score");
    }
    sql.push(" FROM products p WHERE p.status = 'published' AND (p.search_vector @@ to_tsquery('english', ")
        .push_bind(ts.to_owned())
        .push(")");
    if typos == Typos::Tolerated {
        sql.push(" OR ").push_bind(raw.to_owned()).push(" <% p.title");
    }
    // `skus` joins SKUs with spaces and a SKU holds no whitespace: a query without any
    // matches `skus` exactly when it matches one SKU, and a query with some matches none.
    if !raw.contains(char::is_whitespace) {
        sql.push(" OR p.skus ILIKE ").push_bind(format!("%{}%", escape_like(raw)));
    }
    sql.push(")");
    push_filters(sql, filters);
    sql.push(") ");
}

/// The facets over [`Columns::Faceted`] `matches`; the price buckets come from [`PRICE_BUCKETS`].
fn facets_sql() -> String {
    let buckets: Vec<String> = PRICE_BUCKETS
        .iter()
        .map(|(min, max)| format!("({min}, {})", max.map_or("NULL".to_owned(), |m| m.to_string())))
        .collect();
    format!(
        "SELECT
    (SELECT count(*) FROM matches) AS total,
    json_build_object(
      'categories', (SELECT coalesce(json_agg(x ORDER BY x.count DESC, x.category), '[]') FROM
          (SELECT split_part(c.path, '/', 1) AS category, count(*) AS count
           FROM matches p JOIN categories c ON c.id = p.category_id GROUP BY 1) x),
      'prices', (SELECT coalesce(json_agg(x ORDER BY x.min), '[]') FROM
          (SELECT b.min, b.max, count(*) AS count FROM matches p
           JOIN (VALUES {}) AS b(min, max)
             ON p.min_price_minor >= b.min AND (b.max IS NULL OR p.min_price_minor < b.max)
           GROUP BY b.min, b.max) x),
      'attributes', (SELECT coalesce(json_object_agg(name, vals), '{{}}') FROM
          (SELECT name, json_object_agg(value, count) AS vals FROM
             (SELECT kv.key AS name, kv.value #>> '{{}}' AS value, count(*) AS count
              FROM matches p, jsonb_each(p.attributes) kv
              WHERE jsonb_typeof(kv.value) = 'string' GROUP BY 1, 2) a GROUP BY name) y),
      'merchants', (SELECT coalesce(json_agg(x ORDER BY x.count DESC, x.merchant_id), '[]') FROM
          (SELECT p.merchant_id, count(*) AS count FROM matches p GROUP BY 1) x)
    ) AS facets",
        buckets.join(", ")
    )
}

/// Checks `query` and opens the transaction a search runs in, with the typo threshold set:
/// the trimmed text, its tsquery and the transaction.
async fn begin<'q>(
    db: &PgPool,
    query: &'q SearchQuery,
) -> Result<(&'q str, String, sqlx::Transaction<'static, Postgres>), DomainError> {
    let raw = query.check(db).await?;
    let ts = tsquery(raw).ok_or_else(|| DomainError::invalid("q", "must contain a letter or digit"))?;
    let mut tx = db.begin().await?;
    // `raw <% title` holds when word_similarity(raw, title) reaches this threshold.
    sqlx::query("SELECT set_config('pg_trgm.word_similarity_threshold', $1, true)")
        .bind(TYPO_SIMILARITY.to_string())
        .execute(&mut *tx)
        .await?;
    Ok((raw, ts, tx))
}

impl PostgresSearch {
    /// The ids of the first page of [`SearchIndex::search`]'s hits by the query's words
    /// alone, in the page's order, without what only shoppers' pages need (highlights, the
    /// total and facets, which visit every match) and without typo matches: checking every
    /// title that shares letters with the query is most of a broad query's cost at 100k
    /// products, and the assistant's vector half finds misspelt and paraphrased products.
    pub async fn ranked_ids(&self, db: &PgPool, query: &SearchQuery) -> Result<Vec<Uuid>, DomainError> {
        let (raw, ts, mut tx) = begin(db, query).await?;
        let mut sql = QueryBuilder::new("");
        push_matches(&mut sql, &ts, raw, &query.filters, Columns::Scored, Typos::NotMatched);
        sql.push("SELECT id FROM matches ORDER BY score DESC, id LIMIT ")
            .push_bind(i64::from(query.filters.limit))
            .push(" OFFSET ")
            .push_bind(i64::from(query.offset()));
        let ids = sql.build_query_scalar().fetch_all(&mut *tx).await?;
        tx.commit().await?;
        Ok(ids)
    }
}

#[derive(sqlx::FromRow)]
struct HitRow {
    #[sqlx(flatten)]
    product: Product,
    score: f64,
    title_highlight: String,
    description_highlight: String,
}

/// The Postgres backend: the `products` table is the index (its `search_vector` is a
/// generated column, so it changes in the transaction that changes the product).
#[derive(Debug, Clone, Copy, Default)]
pub struct PostgresSearch;

#[async_trait::async_trait]
impl SearchIndex for PostgresSearch {
    fn backend(&self) -> SearchBackend {
        SearchBackend::Postgres
    }

    fn follows_commits(&self) -> bool {
        true
    }

    /// The migrations create the index; nothing to configure.
    async fn configure(&self) -> anyhow::Result<()> {
        Ok(())
    }

    async fn search(&self, db: &PgPool, query: &SearchQuery) -> Result<SearchResults, DomainError> {
        let (raw, ts, mut tx) = begin(db, query).await?;
        let options = format!("StartSel={MARK_START}, StopSel={MARK_END}");
        let mut hits_sql = QueryBuilder::new("");
        push_matches(&mut hits_sql, &ts, raw, &query.filters, Columns::Scored, Typos::Tolerated);
        hits_sql
            .push(format!("SELECT {PRODUCT_COLUMNS}, m.score, ts_headline('english', p.title, to_tsquery('english', "))
            .push_bind(ts.clone())
            .push("), ")
            .push_bind(format!("{options}, HighlightAll=true"))
            .push(") AS title_highlight, ts_headline('english', p.description, to_tsquery('english', ")
            .push_bind(ts.clone())
            .push("), ")
            .push_bind(format!("{options}, MaxWords=25, MinWords=10"))
            // Only the page's rows are joined to their products and highlighted.
            .push(") AS description_highlight FROM (SELECT id, score FROM matches ORDER BY score DESC, id LIMIT ")
            .push_bind(i64::from(query.filters.limit))
            .push(" OFFSET ")
            .push_bind(i64::from(query.offset()))
            .push(") m JOIN products p ON p.id = m.id LEFT JOIN categories c ON c.id = p.category_id ORDER BY m.score DESC, p.id");
        let rows: Vec<HitRow> = hits_sql.build_query_as().fetch_all(&mut *tx).await?;

        let mut totals = QueryBuilder::new("");
        push_matches(&mut totals, &ts, raw, &query.filters, Columns::Faceted, Typos::Tolerated);
        totals.push(facets_sql());
        let (total, facets): (i64, serde_json::Value) = totals.build_query_as().fetch_one(&mut *tx).await?;
        tx.commit().await?;

        let items = rows
            .into_iter()
            .map(|row| SearchHit {
                product: row.product,
                score: row.score,
                highlights: Highlights {
                    title: safe_highlight(&row.title_highlight),
                    description: safe_highlight(&row.description_highlight),
                },
            })
            .collect();
        Ok(SearchResults { total, items, facets })
    }

    /// Nothing to do: the product row is its own index entry.
    async fn upsert(&self, _documents: &[ProductDocument]) -> anyhow::Result<()> {
        Ok(())
    }

    /// Nothing to do: deleting or unpublishing the product row takes it out of results.
    async fn delete(&self, _ids: &[Uuid]) -> anyhow::Result<()> {
        Ok(())
    }

    async fn reindex(&self, _db: &PgPool) -> anyhow::Result<String> {
        tracing::info!(
            "search re-index skipped: the postgres backend indexes in each product's own transaction"
        );
        Ok("nothing to do: the postgres backend is always in step".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_word_is_a_prefix_and_punctuation_is_dropped() {
        assert_eq!(tsquery("Rain  jack").as_deref(), Some("rain & jack:*"));
        assert_eq!(tsquery("o'neill & co|!").as_deref(), Some("o & neill & co:*"));
        assert_eq!(tsquery("!!!"), None);
    }
}
