//! The search document of a published product, read from Postgres as it is now: the
//! text an external index searches and the fields it filters and counts facets on. Read
//! by product id (the worker, after an event) or in keyset batches (a full re-index).

use super::price_bucket;
use crate::catalog::ProductStatus;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{PgExecutor, Postgres, QueryBuilder};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductDocument {
    pub id: Uuid,
    pub title: String,
    pub description: String,
    /// SKUs of every variant, in display order.
    pub skus: Vec<String>,
    /// The string-valued attributes (name → value): searched, and counted by the
    /// `attributes` facet.
    pub attributes: serde_json::Map<String, serde_json::Value>,
    /// Each attribute as a JSON `[name, value]` string, the one field that attribute
    /// filters and the `attributes` facet use whatever the attribute names are.
    pub attribute_pairs: Vec<String>,
    /// The product's category and all its ancestors, so a category filter includes descendants.
    pub category_ids: Vec<Uuid>,
    /// Slug of the top-level category (the `categories` facet).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_category: Option<String>,
    /// Lowest variant price in minor units.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<i64>,
    /// `min` of the price's bucket (the `prices` facet).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_bucket: Option<i64>,
    pub in_stock: bool,
    pub merchant_id: Uuid,
    pub status: ProductStatus,
    /// Creation time in Unix seconds (sortable).
    pub created_at: i64,
    /// When this document was read, in Unix milliseconds: a re-index removes entries
    /// older than its start.
    pub indexed_at: i64,
}

/// The description as plain words: markup tags (`<b>`, `</p>`, `<br/>`) become spaces, as
/// Postgres's text-search parser skips them, so both backends search the same words (a
/// search engine tokenizer may read `<b>studio</b>` as one token). A `<` that opens no tag
/// (`3 < 5`) is kept.
fn plain_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut chars = html.chars().peekable();
    while let Some(c) = chars.next() {
        let opens_tag =
            c == '<' && chars.peek().is_some_and(|n| n.is_ascii_alphabetic() || matches!(n, '/' | '!'));
        if opens_tag && html.contains('>') {
            out.push(' ');
            for skipped in chars.by_ref() {
                if skipped == '>' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One `[name, value]` attribute, as stored in [`ProductDocument::attribute_pairs`].
pub fn attribute_pair(name: &str, value: &str) -> String {
    serde_json::to_string(&(name, value)).expect("strings serialise")
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    title: String,
    description: String,
    skus: Vec<String>,
    attributes: sqlx::types::Json<serde_json::Map<String, serde_json::Value>>,
    category_ids: Vec<Uuid>,
    top_category: Option<String>,
    price: Option<i64>,
    in_stock: bool,
    merchant_id: Uuid,
    status: ProductStatus,
    created_at: DateTime<Utc>,
}

impl From<Row> for ProductDocument {
    fn from(row: Row) -> Self {
        let attributes = row.attributes.0;
        let attribute_pairs = attributes
            .iter()
            .filter_map(|(name, value)| value.as_str().map(|value| attribute_pair(name, value)))
            .collect();
        ProductDocument {
            id: row.id,
            title: row.title,
            description: plain_text(&row.description),
            skus: row.skus,
            attributes,
            attribute_pairs,
            category_ids: row.category_ids,
            top_category: row.top_category,
            price_bucket: row.price.and_then(price_bucket),
            price: row.price,
            in_stock: row.in_stock,
            merchant_id: row.merchant_id,
            status: row.status,
            created_at: row.created_at.timestamp(),
            indexed_at: Utc::now().timestamp_millis(),
        }
    }
}

/// Published products only; the caller appends its condition on `p`.
const SELECT: &str = "SELECT p.id, p.title, p.description, p.merchant_id, p.status, p.in_stock, p.created_at,
       p.min_price_minor AS price,
       coalesce((SELECT array_agg(v.sku ORDER BY v.position, v.id) FROM variants v WHERE v.product_id = p.id), '{}') AS skus,
       coalesce((SELECT jsonb_object_agg(kv.key, kv.value) FROM jsonb_each(p.attributes) kv
                 WHERE jsonb_typeof(kv.value) = 'string'), '{}') AS attributes,
       coalesce(c.lineage, '{}') AS category_ids,
       split_part(c.path, '/', 1) AS top_category
FROM products p LEFT JOIN categories c ON c.id = p.category_id
WHERE p.status = 'published'";

/// The documents of those of `ids` that are published now; the others are absent.
pub async fn published(db: impl PgExecutor<'_>, ids: &[Uuid]) -> Result<Vec<ProductDocument>, sqlx::Error> {
    let mut sql: QueryBuilder<Postgres> = QueryBuilder::new(SELECT);
    sql.push(" AND p.id = ANY(").push_bind(ids.to_vec()).push(")");
    let rows: Vec<Row> = sql.build_query_as().fetch_all(db).await?;
    Ok(rows.into_iter().map(ProductDocument::from).collect())
}

/// Up to `limit` published products with ids after `after`, in id order (keyset pages,
/// so a full re-index streams the catalog without holding it).
pub async fn batch_after(
    db: impl PgExecutor<'_>,
    after: Option<Uuid>,
    limit: u32,
) -> Result<Vec<ProductDocument>, sqlx::Error> {
    let mut sql: QueryBuilder<Postgres> = QueryBuilder::new(SELECT);
    if let Some(after) = after {
        sql.push(" AND p.id > ").push_bind(after);
    }
    sql.push(" ORDER BY p.id LIMIT ").push_bind(i64::from(limit));
    let rows: Vec<Row> = sql.build_query_as().fetch_all(db).await?;
    Ok(rows.into_iter().map(ProductDocument::from).collect())
}

#[cfg(test)]
mod tests {
    use super::plain_text;

    #[test]
    fn markup_becomes_spaces_and_comparisons_stay() {
        assert_eq!(plain_text("Closed-back <b>studio</b> sound.<br/>"), "Closed-back studio sound.");
        assert_eq!(plain_text("<p>Two\n lines</p>"), "Two lines");
        assert_eq!(plain_text("3 < 5 and 7 > 2"), "3 < 5 and 7 > 2");
    }
}
