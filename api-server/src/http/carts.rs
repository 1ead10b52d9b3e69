//! `/api/v1/cart`: the caller's cart. Totals are computed here from current prices; each
//! line lists what changed since it was added (price, stock, availability).

use super::path::ApiPath;
use super::{auth::SignedIn, json::ApiJson, problem::ApiError};
use crate::state::ApiContext;
use axum::{extract::State, http::StatusCode, Json};
use serde::Deserialize;
use shopfleet_commerce::carts::Cart;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new()
        .routes(routes!(get_cart, clear_cart))
        .routes(routes!(add_line))
        .routes(routes!(set_line, remove_line))
        .routes(routes!(choose_delivery))
        .routes(routes!(apply_code, remove_code))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Delivery {
    /// One of the caller's addresses; `null` prices the cart at their default address.
    address_id: Option<Uuid>,
    /// A method from the cart's `pricing.shipping_methods`; `null` for none yet.
    shipping_method_id: Option<Uuid>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeInput {
    /// A promotion code (any case).
    #[schema(min_length = 1, max_length = 64)]
    code: String,
}

/// Choose where the cart goes and how; the cart comes back priced at that address.
#[utoipa::path(put, path = "/api/v1/cart/delivery", tag = "cart", security(("bearer" = ["user", "merchant", "admin"])),
    request_body = Delivery, responses((status = 200, body = Cart), (status = 422, body = super::problem::Problem)))]
async fn choose_delivery(
    State(ctx): State<ApiContext>,
    signed_in: SignedIn,
    ApiJson(body): ApiJson<Delivery>,
) -> Result<Json<Cart>, ApiError> {
    Ok(Json(ctx.carts.choose_delivery(&signed_in.caller(), body.address_id, body.shipping_method_id).await?))
}

/// Apply a promotion code. Refused naming `code`: 422 `code_unknown`, `code_not_started`,
/// `code_expired`, `usage_limit_reached`, `minimum_not_met` or `code_not_applicable`
/// (another currency). Checkout checks it again and redeems it.
#[utoipa::path(post, path = "/api/v1/cart/code", tag = "cart", security(("bearer" = ["user", "merchant", "admin"])),
    request_body = CodeInput, responses((status = 200, body = Cart), (status = 422, body = super::problem::Problem)))]
async fn apply_code(
    State(ctx): State<ApiContext>,
    signed_in: SignedIn,
    ApiJson(body): ApiJson<CodeInput>,
) -> Result<Json<Cart>, ApiError> {
    Ok(Json(ctx.carts.apply_code(&signed_in.caller(), &body.code).await?))
}

/// Remove the applied code.
#[utoipa::path(delete, path = "/api/v1/cart/code", tag = "cart", security(("bearer" = ["user", "merchant", "admin"])),
    responses((status = 200, body = Cart)))]
async fn remove_code(State(ctx): State<ApiContext>, signed_in: SignedIn) -> Result<Json<Cart>, ApiError> {
    Ok(Json(ctx.carts.remove_code(&signed_in.caller()).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLine {
    variant_id: Uuid,
    /// Units to add, 1 to 1000 (added to an existing line of the same variant).
    #[schema(minimum = 1, maximum = 1000)]
    quantity: i32,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineQuantity {
    /// 1 to 1000; remove a line with DELETE.
    #[schema(minimum = 1, maximum = 1000)]
    quantity: i32,
}

/// The caller's cart with current prices, totals and per-line issues.
#[utoipa::path(get, path = "/api/v1/cart", tag = "cart", security(("bearer" = ["user", "merchant", "admin"])),
    responses((status = 200, body = Cart)))]
async fn get_cart(State(ctx): State<ApiContext>, signed_in: SignedIn) -> Result<Json<Cart>, ApiError> {
    Ok(Json(ctx.carts.get(&signed_in.caller()).await?))
}

/// Empty the cart.
#[utoipa::path(delete, path = "/api/v1/cart", tag = "cart", security(("bearer" = ["user", "merchant", "admin"])),
    responses((status = 204, description = "Emptied")))]
async fn clear_cart(State(ctx): State<ApiContext>, signed_in: SignedIn) -> Result<StatusCode, ApiError> {
    ctx.carts.clear(&signed_in.caller()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Add units of a variant. 409 `currency_mismatch` when the cart holds another currency.
#[utoipa::path(post, path = "/api/v1/cart/lines", tag = "cart", security(("bearer" = ["user", "merchant", "admin"])),
    request_body = NewLine, responses((status = 200, body = Cart), (status = 409, body = super::problem::Problem)))]
async fn add_line(
    State(ctx): State<ApiContext>,
    signed_in: SignedIn,
    ApiJson(line): ApiJson<NewLine>,
) -> Result<Json<Cart>, ApiError> {
    Ok(Json(ctx.carts.add(&signed_in.caller(), line.variant_id, line.quantity).await?))
}

/// Set a line's quantity (this also accepts the variant's current price).
#[utoipa::path(put, path = "/api/v1/cart/lines/{variant_id}", tag = "cart",
    security(("bearer" = ["user", "merchant", "admin"])), params(("variant_id" = Uuid, Path)),
    request_body = LineQuantity, responses((status = 200, body = Cart), (status = 404, body = super::problem::Problem)))]
async fn set_line(
    State(ctx): State<ApiContext>,
    signed_in: SignedIn,
    ApiPath(variant_id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<LineQuantity>,
) -> Result<Json<Cart>, ApiError> {
    Ok(Json(ctx.carts.set_quantity(&signed_in.caller(), variant_id, body.quantity).await?))
}

/// Remove a line.
#[utoipa::path(delete, path = "/api/v1/cart/lines/{variant_id}", tag = "cart",
    security(("bearer" = ["user", "merchant", "admin"])), params(("variant_id" = Uuid, Path)),
    responses((status = 200, body = Cart), (status = 404, body = super::problem::Problem)))]
async fn remove_line(
    State(ctx): State<ApiContext>,
    signed_in: SignedIn,
    ApiPath(variant_id): ApiPath<Uuid>,
) -> Result<Json<Cart>, ApiError> {
    Ok(Json(ctx.carts.remove(&signed_in.caller(), variant_id).await?))
}
