//! Paying an order: the shopper submits a card, the shop checks the order may still be
//! paid, asks the provider to confirm (opening the provider's intent on the first
//! attempt), and applies the answer. No transaction is held while the provider works;
//! the provider's own state machine refuses a second capture, and money that arrives
//! for an order cancelled meanwhile is refunded by [`super::apply`].

use super::{
    apply::{self, Applied},
    card::CardInput,
    for_order,
    provider::{IntentSnapshot, PaymentProvider},
    refunds, PaymentIntent, PaymentStatus,
};
use crate::{error::DomainError, orders::OrderStatus};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

/// The payment of an order its shopper may pay now, or why not.
async fn payable(db: &PgPool, order: Uuid, shopper: Uuid) -> Result<PaymentIntent, DomainError> {
    let row: Option<(Uuid, OrderStatus, Option<DateTime<Utc>>)> =
        sqlx::query_as("SELECT user_id, status, expires_at FROM orders WHERE id = $1")
            .bind(order)
            .fetch_optional(db)
            .await?;
    let (status, expires_at) = match row {
        Some((owner, status, expires_at)) if owner == shopper => (status, expires_at),
        _ => return Err(DomainError::NotFound("order")),
    };
    let expired = expires_at.is_some_and(|at| at <= Utc::now());
    if status == OrderStatus::Cancelled || (status == OrderStatus::PendingPayment && expired) {
        return Err(DomainError::Conflict {
            code: "order_expired",
            detail: "the order was cancelled or its payment deadline passed; its items were released".into(),
        });
    }
    if status != OrderStatus::PendingPayment {
        return Err(DomainError::Conflict {
            code: "already_paid",
            detail: format!("the order is {}", status.as_str()),
        });
    }
    let mut conn = db.acquire().await?;
    for_order(&mut conn, order).await
}

/// Submits `card` for `order` on behalf of its shopper; `idempotency_key` makes the
/// provider answer a retry without charging again.
pub async fn confirm(
    db: &PgPool,
    provider: &dyn PaymentProvider,
    order: Uuid,
    shopper: Uuid,
    card: &CardInput,
    idempotency_key: &str,
) -> Result<PaymentIntent, DomainError> {
    let card = card.parse("card")?;
    let intent = payable(db, order, shopper).await?;
    if !intent.status.accepts_confirmation() {
        return Err(DomainError::Conflict {
            code: "payment_in_progress",
            detail: format!("the payment is {}", intent.status.as_str()),
        });
    }
    let provider_ref = provider_ref(db, provider, &intent).await?;
    let key = format!("confirm:{}:{idempotency_key}", intent.id);
    let snapshot = provider.confirm(&provider_ref, &card, &key).await?;
    settle(db, provider, order, &snapshot).await
}

/// The shopper's answer to the 3-D Secure step.
pub async fn authenticate(
    db: &PgPool,
    provider: &dyn PaymentProvider,
    order: Uuid,
    shopper: Uuid,
    approved: bool,
) -> Result<PaymentIntent, DomainError> {
    let intent = payable(db, order, shopper).await?;
    let provider_ref: Option<String> =
        sqlx::query_scalar("SELECT provider_ref FROM payment_intents WHERE id = $1")
            .bind(intent.id)
            .fetch_one(db)
            .await?;
    let provider_ref =
        provider_ref.filter(|_| intent.status == PaymentStatus::RequiresAction).ok_or_else(|| {
            DomainError::Conflict {
                code: "payment_state",
                detail: format!("a payment that is {} has no 3-D Secure step", intent.status.as_str()),
            }
        })?;
    let snapshot = provider.authenticate(&provider_ref, approved).await?;
    settle(db, provider, order, &snapshot).await
}

/// Applies a provider answer (and any refund it calls for) and reads the payment back.
pub async fn settle(
    db: &PgPool,
    provider: &dyn PaymentProvider,
    order: Uuid,
    snapshot: &IntentSnapshot,
) -> Result<PaymentIntent, DomainError> {
    let mut tx = db.begin().await?;
    let applied = apply::apply(&mut tx, snapshot).await?;
    let intent = for_order(&mut tx, order).await?;
    tx.commit().await?;
    if let Applied::Updated { refund: Some(refund) } = applied {
        refunds::execute(db, provider, refund).await?;
        return Err(DomainError::Conflict {
            code: "order_expired",
            detail: "the order was cancelled while the payment went through; the money was refunded".into(),
        });
    }
    Ok(intent)
}

/// The provider's id of the intent, opening it there on the first attempt.
async fn provider_ref(
    db: &PgPool,
    provider: &dyn PaymentProvider,
    intent: &PaymentIntent,
) -> Result<String, DomainError> {
    let known: Option<String> = sqlx::query_scalar("SELECT provider_ref FROM payment_intents WHERE id = $1")
        .bind(intent.id)
        .fetch_one(db)
        .await?;
    if let Some(known) = known {
        return Ok(known);
    }
    let opened = provider.create_intent(intent.amount_minor, &intent.currency, intent.id).await?;
    // Two first attempts at once may both open one; the first stored wins, the other is never used.
    Ok(sqlx::query_scalar(
        "UPDATE payment_intents SET provider_ref = COALESCE(provider_ref, $2), provider = COALESCE(provider, $4),
                provider_seq = CASE WHEN provider_ref IS NULL THEN $3 ELSE provider_seq END
         WHERE id = $1 RETURNING provider_ref",
    )
    .bind(intent.id)
    .bind(&opened.id)
    .bind(opened.seq)
    .bind(provider.name())
    .fetch_one(db)
    .await?)
}
