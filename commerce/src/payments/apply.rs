//! Mirroring the provider: one function applies a provider snapshot, whether it came
//! back from a request or in a webhook, once, in any order. A snapshot older than the
//! one already applied changes nothing. The first success pays the order (its reserved
//! stock is sold) or, when the order was cancelled meanwhile, asks for a full refund.

use super::{provider::IntentSnapshot, refunds, PaymentStatus};
use crate::{
    catalog::reservations::ReservationStatus,
    error::DomainError,
    events::{outbox, EventType},
    orders::{self, OrderStatus},
};
use serde::Serialize;
use sqlx::PgConnection;
use uuid::Uuid;

/// What applying a snapshot did.
#[derive(Debug, PartialEq, Eq)]
pub enum Applied {
    /// Newer than what the shop knew: mirrored, with its effects.
    Updated {
        /// A refund to execute at the provider after commit (money for a cancelled order).
        refund: Option<Uuid>,
    },
    /// Not newer than what the shop knew: ignored.
    Stale,
}

#[derive(Serialize)]
struct PaymentEvent<'a> {
    order_id: Uuid,
    user_id: Uuid,
    payment_intent_id: Uuid,
    amount_minor: i64,
    currency: &'a str,
    failure_code: Option<&'a str>,
    failure_message: Option<&'a str>,
}

/// Applies `snapshot` in the caller's transaction.
pub async fn apply(tx: &mut PgConnection, snapshot: &IntentSnapshot) -> Result<Applied, DomainError> {
    // Lock the order before its payment, in the same order as cancellation does.
    let order: Option<Uuid> =
        sqlx::query_scalar("SELECT order_id FROM payment_intents WHERE provider_ref = $1")
            .bind(&snapshot.id)
            .fetch_optional(&mut *tx)
            .await?;
    let order = order.ok_or(DomainError::NotFound("payment"))?;
    let (user, order_status): (Uuid, OrderStatus) =
        sqlx::query_as("SELECT user_id, status FROM orders WHERE id = $1 FOR UPDATE")
            .bind(order)
            .fetch_one(&mut *tx)
            .await?;
    let (intent, seq, was): (Uuid, i32, PaymentStatus) =
        sqlx::query_as("SELECT id, provider_seq, status FROM payment_intents WHERE order_id = $1 FOR UPDATE")
            .bind(order)
            .fetch_one(&mut *tx)
            .await?;
    if snapshot.seq <= seq {
        return Ok(Applied::Stale);
    }
    sqlx::query(
        "UPDATE payment_intents SET provider_seq = $2, status = $3, captured_minor = $4, refunded_minor = $5,
                card_brand = $6, card_last4 = $7, failure_code = $8, failure_message = $9, next_action = $10,
                updated_at = now()
         WHERE id = $1",
    )
    .bind(intent)
    .bind(snapshot.seq)
    .bind(snapshot.status)
    .bind(snapshot.captured_minor)
    .bind(snapshot.refunded_minor)
    .bind(&snapshot.card_brand)
    .bind(&snapshot.card_last4)
    .bind(&snapshot.failure_code)
    .bind(&snapshot.failure_message)
    .bind(&snapshot.next_action)
    .execute(&mut *tx)
    .await?;
    let event = PaymentEvent {
        order_id: order,
        user_id: user,
        payment_intent_id: intent,
        amount_minor: snapshot.captured_minor.max(snapshot.amount_minor),
        currency: &snapshot.currency,
        failure_code: snapshot.failure_code.as_deref(),
        failure_message: snapshot.failure_message.as_deref(),
    };
    let mut refund = None;
    match snapshot.status {
        PaymentStatus::Succeeded if was != PaymentStatus::Succeeded => {
            outbox::record(tx, EventType::PaymentSucceeded, intent, &event).await?;
            if order_status == OrderStatus::PendingPayment {
                orders::finish_reservations(tx, order, ReservationStatus::Committed).await?;
                let details = serde_json::json!({ "amount_minor": snapshot.captured_minor, "currency": snapshot.currency });
                orders::transition_with(
                    tx,
                    order,
                    order_status,
                    OrderStatus::Paid,
                    None,
                    "payment_succeeded",
                    details,
                )
                .await?;
            } else {
                tracing::warn!(%order, status = order_status.as_str(), "payment captured for an order that is no longer payable: refunding it");
                refund = Some(
                    refunds::request_locked(tx, intent, None, "order_no_longer_payable", None).await?.id,
                );
            }
        }
        // From `failed` the only moves are a new attempt or cancellation, so a newer
        // failed snapshot is always a new failure.
        PaymentStatus::Failed => {
            outbox::record(tx, EventType::PaymentFailed, intent, &event).await.map(drop)?
        }
        _ => {}
    }
    Ok(Applied::Updated { refund })
}

/// What receiving a webhook did.
#[derive(Debug, PartialEq, Eq)]
pub enum Received {
    Applied,
    /// This event id was applied before.
    Duplicate,
    /// The event carries an older version of the intent than the shop knows.
    Stale,
}

/// Applies a verified webhook once per event id: the id is recorded in the transaction
/// that applies it, so a failure leaves it to be delivered again.
pub async fn receive(
    db: &sqlx::PgPool,
    provider: &dyn super::provider::PaymentProvider,
    event: &super::webhook::WebhookEvent,
) -> Result<Received, DomainError> {
    let mut tx = db.begin().await?;
    let first = sqlx::query(
        "INSERT INTO payment_webhook_events (event_id, event_type, provider_ref) VALUES ($1, $2, $3)
         ON CONFLICT (event_id) DO NOTHING",
    )
    .bind(&event.id)
    .bind(&event.event_type)
    .bind(&event.data.object.id)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if !first {
        return Ok(Received::Duplicate);
    }
    let applied = apply(&mut tx, &event.data.object).await?;
    tx.commit().await?;
    match applied {
        Applied::Stale => Ok(Received::Stale),
        Applied::Updated { refund } => {
            if let Some(refund) = refund {
                // On failure the refund stays pending; the worker's sweep retries it.
                if let Err(err) = refunds::execute(db, provider, refund).await {
                    tracing::warn!(%refund, error = %err, "refund left pending");
                }
            }
            Ok(Received::Applied)
        }
    }
}
