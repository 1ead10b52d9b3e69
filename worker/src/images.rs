//! The `images` handler: renders an uploaded product image (`product.image_uploaded`) into
//! its renditions, and removes the images of a product that was archived or deleted. Both
//! are idempotent: renditions are written under content-derived keys, and only an image
//! still `processing` changes state.

use anyhow::anyhow;
use shopfleet_commerce::{
    catalog::images::ProductImages,
    events::{Envelope, EventType, Handler, HandlerError},
};
use sqlx::PgConnection;
use uuid::Uuid;

pub struct ImageProcessing {
    pub images: ProductImages,
}

fn id(event: &Envelope, field: &str) -> Result<Uuid, HandlerError> {
    event
        .data
        .get(field)
        .and_then(|v| v.as_str())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| HandlerError::Permanent(anyhow!("{} without a valid {field}", event.event_type)))
}

#[async_trait::async_trait]
impl Handler for ImageProcessing {
    fn name(&self) -> &'static str {
        "images"
    }

    fn wants(&self, event: &Envelope) -> bool {
        matches!(
            EventType::parse(&event.event_type),
            Some(EventType::ProductImageUploaded | EventType::ProductArchived | EventType::ProductDeleted)
        )
    }

    /// Works on its own connections and commits before returning, so the cached catalog
    /// pages it invalidates are never refilled from the state before the change.
    async fn handle(&self, event: &Envelope, _tx: &mut PgConnection) -> Result<(), HandlerError> {
        if EventType::parse(&event.event_type) == Some(EventType::ProductImageUploaded) {
            let image = id(event, "image_id")?;
            let status = self.images.process(image).await?;
            tracing::info!(%image, ?status, "product image processed");
        } else {
            let product = id(event, "product_id")?;
            let removed = self.images.remove_for_product(product).await?;
            if removed > 0 {
                tracing::info!(%product, removed, "images of a withdrawn product removed");
            }
        }
        Ok(())
    }
}
