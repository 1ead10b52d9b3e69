//! The assistant's one call into the catalog's full-text search (keep it the only one,
//! so swapping the search backend touches a single place).

use crate::{
    catalog::{
        listing::ListingQuery,
        search::{self, SearchQuery},
    },
    error::DomainError,
};
use sqlx::PgPool;
use uuid::Uuid;

/// Published products matching `text` and `filters` by full text, best first (at most `filters.limit`).
pub async fn ranking(db: &PgPool, text: &str, filters: &ListingQuery) -> Result<Vec<Uuid>, DomainError> {
    let query = SearchQuery { text: text.to_owned(), filters: filters.clone(), page: 1 };
    let results = search::search(db, &query).await?;
    Ok(results.items.into_iter().map(|hit| hit.product.id).collect())
}
