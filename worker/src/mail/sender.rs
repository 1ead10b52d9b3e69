//! Sends queued mail. Due rows are claimed with `FOR UPDATE SKIP LOCKED`, so replicas
//! never send the same mail at once; a failure reschedules the mail with exponential
//! backoff (30 s doubling, at most an hour), so a dead SMTP server only delays mail. A mail
//! that can never be delivered (a malformed recipient, an SMTP 5xx) is dead-lettered at
//! once: it keeps its error and `failed_at`, and is not tried again.

use super::transport::{SendError, Transport};
use lettre::message::Mailbox;
use shopfleet_commerce::mail_outbox::{self, Attempt};
use sqlx::PgPool;
use std::time::Duration;
use tokio::sync::watch;

const BATCH: i64 = 20;

/// Sends every due mail once; returns how many were sent.
pub async fn send_due(db: &PgPool, transport: &Transport, from: &Mailbox) -> anyhow::Result<usize> {
    let mut tx = db.begin().await?;
    let due = mail_outbox::claim_due(&mut tx, BATCH).await?;
    let mut sent = 0;
    for mail in &due {
        let error;
        let attempt = match transport.send(from, mail).await {
            Ok(()) => {
                sent += 1;
                metrics::counter!("worker_mail_sent_total").increment(1);
                Attempt::Sent
            }
            Err(SendError::Permanent(err)) => {
                metrics::counter!("worker_mail_dead_lettered_total").increment(1);
                error = format!("{err:#}");
                tracing::warn!(mail_id = %mail.id, error, "mail cannot be delivered; dead-lettered");
                Attempt::Undeliverable(&error)
            }
            Err(SendError::Transient(err)) => {
                metrics::counter!("worker_mail_failures_total").increment(1);
                error = format!("{err:#}");
                tracing::warn!(mail_id = %mail.id, error, "sending mail failed; will retry");
                Attempt::Failed(&error)
            }
        };
        mail_outbox::record(&mut tx, mail.id, attempt).await?;
    }
    tx.commit().await?;
    Ok(sent)
}

/// Sends due mail every `interval` until `stop`.
pub async fn run(
    db: PgPool,
    transport: Transport,
    from: Mailbox,
    interval: Duration,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        loop {
            match send_due(&db, &transport, &from).await {
                Ok(sent) if sent as i64 == BATCH => continue,
                Ok(_) => break,
                Err(err) => {
                    tracing::warn!(error = format!("{err:#}"), "mail queue unavailable");
                    break;
                }
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = crate::stopped(&mut stop) => return,
        }
    }
}
