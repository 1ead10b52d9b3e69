//! `/api/v1/products/{id}/images` (merchants' uploads: multipart, listed, reordered,
//! deleted) and `/api/v1/media/renditions/{hash}/{file}`: renditions served with a strong `ETag` and
//! immutable caching (their keys change whenever their content would). Originals are never
//! served: they may carry the camera's metadata.

use super::path::ApiPath;
use super::{auth::Merchant, json::ApiJson, problem::ApiError};
use crate::state::ApiContext;
use axum::{
    extract::{DefaultBodyLimit, Multipart, Path, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use shopfleet_commerce::catalog::images::{ImagePatch, ProductImage};
use utoipa_axum::{
    router::{OpenApiRouter, UtoipaMethodRouterExt},
    routes,
};
use uuid::Uuid;

/// Room for the multipart framing and the `alt` field around the largest allowed file.
pub const MULTIPART_OVERHEAD: usize = 64 * 1024;

pub fn router(max_image_bytes: u64) -> OpenApiRouter<ApiContext> {
    let limit = usize::try_from(max_image_bytes).unwrap_or(usize::MAX).saturating_add(MULTIPART_OVERHEAD);
    OpenApiRouter::new()
        .routes(routes!(upload_image, list_images).layer(DefaultBodyLimit::max(limit)))
        .routes(routes!(patch_image, delete_image))
        .routes(routes!(media))
}

/// The multipart form of an upload (documentation).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct ImageUpload {
    /// The image: JPEG, PNG or WebP, recognised from its bytes; at most `IMAGE_MAX_BYTES`.
    #[schema(format = Binary, value_type = String)]
    file: Vec<u8>,
    /// Alternative text for shoppers who cannot see the image (at most 300 characters).
    #[schema(max_length = 300)]
    alt: Option<String>,
}

/// Upload an image of a product (its merchant or an admin). The file is checked from its
/// bytes (type, completeness, at most `IMAGE_MAX_PIXELS`), stored once by content, and the
/// image is `processing` until the worker has rendered it (`ready`, or `failed` with its
/// reason).
#[utoipa::path(post, path = "/api/v1/products/{id}/images", tag = "catalog", security(("bearer" = ["merchant", "admin"])),
    params(("id" = Uuid, Path)), request_body(content = ImageUpload, content_type = "multipart/form-data"),
    responses((status = 202, body = ProductImage),
        (status = 403, description = "Another merchant's product", body = super::problem::Problem),
        (status = 404, body = super::problem::Problem),
        (status = 413, description = "Larger than the upload limit", body = super::problem::Problem),
        (status = 422, description = "Not a JPEG, PNG or WebP image, truncated, too many pixels, or a missing `file` (named in `errors`)", body = super::problem::Problem)))]
async fn upload_image(
    State(ctx): State<ApiContext>,
    merchant: Merchant,
    ApiPath(product): ApiPath<Uuid>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<(StatusCode, Json<ProductImage>), ApiError> {
    let mut multipart = multipart.map_err(|_| ApiError::invalid("body", "must be multipart/form-data"))?;
    let (mut file, mut alt) = (None, None);
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        match field.name().unwrap_or_default() {
            "file" => file = Some(field.bytes().await.map_err(multipart_error)?.to_vec()),
            "alt" => {
                let text = field.text().await.map_err(|_| ApiError::invalid("alt", "must be UTF-8 text"))?;
                super::text::check("alt", &text).map_err(|err| ApiError::Validation(vec![err]))?;
                alt = Some(text);
            }
            other => {
                return Err(ApiError::invalid(
                    other.to_owned(),
                    "unknown form field (expected `file` and `alt`)",
                ))
            }
        }
    }
    let file = file.ok_or_else(|| ApiError::invalid("file", "is required"))?;
    let image = ctx.images.upload(&merchant.caller(), product, file, alt).await?;
    Ok((StatusCode::ACCEPTED, Json(image)))
}

fn multipart_error(error: axum::extract::multipart::MultipartError) -> ApiError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge
    } else {
        ApiError::invalid("file", format!("the form could not be read: {}", error.body_text()))
    }
}

/// A product's images in every state but removed (its merchant or an admin), in order.
#[utoipa::path(get, path = "/api/v1/products/{id}/images", tag = "catalog", security(("bearer" = ["merchant", "admin"])),
    params(("id" = Uuid, Path)), responses((status = 200, body = Vec<ProductImage>),
        (status = 403, body = super::problem::Problem), (status = 404, body = super::problem::Problem)))]
async fn list_images(
    State(ctx): State<ApiContext>,
    merchant: Merchant,
    ApiPath(product): ApiPath<Uuid>,
) -> Result<Json<Vec<ProductImage>>, ApiError> {
    Ok(Json(ctx.images.list(&merchant.caller(), product).await?))
}

/// Change an image's alt text or position (order among the product's images).
#[utoipa::path(patch, path = "/api/v1/products/{id}/images/{image_id}", tag = "catalog", security(("bearer" = ["merchant", "admin"])),
    params(("id" = Uuid, Path), ("image_id" = Uuid, Path)), request_body = ImagePatch,
    responses((status = 200, body = ProductImage), (status = 403, body = super::problem::Problem),
        (status = 404, body = super::problem::Problem), (status = 422, body = super::problem::Problem)))]
async fn patch_image(
    State(ctx): State<ApiContext>,
    merchant: Merchant,
    ApiPath((product, image)): ApiPath<(Uuid, Uuid)>,
    ApiJson(patch): ApiJson<ImagePatch>,
) -> Result<Json<ProductImage>, ApiError> {
    Ok(Json(ctx.images.update(&merchant.caller(), product, image, patch).await?))
}

/// Delete an image; its stored renditions go once no other image shows the same file.
#[utoipa::path(delete, path = "/api/v1/products/{id}/images/{image_id}", tag = "catalog", security(("bearer" = ["merchant", "admin"])),
    params(("id" = Uuid, Path), ("image_id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = super::problem::Problem), (status = 404, body = super::problem::Problem)))]
async fn delete_image(
    State(ctx): State<ApiContext>,
    merchant: Merchant,
    ApiPath((product, image)): ApiPath<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    ctx.images.delete(&merchant.caller(), product, image).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A rendition, as a product's `media[].renditions[].url` names it. Its key is derived from
/// its content, so it is cached for a year and revalidated with its `ETag`.
#[utoipa::path(get, path = "/api/v1/media/renditions/{hash}/{file}", tag = "catalog",
    params(("hash" = String, Path, description = "SHA-256 of the original, hex"),
        ("file" = String, Path, description = "`<width>.webp` or `<width>.jpg`")),
    responses((status = 200, description = "The image", content_type = "image/webp"), (status = 304, description = "Not modified"),
        (status = 404, body = super::problem::Problem)))]
async fn media(
    State(ctx): State<ApiContext>,
    Path((hash, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let key = format!("renditions/{hash}/{file}");
    let content_type =
        rendition_content_type(&key).ok_or_else(|| ApiError::NotFound("no such image".into()))?;
    let etag = HeaderValue::from_str(&format!("\"{hash}-{file}\"")).map_err(anyhow::Error::from)?;
    let cache = HeaderValue::from_static("public, max-age=31536000, immutable");
    if headers.get(header::IF_NONE_MATCH).is_some_and(|v| v.as_bytes() == etag.as_bytes()) {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag), (header::CACHE_CONTROL, cache)])
            .into_response());
    }
    let bytes =
        ctx.images.store().get(&key).await?.ok_or_else(|| ApiError::NotFound("no such image".into()))?;
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
        (header::ETAG, etag),
        (header::CACHE_CONTROL, cache),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
    ];
    Ok((headers, bytes).into_response())
}

/// The content type of a well-formed rendition key, `None` for anything else.
fn rendition_content_type(key: &str) -> Option<&'static str> {
    let mut parts = key.split('/');
    let (Some("renditions"), Some(hash), Some(file), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()) {
        return None;
    }
    let (width, extension) = file.split_once('.')?;
    if width.is_empty() || !width.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match extension {
        "webp" => Some("image/webp"),
        "jpg" => Some("image/jpeg"),
        _ => None,
    }
}
