//! Hybrid retrieval: the query's vector searched with the business filters inside the
//! vector query, full-text search with the same filters, fused by reciprocal rank, then
//! the products read from Postgres with the filters applied once more (an index that
//! lags the catalog can never let a filtered-out product through).

use super::{
    embed::{self, Embedder},
    explain::Retrieved,
    fulltext,
    fusion::{self, Fused},
    vectors::{VectorFilter, VectorStore},
};
use serde::Deserialize;
use shopfleet_commerce::catalog::listing::{self, ListingQuery};
use shopfleet_domain::DomainError;
use sqlx::PgPool;
use std::{collections::HashMap, sync::Arc};
use uuid::Uuid;

pub const MAX_QUERY_CHARS: usize = 200;
pub const MAX_LIMIT: u32 = 50;
/// Candidates taken from each ranking before fusion.
const CANDIDATES: u32 = 50;

/// Business filters of a recommendation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Filters {
    /// Lowest price in minor units (of the cheapest variant).
    #[schema(minimum = 0, maximum = 100_000_000_000_i64)]
    pub min_price_minor: Option<i64>,
    /// Highest price in minor units (of the cheapest variant).
    #[schema(minimum = 0, maximum = 100_000_000_000_i64)]
    pub max_price_minor: Option<i64>,
    /// Category slug; its descendants are included.
    pub category: Option<String>,
    /// Only products with (or without) available stock.
    pub in_stock: Option<bool>,
    /// Only this merchant's products.
    pub merchant: Option<Uuid>,
}

impl Filters {
    fn listing(&self, limit: u32) -> ListingQuery {
        ListingQuery {
            category: self.category.clone(),
            min_price_minor: self.min_price_minor,
            max_price_minor: self.max_price_minor,
            in_stock: self.in_stock,
            merchant: self.merchant,
            limit,
            ..Default::default()
        }
    }

    pub fn vector(&self, exclude: Option<Uuid>) -> VectorFilter {
        VectorFilter {
            category: self.category.clone(),
            min_price_minor: self.min_price_minor,
            max_price_minor: self.max_price_minor,
            in_stock: self.in_stock,
            merchant: self.merchant,
            exclude,
        }
    }
}

/// Which rankings a retrieval uses (the evaluation compares them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Hybrid,
    FullText,
    Vector,
}

/// Checks the query text; errors name the `query` field.
pub fn check_query(text: &str) -> Result<&str, DomainError> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_QUERY_CHARS {
        return Err(DomainError::invalid("query", format!("must be 1 to {MAX_QUERY_CHARS} characters")));
    }
    if !text.chars().any(char::is_alphanumeric) {
        return Err(DomainError::invalid("query", "must contain a letter or digit"));
    }
    Ok(text)
}

pub fn check_limit(limit: u32) -> Result<usize, DomainError> {
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(DomainError::invalid("limit", format!("must be between 1 and {MAX_LIMIT}")));
    }
    Ok(limit as usize)
}

/// Names filter errors of the catalog search after the request's `filters` object.
fn filter_field(err: DomainError) -> DomainError {
    match err {
        DomainError::Invalid { field, message } => {
            DomainError::Invalid { field: format!("filters.{field}"), message }
        }
        other => other,
    }
}

#[derive(Clone)]
pub struct Retriever {
    pub db: PgPool,
    pub embedder: Arc<dyn Embedder>,
    pub vectors: Arc<dyn VectorStore>,
}

impl Retriever {
    /// The `limit` best products for `query` under `filters`.
    pub async fn retrieve(
        &self,
        query: &str,
        filters: &Filters,
        limit: u32,
        mode: Mode,
    ) -> Result<Vec<Retrieved>, DomainError> {
        let query = check_query(query)?;
        let limit = check_limit(limit)?;
        let listing = filters.listing(CANDIDATES);
        listing::validate_filters(&self.db, &listing).await.map_err(filter_field)?;
        let text = async {
            if mode == Mode::Vector {
                return Ok(Vec::new());
            }
            fulltext::ranking(&self.db, query, &listing).await.map_err(filter_field)
        };
        let vector = async {
            if mode == Mode::FullText {
                return Ok(Vec::new());
            }
            let embedding =
                embed::embed_one(self.embedder.as_ref(), query).await.map_err(anyhow::Error::from)?;
            let hits = self.vectors.search(embedding, filters.vector(None), CANDIDATES as usize).await?;
            Ok::<_, DomainError>(hits.into_iter().map(|h| h.product_id).collect::<Vec<_>>())
        };
        let (text, vector) = tokio::try_join!(text, vector)?;
        let fused = fusion::fuse(&vector, &text);
        self.hydrate(fused, &listing, limit).await
    }

    /// Reads the fused products from Postgres (dropping any that no longer pass the
    /// filters), in fused order, at most `limit`.
    pub async fn hydrate(
        &self,
        fused: Vec<Fused>,
        listing: &ListingQuery,
        limit: usize,
    ) -> Result<Vec<Retrieved>, DomainError> {
        let ids: Vec<Uuid> = fused.iter().map(|f| f.product_id).collect();
        let mut products: HashMap<Uuid, _> = listing::published_by_ids(&self.db, &ids, listing)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        Ok(fused
            .into_iter()
            .filter_map(|fused| {
                products.remove(&fused.product_id).map(|product| Retrieved { product, fused })
            })
            .take(limit)
            .collect())
    }
}
