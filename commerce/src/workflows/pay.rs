//! Paying an order. The shopper submits a card: the shop checks the order may still be
//! paid, asks the provider to confirm (opening the provider's intent on the first
//! attempt) and applies the answer with [`super::mirror`]; webhooks are applied the same
//! way, once per event id. No transaction is held while the provider works; the
//! provider's own state machine refuses a second capture.

use super::{
    mirror::{apply, Applied},
    Workflows,
};
use crate::{
    events::Change,
    orders::OrderStatus,
    payments::{
        self, card::CardInput, provider::IntentSnapshot, webhook::WebhookEvent, Payable, PaymentIntent,
        PaymentStatus,
    },
};
use chrono::Utc;
use shopfleet_domain::DomainError;
use uuid::Uuid;

/// What receiving a webhook did.
#[derive(Debug, PartialEq, Eq)]
pub enum Received {
    Applied,
    /// This event id was applied before.
    Duplicate,
    /// The event carries an older version of the intent than the shop knows.
    Stale,
}

impl Workflows {
    /// Submits `card` for `order` on behalf of its shopper; `idempotency_key` makes the
    /// provider answer a retry without charging again.
    pub async fn confirm_payment(
        &self,
        order: Uuid,
        shopper: Uuid,
        card: &CardInput,
        idempotency_key: &str,
    ) -> Result<PaymentIntent, DomainError> {
        let card = card.parse("card")?;
        let payable = self.payable(order, shopper).await?;
        if !payable.intent.status.accepts_confirmation() {
            return Err(DomainError::Conflict {
                code: "payment_in_progress",
                detail: format!("the payment is {}", payable.intent.status.as_str()),
            });
        }
        let key = format!("confirm:{}:{idempotency_key}", payable.intent.id);
        let provider_ref = self.open_at_provider(payable).await?;
        let snapshot = self.provider.confirm(&provider_ref, &card, &key).await?;
        self.settle_payment(order, &snapshot).await
    }

    /// The shopper's answer to the 3-D Secure step.
    pub async fn authenticate_payment(
        &self,
        order: Uuid,
        shopper: Uuid,
        approved: bool,
    ) -> Result<PaymentIntent, DomainError> {
        let payable = self.payable(order, shopper).await?;
        let status = payable.intent.status;
        let provider_ref = payable
            .provider_ref
            .filter(|_| status == PaymentStatus::RequiresAction)
            .ok_or_else(|| DomainError::Conflict {
                code: "payment_state",
                detail: format!("a payment that is {} has no 3-D Secure step", status.as_str()),
            })?;
        let snapshot = self.provider.authenticate(&provider_ref, approved).await?;
        self.settle_payment(order, &snapshot).await
    }

    /// Applies a provider answer (and any refund it calls for) and returns the payment as it
    /// now is.
    pub async fn settle_payment(
        &self,
        order: Uuid,
        snapshot: &IntentSnapshot,
    ) -> Result<PaymentIntent, DomainError> {
        let mut change = Change::begin(&self.db).await?;
        let (intent, updated, refund) = match apply(&mut change, snapshot).await? {
            Applied::Updated { intent, refund } => (*intent, true, refund),
            Applied::Stale => (payments::for_order(&mut change, order).await?, false, None),
        };
        change.commit().await?;
        if updated {
            self.catalog_changed().await; // a payment sells stock
        }
        if let Some(refund) = refund {
            self.execute_refund(refund).await?;
            return Err(DomainError::Conflict {
                code: "order_expired",
                detail: "the order was cancelled while the payment went through; the money was refunded"
                    .into(),
            });
        }
        Ok(intent)
    }

    /// Applies a verified webhook once per event id: the id is recorded in the
    /// transaction that applies it, so a failure leaves it to be delivered again. An event
    /// seen before, or no newer than what the shop holds (most often: the shopper's own
    /// request already applied the provider's answer), is answered from one read.
    pub async fn receive_webhook(&self, event: &WebhookEvent) -> Result<Received, DomainError> {
        match payments::webhook_standing(&self.db, event).await? {
            Some((true, _)) => return Ok(Received::Duplicate),
            Some((false, held)) if event.data.object.seq <= held => return Ok(Received::Stale),
            _ => {}
        }
        let mut change = Change::begin(&self.db).await?;
        if !payments::record_webhook(&mut change, event).await? {
            return Ok(Received::Duplicate);
        }
        let applied = apply(&mut change, &event.data.object).await?;
        change.commit().await?;
        let Applied::Updated { refund, .. } = applied else { return Ok(Received::Stale) };
        self.catalog_changed().await; // a payment sells stock
        if let Some(refund) = refund {
            // On failure the refund stays pending; the worker's sweep retries it.
            if let Err(err) = self.execute_refund(refund).await {
                tracing::warn!(%refund, error = %err, "refund left pending");
            }
        }
        Ok(Received::Applied)
    }

    /// The payment of an order its shopper may pay now, or why not.
    async fn payable(&self, order: Uuid, shopper: Uuid) -> Result<Payable, DomainError> {
        let payable = match payments::payable(&self.db, order).await? {
            Some(payable) if payable.shopper == shopper => payable,
            _ => return Err(DomainError::NotFound("order")),
        };
        let status = payable.order_status;
        let expired = payable.order_expires_at.is_some_and(|at| at <= Utc::now());
        if status == OrderStatus::Cancelled || (status == OrderStatus::PendingPayment && expired) {
            return Err(DomainError::Conflict {
                code: "order_expired",
                detail: "the order was cancelled or its payment deadline passed; its items were released"
                    .into(),
            });
        }
        if status != OrderStatus::PendingPayment {
            return Err(DomainError::Conflict {
                code: "already_paid",
                detail: format!("the order is {}", status.as_str()),
            });
        }
        Ok(payable)
    }

    /// The provider's id of the intent, opening it there on the first attempt.
    async fn open_at_provider(&self, payable: Payable) -> Result<String, DomainError> {
        if let Some(known) = payable.provider_ref {
            return Ok(known);
        }
        let intent = payable.intent;
        let opened = self.provider.create_intent(intent.amount_minor, &intent.currency, intent.id).await?;
        payments::store_provider_ref(&self.db, intent.id, &opened, self.provider.name()).await
    }
}
