//! Merchants' side of orders: their lines of every order (`/api/v1/merchant/orders`) and
//! fulfilling them (`/api/v1/orders/{id}/fulfilment`): start, ship with a tracking
//! number, deliver. Admins may act on any line.

use super::path::ApiPath;
use super::{auth::Merchant, json::ApiJson, problem::ApiError};
use crate::state::ApiContext;
use axum::{extract::State, Json};
use shopfleet_commerce::orders::{fulfilment::FulfilmentRequest, Order};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new().routes(routes!(merchant_orders)).routes(routes!(fulfil_lines))
}

/// Orders holding the caller's products, newest first (the latest 50), each with only the
/// caller's lines.
#[utoipa::path(get, path = "/api/v1/merchant/orders", tag = "fulfilment", security(("bearer" = ["merchant", "admin"])),
    responses((status = 200, body = Vec<Order>)))]
async fn merchant_orders(
    State(ctx): State<ApiContext>,
    merchant: Merchant,
) -> Result<Json<Vec<Order>>, ApiError> {
    Ok(Json(ctx.orders.for_merchant(&merchant.caller(), 50).await?))
}

/// Start, ship (with `carrier` and `tracking_number`) or deliver the caller's lines of a
/// paid order (`line_nos`, or all of them). The order follows: `fulfilling` once a line
/// starts, `shipped` when every line shipped, `delivered` when every line arrived.
/// 409 `illegal_transition` for an unpaid order or a line that cannot make that step.
/// The answer shows the order with the caller's lines only (every line for admins).
#[utoipa::path(post, path = "/api/v1/orders/{id}/fulfilment", tag = "fulfilment", security(("bearer" = ["merchant", "admin"])),
    params(("id" = Uuid, Path)), request_body = FulfilmentRequest, responses((status = 200, body = Order),
        (status = 404, description = "No such order with lines of yours", body = super::problem::Problem),
        (status = 409, body = super::problem::Problem), (status = 422, body = super::problem::Problem)))]
async fn fulfil_lines(
    State(ctx): State<ApiContext>,
    merchant: Merchant,
    ApiPath(order): ApiPath<Uuid>,
    ApiJson(request): ApiJson<FulfilmentRequest>,
) -> Result<Json<Order>, ApiError> {
    Ok(Json(ctx.orders.fulfil(&merchant.caller(), order, &request).await?))
}
