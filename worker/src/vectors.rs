//! The `vectors` handler: on every product and stock event it brings that product's row
//! in `product_embeddings` up to date in the handler's transaction (re-embedding only
//! when the product's text changed; tombstoning it when the product is gone, archived or
//! unpublished). Embedded indexes follow that table; a Qdrant server is written directly.

use shopfleet_assistant::indexer::Indexer;
use shopfleet_commerce::events::{Envelope, Handler, HandlerError};
use sqlx::PgConnection;

pub struct VectorIndexing {
    pub indexer: Indexer,
}

#[async_trait::async_trait]
impl Handler for VectorIndexing {
    fn name(&self) -> &'static str {
        "vectors"
    }

    fn wants(&self, event: &Envelope) -> bool {
        event.changes_product()
    }

    async fn handle(&self, event: &Envelope, tx: &mut PgConnection) -> Result<(), HandlerError> {
        let product_id = event.changed_product().ok_or_else(|| {
            HandlerError::Permanent(anyhow::anyhow!("{} without a product_id", event.event_type))
        })?;
        let outcome = self.indexer.index_product(tx, product_id).await.map_err(HandlerError::Retryable)?;
        tracing::debug!(%product_id, ?outcome, "product vector indexed");
        Ok(())
    }
}
