//! What shapes checkout totals: `/api/v1/admin/pricing` (whether prices include tax),
//! `/api/v1/admin/shipping-zones` (zones with their tax rates) and
//! `/api/v1/admin/shipping-methods` for admins, and `/api/v1/promotions` for admins (any
//! promotion) and merchants (promotions on their own products).

use super::path::ApiPath;
use super::{
    auth::{Admin, Merchant},
    json::ApiJson,
    problem::{ApiError, Problem},
};
use crate::state::ApiContext;
use axum::{extract::State, http::StatusCode, Json};
use shopfleet_commerce::pricing::{
    promotions::{PromotionInput, PromotionView},
    settings::{MethodInput, PricingSettings, ShippingMethodView, ShippingZone, ZoneInput},
};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new()
        .routes(routes!(get_settings, set_settings))
        .routes(routes!(list_zones, create_zone))
        .routes(routes!(update_zone, delete_zone))
        .routes(routes!(list_methods, create_method))
        .routes(routes!(update_method, delete_method))
        .routes(routes!(list_promotions, create_promotion))
        .routes(routes!(update_promotion, delete_promotion))
}

/// Whether the shop's prices include tax.
#[utoipa::path(get, path = "/api/v1/admin/pricing", tag = "pricing", security(("bearer" = ["admin"])),
    responses((status = 200, body = PricingSettings)))]
async fn get_settings(
    State(ctx): State<ApiContext>,
    _admin: Admin,
) -> Result<Json<PricingSettings>, ApiError> {
    Ok(Json(ctx.pricing.settings().await?))
}

/// Set whether prices include tax (EU style) or tax is added at checkout (US style).
/// Orders already placed keep their breakdowns.
#[utoipa::path(put, path = "/api/v1/admin/pricing", tag = "pricing", security(("bearer" = ["admin"])),
    request_body = PricingSettings, responses((status = 200, body = PricingSettings)))]
async fn set_settings(
    State(ctx): State<ApiContext>,
    _admin: Admin,
    ApiJson(body): ApiJson<PricingSettings>,
) -> Result<Json<PricingSettings>, ApiError> {
    Ok(Json(ctx.pricing.set_settings(&body).await?))
}

/// Every shipping zone, by name.
#[utoipa::path(get, path = "/api/v1/admin/shipping-zones", tag = "pricing", security(("bearer" = ["admin"])),
    responses((status = 200, body = Vec<ShippingZone>)))]
async fn list_zones(
    State(ctx): State<ApiContext>,
    _admin: Admin,
) -> Result<Json<Vec<ShippingZone>>, ApiError> {
    Ok(Json(ctx.pricing.zones().await?))
}

/// Create a zone: countries (optionally narrowed to regions and postcode prefixes) and the
/// tax rates of its classes. An address is taxed by the most specific zone containing it.
#[utoipa::path(post, path = "/api/v1/admin/shipping-zones", tag = "pricing", security(("bearer" = ["admin"])),
    request_body = ZoneInput, responses((status = 201, body = ShippingZone),
        (status = 409, description = "`zone_name_taken`", body = Problem), (status = 422, body = Problem)))]
async fn create_zone(
    State(ctx): State<ApiContext>,
    _admin: Admin,
    ApiJson(body): ApiJson<ZoneInput>,
) -> Result<(StatusCode, Json<ShippingZone>), ApiError> {
    Ok((StatusCode::CREATED, Json(ctx.pricing.create_zone(&body).await?)))
}

/// Replace a zone.
#[utoipa::path(put, path = "/api/v1/admin/shipping-zones/{id}", tag = "pricing", security(("bearer" = ["admin"])),
    params(("id" = Uuid, Path)), request_body = ZoneInput,
    responses((status = 200, body = ShippingZone), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn update_zone(
    State(ctx): State<ApiContext>,
    _admin: Admin,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ZoneInput>,
) -> Result<Json<ShippingZone>, ApiError> {
    Ok(Json(ctx.pricing.update_zone(id, &body).await?))
}

/// Delete a zone and its shipping methods (placed orders keep their snapshots).
#[utoipa::path(delete, path = "/api/v1/admin/shipping-zones/{id}", tag = "pricing", security(("bearer" = ["admin"])),
    params(("id" = Uuid, Path)), responses((status = 204, description = "Deleted"), (status = 404, body = Problem)))]
async fn delete_zone(
    State(ctx): State<ApiContext>,
    _admin: Admin,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    ctx.pricing.delete_zone(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every shipping method.
#[utoipa::path(get, path = "/api/v1/admin/shipping-methods", tag = "pricing", security(("bearer" = ["admin"])),
    responses((status = 200, body = Vec<ShippingMethodView>)))]
async fn list_methods(
    State(ctx): State<ApiContext>,
    _admin: Admin,
) -> Result<Json<Vec<ShippingMethodView>>, ApiError> {
    Ok(Json(ctx.pricing.methods().await?))
}

/// Create a shipping method of a zone: a flat rate, weight bands, or free above a
/// subtotal, in one currency, taxed at its class.
#[utoipa::path(post, path = "/api/v1/admin/shipping-methods", tag = "pricing", security(("bearer" = ["admin"])),
    request_body = MethodInput, responses((status = 201, body = ShippingMethodView), (status = 422, body = Problem)))]
async fn create_method(
    State(ctx): State<ApiContext>,
    _admin: Admin,
    ApiJson(body): ApiJson<MethodInput>,
) -> Result<(StatusCode, Json<ShippingMethodView>), ApiError> {
    Ok((StatusCode::CREATED, Json(ctx.pricing.create_method(&body).await?)))
}

/// Replace a shipping method.
#[utoipa::path(put, path = "/api/v1/admin/shipping-methods/{id}", tag = "pricing", security(("bearer" = ["admin"])),
    params(("id" = Uuid, Path)), request_body = MethodInput,
    responses((status = 200, body = ShippingMethodView), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn update_method(
    State(ctx): State<ApiContext>,
    _admin: Admin,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<MethodInput>,
) -> Result<Json<ShippingMethodView>, ApiError> {
    Ok(Json(ctx.pricing.update_method(id, &body).await?))
}

/// Delete a shipping method (placed orders keep their snapshots).
#[utoipa::path(delete, path = "/api/v1/admin/shipping-methods/{id}", tag = "pricing", security(("bearer" = ["admin"])),
    params(("id" = Uuid, Path)), responses((status = 204, description = "Deleted"), (status = 404, body = Problem)))]
async fn delete_method(
    State(ctx): State<ApiContext>,
    _admin: Admin,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    ctx.pricing.delete_method(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Promotions: every one for admins, their own for merchants.
#[utoipa::path(get, path = "/api/v1/promotions", tag = "pricing", security(("bearer" = ["merchant", "admin"])),
    responses((status = 200, body = Vec<PromotionView>)))]
async fn list_promotions(
    State(ctx): State<ApiContext>,
    merchant: Merchant,
) -> Result<Json<Vec<PromotionView>>, ApiError> {
    Ok(Json(ctx.promotions.list(&merchant.caller()).await?))
}

/// Create a promotion: a code, or automatic without one. Admins' promotions may discount
/// any product and shipping; a merchant's only their own products (never shipping), and
/// may name only their own products.
#[utoipa::path(post, path = "/api/v1/promotions", tag = "pricing", security(("bearer" = ["merchant", "admin"])),
    request_body = PromotionInput, responses((status = 201, body = PromotionView),
        (status = 409, description = "`promotion_code_taken`", body = Problem), (status = 422, body = Problem)))]
async fn create_promotion(
    State(ctx): State<ApiContext>,
    merchant: Merchant,
    ApiJson(body): ApiJson<PromotionInput>,
) -> Result<(StatusCode, Json<PromotionView>), ApiError> {
    Ok((StatusCode::CREATED, Json(ctx.promotions.create(&merchant.caller(), &body).await?)))
}

/// Replace a promotion (its uses so far stay counted).
#[utoipa::path(put, path = "/api/v1/promotions/{id}", tag = "pricing", security(("bearer" = ["merchant", "admin"])),
    params(("id" = Uuid, Path)), request_body = PromotionInput,
    responses((status = 200, body = PromotionView), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn update_promotion(
    State(ctx): State<ApiContext>,
    merchant: Merchant,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<PromotionInput>,
) -> Result<Json<PromotionView>, ApiError> {
    Ok(Json(ctx.promotions.update(&merchant.caller(), id, &body).await?))
}

/// Delete a promotion no order has used (409 `promotion_redeemed` otherwise: deactivate it).
#[utoipa::path(delete, path = "/api/v1/promotions/{id}", tag = "pricing", security(("bearer" = ["merchant", "admin"])),
    params(("id" = Uuid, Path)), responses((status = 204, description = "Deleted"),
        (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn delete_promotion(
    State(ctx): State<ApiContext>,
    merchant: Merchant,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    ctx.promotions.delete(&merchant.caller(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}
