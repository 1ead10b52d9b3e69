//! Payments, modelled on Stripe so that a real provider can replace the simulated one
//! behind [`provider::PaymentProvider`]. Checkout opens a payment intent for the order;
//! [`confirm`] submits a card; the provider's answers and its signed [`webhook`]s are
//! mirrored by [`apply`], newest version wins, which pays the order (or refunds money
//! taken for an order that was cancelled meanwhile); [`refunds`] never return more
//! than was captured. [`simulator`] is the stand-in provider.

pub mod apply;
pub mod card;
pub mod confirm;
pub mod provider;
pub mod refunds;
pub mod settings;
pub mod simulator;
pub mod status;
pub mod webhook;

pub use status::PaymentStatus;

use crate::error::DomainError;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgConnection;
use utoipa::ToSchema;
use uuid::Uuid;

/// The shop's view of an order's payment.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct PaymentIntent {
    pub id: Uuid,
    pub order_id: Uuid,
    pub status: PaymentStatus,
    pub amount_minor: i64,
    pub currency: String,
    pub captured_minor: i64,
    pub refunded_minor: i64,
    pub card_brand: Option<String>,
    pub card_last4: Option<String>,
    /// Why the last attempt failed (`card_declined`, `authentication_failed`, `processing_error`).
    pub failure_code: Option<String>,
    pub failure_message: Option<String>,
    /// What the shopper must do next: the 3-D Secure step.
    #[schema(value_type = Option<Object>)]
    pub next_action: Option<serde_json::Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str =
    "id, order_id, status, amount_minor, currency::text AS currency, captured_minor, refunded_minor, \
     card_brand, card_last4, failure_code, failure_message, next_action, created_at, updated_at";

/// Opens the payment intent of a new order, in checkout's transaction.
pub async fn open(
    conn: &mut PgConnection,
    order: Uuid,
    amount_minor: i64,
    currency: &str,
) -> Result<(), DomainError> {
    sqlx::query(
        "INSERT INTO payment_intents (id, order_id, status, amount_minor, currency)
         VALUES ($1, $2, 'requires_payment_method', $3, $4)",
    )
    .bind(Uuid::now_v7())
    .bind(order)
    .bind(amount_minor)
    .bind(currency)
    .execute(conn)
    .await?;
    Ok(())
}

/// The payment intent of `order`.
pub async fn for_order(conn: &mut PgConnection, order: Uuid) -> Result<PaymentIntent, DomainError> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM payment_intents WHERE order_id = $1"))
        .bind(order)
        .fetch_optional(conn)
        .await?
        .ok_or(DomainError::NotFound("payment"))
}

/// Marks the intent of a cancelled order canceled unless money is already on its way
/// (money that arrives later is refunded by [`apply`]).
pub async fn cancel_for_order(conn: &mut PgConnection, order: Uuid) -> Result<(), DomainError> {
    sqlx::query(
        "UPDATE payment_intents SET status = 'canceled', next_action = NULL, updated_at = now()
         WHERE order_id = $1 AND status IN ('requires_payment_method', 'requires_confirmation', 'requires_action', 'failed')",
    )
    .bind(order)
    .execute(conn)
    .await?;
    Ok(())
}

impl From<provider::ProviderError> for DomainError {
    fn from(err: provider::ProviderError) -> Self {
        match err {
            provider::ProviderError::InvalidState(detail) => {
                DomainError::Conflict { code: "payment_state", detail }
            }
            provider::ProviderError::Amount(detail) => {
                DomainError::Conflict { code: "refund_exceeds_captured", detail }
            }
            provider::ProviderError::NotFound => DomainError::NotFound("payment"),
            provider::ProviderError::Unavailable(err) => DomainError::Internal(err),
        }
    }
}
