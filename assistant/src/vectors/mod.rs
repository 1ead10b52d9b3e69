//! The [`VectorStore`] contract: one collection per shop holding each searchable
//! product's vector and [`Payload`], with payload indexes on every filtered field, and
//! searches whose business filters run inside the vector query (never after truncation).
//!
//! - [`edge`]: Qdrant's embedded engine (qdrant-edge) in a local directory.
//! - [`server`]: a Qdrant server (qdrant-client).
//! - [`sync`]: keeps a process's embedded index in step with `product_embeddings`.

pub mod edge;
pub mod server;
pub mod sync;

use super::document::Payload;
use uuid::Uuid;

/// Payload keys, shared by every backend.
pub mod keys {
    pub const PRODUCT_ID: &str = "product_id";
    pub const MERCHANT: &str = "merchant_id";
    pub const CATEGORY_PATH: &str = "category_path";
    pub const CATEGORY_SLUGS: &str = "category_slugs";
    pub const PRICE: &str = "price_minor";
    pub const CURRENCY: &str = "currency";
    pub const IN_STOCK: &str = "in_stock";
    pub const STATUS: &str = "status";
}

/// A product's vector and the facts queries filter on.
#[derive(Debug, Clone)]
pub struct Point {
    pub vector: Vec<f32>,
    pub payload: Payload,
}

/// Business filters, applied inside the vector search. Only published products match.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VectorFilter {
    /// Category slug; products in its descendants match too.
    pub category: Option<String>,
    pub min_price_minor: Option<i64>,
    pub max_price_minor: Option<i64>,
    pub in_stock: Option<bool>,
    pub merchant: Option<Uuid>,
    /// A product left out (the one `similar` starts from).
    pub exclude: Option<Uuid>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VectorHit {
    pub product_id: Uuid,
    /// Cosine similarity.
    pub score: f32,
}

#[async_trait::async_trait]
pub trait VectorStore: Send + Sync {
    /// Inserts or replaces points (by product id).
    async fn upsert(&self, points: Vec<Point>) -> anyhow::Result<()>;
    /// Removes points; unknown ids are ignored.
    async fn delete(&self, ids: Vec<Uuid>) -> anyhow::Result<()>;
    /// Removes every point (the collection and its payload indexes stay).
    async fn clear(&self) -> anyhow::Result<()>;
    /// The `limit` nearest published products that pass `filter`, best first.
    async fn search(
        &self,
        vector: Vec<f32>,
        filter: VectorFilter,
        limit: usize,
    ) -> anyhow::Result<Vec<VectorHit>>;
    /// Points stored.
    async fn count(&self) -> anyhow::Result<usize>;
    /// Lets the engine reorganise after writes (index building, vacuum). A server does
    /// that on its own, so by default there is nothing to do.
    async fn optimize(&self) -> anyhow::Result<()> {
        Ok(())
    }
}
