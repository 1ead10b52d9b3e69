//! The `refunds` table, full or partial. A refund is first written `pending` under the
//! payment intent's row lock after checking that it fits in what was captured minus
//! every refund pending or done, so concurrent requests can never refund more than was
//! taken; each refund's tax share follows the order's priced breakdown. Executing it at the provider, and what success does to the order, is
//! `crate::workflows::refund`.

use super::PaymentStatus;
use chrono::{DateTime, Utc};
use serde::Serialize;
use shopfleet_domain::payment::refund_amount;
use shopfleet_domain::pricing::{self, Breakdown};
use shopfleet_domain::DomainError;
use sqlx::{types::Json, PgConnection, PgPool};
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
    /// The tax this refund gives back, in proportion to the order's tax.
    pub tax_minor: i64,
    pub reason: String,
    pub status: RefundStatus,
    pub failure_message: Option<String>,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, order_id, amount_minor, tax_minor, reason, status, failure_message, created_at";

/// Writes a pending refund of `amount` (everything still refundable when `None`) for the
/// payment intent `intent`, locking it first. The caller holds the lock of the intent's
/// order (`orders::lock`): locks are taken order first, then payment, everywhere.
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
    let committed: i64 = sqlx::query_scalar(
        "SELECT COALESCE(SUM(amount_minor), 0)::bigint FROM refunds WHERE payment_intent_id = $1 AND status <> 'failed'",
    )
    .bind(intent)
    .fetch_one(&mut *tx)
    .await?;
    let amount = refund_amount(status, captured, committed, amount)?;
    let tax = refund_tax(tx, intent, order, amount).await?;
    Ok(sqlx::query_as(&format!(
        "INSERT INTO refunds (id, payment_intent_id, order_id, amount_minor, tax_minor, reason, status, requested_by)
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7) RETURNING {COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(intent)
    .bind(order)
    .bind(amount)
    .bind(tax)
    .bind(reason)
    .bind(actor)
    .fetch_one(&mut *tx)
    .await?)
}

/// The tax a refund of `amount` gives back: in proportion to the order's tax, on the
/// running total of its refunds (`shopfleet_domain::pricing::refund_tax`), so the tax
/// refunded never exceeds the tax paid. Orders placed before pricing existed carry none.
async fn refund_tax(
    tx: &mut PgConnection,
    intent: Uuid,
    order: Uuid,
    amount: i64,
) -> Result<i64, DomainError> {
    let pricing: Option<Json<Breakdown>> = sqlx::query_scalar("SELECT pricing FROM orders WHERE id = $1")
        .bind(order)
        .fetch_one(&mut *tx)
        .await?;
    let Some(Json(paid)) = pricing else { return Ok(0) };
    let (amount_minor, tax_minor): (i64, i64) = sqlx::query_as(
        "SELECT COALESCE(SUM(amount_minor), 0)::bigint, COALESCE(SUM(tax_minor), 0)::bigint
         FROM refunds WHERE payment_intent_id = $1 AND status <> 'failed'",
    )
    .bind(intent)
    .fetch_one(&mut *tx)
    .await?;
    let refunded = pricing::Refund { amount_minor, tax_minor };
    Ok(pricing::refund_tax(&paid, refunded, amount)?.tax_minor)
}

/// The payment intent of `order`, if it has one.
pub async fn intent_of(conn: &mut PgConnection, order: Uuid) -> Result<Option<Uuid>, DomainError> {
    Ok(sqlx::query_scalar("SELECT id FROM payment_intents WHERE order_id = $1")
        .bind(order)
        .fetch_optional(conn)
        .await?)
}

/// The provider's id of the payment and the amount of `refund`, while it is pending.
pub async fn pending(db: &PgPool, refund: Uuid) -> Result<Option<(Option<String>, i64)>, DomainError> {
    Ok(sqlx::query_as(
        "SELECT i.provider_ref, r.amount_minor FROM refunds r JOIN payment_intents i ON i.id = r.payment_intent_id
         WHERE r.id = $1 AND r.status = 'pending'",
    )
    .bind(refund)
    .fetch_optional(db)
    .await?)
}

/// Marks `refund` failed with the provider's reason.
pub async fn mark_failed(conn: &mut PgConnection, refund: Uuid, reason: &str) -> Result<(), DomainError> {
    sqlx::query(
        "UPDATE refunds SET status = 'failed', failure_message = $2, updated_at = now() WHERE id = $1",
    )
    .bind(refund)
    .bind(reason)
    .execute(conn)
    .await?;
    Ok(())
}

/// A refund that has just succeeded, with its payment's totals after it.
pub struct Succeeded {
    pub payment_intent_id: Uuid,
    pub order_id: Uuid,
    pub amount_minor: i64,
    pub reason: String,
    pub captured_minor: i64,
    pub currency: String,
    /// Every succeeded refund of the payment, this one included.
    pub refunded_minor: i64,
}

/// Marks `refund` succeeded if it was pending; `None` when it was not (already recorded).
pub async fn mark_succeeded(conn: &mut PgConnection, refund: Uuid) -> Result<Option<Succeeded>, DomainError> {
    let updated: Option<(Uuid, Uuid, i64, String)> = sqlx::query_as(
        "UPDATE refunds SET status = 'succeeded', updated_at = now() WHERE id = $1 AND status = 'pending'
         RETURNING payment_intent_id, order_id, amount_minor, reason",
    )
    .bind(refund)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((intent, order, amount, reason)) = updated else { return Ok(None) };
    let (captured, currency, refunded): (i64, String, i64) = sqlx::query_as(
        "SELECT i.captured_minor, i.currency::text,
                (SELECT COALESCE(SUM(amount_minor), 0)::bigint FROM refunds WHERE payment_intent_id = i.id AND status = 'succeeded')
         FROM payment_intents i WHERE i.id = $1",
    )
    .bind(intent)
    .fetch_one(conn)
    .await?;
    Ok(Some(Succeeded {
        payment_intent_id: intent,
        order_id: order,
        amount_minor: amount,
        reason,
        captured_minor: captured,
        currency,
        refunded_minor: refunded,
    }))
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

/// Refunds left pending for over a minute (their request died or the provider was
/// down), oldest first.
pub async fn stale(db: &PgPool, limit: i64) -> Result<Vec<Uuid>, DomainError> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM refunds WHERE status = 'pending' AND updated_at < now() - interval '1 minute'
         ORDER BY created_at LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db)
    .await?)
}
