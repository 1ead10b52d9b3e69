//! Payments over HTTP: the shopper confirms a card for an unpaid order (with an
//! `Idempotency-Key`) and answers the simulated 3-D Secure step; admins refund; the
//! provider reports outcomes to the signed webhook. Outcomes from answers and webhooks
//! are applied by `commerce::workflows::pay`, in any order, once.

use super::path::ApiPath;
use super::{
    auth::{Admin, SignedIn},
    idempotent,
    json::ApiJson,
    problem::ApiError,
};
use crate::state::ApiContext;
use axum::{body::Bytes, extract::State, http::HeaderMap, response::Response, Json};
use serde::{Deserialize, Serialize};
use shopfleet_commerce::{
    payments::{
        card::CardInput,
        refunds::Refund,
        webhook::{self, WebhookEvent},
        PaymentIntent, PaymentStatus,
    },
    workflows::pay::Received,
};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new()
        .routes(routes!(get_payment))
        .routes(routes!(confirm_payment))
        .routes(routes!(authenticate_payment))
        .routes(routes!(refund_order))
        .routes(routes!(receive_webhook))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmRequest {
    card: CardInput,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthenticateRequest {
    /// Whether the shopper passed the (simulated) 3-D Secure check.
    approved: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundRequest {
    /// Minor units to refund; everything still refundable when omitted.
    #[schema(minimum = 1)]
    amount_minor: Option<i64>,
    /// Why (kept with the refund and sent to the shopper); default `requested_by_shop`.
    #[schema(min_length = 1, max_length = 200)]
    reason: Option<String>,
}

/// The payment of one of the caller's orders (admins: any order).
#[utoipa::path(get, path = "/api/v1/orders/{id}/payment", tag = "payments", security(("bearer" = ["user", "merchant", "admin"])),
    params(("id" = Uuid, Path)), responses((status = 200, body = PaymentIntent), (status = 404, body = super::problem::Problem)))]
async fn get_payment(
    State(ctx): State<ApiContext>,
    signed_in: SignedIn,
    ApiPath(order): ApiPath<Uuid>,
) -> Result<Json<PaymentIntent>, ApiError> {
    Ok(Json(ctx.orders.payment(&signed_in.caller(), order).await?))
}

/// A failed attempt is a 402 naming why (`card_declined`, `authentication_failed`); the
/// shopper may try again with another card.
fn payment_answer(intent: PaymentIntent) -> Result<PaymentIntent, ApiError> {
    if intent.status == PaymentStatus::Failed {
        let code = intent.failure_code.clone().unwrap_or_else(|| "payment_failed".into());
        return Err(ApiError::PaymentFailed { code, detail: intent.failure_message.unwrap_or_default() });
    }
    Ok(intent)
}

/// Pay an unpaid order with a card. Test cards: 4242 4242 4242 4242 succeeds,
/// 4000 0000 0000 0002 is declined (402), 4000 0027 6000 3184 requires 3-D Secure
/// (`requires_action`, then `/payment/authenticate`), 4000 0000 0000 0341 is accepted as
/// `processing` and fails a moment later (reported by webhook). Requires
/// `Idempotency-Key` (Stripe semantics, as for checkout).
#[utoipa::path(post, path = "/api/v1/orders/{id}/payment/confirm", tag = "payments", security(("bearer" = ["user", "merchant", "admin"])),
    params(("id" = Uuid, Path), ("Idempotency-Key" = String, Header, pattern = "^[\\x21-\\x7E]{1,255}$", description = "Unique per attempt; 1 to 255 visible ASCII characters")),
    request_body = ConfirmRequest, responses(
        (status = 200, body = PaymentIntent, description = "`succeeded`, `requires_action` or `processing`"),
        (status = 402, description = "`card_declined`: try another card", body = super::problem::Problem),
        (status = 409, description = "`order_expired`, `already_paid`, `payment_in_progress`", body = super::problem::Problem),
        (status = 422, description = "An invalid card, naming the field", body = super::problem::Problem)))]
async fn confirm_payment(
    State(ctx): State<ApiContext>,
    signed_in: SignedIn,
    ApiPath(order): ApiPath<Uuid>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let principal = signed_in.principal.user_id;
    let request: ConfirmRequest = super::json::parse(&body)?;
    let route = format!("POST /api/v1/orders/{order}/payment/confirm");
    let (workflows, card) = (&ctx.workflows, &request.card);
    idempotent::respond(&ctx, principal, (&headers, &route, &body), 200, move |key| async move {
        payment_answer(workflows.confirm_payment(order, principal, card, &key).await?)
    })
    .await
}

/// The shopper's answer to the simulated 3-D Secure step of a payment that `requires_action`.
#[utoipa::path(post, path = "/api/v1/orders/{id}/payment/authenticate", tag = "payments", security(("bearer" = ["user", "merchant", "admin"])),
    params(("id" = Uuid, Path)), request_body = AuthenticateRequest, responses(
        (status = 200, body = PaymentIntent),
        (status = 402, description = "`authentication_failed`", body = super::problem::Problem),
        (status = 409, body = super::problem::Problem)))]
async fn authenticate_payment(
    State(ctx): State<ApiContext>,
    signed_in: SignedIn,
    ApiPath(order): ApiPath<Uuid>,
    ApiJson(request): ApiJson<AuthenticateRequest>,
) -> Result<Json<PaymentIntent>, ApiError> {
    let intent =
        ctx.workflows.authenticate_payment(order, signed_in.principal.user_id, request.approved).await?;
    Ok(Json(payment_answer(intent)?))
}

/// Refund a paid order, fully or partly (admins). Refunds never add up to more than was
/// captured (409 `refund_exceeds_captured`). Requires `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/orders/{id}/refunds", tag = "payments", security(("bearer" = ["admin"])),
    params(("id" = Uuid, Path), ("Idempotency-Key" = String, Header, pattern = "^[\\x21-\\x7E]{1,255}$", description = "Unique per refund; 1 to 255 visible ASCII characters")),
    request_body = RefundRequest, responses((status = 201, body = Refund),
        (status = 409, description = "`refund_exceeds_captured`, `not_refundable`", body = super::problem::Problem),
        (status = 422, body = super::problem::Problem)))]
async fn refund_order(
    State(ctx): State<ApiContext>,
    admin: Admin,
    ApiPath(order): ApiPath<Uuid>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let principal = admin.principal.user_id;
    let request: RefundRequest = super::json::parse(&body)?;
    let reason = request.reason.as_deref().map(str::trim).unwrap_or("requested_by_shop");
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(ApiError::invalid("reason", "must be 1 to 200 characters"));
    }
    let route = format!("POST /api/v1/orders/{order}/refunds");
    idempotent::respond(&ctx, principal, (&headers, &route, &body), 201, |_key| async {
        Ok(ctx.workflows.refund_order(order, request.amount_minor, reason, principal).await?)
    })
    .await
}

#[derive(Serialize, ToSchema)]
pub struct WebhookAck {
    received: bool,
    /// `applied`, `duplicate` (this event id was seen) or `stale` (older than what is known).
    outcome: &'static str,
}

/// The payment provider's webhook. Authenticated by the `Shopfleet-Signature` header
/// (`t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, 300 s tolerance): unsigned,
/// tampered or stale deliveries get 401 and are logged. Events are applied once by id,
/// in any order.
#[utoipa::path(post, path = "/api/v1/payments/webhook", tag = "payments",
    params(("Shopfleet-Signature" = String, Header, description = "t=<unix>,v1=<hex>")),
    request_body = Object, responses((status = 200, body = WebhookAck),
        (status = 401, description = "`invalid_signature`", body = super::problem::Problem),
        (status = 404, description = "Unknown payment intent (the provider retries)", body = super::problem::Problem)))]
async fn receive_webhook(
    State(ctx): State<ApiContext>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<WebhookAck>, ApiError> {
    let signature = headers.get(webhook::SIGNATURE_HEADER).and_then(|value| value.to_str().ok());
    let settings = &ctx.settings.payments;
    let now = chrono::Utc::now().timestamp();
    let tolerance = settings.webhook_tolerance_secs as i64;
    if let Err(err) = webhook::verify(signature, &body, &settings.active_webhook_secrets(), now, tolerance) {
        tracing::warn!(reason = err.label(), "payment webhook refused: {err}");
        metrics::counter!("payment_webhooks_total", "outcome" => err.label()).increment(1);
        return Err(ApiError::InvalidSignature(err.to_string()));
    }
    let event: WebhookEvent = super::json::parse(&body)?;
    let received = ctx.workflows.receive_webhook(&event).await?;
    let outcome = match received {
        Received::Applied => "applied",
        Received::Duplicate => "duplicate",
        Received::Stale => "stale",
    };
    metrics::counter!("payment_webhooks_total", "outcome" => outcome).increment(1);
    Ok(Json(WebhookAck { received: true, outcome }))
}
