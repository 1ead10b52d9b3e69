//! Product listings: the public catalog (published products) and a merchant's own products
//! in any status, with filters, sorts and keyset (cursor) pagination, answered with one SQL
//! query per page whatever the page size.

use super::products::{Product, PRODUCT_COLUMNS};
use super::ProductStatus;
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde::{Deserialize, Serialize};
use shopfleet_domain::{DomainError, PageLimit};
use sqlx::{PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

pub const DEFAULT_PAGE_SIZE: u32 = 24;
pub const MAX_PAGE_SIZE: u32 = 100;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    #[default]
    Newest,
    PriceAsc,
    PriceDesc,
    Title,
}

/// Which products a listing draws from (search always searches the published catalog).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub enum Scope {
    /// The catalog shoppers see: published products only.
    #[default]
    Published,
    /// One merchant's own products, drafts and archived ones included (or only `status`).
    Owner { merchant: Uuid, status: Option<ProductStatus> },
}

/// Filters of a listing. Shoppers only ever see published products.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ListingQuery {
    pub scope: Scope,
    /// Category slug; its descendants are included.
    pub category: Option<String>,
    pub min_price_minor: Option<i64>,
    pub max_price_minor: Option<i64>,
    pub in_stock: Option<bool>,
    pub merchant: Option<Uuid>,
    /// Attribute equality filters, e.g. `("brand", "Acme")`.
    pub attributes: Vec<(String, String)>,
    pub sort: Sort,
    pub cursor: Option<String>,
    pub limit: u32,
}

/// One page of a listing. Products carry a variant summary, not their variants.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProductPage {
    pub items: Vec<Product>,
    pub next_cursor: Option<String>,
}

/// Position after the last item of a page, in the page's sort order.
#[derive(Debug, Serialize, Deserialize)]
struct Cursor {
    sort: Sort,
    /// The sort key of the last item (timestamp micros, price or title).
    key: serde_json::Value,
    id: Uuid,
}

fn bad_cursor() -> DomainError {
    DomainError::invalid("cursor", "is not a cursor returned by this listing with this sort")
}

fn decode(cursor: &str, sort: Sort) -> Result<Cursor, DomainError> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad_cursor())?;
    let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| bad_cursor())?;
    if cursor.sort != sort {
        return Err(bad_cursor());
    }
    Ok(cursor)
}

fn encode(sort: Sort, product: &Product) -> String {
    let key = match sort {
        Sort::Newest => serde_json::json!(product.created_at.timestamp_micros()),
        Sort::PriceAsc | Sort::PriceDesc => serde_json::json!(product.min_price_minor.unwrap_or(0)),
        Sort::Title => serde_json::json!(product.title),
    };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&Cursor { sort, key, id: product.id }).expect("serialisable"))
}

impl ListingQuery {
    pub(super) fn validate(&self) -> Result<(), DomainError> {
        PageLimit::within(self.limit, MAX_PAGE_SIZE)?;
        for (field, value) in
            [("min_price_minor", self.min_price_minor), ("max_price_minor", self.max_price_minor)]
        {
            if value.is_some_and(|v| !(0..=super::MAX_PRICE_MINOR).contains(&v)) {
                return Err(DomainError::invalid(
                    field,
                    format!("must be between 0 and {}", super::MAX_PRICE_MINOR),
                ));
            }
        }
        if let (Some(min), Some(max)) = (self.min_price_minor, self.max_price_minor) {
            if min > max {
                return Err(DomainError::invalid("min_price_minor", "must not exceed max_price_minor"));
            }
        }
        Ok(())
    }
}

/// Refuses attribute filters naming an attribute no product has (one query, not per page item).
async fn check_attribute_names(db: &PgPool, names: &[String]) -> Result<(), DomainError> {
    if names.is_empty() {
        return Ok(());
    }
    let known: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM unnest($1::text[]) AS name WHERE EXISTS (SELECT 1 FROM products WHERE attributes ? name)",
    )
    .bind(names)
    .fetch_all(db)
    .await?;
    if let Some(unknown) = names.iter().find(|n| !known.contains(n)) {
        return Err(DomainError::invalid(
            format!("attr.{unknown}"),
            format!("no product has the attribute `{unknown}`"),
        ));
    }
    Ok(())
}

/// Checks the filters that need the database: known attribute names and category.
pub(super) async fn check_filters(db: &PgPool, query: &ListingQuery) -> Result<(), DomainError> {
    let names: Vec<String> = query.attributes.iter().map(|(name, _)| name.clone()).collect();
    check_attribute_names(db, &names).await?;
    if let Some(slug) = &query.category {
        if super::categories::by_slug(db, slug).await?.is_none() {
            return Err(DomainError::invalid("category", format!("no category `{slug}`")));
        }
    }
    Ok(())
}

/// Appends ` AND …` conditions on `p` (products) for every filter of `query`.
pub(super) fn push_filters(sql: &mut QueryBuilder<'_, Postgres>, query: &ListingQuery) {
    if let Some(slug) = &query.category {
        sql.push(" AND p.category_id IN (SELECT d.id FROM categories root JOIN categories d ON d.path = root.path OR d.path LIKE root.path || '/%' WHERE root.slug = ")
            .push_bind(slug.clone())
            .push(")");
    }
    if let Some(min) = query.min_price_minor {
        sql.push(" AND p.min_price_minor >= ").push_bind(min);
    }
    if let Some(max) = query.max_price_minor {
        sql.push(" AND p.min_price_minor <= ").push_bind(max);
    }
    if let Some(in_stock) = query.in_stock {
        sql.push(" AND p.in_stock = ").push_bind(in_stock);
    }
    if let Some(merchant) = query.merchant {
        sql.push(" AND p.merchant_id = ").push_bind(merchant);
    }
    if !query.attributes.is_empty() {
        let mut filter = serde_json::Map::new();
        for (name, value) in &query.attributes {
            filter.insert(name.clone(), serde_json::Value::String(value.clone()));
        }
        sql.push(" AND p.attributes @> ").push_bind(serde_json::Value::Object(filter));
    }
}

pub async fn list(db: &PgPool, query: &ListingQuery) -> Result<ProductPage, DomainError> {
    query.validate()?;
    let after = query.cursor.as_deref().map(|c| decode(c, query.sort)).transpose()?;
    check_filters(db, query).await?;

    let mut sql: QueryBuilder<Postgres> = QueryBuilder::new(format!(
        "SELECT {PRODUCT_COLUMNS} FROM products p LEFT JOIN categories c ON c.id = p.category_id WHERE "
    ));
    match query.scope {
        Scope::Published => {
            sql.push("p.status = 'published'");
        }
        Scope::Owner { merchant, status } => {
            sql.push("p.merchant_id = ").push_bind(merchant);
            if let Some(status) = status {
                sql.push(" AND p.status = ").push_bind(status);
            }
        }
    }
    push_filters(&mut sql, query);
    if let Some(after) = &after {
        push_after(&mut sql, query.sort, after)?;
    }
    sql.push(match query.sort {
        Sort::Newest => " ORDER BY p.created_at DESC, p.id DESC",
        Sort::PriceAsc => " ORDER BY p.min_price_minor ASC, p.id ASC",
        Sort::PriceDesc => " ORDER BY p.min_price_minor DESC, p.id DESC",
        Sort::Title => " ORDER BY p.title ASC, p.id ASC",
    });
    sql.push(" LIMIT ").push_bind(i64::from(query.limit) + 1);
    let mut items: Vec<Product> = sql.build_query_as().fetch_all(db).await?;
    let next_cursor = if items.len() > query.limit as usize {
        items.truncate(query.limit as usize);
        items.last().map(|p| encode(query.sort, p))
    } else {
        None
    };
    Ok(ProductPage { items, next_cursor })
}

fn push_after(sql: &mut QueryBuilder<'_, Postgres>, sort: Sort, after: &Cursor) -> Result<(), DomainError> {
    match sort {
        Sort::Newest => {
            let micros = after.key.as_i64().ok_or_else(bad_cursor)?;
            let at = chrono::DateTime::from_timestamp_micros(micros).ok_or_else(bad_cursor)?;
            sql.push(" AND (p.created_at, p.id) < (").push_bind(at).push(", ").push_bind(after.id).push(")");
        }
        Sort::PriceAsc | Sort::PriceDesc => {
            let price = after.key.as_i64().ok_or_else(bad_cursor)?;
            let op = if sort == Sort::PriceAsc { ">" } else { "<" };
            sql.push(format!(" AND (p.min_price_minor, p.id) {op} ("))
                .push_bind(price)
                .push(", ")
                .push_bind(after.id)
                .push(")");
        }
        Sort::Title => {
            let title = after.key.as_str().ok_or_else(bad_cursor)?.to_owned();
            sql.push(" AND (p.title, p.id) > (").push_bind(title).push(", ").push_bind(after.id).push(")");
        }
    }
    Ok(())
}

/// The published products among `ids` that pass `query`'s filters, in no particular order.
pub async fn published_by_ids(
    db: &PgPool,
    ids: &[Uuid],
    query: &ListingQuery,
) -> Result<Vec<Product>, DomainError> {
    let mut sql: QueryBuilder<Postgres> = QueryBuilder::new(format!(
        "SELECT {PRODUCT_COLUMNS} FROM products p LEFT JOIN categories c ON c.id = p.category_id WHERE p.status = 'published' AND p.id = ANY("
    ));
    sql.push_bind(ids.to_vec()).push(")");
    push_filters(&mut sql, query);
    Ok(sql.build_query_as().fetch_all(db).await?)
}

/// Checks filters as the listing and search do (ranges, page size, known names), for
/// callers outside the catalog that apply them elsewhere (the assistant's vector search).
pub async fn validate_filters(db: &PgPool, query: &ListingQuery) -> Result<(), DomainError> {
    query.validate()?;
    check_filters(db, query).await
}
