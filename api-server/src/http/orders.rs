//! `/api/v1/checkout` and `/api/v1/orders`: placing an order from the cart (with a
//! required `Idempotency-Key`, Stripe semantics) and reading one's orders.

use super::path::ApiPath;
use super::{
    auth::{Admin, SignedIn},
    idempotent::{self, Claim},
    problem::ApiError,
    query::ApiQuery,
};
use crate::state::ApiContext;
use axum::{body::Bytes, extract::State, http::HeaderMap, response::Response, Json};
use serde::Deserialize;
use shopfleet_commerce::orders::{Order, OrderStatus};
use shopfleet_domain::PageLimit;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new()
        .routes(routes!(place_order))
        .routes(routes!(list_orders))
        .routes(routes!(get_order))
        .routes(routes!(cancel_order))
        .routes(routes!(list_all_orders))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AllOrdersParams {
    /// Only orders in this status.
    status: Option<OrderStatus>,
    /// Orders created before this time: the `created_at` of the last order of the previous page.
    before: Option<chrono::DateTime<chrono::Utc>>,
    /// Page size, 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

/// Every order, newest first (admins), optionally filtered by status.
#[utoipa::path(get, path = "/api/v1/admin/orders", tag = "orders", security(("bearer" = ["admin"])),
    params(AllOrdersParams), responses((status = 200, body = Vec<Order>), (status = 422, body = super::problem::Problem)))]
async fn list_all_orders(
    State(ctx): State<ApiContext>,
    _admin: Admin,
    ApiQuery(params): ApiQuery<AllOrdersParams>,
) -> Result<Json<Vec<Order>>, ApiError> {
    let limit = PageLimit::new(params.limit, 50, 100)?;
    Ok(Json(ctx.orders.all(params.status, params.before, limit.rows()).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckoutRequest {
    /// One of the caller's saved addresses (`/api/v1/users/me/addresses`).
    address_id: Uuid,
    /// One of the methods the cart lists for this address (`pricing.shipping_methods`);
    /// when omitted, the method chosen on the cart. Required once the shop ships in the
    /// cart's currency.
    #[serde(default)]
    shipping_method_id: Option<Uuid>,
}

/// Place an order from the cart. Prices and stock are re-checked, the cart is priced with
/// its shipping method, tax and promotions (the code applied to the cart is redeemed here,
/// exactly as often as its limits allow), and every line's stock is reserved (all or
/// nothing); the order keeps the priced breakdown and waits for payment of its total until
/// `expires_at`.
/// Requires `Idempotency-Key`: a retry with the same key and body gets the first
/// response again; while the first is running, 409; with a different body, 422.
#[utoipa::path(post, path = "/api/v1/checkout", tag = "orders", security(("bearer" = ["user", "merchant", "admin"])),
    params(("Idempotency-Key" = String, Header, pattern = "^[\\x21-\\x7E]{1,255}$", description = "Unique per attempt; 1 to 255 visible ASCII characters")),
    request_body = CheckoutRequest, responses(
        (status = 201, body = Order),
        (status = 409, description = "`insufficient_stock`, `cart_changed` or `idempotency_request_in_flight`", body = super::problem::Problem),
        (status = 422, description = "Empty cart, unknown address, no or a wrong shipping method, the code refused (`code_expired`, `usage_limit_reached`, `minimum_not_met`…), missing or reused key", body = super::problem::Problem)))]
async fn place_order(
    State(ctx): State<ApiContext>,
    signed_in: SignedIn,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let principal = signed_in.principal.user_id;
    let request: CheckoutRequest = super::json::parse(&body)?;
    let claimed = match idempotent::claim(&ctx, principal, &headers, "POST /api/v1/checkout", &body).await? {
        Claim::Replay(response) => return Ok(response),
        Claim::Fresh(claimed) => claimed,
    };
    let ttl = ctx.settings.order_payment_ttl();
    let placed = ctx
        .workflows
        .place_order(principal, request.address_id, request.shipping_method_id, ttl, Some(claimed.key()))
        .await;
    match placed {
        Ok(placed) => Ok(claimed.answered(201, placed.answer)),
        Err(err) => claimed.fail(&ctx, err.into()).await,
    }
}

/// The caller's orders, newest first (the latest 50).
#[utoipa::path(get, path = "/api/v1/orders", tag = "orders", security(("bearer" = ["user", "merchant", "admin"])),
    responses((status = 200, body = Vec<Order>)))]
async fn list_orders(
    State(ctx): State<ApiContext>,
    signed_in: SignedIn,
) -> Result<Json<Vec<Order>>, ApiError> {
    Ok(Json(ctx.orders.mine(&signed_in.caller(), 50).await?))
}

/// One order: its shopper and admins see it.
#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders", security(("bearer" = ["user", "merchant", "admin"])),
    params(("id" = Uuid, Path)), responses((status = 200, body = Order), (status = 404, body = super::problem::Problem)))]
async fn get_order(
    State(ctx): State<ApiContext>,
    signed_in: SignedIn,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Order>, ApiError> {
    Ok(Json(ctx.orders.get(&signed_in.caller(), id).await?))
}

/// Cancel an unpaid order (its shopper or an admin); its reserved stock is released.
/// 409 `illegal_transition` for an order past payment.
#[utoipa::path(post, path = "/api/v1/orders/{id}/cancel", tag = "orders", security(("bearer" = ["user", "merchant", "admin"])),
    params(("id" = Uuid, Path)), responses((status = 200, body = Order), (status = 404, body = super::problem::Problem),
        (status = 409, body = super::problem::Problem)))]
async fn cancel_order(
    State(ctx): State<ApiContext>,
    signed_in: SignedIn,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Order>, ApiError> {
    Ok(Json(ctx.workflows.cancel_order(&signed_in.caller(), id).await?))
}
