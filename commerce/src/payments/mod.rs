//! Payments, modelled on Stripe so that a real provider can replace the simulated one
//! behind [`provider::PaymentProvider`]: the `payment_intents`, `refunds` and
//! `payment_webhook_events` tables, the card input, signed [`webhook`]s and the payment
//! state machine. What a payment does to its order (paying it, refunding money taken for
//! a cancelled one) is in `crate::workflows::pay`; [`refunds`] never return more than was
//! captured.

pub mod card;
pub mod provider;
pub mod refunds;
pub mod settings;
pub mod webhook;

pub use shopfleet_domain::payment::PaymentStatus;

use shopfleet_domain::order::OrderStatus;

use chrono::{DateTime, Utc};
use serde::Serialize;
use shopfleet_domain::DomainError;
use sqlx::{PgConnection, PgPool};
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
/// (money that arrives later is refunded by `crate::workflows::pay`).
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

/// An order and its payment intent, both locked, as a provider answer finds them.
#[derive(sqlx::FromRow)]
pub struct LockedPayment {
    pub order_id: Uuid,
    pub user_id: Uuid,
    pub order_status: OrderStatus,
    pub intent_id: Uuid,
    /// The provider version last applied.
    pub provider_seq: i32,
    pub status: PaymentStatus,
}

/// The order whose intent the provider knows as `provider_ref`, with its shopper and
/// status, and that intent with the provider version and status last applied; both rows
/// locked until the transaction ends, the order first, then its payment, as everywhere
/// (`FOR UPDATE OF` locks in the order it names).
pub async fn lock_by_provider_ref(
    conn: &mut PgConnection,
    provider_ref: &str,
) -> Result<Option<LockedPayment>, DomainError> {
    Ok(sqlx::query_as(
        "SELECT o.id AS order_id, o.user_id, o.status AS order_status,
                pi.id AS intent_id, pi.provider_seq, pi.status
         FROM orders o JOIN payment_intents pi ON pi.order_id = o.id
         WHERE pi.provider_ref = $1 FOR UPDATE OF o, pi",
    )
    .bind(provider_ref)
    .fetch_optional(conn)
    .await?)
}

/// Mirrors the provider's `snapshot` onto the intent `intent` (locked by the caller) and
/// returns the intent as it now is.
pub async fn mirror(
    conn: &mut PgConnection,
    intent: Uuid,
    snapshot: &provider::IntentSnapshot,
) -> Result<PaymentIntent, DomainError> {
    Ok(sqlx::query_as(&format!(
        "UPDATE payment_intents SET provider_seq = $2, status = $3, captured_minor = $4, refunded_minor = $5,
                card_brand = $6, card_last4 = $7, failure_code = $8, failure_message = $9, next_action = $10,
                updated_at = now()
         WHERE id = $1 RETURNING {COLUMNS}"
    ))
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
    .fetch_one(conn)
    .await?)
}

/// An order's payment as paying it needs it, read in one statement.
#[derive(sqlx::FromRow)]
pub struct Payable {
    pub shopper: Uuid,
    pub order_status: OrderStatus,
    /// When the unpaid order expires.
    pub order_expires_at: Option<DateTime<Utc>>,
    #[sqlx(flatten)]
    pub intent: PaymentIntent,
    /// The provider's id of the intent, once it was opened there.
    pub provider_ref: Option<String>,
}

/// `order`'s shopper, status and deadline with its payment intent, unlocked.
pub async fn payable(db: &PgPool, order: Uuid) -> Result<Option<Payable>, DomainError> {
    Ok(sqlx::query_as(&format!(
        "WITH o AS (SELECT user_id AS shopper, status AS order_status, expires_at AS order_expires_at
                    FROM orders WHERE id = $1)
         SELECT o.*, {COLUMNS}, provider_ref FROM o, payment_intents WHERE order_id = $1"
    ))
    .bind(order)
    .fetch_optional(db)
    .await?)
}

/// Stores the provider's intent `opened` for `intent` unless one was stored first (two
/// first attempts at once may both open one; the first stored wins), and returns the
/// provider id in use.
pub async fn store_provider_ref(
    db: &PgPool,
    intent: Uuid,
    opened: &provider::IntentSnapshot,
    provider: &str,
) -> Result<String, DomainError> {
    Ok(sqlx::query_scalar(
        "UPDATE payment_intents SET provider_ref = COALESCE(provider_ref, $2), provider = COALESCE(provider, $4),
                provider_seq = CASE WHEN provider_ref IS NULL THEN $3 ELSE provider_seq END
         WHERE id = $1 RETURNING provider_ref",
    )
    .bind(intent)
    .bind(&opened.id)
    .bind(opened.seq)
    .bind(provider)
    .fetch_one(db)
    .await?)
}

/// Whether webhook `event` was applied before, and the provider version the shop holds for
/// its intent (none when no intent has that provider id), read without locks: versions only
/// grow, so an event at or below the held one is stale whatever happens next.
pub async fn webhook_standing(
    db: &PgPool,
    event: &webhook::WebhookEvent,
) -> Result<Option<(bool, i32)>, DomainError> {
    Ok(sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM payment_webhook_events WHERE event_id = $2), provider_seq
         FROM payment_intents WHERE provider_ref = $1",
    )
    .bind(&event.data.object.id)
    .bind(&event.id)
    .fetch_optional(db)
    .await?)
}

/// Records that webhook `event` arrived; false when its id was recorded before.
pub async fn record_webhook(
    conn: &mut PgConnection,
    event: &webhook::WebhookEvent,
) -> Result<bool, DomainError> {
    Ok(sqlx::query(
        "INSERT INTO payment_webhook_events (event_id, event_type, provider_ref) VALUES ($1, $2, $3)
         ON CONFLICT (event_id) DO NOTHING",
    )
    .bind(&event.id)
    .bind(&event.event_type)
    .bind(&event.data.object.id)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
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
