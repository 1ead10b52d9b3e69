//! The one seam between the shop and a payment service provider. The simulator implements
//! it; a real PSP (Stripe, Adyen…) would implement it with its HTTP API. Every answer is a
//! full [`IntentSnapshot`] carrying the provider's version number, so the shop can apply
//! answers and webhooks in any order and keep the newest.

use super::{card::Card, PaymentStatus};
use serde::{Deserialize, Serialize};

/// The provider's view of one payment intent at one version (`seq`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntentSnapshot {
    /// The provider's id of the intent.
    pub id: String,
    /// Increases with every change of the intent at the provider.
    pub seq: i32,
    pub status: PaymentStatus,
    pub amount_minor: i64,
    pub currency: String,
    pub captured_minor: i64,
    pub refunded_minor: i64,
    pub card_brand: Option<String>,
    pub card_last4: Option<String>,
    pub failure_code: Option<String>,
    pub failure_message: Option<String>,
    /// What the shopper must do next (the 3-D Secure step), if anything.
    pub next_action: Option<serde_json::Value>,
}

/// Why the provider refused a request.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// The intent is in a state that does not allow this request.
    #[error("{0}")]
    InvalidState(String),
    /// The amount is more than may be refunded.
    #[error("{0}")]
    Amount(String),
    #[error("no such payment intent at the provider")]
    NotFound,
    /// The provider could not be reached or failed; worth retrying.
    #[error(transparent)]
    Unavailable(#[from] anyhow::Error),
}

impl From<sqlx::Error> for ProviderError {
    fn from(err: sqlx::Error) -> Self {
        ProviderError::Unavailable(err.into())
    }
}

#[async_trait::async_trait]
pub trait PaymentProvider: Send + Sync {
    /// A stable name stored with each intent (`simulated`, `stripe`…).
    fn name(&self) -> &'static str;

    /// Opens an intent for `amount_minor` in `currency`; `reference` is the shop's id.
    async fn create_intent(
        &self,
        amount_minor: i64,
        currency: &str,
        reference: uuid::Uuid,
    ) -> Result<IntentSnapshot, ProviderError>;

    /// Attaches `card` and confirms. Retries with the same `idempotency_key` get the
    /// first answer and never charge twice.
    async fn confirm(
        &self,
        intent: &str,
        card: &Card,
        idempotency_key: &str,
    ) -> Result<IntentSnapshot, ProviderError>;

    /// The shopper's answer to the 3-D Secure step of an intent that requires action
    /// (with a real PSP this happens on the bank's page, not through the shop).
    async fn authenticate(&self, intent: &str, approved: bool) -> Result<IntentSnapshot, ProviderError>;

    /// Refunds `amount_minor` of what was captured. Retries with the same
    /// `idempotency_key` are answered without refunding again.
    async fn refund(
        &self,
        intent: &str,
        amount_minor: i64,
        idempotency_key: &str,
    ) -> Result<IntentSnapshot, ProviderError>;
}
