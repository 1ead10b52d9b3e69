//! The contract every event handler meets. The worker delivers each event to each
//! handler that [`Handler::wants`] it, at least once; the dispatcher makes handlers
//! idempotent by recording `(handler, event id)` in `processed_events` in the same
//! transaction it passes to [`Handler::handle`], and skipping events already recorded.

use super::Envelope;
use sqlx::PgConnection;

/// Why a handler failed. Retryable failures are retried with backoff and then
/// dead-lettered; permanent ones (a payload that can never be handled) go straight
/// to the dead-letter queue.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    #[error("{0:#}")]
    Retryable(anyhow::Error),
    #[error("{0:#}")]
    Permanent(anyhow::Error),
}

impl From<sqlx::Error> for HandlerError {
    fn from(err: sqlx::Error) -> Self {
        HandlerError::Retryable(err.into())
    }
}

impl From<shopfleet_domain::DomainError> for HandlerError {
    fn from(err: shopfleet_domain::DomainError) -> Self {
        HandlerError::Retryable(anyhow::anyhow!("{err}"))
    }
}

impl From<serde_json::Error> for HandlerError {
    fn from(err: serde_json::Error) -> Self {
        HandlerError::Permanent(anyhow::anyhow!("payload does not match its schema: {err}"))
    }
}

#[async_trait::async_trait]
pub trait Handler: Send + Sync {
    /// A stable name: the consumer group suffix, the metrics label, the key in
    /// `processed_events`. Never rename a deployed handler.
    fn name(&self) -> &'static str;

    /// Whether this handler acts on `event` (by its type, usually).
    fn wants(&self, event: &Envelope) -> bool;

    /// Applies the event. Database effects go through `tx`, which commits together
    /// with the processed-event record; effects outside Postgres must be idempotent
    /// (an upsert of current state, say), as they may be repeated after a crash.
    async fn handle(&self, event: &Envelope, tx: &mut PgConnection) -> Result<(), HandlerError>;
}
