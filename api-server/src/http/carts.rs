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
