//! Product search behind one [`SearchIndex`] trait, with two backends that answer with
//! the same [`SearchResults`]: [`postgres`] (full text in the catalog tables, the
//! default; always in step with the catalog) and [`meili`] (Meilisearch, kept in step by
//! the worker's `search_index` handler from [`document`]s and rebuilt by a full re-index).
//! [`settings`] picks the backend from `SEARCH_BACKEND`.

pub mod document;
pub mod meili;
pub mod postgres;
pub mod settings;

pub use document::ProductDocument;
pub use settings::{SearchBackend, SearchSettings};

use super::listing::{check_filters, ListingQuery};
use serde::{Deserialize, Serialize};
use shopfleet_domain::DomainError;
use sqlx::PgPool;
use std::sync::Arc;
use uuid::Uuid;

pub const MAX_QUERY_CHARS: usize = 200;
pub const MAX_PAGE: u32 = 50;

/// Buckets of the `prices` facet over a product's lowest price, in minor units:
/// `[min, max)`, the last one open-ended.
pub const PRICE_BUCKETS: [(i64, Option<i64>); 6] = [
    (0, Some(2500)),
    (2500, Some(5000)),
    (5000, Some(10000)),
    (10000, Some(25000)),
    (25000, Some(50000)),
    (50000, None),
];

/// The bucket (its `min`) a price falls in.
pub fn price_bucket(price_minor: i64) -> Option<i64> {
    PRICE_BUCKETS
        .iter()
        .find(|(min, max)| price_minor >= *min && max.is_none_or(|max| price_minor < max))
        .map(|(min, _)| *min)
}

/// A search: text, the listing filters (`limit` is the page size) and a 1-based page.
#[derive(Debug, Clone)]
pub struct SearchQuery {
    pub text: String,
    pub filters: ListingQuery,
    pub page: u32,
}

impl SearchQuery {
    /// Checks text, page and filters the same way for every backend; returns the trimmed text.
    pub(crate) async fn check(&self, db: &PgPool) -> Result<&str, DomainError> {
        let text = self.text.trim();
        if text.is_empty() || text.chars().count() > MAX_QUERY_CHARS {
            return Err(DomainError::invalid("q", format!("must be 1 to {MAX_QUERY_CHARS} characters")));
        }
        if !text.chars().any(char::is_alphanumeric) {
            return Err(DomainError::invalid("q", "must contain a letter or digit"));
        }
        if !(1..=MAX_PAGE).contains(&self.page) {
            return Err(DomainError::invalid("page", format!("must be between 1 and {MAX_PAGE}")));
        }
        self.filters.validate()?;
        check_filters(db, &self.filters).await?;
        Ok(text)
    }

    /// Results to skip before this page.
    pub(crate) fn offset(&self) -> u32 {
        (self.page - 1) * self.filters.limit
    }
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
    pub product: super::products::Product,
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

/// Marks a backend puts around matched words before [`safe_highlight`] turns them into tags.
pub(crate) const MARK_START: char = '\u{1}';
pub(crate) const MARK_END: char = '\u{2}';

/// Turns text with [`MARK_START`]/[`MARK_END`] around matches into HTML-escaped text with
/// `<mark>` tags, so product text never reaches a page as markup.
pub(crate) fn safe_highlight(marked: &str) -> String {
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

/// A search backend: answers searches and keeps its copy of the published catalog.
#[async_trait::async_trait]
pub trait SearchIndex: Send + Sync {
    fn backend(&self) -> SearchBackend;

    /// Whether results reflect every committed catalog write at once, so pages may be
    /// cached under the catalog version (the Postgres backend); an index that follows
    /// events catches up later and is not cached.
    fn follows_commits(&self) -> bool;

    /// Creates the index if needed and applies its settings (idempotent).
    async fn configure(&self) -> anyhow::Result<()>;

    async fn search(&self, db: &PgPool, query: &SearchQuery) -> Result<SearchResults, DomainError>;

    /// Adds or replaces these published products.
    async fn upsert(&self, documents: &[ProductDocument]) -> anyhow::Result<()>;

    /// Removes these products (deleted, archived or unpublished); unknown ids are ignored.
    async fn delete(&self, ids: &[Uuid]) -> anyhow::Result<()>;

    /// Rebuilds the index from every published product in `db`; returns a summary.
    async fn reindex(&self, db: &PgPool) -> anyhow::Result<String>;
}

/// Applies the index settings without holding up start-up; a failure is logged (the
/// next start or re-index applies them again).
pub fn configure_in_background(index: Arc<dyn SearchIndex>) {
    tokio::spawn(async move {
        if let Err(err) = index.configure().await {
            tracing::warn!(
                error = format!("{err:#}"),
                "search index not configured; the next start or re-index applies its settings"
            );
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlights_escape_html_but_keep_marks() {
        assert_eq!(
            safe_highlight("\u{1}Rain\u{2} <script>alert('x')</script> & co"),
            "<mark>Rain</mark> &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co"
        );
    }

    #[test]
    fn prices_fall_in_one_bucket() {
        assert_eq!(price_bucket(0), Some(0));
        assert_eq!(price_bucket(2499), Some(0));
        assert_eq!(price_bucket(2500), Some(2500));
        assert_eq!(price_bucket(9900), Some(5000));
        assert_eq!(price_bucket(10_000_000), Some(50000));
        assert_eq!(price_bucket(-1), None);
    }
}
