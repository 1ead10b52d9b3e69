//! Product search on Postgres (the default backend): full text over title, SKUs,
//! attribute values and description, with prefix matching on the last word, typo
//! tolerance through trigram similarity on titles, partial SKU matches (an exact SKU
//! ranks first), the listing filters, facets and HTML-safe highlights.

use super::{
    listing::{check_filters, push_filters, ListingQuery},
    products::{Product, PRODUCT_COLUMNS},
};
use crate::error::DomainError;
use serde::{Deserialize, Serialize};
use sqlx::{PgPool, Postgres, QueryBuilder};

pub const MAX_QUERY_CHARS: usize = 200;
pub const MAX_PAGE: u32 = 50;
/// Titles at least this similar to the query (trigram word similarity) match despite typos.
const TYPO_SIMILARITY: f64 = 0.5;
const MARK_START: char = '\u{1}';
const MARK_END: char = '\u{2}';

/// A search: text, the listing filters (`limit` is the page size) and a 1-based page.
#[derive(Debug, Clone)]
pub struct SearchQuery {
    pub text: String,
    pub filters: ListingQuery,
    pub page: u32,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Highlights {
    /// The title, HTML-escaped, with matched words in `<mark>`.
    pub title: String,
    /// A fragment of the description, HTML-escaped, with matched words in `<mark>`.
    pub description: String,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SearchHit {
    #[serde(flatten)]
    pub product: Product,
    pub score: f64,
    pub highlights: Highlights,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SearchResults {
    /// Matching published products (all pages).
    pub total: i64,
    pub items: Vec<SearchHit>,
    /// Counts over all matches: `categories` (top level), `prices` (buckets in minor
    /// units), `attributes` (name → value → count), `merchants`.
    #[schema(value_type = Object)]
    pub facets: serde_json::Value,
}

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

/// Turns Postgres' marked headline into HTML-escaped text with `<mark>` tags.
fn safe_highlight(marked: &str) -> String {
    let mut html = String::with_capacity(marked.len() + 16);
    for c in marked.chars() {
        match c {
            MARK_START => html.push_str("<mark>"),
            MARK_END => html.push_str("</mark>"),
            '<' => html.push_str("&lt;"),
            '>' => html.push_str("&gt;"),
            '&' => html.push_str("&amp;"),
            '"' => html.push_str("&quot;"),
            '\'' => html.push_str("&#39;"),
            c => html.push(c),
        }
    }
    html
}

/// `WITH matches AS (SELECT id, score …)`: every published product matching text and filters.
fn push_matches<'a>(sql: &mut QueryBuilder<'a, Postgres>, ts: &str, raw: &str, filters: &'a ListingQuery) {
    let sku_like = format!("%{}%", escape_like(raw));
    sql.push("WITH matches AS (SELECT p.id, (CASE WHEN EXISTS (SELECT 1 FROM variants v WHERE v.product_id = p.id AND lower(v.sku) = lower(")
        .push_bind(raw.to_owned())
        .push(")) THEN 100 ELSE 0 END + ts_rank_cd(p.search_vector, to_tsquery('english', ")
        .push_bind(ts.to_owned())
        .push(")) + word_similarity(")
        .push_bind(raw.to_owned())
        .push(", p.title))::float8 AS score FROM products p WHERE p.status = 'published' AND (p.search_vector @@ to_tsquery('english', ")
        .push_bind(ts.to_owned())
        .push(") OR word_similarity(")
        .push_bind(raw.to_owned())
        .push(", p.title) >= ")
        .push_bind(TYPO_SIMILARITY)
        .push(" OR EXISTS (SELECT 1 FROM variants v WHERE v.product_id = p.id AND v.sku ILIKE ")
        .push_bind(sku_like)
        .push("))");
    push_filters(sql, filters);
    sql.push(") ");
}

const FACETS: &str = "SELECT
    (SELECT count(*) FROM matches) AS total,
    json_build_object(
      'categories', (SELECT coalesce(json_agg(x ORDER BY x.count DESC, x.category), '[]') FROM
          (SELECT split_part(c.path, '/', 1) AS category, count(*) AS count
           FROM matches m JOIN products p ON p.id = m.id JOIN categories c ON c.id = p.category_id GROUP BY 1) x),
      'prices', (SELECT coalesce(json_agg(x ORDER BY x.min), '[]') FROM
          (SELECT b.min, b.max, count(*) AS count FROM matches m JOIN products p ON p.id = m.id
           JOIN (VALUES (0, 2500), (2500, 5000), (5000, 10000), (10000, 25000), (25000, 50000), (50000, NULL))
             AS b(min, max) ON p.min_price_minor >= b.min AND (b.max IS NULL OR p.min_price_minor < b.max)
           GROUP BY b.min, b.max) x),
      'attributes', (SELECT coalesce(json_object_agg(name, vals), '{}') FROM
          (SELECT name, json_object_agg(value, count) AS vals FROM
             (SELECT kv.key AS name, kv.value #>> '{}' AS value, count(*) AS count
              FROM matches m JOIN products p ON p.id = m.id, jsonb_each(p.attributes) kv
              WHERE jsonb_typeof(kv.value) = 'string' GROUP BY 1, 2) a GROUP BY name) y),
      'merchants', (SELECT coalesce(json_agg(x ORDER BY x.count DESC), '[]') FROM
          (SELECT p.merchant_id, count(*) AS count FROM matches m JOIN products p ON p.id = m.id GROUP BY 1) x)
    ) AS facets";

#[derive(sqlx::FromRow)]
struct HitRow {
    #[sqlx(flatten)]
    product: Product,
    score: f64,
    title_highlight: String,
    description_highlight: String,
}

pub async fn search(db: &PgPool, query: &SearchQuery) -> Result<SearchResults, DomainError> {
    let raw = query.text.trim();
    if raw.is_empty() || raw.chars().count() > MAX_QUERY_CHARS {
        return Err(DomainError::invalid("q", format!("must be 1 to {MAX_QUERY_CHARS} characters")));
    }
    let ts = tsquery(raw).ok_or_else(|| DomainError::invalid("q", "must contain a letter or digit"))?;
    if !(1..=MAX_PAGE).contains(&query.page) {
        return Err(DomainError::invalid("page", format!("must be between 1 and {MAX_PAGE}")));
    }
    query.filters.validate()?;
    check_filters(db, &query.filters).await?;

    let options = format!("StartSel={MARK_START}, StopSel={MARK_END}");
    let mut hits_sql = QueryBuilder::new("");
    push_matches(&mut hits_sql, &ts, raw, &query.filters);
    hits_sql
        .push(format!("SELECT {PRODUCT_COLUMNS}, m.score, ts_headline('english', p.title, to_tsquery('english', "))
        .push_bind(ts.clone())
        .push("), ")
        .push_bind(format!("{options}, HighlightAll=true"))
        .push(") AS title_highlight, ts_headline('english', p.description, to_tsquery('english', ")
        .push_bind(ts.clone())
        .push("), ")
        .push_bind(format!("{options}, MaxWords=25, MinWords=10"))
        .push(") AS description_highlight FROM matches m JOIN products p ON p.id = m.id LEFT JOIN categories c ON c.id = p.category_id ORDER BY m.score DESC, p.id LIMIT ")
        .push_bind(i64::from(query.filters.limit))
        .push(" OFFSET ")
        .push_bind(i64::from(query.page - 1) * i64::from(query.filters.limit));
    let rows: Vec<HitRow> = hits_sql.build_query_as().fetch_all(db).await?;

    let mut facets_sql = QueryBuilder::new("");
    push_matches(&mut facets_sql, &ts, raw, &query.filters);
    facets_sql.push(FACETS);
    let (total, facets): (i64, serde_json::Value) = facets_sql.build_query_as().fetch_one(db).await?;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_word_is_a_prefix_and_punctuation_is_dropped() {
        assert_eq!(tsquery("Rain  jack").as_deref(), Some("rain & jack:*"));
        assert_eq!(tsquery("o'neill & co|!").as_deref(), Some("o & neill & co:*"));
        assert_eq!(tsquery("!!!"), None);
    }

    #[test]
    fn highlights_escape_html_but_keep_marks() {
        assert_eq!(
            safe_highlight("\u{1}Rain\u{2} <script>alert('x')</script> & co"),
            "<mark>Rain</mark> &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co"
        );
    }
}
