//! The `search_index` handler (registered only with the Meilisearch backend): after a
//! `product.*` or `inventory.stock_changed` event it reads the product from Postgres as
//! it is now and upserts its document, or removes it when the product is gone,
//! archived or not published. Writing current state makes repeats and late events
//! harmless: the index ends up as Postgres is.

use anyhow::anyhow;
use shopfleet_commerce::{
    catalog::search::{document, SearchIndex},
    events::{Envelope, Handler, HandlerError},
};
use sqlx::PgConnection;
use std::sync::Arc;

pub struct SearchIndexSync {
    pub index: Arc<dyn SearchIndex>,
}

#[async_trait::async_trait]
impl Handler for SearchIndexSync {
    fn name(&self) -> &'static str {
        "search_index"
    }

    fn wants(&self, event: &Envelope) -> bool {
        event.changes_product()
    }

    async fn handle(&self, event: &Envelope, tx: &mut PgConnection) -> Result<(), HandlerError> {
        let product = event
            .changed_product()
            .ok_or_else(|| HandlerError::Permanent(anyhow!("{} without a product_id", event.event_type)))?;
        let documents = document::published(&mut *tx, &[product]).await?;
        let result = if documents.is_empty() {
            self.index.delete(&[product]).await
        } else {
            self.index.upsert(&documents).await
        };
        result.map_err(HandlerError::Retryable)
    }
}
