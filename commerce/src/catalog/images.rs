//! [`ProductImages`]: merchants' uploaded product images. An upload is checked from its
//! bytes, stored once under its content hash and recorded as `processing` together with a
//! `product.image_uploaded` event; the worker then [renders](ProductImages::process) it and
//! it becomes `ready` (shown to shoppers, with its renditions) or `failed` with its reason.
//! Deleting an image, or archiving or deleting its product, removes its stored objects once
//! no other image shares them (a deleted product's images keep their row, with no product,
//! until the worker has removed those objects).

use super::cache::CatalogCache;
use crate::{
    accounts::Caller,
    events::{Change, EventType},
};
use serde::{Deserialize, Serialize};
use shopfleet_domain::DomainError;
use shopfleet_media::{
    inspect, render,
    store::{content_hash, original_key, rendition_key},
    ImageFormat, MediaStore, RenditionFormat, UploadLimits,
};
use sqlx::PgPool;
use uuid::Uuid;

/// Where renditions are served from: `GET /api/v1/media/<key>`.
pub const MEDIA_URL_PREFIX: &str = "/api/v1/media/";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, sqlx::Type)]
#[serde(rename_all = "lowercase")]
#[sqlx(type_name = "text", rename_all = "lowercase")]
pub enum ImageStatus {
    Processing,
    Ready,
    Failed,
    Removed,
}

/// One rendition of a ready image.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RenditionView {
    pub width: u32,
    pub height: u32,
    /// `webp` or `jpeg` (the fallback).
    pub format: String,
    pub url: String,
}

/// A ready image as product JSON shows it (`media`), in the merchant's order.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ShownImage {
    pub id: Uuid,
    pub alt: String,
    pub position: i32,
    /// The upright size of the original.
    pub width: i32,
    pub height: i32,
    /// A tiny blurred version as a `data:` URI, to show while a rendition loads.
    pub placeholder: Option<String>,
    /// Narrowest first, each width as `webp` and `jpeg`.
    pub renditions: Vec<RenditionView>,
}

/// An uploaded image as its merchant sees it.
#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ProductImage {
    pub id: Uuid,
    pub product_id: Uuid,
    pub status: ImageStatus,
    /// Why processing failed (a `failed` image).
    pub failure_reason: Option<String>,
    pub alt: String,
    pub position: i32,
    pub content_type: String,
    pub byte_size: i64,
    /// The upright size of the original, once processed.
    pub width: Option<i32>,
    pub height: Option<i32>,
    #[schema(value_type = Vec<RenditionView>)]
    pub renditions: serde_json::Value,
    /// A tiny blurred version as a `data:` URI, to show while a rendition loads.
    pub placeholder: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// Alt text and order, as a merchant changes them.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImagePatch {
    #[schema(max_length = 300)]
    pub alt: Option<String>,
    #[schema(minimum = 0, maximum = 1000)]
    pub position: Option<i32>,
}

const COLUMNS: &str = "id, product_id, status, failure_reason, alt, position, content_type, byte_size, \
     width, height, renditions, placeholder, created_at, updated_at";

#[derive(Clone)]
pub struct ProductImages {
    db: PgPool,
    store: MediaStore,
    limits: UploadLimits,
    cache: CatalogCache,
}

impl ProductImages {
    pub fn new(db: PgPool, store: MediaStore, limits: UploadLimits, cache: CatalogCache) -> Self {
        Self { db, store, limits, cache }
    }

    pub fn store(&self) -> &MediaStore {
        &self.store
    }

    /// Checks the caller may change `product`'s images (its merchant or an admin).
    async fn authorise(&self, caller: &Caller, product: Uuid) -> Result<(), DomainError> {
        let owner: Option<Uuid> = sqlx::query_scalar("SELECT merchant_id FROM products WHERE id = $1")
            .bind(product)
            .fetch_optional(&self.db)
            .await?;
        match owner {
            None => Err(DomainError::NotFound("product")),
            Some(owner) if caller.may_act_for(owner) => Ok(()),
            Some(_) => {
                Err(DomainError::Forbidden("only the product's merchant may change its images".into()))
            }
        }
    }

    /// Accepts an upload: checked, stored once by content, recorded as `processing` with
    /// the event the worker renders it from.
    pub async fn upload(
        &self,
        caller: &Caller,
        product: Uuid,
        bytes: Vec<u8>,
        alt: Option<String>,
    ) -> Result<ProductImage, DomainError> {
        let alt = check_alt(alt.unwrap_or_default())?;
        self.authorise(caller, product).await?;
        let inspected = inspect(&bytes, self.limits)?;
        let hash = content_hash(&bytes);
        let size = bytes.len() as i64;
        self.store.put_once(&original_key(&hash), bytes).await?;

        let mut change = Change::begin(&self.db).await?;
        let image: ProductImage = sqlx::query_as(&format!(
            "INSERT INTO product_images (id, product_id, content_hash, content_type, byte_size, alt, position)
             VALUES ($1, $2, $3, $4, $5, $6,
                     (SELECT coalesce(max(position) + 1, 0) FROM product_images WHERE product_id = $2 AND status <> 'removed'))
             RETURNING {COLUMNS}"
        ))
        .bind(Uuid::now_v7())
        .bind(product)
        .bind(&hash)
        .bind(inspected.format.content_type())
        .bind(size)
        .bind(&alt)
        .fetch_one(&mut *change)
        .await?;
        change.record(
            EventType::ProductImageUploaded,
            product,
            &serde_json::json!({"product_id": product, "image_id": image.id}),
        )?;
        change.commit().await?;
        Ok(image)
    }

    /// Every image of a product but removed ones, for its merchant.
    pub async fn list(&self, caller: &Caller, product: Uuid) -> Result<Vec<ProductImage>, DomainError> {
        self.authorise(caller, product).await?;
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM product_images WHERE product_id = $1 AND status <> 'removed' ORDER BY position, created_at"
        ))
        .bind(product)
        .fetch_all(&self.db)
        .await?)
    }

    pub async fn update(
        &self,
        caller: &Caller,
        product: Uuid,
        image: Uuid,
        patch: ImagePatch,
    ) -> Result<ProductImage, DomainError> {
        let alt = patch.alt.map(check_alt).transpose()?;
        if patch.position.is_some_and(|p| !(0..=1000).contains(&p)) {
            return Err(DomainError::invalid("position", "must be between 0 and 1000"));
        }
        self.authorise(caller, product).await?;
        let updated: Option<ProductImage> = sqlx::query_as(&format!(
            "UPDATE product_images SET alt = coalesce($3, alt), position = coalesce($4, position), updated_at = now()
             WHERE id = $1 AND product_id = $2 AND status <> 'removed' RETURNING {COLUMNS}"
        ))
        .bind(image)
        .bind(product)
        .bind(alt)
        .bind(patch.position)
        .fetch_optional(&self.db)
        .await?;
        self.cache.invalidate().await;
        updated.ok_or(DomainError::NotFound("image"))
    }

    /// Deletes an image and, once nothing else shows them, its stored objects.
    pub async fn delete(&self, caller: &Caller, product: Uuid, image: Uuid) -> Result<(), DomainError> {
        self.authorise(caller, product).await?;
        let removed: Option<(String, serde_json::Value)> = sqlx::query_as(
            "DELETE FROM product_images WHERE id = $1 AND product_id = $2 AND status <> 'removed'
             RETURNING content_hash, renditions",
        )
        .bind(image)
        .bind(product)
        .fetch_optional(&self.db)
        .await?;
        let (hash, renditions) = removed.ok_or(DomainError::NotFound("image"))?;
        self.cache.invalidate().await;
        self.remove_objects_if_unused(&hash, &renditions).await
    }

    /// Renders a `processing` image (the worker's `images` handler): renditions written
    /// under keys derived from the content, then the image becomes `ready`, or `failed`
    /// with the reason. Repeating it is harmless: the same keys are written and an image
    /// that is no longer `processing` is left alone.
    pub async fn process(&self, image: Uuid) -> Result<ImageStatus, DomainError> {
        let row: Option<(String, String, ImageStatus)> =
            sqlx::query_as("SELECT content_hash, content_type, status FROM product_images WHERE id = $1")
                .bind(image)
                .fetch_optional(&self.db)
                .await?;
        let Some((hash, content_type, status)) = row else { return Ok(ImageStatus::Removed) };
        if status != ImageStatus::Processing {
            return Ok(status);
        }
        let original = self.store.get(&original_key(&hash)).await?.ok_or_else(|| {
            anyhow::anyhow!("the original of image {image} is missing from the media store")
        })?;
        let format = match content_type.as_str() {
            "image/png" => ImageFormat::Png,
            "image/webp" => ImageFormat::WebP,
            _ => ImageFormat::Jpeg,
        };
        let rendered = tokio::task::spawn_blocking(move || render(&original, format))
            .await
            .map_err(anyhow::Error::from)?;
        let outcome = match rendered {
            Ok(rendered) => {
                let mut views = Vec::new();
                for rendition in rendered.renditions {
                    let key = rendition_key(&hash, rendition.width, rendition.format);
                    views.push(RenditionView {
                        width: rendition.width,
                        height: rendition.height,
                        format: match rendition.format {
                            RenditionFormat::Webp => "webp",
                            RenditionFormat::Jpeg => "jpeg",
                        }
                        .to_owned(),
                        url: format!("{MEDIA_URL_PREFIX}{key}"),
                    });
                    self.store.put_once(&key, rendition.bytes).await?;
                }
                sqlx::query(
                    "UPDATE product_images SET status = 'ready', renditions = $2, placeholder = $3, width = $4,
                            height = $5, failure_reason = NULL, updated_at = now()
                     WHERE id = $1 AND status = 'processing'",
                )
                .bind(image)
                .bind(serde_json::to_value(&views).map_err(anyhow::Error::from)?)
                .bind(&rendered.placeholder)
                .bind(rendered.width as i32)
                .bind(rendered.height as i32)
                .execute(&self.db)
                .await?;
                ImageStatus::Ready
            }
            Err(reason) => {
                sqlx::query(
                    "UPDATE product_images SET status = 'failed', failure_reason = $2, updated_at = now()
                     WHERE id = $1 AND status = 'processing'",
                )
                .bind(image)
                .bind(reason.to_string())
                .execute(&self.db)
                .await?;
                ImageStatus::Failed
            }
        };
        self.cache.invalidate().await;
        Ok(outcome)
    }

    /// Removes the images of an archived product, and those left by deleted products
    /// (their `product_id` became NULL): they become `removed` and their stored objects go
    /// once nothing else shows them.
    pub async fn remove_for_product(&self, product: Uuid) -> Result<usize, DomainError> {
        let removed: Vec<(String, serde_json::Value)> = sqlx::query_as(
            "WITH gone AS (
                 UPDATE product_images SET status = 'removed', updated_at = now()
                 WHERE (product_id = $1 OR product_id IS NULL) AND status <> 'removed'
                 RETURNING content_hash, renditions)
             SELECT content_hash, renditions FROM gone",
        )
        .bind(product)
        .fetch_all(&self.db)
        .await?;
        for (hash, renditions) in &removed {
            self.remove_objects_if_unused(hash, renditions).await?;
        }
        if !removed.is_empty() {
            self.cache.invalidate().await;
        }
        Ok(removed.len())
    }

    async fn remove_objects_if_unused(
        &self,
        hash: &str,
        renditions: &serde_json::Value,
    ) -> Result<(), DomainError> {
        let shared: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM product_images WHERE content_hash = $1 AND status <> 'removed')",
        )
        .bind(hash)
        .fetch_one(&self.db)
        .await?;
        if shared {
            return Ok(());
        }
        let views: Vec<RenditionView> = serde_json::from_value(renditions.clone()).unwrap_or_default();
        for view in views {
            if let Some(key) = view.url.strip_prefix(MEDIA_URL_PREFIX) {
                self.store.delete(key).await?;
            }
        }
        self.store.delete(&original_key(hash)).await?;
        Ok(())
    }
}

fn check_alt(alt: String) -> Result<String, DomainError> {
    let alt = alt.trim().to_owned();
    if alt.chars().count() > 300 {
        return Err(DomainError::invalid("alt", "must be at most 300 characters"));
    }
    Ok(alt)
}
