//! Delivering one event to one handler: idempotently (the `(handler, event id)` record in
//! `processed_events` commits with the handler's effect), with exponential-backoff retries,
//! then dead-lettering with the error. Every attempt is counted in the metrics.

use crate::config::EventSettings;
use shopfleet_commerce::events::{ledger, Envelope, Handler, HandlerError};
use sqlx::PgPool;
use std::{sync::Arc, time::Instant};
use tokio::sync::watch;

/// What became of an event for one handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The handler applied it now.
    Handled,
    /// It had been applied before (a redelivery); nothing was done.
    Duplicate,
    /// The handler does not act on this event type.
    Ignored,
    /// The handler kept failing; the event is in the dead-letter queue.
    DeadLettered,
}

/// Where dead letters go besides the `dead_letters` table (the Kafka DLQ topic).
#[async_trait::async_trait]
pub trait DeadLetterSink: Send + Sync {
    async fn send(&self, handler: &str, event: &Envelope, error: &str) -> anyhow::Result<()>;
}

/// Why an event could not be settled (handled or dead-lettered): the caller must not
/// acknowledge it, and will deliver it again.
#[derive(Debug, thiserror::Error)]
pub enum Unsettled {
    #[error("the worker is stopping")]
    Stopping,
    #[error(transparent)]
    Infrastructure(#[from] anyhow::Error),
}

#[derive(Clone)]
pub struct Dispatcher {
    db: PgPool,
    settings: EventSettings,
    dead_letter_sink: Option<Arc<dyn DeadLetterSink>>,
    stop: watch::Receiver<bool>,
}

impl Dispatcher {
    pub fn new(
        db: PgPool,
        settings: EventSettings,
        dead_letter_sink: Option<Arc<dyn DeadLetterSink>>,
        stop: watch::Receiver<bool>,
    ) -> Self {
        Self { db, settings, dead_letter_sink, stop }
    }

    /// Delivers `event` to `handler`, retrying until it is handled or dead-lettered.
    pub async fn deliver(&self, handler: &dyn Handler, event: &Envelope) -> Result<Outcome, Unsettled> {
        if !handler.wants(event) {
            return Ok(Outcome::Ignored);
        }
        let mut stop = self.stop.clone();
        for attempt in 1..=self.settings.handler_max_attempts {
            let started = Instant::now();
            let result = apply_once(&self.db, handler, event).await;
            metrics::histogram!("worker_handler_duration_seconds", "handler" => handler.name())
                .record(started.elapsed().as_secs_f64());
            let error = match result {
                Ok(true) => return Ok(count(handler, Outcome::Handled)),
                Ok(false) => return Ok(count(handler, Outcome::Duplicate)),
                Err(error) => error,
            };
            metrics::counter!("worker_events_failed_total", "handler" => handler.name()).increment(1);
            tracing::warn!(handler = handler.name(), event_id = %event.id, event_type = %event.event_type,
                attempt, error = %error, "event handler failed");
            record_failure(&self.db, handler.name(), event, attempt, &error.to_string()).await;
            let permanent = matches!(error, HandlerError::Permanent(_));
            if permanent || attempt == self.settings.handler_max_attempts {
                self.dead_letter(handler.name(), event, attempt, &error.to_string()).await?;
                return Ok(count(handler, Outcome::DeadLettered));
            }
            metrics::counter!("worker_events_retried_total", "handler" => handler.name()).increment(1);
            tokio::select! {
                _ = tokio::time::sleep(self.settings.retry_delay(attempt)) => {}
                _ = crate::stopped(&mut stop) => return Err(Unsettled::Stopping),
            }
        }
        unreachable!("handler_max_attempts is at least 1")
    }

    async fn dead_letter(
        &self,
        handler: &str,
        event: &Envelope,
        attempts: u32,
        error: &str,
    ) -> anyhow::Result<()> {
        ledger::dead_letter(&self.db, handler, event, attempts, error).await?;
        if let Some(sink) = &self.dead_letter_sink {
            sink.send(handler, event, error).await?;
        }
        tracing::error!(handler, event_id = %event.id, event_type = %event.event_type, error,
            "event dead-lettered after {attempts} attempts");
        Ok(())
    }
}

impl Outcome {
    const ALL: [Outcome; 4] = [Outcome::Handled, Outcome::Duplicate, Outcome::Ignored, Outcome::DeadLettered];

    fn label(self) -> &'static str {
        match self {
            Outcome::Handled => "handled",
            Outcome::Duplicate => "duplicate",
            Outcome::Ignored => "ignored",
            Outcome::DeadLettered => "dead_lettered",
        }
    }
}

fn count(handler: &dyn Handler, outcome: Outcome) -> Outcome {
    metrics::counter!("worker_events_handled_total", "handler" => handler.name(), "outcome" => outcome.label())
        .increment(1);
    outcome
}

/// Registers every per-handler event counter at zero, so `/metrics` lists them (and
/// alerts on their rate work) before the first event or failure.
pub fn export_counters_at_zero(handlers: &[Arc<dyn Handler>]) {
    for handler in handlers {
        let name = handler.name();
        metrics::counter!("worker_events_failed_total", "handler" => name).absolute(0);
        metrics::counter!("worker_events_retried_total", "handler" => name).absolute(0);
        for outcome in Outcome::ALL {
            metrics::counter!("worker_events_handled_total", "handler" => name, "outcome" => outcome.label())
                .absolute(0);
        }
    }
}

/// Runs the handler once in a transaction that also records the event as processed.
/// `Ok(false)`: it was processed before, nothing done.
pub async fn apply_once(db: &PgPool, handler: &dyn Handler, event: &Envelope) -> Result<bool, HandlerError> {
    let mut tx = db.begin().await?;
    if !ledger::mark_processed(&mut tx, handler.name(), event.id).await? {
        return Ok(false);
    }
    handler.handle(event, &mut tx).await?;
    tx.commit().await?;
    Ok(true)
}

/// Keeps a failed attempt for the admin API; losing this record must not stop delivery.
async fn record_failure(db: &PgPool, handler: &str, event: &Envelope, attempt: u32, error: &str) {
    if let Err(err) = ledger::record_failure(db, handler, event, attempt, error).await {
        tracing::warn!(error = %err, "could not record a handler failure");
    }
}
