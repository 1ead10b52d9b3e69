//! The `vectors` handler: on every product and stock event it brings that product's row
//! in `product_embeddings` up to date in the handler's transaction (re-embedding only
//! when the product's text changed; tombstoning it when the product is gone, archived or
//! unpublished). Embedded indexes follow that table; a Qdrant server is written directly.

use shopfleet_commerce::{
    assistant::indexer::Indexer,
    events::{Envelope, EventType, Handler, HandlerError},
};
use sqlx::PgConnection;
use uuid::Uuid;

pub struct VectorIndexing {
    pub indexer: Indexer,
}

#[async_trait::async_trait]
impl Handler for VectorIndexing {
    fn name(&self) -> &'static str {
        "vectors"
    }

    fn wants(&self, event: &Envelope) -> bool {
        matches!(
            EventType::parse(&event.event_type),
            Some(
                EventType::ProductCreated
                    | EventType::ProductUpdated
                    | EventType::ProductArchived
                    | EventType::ProductDeleted
                    | EventType::StockChanged
            )
        )
    }

    async fn handle(&self, event: &Envelope, tx: &mut PgConnection) -> Result<(), HandlerError> {
        let product_id: Uuid = event.data["product_id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| HandlerError::Permanent(anyhow::anyhow!("the event has no product_id")))?;
        let outcome = self.indexer.index_product(tx, product_id).await.map_err(HandlerError::Retryable)?;
        tracing::debug!(%product_id, ?outcome, "product vector indexed");
        Ok(())
    }
}
