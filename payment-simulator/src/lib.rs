//! The simulated payment provider: a stand-in PSP with Stripe's intent states, test
//! cards that decide outcomes, idempotent confirms and refunds, a 3-D Secure step, late
//! failures, and signed webhooks delivered with retries. It keeps its own books in the
//! `sim_psp_*` tables and commits them in its own transactions, as a real provider
//! would: the shop learns what happened only from answers and webhooks.

use chrono::{DateTime, Utc};
use shopfleet_commerce::payments::{
    card::{Card, TestCard},
    provider::{IntentSnapshot, PaymentProvider, ProviderError},
    webhook::{self, WebhookData, WebhookEvent},
    PaymentStatus,
};
use shopfleet_platform::secret::Secret;
use sqlx::{PgConnection, PgPool};
use std::time::Duration;
use uuid::Uuid;

/// Longest wait between two delivery attempts of one webhook.
const MAX_RETRY_DELAY_SECS: i64 = 3600;

pub struct SimulatedProvider {
    db: PgPool,
    settle_delay: Duration,
}

#[derive(sqlx::FromRow)]
struct SimIntent {
    r#ref: String,
    seq: i32,
    status: PaymentStatus,
    amount_minor: i64,
    currency: String,
    captured_minor: i64,
    refunded_minor: i64,
    card_brand: Option<String>,
    card_last4: Option<String>,
    settle_outcome: Option<PaymentStatus>,
    settle_at: Option<DateTime<Utc>>,
    failure_code: Option<String>,
    failure_message: Option<String>,
    next_action: Option<serde_json::Value>,
}

/// A locked intent, with the answer an earlier confirmation with the same key got.
#[derive(sqlx::FromRow)]
struct Locked {
    earlier: Option<sqlx::types::Json<IntentSnapshot>>,
    #[sqlx(flatten)]
    intent: SimIntent,
}

const COLUMNS: &str =
    "ref, seq, status, amount_minor, currency::text AS currency, captured_minor, refunded_minor, \
     card_brand, card_last4, settle_outcome, settle_at, failure_code, failure_message, next_action";

impl SimIntent {
    fn snapshot(&self) -> IntentSnapshot {
        IntentSnapshot {
            id: self.r#ref.clone(),
            seq: self.seq,
            status: self.status,
            amount_minor: self.amount_minor,
            currency: self.currency.clone(),
            captured_minor: self.captured_minor,
            refunded_minor: self.refunded_minor,
            card_brand: self.card_brand.clone(),
            card_last4: self.card_last4.clone(),
            failure_code: self.failure_code.clone(),
            failure_message: self.failure_message.clone(),
            next_action: self.next_action.clone(),
        }
    }

    /// Moves to `to` if the state machine allows it.
    fn advance(&mut self, to: PaymentStatus) -> Result<(), ProviderError> {
        if !self.status.can_become(to) {
            return Err(ProviderError::InvalidState(format!(
                "a payment that is {} cannot become {}",
                self.status.as_str(),
                to.as_str()
            )));
        }
        self.status = to;
        Ok(())
    }

    fn fail(&mut self, code: &str, message: &str) -> Result<(), ProviderError> {
        self.advance(PaymentStatus::Failed)?;
        self.failure_code = Some(code.to_owned());
        self.failure_message = Some(message.to_owned());
        Ok(())
    }

    fn capture(&mut self) -> Result<(), ProviderError> {
        self.advance(PaymentStatus::Succeeded)?;
        self.captured_minor = self.amount_minor;
        Ok(())
    }
}

impl SimulatedProvider {
    pub fn new(db: PgPool, settle_delay: Duration) -> Self {
        Self { db, settle_delay }
    }

    /// Locks `intent`, with the answer an earlier confirmation with `confirmation_key` got
    /// (none without a key).
    async fn lock(
        tx: &mut PgConnection,
        intent: &str,
        confirmation_key: Option<&str>,
    ) -> Result<(SimIntent, Option<IntentSnapshot>), ProviderError> {
        let locked: Option<Locked> = sqlx::query_as(&format!(
            "SELECT (SELECT c.snapshot FROM sim_psp_confirmations c WHERE c.idempotency_key = $2 AND c.intent_ref = $1) AS earlier,
                    {COLUMNS}
             FROM sim_psp_intents WHERE ref = $1 FOR UPDATE"
        ))
        .bind(intent)
        .bind(confirmation_key)
        .fetch_optional(&mut *tx)
        .await?;
        let locked = locked.ok_or(ProviderError::NotFound)?;
        Ok((locked.intent, locked.earlier.map(|earlier| earlier.0)))
    }

    /// Writes the intent as a new version and queues its webhook, with what else the
    /// change did: a `charge` recorded, the answer stored under a confirmation key. One
    /// statement, so a confirmation costs the provider's books two round trips, not six.
    async fn save(
        tx: &mut PgConnection,
        intent: &mut SimIntent,
        event_type: &str,
        effects: Effects<'_>,
    ) -> Result<IntentSnapshot, ProviderError> {
        intent.seq += 1;
        let snapshot = intent.snapshot();
        let event = WebhookEvent {
            id: format!("evt_{}", Uuid::now_v7().simple()),
            event_type: event_type.to_owned(),
            created: Utc::now().timestamp(),
            data: WebhookData { object: snapshot.clone() },
        };
        sqlx::query(
            "WITH saved AS (
               UPDATE sim_psp_intents SET seq = $2, status = $3, captured_minor = $4, refunded_minor = $5, card_brand = $6,
                      card_last4 = $7, settle_outcome = $8, settle_at = $9, failure_code = $10, failure_message = $11,
                      next_action = $12, updated_at = now()
               WHERE ref = $1),
             webhook AS (INSERT INTO sim_psp_webhooks (event_id, intent_ref, body) VALUES ($13, $1, $14)),
             charge AS (INSERT INTO sim_psp_charges (intent_ref, amount_minor) SELECT $1, $4 WHERE $15),
             confirmation AS (
               INSERT INTO sim_psp_confirmations (idempotency_key, intent_ref, snapshot)
               SELECT $16, $1, $17 WHERE $16 IS NOT NULL)
             SELECT 1",
        )
        .bind(&intent.r#ref)
        .bind(intent.seq)
        .bind(intent.status)
        .bind(intent.captured_minor)
        .bind(intent.refunded_minor)
        .bind(&intent.card_brand)
        .bind(&intent.card_last4)
        .bind(intent.settle_outcome)
        .bind(intent.settle_at)
        .bind(&intent.failure_code)
        .bind(&intent.failure_message)
        .bind(&intent.next_action)
        .bind(&event.id)
        .bind(serde_json::to_value(&event).map_err(anyhow::Error::from)?)
        .bind(effects.charged)
        .bind(effects.confirmation_key)
        .bind(sqlx::types::Json(&snapshot))
        .execute(&mut *tx)
        .await?;
        Ok(snapshot)
    }
}

/// What a saved change did besides moving the intent.
#[derive(Default)]
struct Effects<'a> {
    /// The card was charged the captured amount.
    charged: bool,
    /// The answer to keep for repeats of a confirmation with this idempotency key.
    confirmation_key: Option<&'a str>,
}

fn event_type_for(status: PaymentStatus) -> &'static str {
    match status {
        PaymentStatus::Succeeded => "payment_intent.succeeded",
        PaymentStatus::Failed => "payment_intent.payment_failed",
        PaymentStatus::RequiresAction => "payment_intent.requires_action",
        PaymentStatus::Processing => "payment_intent.processing",
        PaymentStatus::Canceled => "payment_intent.canceled",
        PaymentStatus::RequiresPaymentMethod | PaymentStatus::RequiresConfirmation => {
            "payment_intent.updated"
        }
    }
}

#[async_trait::async_trait]
impl PaymentProvider for SimulatedProvider {
    fn name(&self) -> &'static str {
        "simulated"
    }

    async fn create_intent(
        &self,
        amount_minor: i64,
        currency: &str,
        _reference: Uuid,
    ) -> Result<IntentSnapshot, ProviderError> {
        let intent: SimIntent = sqlx::query_as(&format!(
            "INSERT INTO sim_psp_intents (ref, status, amount_minor, currency) VALUES ($1, 'requires_payment_method', $2, $3)
             RETURNING {COLUMNS}"
        ))
        .bind(format!("pi_sim_{}", Uuid::now_v7().simple()))
        .bind(amount_minor)
        .bind(currency)
        .fetch_one(&self.db)
        .await?;
        Ok(intent.snapshot())
    }

    async fn confirm(
        &self,
        intent: &str,
        card: &Card,
        idempotency_key: &str,
    ) -> Result<IntentSnapshot, ProviderError> {
        let mut tx = self.db.begin().await?;
        let (mut row, earlier) = Self::lock(&mut tx, intent, Some(idempotency_key)).await?;
        if let Some(earlier) = earlier {
            return Ok(earlier);
        }
        row.advance(PaymentStatus::RequiresConfirmation)?;
        row.card_brand = Some(card.brand.to_owned());
        row.card_last4 = Some(card.last4.clone());
        (row.failure_code, row.failure_message, row.next_action) = (None, None, None);
        let mut charged = false;
        match card.behaviour {
            TestCard::Succeeds => {
                row.advance(PaymentStatus::Processing)?;
                row.capture()?;
                charged = true;
            }
            TestCard::Declined => {
                row.advance(PaymentStatus::Processing)?;
                row.fail("card_declined", "The card was declined.")?;
            }
            TestCard::RequiresAction => {
                row.advance(PaymentStatus::RequiresAction)?;
                row.next_action = Some(serde_json::json!({
                    "type": "three_d_secure",
                    "detail": "POST the shopper's answer to /api/v1/orders/{order_id}/payment/authenticate",
                }));
            }
            TestCard::FailsLate => {
                row.advance(PaymentStatus::Processing)?;
                row.settle_outcome = Some(PaymentStatus::Failed);
                row.settle_at = Some(
                    Utc::now()
                        + chrono::Duration::from_std(self.settle_delay).map_err(anyhow::Error::from)?,
                );
            }
        }
        let event = event_type_for(row.status);
        let effects = Effects { charged, confirmation_key: Some(idempotency_key) };
        let snapshot = Self::save(&mut tx, &mut row, event, effects).await?;
        tx.commit().await?;
        Ok(snapshot)
    }

    async fn authenticate(&self, intent: &str, approved: bool) -> Result<IntentSnapshot, ProviderError> {
        let mut tx = self.db.begin().await?;
        let (mut row, _) = Self::lock(&mut tx, intent, None).await?;
        if row.status != PaymentStatus::RequiresAction {
            return Err(ProviderError::InvalidState(format!(
                "a payment that is {} has no 3-D Secure step",
                row.status.as_str()
            )));
        }
        row.next_action = None;
        if approved {
            row.advance(PaymentStatus::Processing)?;
            row.capture()?;
        } else {
            row.fail("authentication_failed", "The 3-D Secure check was not passed.")?;
        }
        let event = event_type_for(row.status);
        let snapshot =
            Self::save(&mut tx, &mut row, event, Effects { charged: approved, ..Effects::default() }).await?;
        tx.commit().await?;
        Ok(snapshot)
    }

    async fn refund(
        &self,
        intent: &str,
        amount_minor: i64,
        idempotency_key: &str,
    ) -> Result<IntentSnapshot, ProviderError> {
        let mut tx = self.db.begin().await?;
        let (mut row, _) = Self::lock(&mut tx, intent, None).await?;
        let seen: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM sim_psp_refunds WHERE idempotency_key = $1)")
                .bind(idempotency_key)
                .fetch_one(&mut *tx)
                .await?;
        if seen {
            return Ok(row.snapshot());
        }
        if row.status != PaymentStatus::Succeeded {
            return Err(ProviderError::InvalidState(format!(
                "a payment that is {} has nothing to refund",
                row.status.as_str()
            )));
        }
        if amount_minor <= 0 || amount_minor > row.captured_minor - row.refunded_minor {
            return Err(ProviderError::Amount(format!(
                "{amount_minor} asked, {} refundable",
                row.captured_minor - row.refunded_minor
            )));
        }
        row.refunded_minor += amount_minor;
        sqlx::query(
            "INSERT INTO sim_psp_refunds (idempotency_key, intent_ref, amount_minor) VALUES ($1, $2, $3)",
        )
        .bind(idempotency_key)
        .bind(intent)
        .bind(amount_minor)
        .execute(&mut *tx)
        .await?;
        let snapshot = Self::save(&mut tx, &mut row, "charge.refunded", Effects::default()).await?;
        tx.commit().await?;
        Ok(snapshot)
    }
}

/// Settles up to `limit` `processing` intents whose time has come (late failures).
pub async fn settle_due(db: &PgPool, limit: i64) -> Result<usize, ProviderError> {
    let mut tx = db.begin().await?;
    let mut due: Vec<SimIntent> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM sim_psp_intents WHERE settle_at <= now() ORDER BY settle_at LIMIT $1 FOR UPDATE SKIP LOCKED"
    ))
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?;
    for row in &mut due {
        let charged = match row.settle_outcome.take() {
            Some(PaymentStatus::Succeeded) => {
                row.capture()?;
                true
            }
            _ => {
                row.fail("processing_error", "The card issuer failed to process the payment.")?;
                false
            }
        };
        row.settle_at = None;
        let event = event_type_for(row.status);
        SimulatedProvider::save(&mut tx, row, event, Effects { charged, ..Effects::default() }).await?;
    }
    tx.commit().await?;
    Ok(due.len())
}

/// Where and how the simulator delivers its webhooks.
#[derive(Clone)]
pub struct Delivery {
    client: reqwest::Client,
    url: String,
    secrets: Vec<Secret>,
}

impl Delivery {
    /// Deliveries to `url`, signed with every secret in `secrets` (current first).
    pub fn new(url: String, secrets: Vec<Secret>) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build()?;
        Ok(Self { client, url, secrets })
    }
}

/// Delivers up to `limit` due webhooks, oldest first. A delivery that does not get a 2xx
/// is retried after 1 s, 2 s, 4 s… (at most an hour). Returns how many were delivered.
pub async fn deliver_due(db: &PgPool, delivery: &Delivery, limit: i64) -> Result<usize, ProviderError> {
    let mut tx = db.begin().await?;
    let due: Vec<(String, serde_json::Value, i32)> = sqlx::query_as(
        "SELECT event_id, body, attempts FROM sim_psp_webhooks WHERE delivered_at IS NULL AND next_attempt_at <= now()
         ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED",
    )
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?;
    let mut delivered = 0;
    for (event_id, body, attempts) in due {
        let body = serde_json::to_vec(&body).map_err(anyhow::Error::from)?;
        let secrets: Vec<&Secret> = delivery.secrets.iter().collect();
        let signature = webhook::sign(&secrets, Utc::now().timestamp(), &body);
        let outcome = delivery
            .client
            .post(&delivery.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(webhook::SIGNATURE_HEADER, signature)
            .body(body)
            .send()
            .await
            .map_err(|err| err.without_url().to_string())
            .and_then(|response| {
                if response.status().is_success() {
                    Ok(())
                } else {
                    Err(format!("the shop answered {}", response.status()))
                }
            });
        match outcome {
            Ok(()) => {
                delivered += 1;
                sqlx::query("UPDATE sim_psp_webhooks SET delivered_at = now(), attempts = attempts + 1 WHERE event_id = $1")
                    .bind(&event_id)
                    .execute(&mut *tx)
                    .await?;
            }
            Err(error) => {
                let delay = 1_i64
                    .checked_shl(attempts.clamp(0, 12) as u32)
                    .unwrap_or(MAX_RETRY_DELAY_SECS)
                    .min(MAX_RETRY_DELAY_SECS);
                tracing::warn!(%event_id, attempts = attempts + 1, retry_in_secs = delay, %error, "payment webhook not delivered");
                sqlx::query(
                    "UPDATE sim_psp_webhooks SET attempts = attempts + 1, last_error = $2,
                            next_attempt_at = now() + make_interval(secs => $3) WHERE event_id = $1",
                )
                .bind(&event_id)
                .bind(&error)
                .bind(delay as f64)
                .execute(&mut *tx)
                .await?;
            }
        }
    }
    tx.commit().await?;
    Ok(delivered)
}
