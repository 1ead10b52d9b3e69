//! Mirroring the provider: one function applies a provider snapshot, whether it came
//! back from a request, a refund or a webhook, once, in any order. A snapshot older than
//! the one already applied changes nothing. The first success pays the order (its
//! reserved stock is sold) or, when the order was cancelled meanwhile, asks for a full
//! refund.

use crate::{
    catalog::reservations::ReservationStatus,
    events::{Change, EventType},
    orders::{self, OrderStatus},
    payments::{self, provider::IntentSnapshot, refunds, PaymentIntent, PaymentStatus},
};
use serde::Serialize;
use shopfleet_domain::DomainError;
use uuid::Uuid;

/// What applying a snapshot did.
pub(super) enum Applied {
    /// Newer than what the shop knew: mirrored, with its effects.
    Updated {
        /// The payment as the snapshot left it.
        intent: Box<PaymentIntent>,
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
pub(super) async fn apply(
    change: &mut Change<'_>,
    snapshot: &IntentSnapshot,
) -> Result<Applied, DomainError> {
    // Locks the order before its payment, in the same order as cancellation does.
    let payments::LockedPayment {
        order_id: order,
        user_id: user,
        order_status,
        intent_id: intent,
        provider_seq: seq,
        status: was,
    } = payments::lock_by_provider_ref(change, &snapshot.id)
        .await?
        .ok_or(DomainError::NotFound("payment"))?;
    if snapshot.seq <= seq {
        return Ok(Applied::Stale);
    }
    let mirrored = payments::mirror(change, intent, snapshot).await?;
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
            change.record(EventType::PaymentSucceeded, intent, &event)?;
            if order_status == OrderStatus::PendingPayment {
                orders::finish_reservations(change, order, ReservationStatus::Committed).await?;
                let details = serde_json::json!({ "amount_minor": snapshot.captured_minor, "currency": snapshot.currency });
                orders::transition_with(
                    change,
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
                    refunds::request_locked(change, intent, None, "order_no_longer_payable", None).await?.id,
                );
            }
        }
        // From `failed` the only moves are a new attempt or cancellation, so a newer
        // failed snapshot is always a new failure.
        PaymentStatus::Failed => change.record(EventType::PaymentFailed, intent, &event)?,
        _ => {}
    }
    Ok(Applied::Updated { intent: Box::new(mirrored), refund })
}
