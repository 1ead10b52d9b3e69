//! The assistant's one call into the catalog's full-text search (keep it the only one).
//! It asks the Postgres backend, whichever backend serves shoppers: its document is a
//! generated column, so it is current in the same transaction as every catalog write,
//! and its ranking is the one the evaluation measured.

use shopfleet_commerce::catalog::{
    listing::ListingQuery,
    search::{postgres::PostgresSearch, SearchQuery},
};
use shopfleet_domain::DomainError;
use sqlx::PgPool;
use uuid::Uuid;

/// Published products matching `text` and `filters` by full text, best first (at most `filters.limit`).
pub async fn ranking(db: &PgPool, text: &str, filters: &ListingQuery) -> Result<Vec<Uuid>, DomainError> {
    let query = SearchQuery { text: text.to_owned(), filters: filters.clone(), page: 1 };
    PostgresSearch.ranked_ids(db, &query).await
}
