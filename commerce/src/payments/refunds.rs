//! Refunds, full or partial. A refund is first written `pending` under the payment
//! intent's row lock after checking that it fits in what was captured minus every
//! refund pending or done, so concurrent requests can never refund more than was
//! taken. It is then executed at the provider with its own id as the idempotency key
//! (a retry after a crash never refunds twice); success moves the order to `refunded`
//! or `partially_refunded` and writes `payment.refunded`.

use super::{apply, provider::PaymentProvider, PaymentStatus};
use crate::{
    error::DomainError,
    events::{outbox, EventType},
    orders::{self, OrderStatus},
};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{PgConnection, PgPool};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "lowercase")]
#[sqlx(type_name = "text", rename_all = "lowercase")]
pub enum RefundStatus {
    Pending,
    Succeeded,
    Failed,
}

#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Refund {
    pub id: Uuid,
    pub order_id: Uuid,
    pub amount_minor: i64,
    pub reason: String,
    pub status: RefundStatus,
    pub failure_message: Option<String>,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, order_id, amount_minor, reason, status, failure_message, created_at";

/// Writes a pending refund of `amount` (everything still refundable when `None`) for the
/// payment intent `intent`, locking it first.
pub async fn request_locked(
    tx: &mut PgConnection,
    intent: Uuid,
    amount: Option<i64>,
    reason: &str,
    actor: Option<Uuid>,
) -> Result<Refund, DomainError> {
    let (order, status, captured): (Uuid, PaymentStatus, i64) = sqlx::query_as(
        "SELECT order_id, status, captured_minor FROM payment_intents WHERE id = $1 FOR UPDATE",
    )
    .bind(intent)
    .fetch_one(&mut *tx)
    .await?;
    if status != PaymentStatus::Succeeded || captured == 0 {
        return Err(DomainError::Conflict {
            code: "not_refundable",
            detail: format!("the payment is {}: nothing was captured", status.as_str()),
        });
    }
    let committed: i64 = sqlx::query_scalar(
        "SELECT COALESCE(SUM(amount_minor), 0)::bigint FROM refunds WHERE payment_intent_id = $1 AND status <> 'failed'",
    )
    .bind(intent)
    .fetch_one(&mut *tx)
    .await?;
    let refundable = captured - committed;
    let amount = amount.unwrap_or(refundable);
    if amount <= 0 && refundable > 0 {
        return Err(DomainError::invalid("amount_minor", "must be a positive amount in minor units"));
    }
    if amount > refundable || refundable == 0 {
        return Err(DomainError::Conflict {
            code: "refund_exceeds_captured",
            detail: format!(
                "{amount} asked but only {refundable} of the {captured} captured is still refundable"
            ),
        });
    }
    Ok(sqlx::query_as(&format!(
        "INSERT INTO refunds (id, payment_intent_id, order_id, amount_minor, reason, status, requested_by)
         VALUES ($1, $2, $3, $4, $5, 'pending', $6) RETURNING {COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(intent)
    .bind(order)
    .bind(amount)
    .bind(reason)
    .bind(actor)
    .fetch_one(&mut *tx)
    .await?)
}

/// Requests a refund of `order`'s payment (admins): `amount` in minor units, or all.
pub async fn request(
    db: &PgPool,
    order: Uuid,
    amount: Option<i64>,
    reason: &str,
    actor: Uuid,
) -> Result<Refund, DomainError> {
    let mut tx = db.begin().await?;
    let intent: Option<Uuid> = sqlx::query_scalar("SELECT id FROM payment_intents WHERE order_id = $1")
        .bind(order)
        .fetch_optional(&mut *tx)
        .await?;
    let intent = intent.ok_or(DomainError::NotFound("order"))?;
    let refund = request_locked(&mut tx, intent, amount, reason, Some(actor)).await?;
    tx.commit().await?;
    Ok(refund)
}

#[derive(Serialize)]
struct PaymentRefunded<'a> {
    order_id: Uuid,
    user_id: Uuid,
    payment_intent_id: Uuid,
    refund_id: Uuid,
    amount_minor: i64,
    currency: &'a str,
    refunded_minor: i64,
    reason: &'a str,
}

/// Executes a pending refund at the provider and records the outcome. A provider outage
/// leaves it pending for [`execute_stale`] to retry.
pub async fn execute(
    db: &PgPool,
    provider: &dyn PaymentProvider,
    refund: Uuid,
) -> Result<Refund, DomainError> {
    let pending: Option<(Option<String>, i64)> = sqlx::query_as(
        "SELECT i.provider_ref, r.amount_minor FROM refunds r JOIN payment_intents i ON i.id = r.payment_intent_id
         WHERE r.id = $1 AND r.status = 'pending'",
    )
    .bind(refund)
    .fetch_optional(db)
    .await?;
    let Some((Some(provider_ref), amount)) = pending else { return get(db, refund).await };
    let outcome = provider.refund(&provider_ref, amount, &refund.to_string()).await;
    let mut tx = db.begin().await?;
    match outcome {
        Ok(snapshot) => {
            apply::apply(&mut tx, &snapshot).await?;
            record_success(&mut tx, refund).await?;
        }
        Err(super::provider::ProviderError::Unavailable(err)) => return Err(DomainError::Internal(err)),
        Err(refused) => {
            sqlx::query("UPDATE refunds SET status = 'failed', failure_message = $2, updated_at = now() WHERE id = $1")
                .bind(refund)
                .bind(refused.to_string())
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await?;
    get(db, refund).await
}

/// Marks `refund` succeeded, moves its order and writes `payment.refunded`.
async fn record_success(tx: &mut PgConnection, refund: Uuid) -> Result<(), DomainError> {
    let updated: Option<(Uuid, Uuid, i64, String)> = sqlx::query_as(
        "UPDATE refunds SET status = 'succeeded', updated_at = now() WHERE id = $1 AND status = 'pending'
         RETURNING payment_intent_id, order_id, amount_minor, reason",
    )
    .bind(refund)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((intent, order, amount, reason)) = updated else { return Ok(()) };
    let (captured, currency, refunded): (i64, String, i64) = sqlx::query_as(
        "SELECT i.captured_minor, i.currency::text,
                (SELECT COALESCE(SUM(amount_minor), 0)::bigint FROM refunds WHERE payment_intent_id = i.id AND status = 'succeeded')
         FROM payment_intents i WHERE i.id = $1",
    )
    .bind(intent)
    .fetch_one(&mut *tx)
    .await?;
    let (user, status): (Uuid, OrderStatus) =
        sqlx::query_as("SELECT user_id, status FROM orders WHERE id = $1 FOR UPDATE")
            .bind(order)
            .fetch_one(&mut *tx)
            .await?;
    let to = if refunded >= captured { OrderStatus::Refunded } else { OrderStatus::PartiallyRefunded };
    // A cancelled order keeps its status: the refund returns money taken after it was cancelled.
    if status.ensure_can_become(to).is_ok() {
        let details = serde_json::json!({ "refunded_minor": refunded });
        orders::transition_with(tx, order, status, to, None, &reason, details).await?;
    }
    let event = PaymentRefunded {
        order_id: order,
        user_id: user,
        payment_intent_id: intent,
        refund_id: refund,
        amount_minor: amount,
        currency: &currency,
        refunded_minor: refunded,
        reason: &reason,
    };
    outbox::record(tx, EventType::PaymentRefunded, intent, &event).await?;
    Ok(())
}

pub async fn get(db: &PgPool, refund: Uuid) -> Result<Refund, DomainError> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM refunds WHERE id = $1"))
        .bind(refund)
        .fetch_optional(db)
        .await?
        .ok_or(DomainError::NotFound("refund"))
}

/// The refunds of `order`, oldest first.
pub async fn for_order(db: &PgPool, order: Uuid) -> Result<Vec<Refund>, DomainError> {
    Ok(sqlx::query_as(&format!("SELECT {COLUMNS} FROM refunds WHERE order_id = $1 ORDER BY created_at, id"))
        .bind(order)
        .fetch_all(db)
        .await?)
}

/// Executes refunds left pending for over a minute (their request died or the provider
/// was down); returns how many were tried. Run by the worker.
pub async fn execute_stale(
    db: &PgPool,
    provider: &dyn PaymentProvider,
    limit: i64,
) -> Result<usize, DomainError> {
    let stale: Vec<Uuid> = sqlx::query_scalar(
        "SELECT id FROM refunds WHERE status = 'pending' AND updated_at < now() - interval '1 minute'
         ORDER BY created_at LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db)
    .await?;
    for refund in &stale {
        if let Err(err) = execute(db, provider, *refund).await {
            tracing::warn!(%refund, error = %err, "refund still pending");
        }
    }
    Ok(stale.len())
}
