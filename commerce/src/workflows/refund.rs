//! Refunds, full or partial: requested under the payment's row lock (never more than was
//! captured, see `payments::refunds`), then executed at the provider with the refund's
//! own id as the idempotency key (a retry after a crash never refunds twice). Success
//! moves the order to `refunded` or `partially_refunded` and writes `payment.refunded`.

use super::Workflows;
use crate::{
    events::{Change, EventType},
    orders::{self, OrderStatus},
    payments::{
        provider::ProviderError,
        refunds::{self, Refund},
    },
};
use serde::Serialize;
use shopfleet_domain::DomainError;
use uuid::Uuid;

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

impl Workflows {
    /// Refunds `order`'s payment (admins): `amount` in minor units, or everything still
    /// refundable. A provider outage leaves the refund pending for the worker to retry.
    pub async fn refund_order(
        &self,
        order: Uuid,
        amount: Option<i64>,
        reason: &str,
        actor: Uuid,
    ) -> Result<Refund, DomainError> {
        let mut change = Change::begin(&self.db).await?;
        // Lock the order before its payment, as mirroring a provider answer does: a refund
        // inserted under the payment's lock alone waits for the order's key lock while a
        // concurrent mirror holds the order and waits for the payment (a deadlock).
        orders::lock(&mut change, order).await?.ok_or(DomainError::NotFound("order"))?;
        let intent = refunds::intent_of(&mut change, order).await?.ok_or(DomainError::NotFound("order"))?;
        let refund = refunds::request_locked(&mut change, intent, amount, reason, Some(actor)).await?;
        change.commit().await?;
        self.execute_refund(refund.id).await
    }

    /// Executes a pending refund at the provider and records the outcome. A provider
    /// outage leaves it pending for [`Workflows::retry_pending_refunds`].
    pub async fn execute_refund(&self, refund: Uuid) -> Result<Refund, DomainError> {
        let Some((Some(provider_ref), amount)) = refunds::pending(&self.db, refund).await? else {
            return refunds::get(&self.db, refund).await;
        };
        let outcome = self.provider.refund(&provider_ref, amount, &refund.to_string()).await;
        let mut change = Change::begin(&self.db).await?;
        match outcome {
            Ok(snapshot) => {
                super::mirror::apply(&mut change, &snapshot).await?;
                record_success(&mut change, refund).await?;
            }
            Err(ProviderError::Unavailable(err)) => return Err(DomainError::Internal(err)),
            Err(refused) => refunds::mark_failed(&mut change, refund, &refused.to_string()).await?,
        }
        change.commit().await?;
        refunds::get(&self.db, refund).await
    }

    /// Executes refunds left pending for over a minute (their request died or the
    /// provider was down); returns how many were tried. Run by the worker.
    pub async fn retry_pending_refunds(&self, limit: i64) -> Result<usize, DomainError> {
        let stale = refunds::stale(&self.db, limit).await?;
        for refund in &stale {
            if let Err(err) = self.execute_refund(*refund).await {
                tracing::warn!(%refund, error = %err, "refund still pending");
            }
        }
        Ok(stale.len())
    }
}

/// Marks `refund` succeeded, moves its order and writes `payment.refunded`.
async fn record_success(change: &mut Change<'_>, refund: Uuid) -> Result<(), DomainError> {
    let Some(done) = refunds::mark_succeeded(change, refund).await? else { return Ok(()) };
    let (user, status) = orders::lock(change, done.order_id).await?.ok_or(DomainError::NotFound("order"))?;
    let to = OrderStatus::after_refunds(done.refunded_minor, done.captured_minor);
    // A cancelled order keeps its status: the refund returns money taken after it was cancelled.
    if status.ensure_can_become(to).is_ok() {
        let details = serde_json::json!({ "refunded_minor": done.refunded_minor });
        orders::transition_with(change, done.order_id, status, to, None, &done.reason, details).await?;
    }
    let event = PaymentRefunded {
        order_id: done.order_id,
        user_id: user,
        payment_intent_id: done.payment_intent_id,
        refund_id: refund,
        amount_minor: done.amount_minor,
        currency: &done.currency,
        refunded_minor: done.refunded_minor,
        reason: &done.reason,
    };
    change.record(EventType::PaymentRefunded, done.payment_intent_id, &event)
}
