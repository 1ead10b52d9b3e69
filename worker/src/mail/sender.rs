//! Sends queued mail. Due rows are claimed with `FOR UPDATE SKIP LOCKED`, so replicas
//! never send the same mail at once; a failure reschedules the mail with exponential
//! backoff (30 s doubling, at most an hour), so a dead SMTP server only delays mail. A mail
//! that can never be delivered (a malformed recipient, an SMTP 5xx) is dead-lettered at
//! once: it keeps its error and `failed_at`, and is not tried again.

use super::transport::{OutgoingMail, SendError, Transport};
use lettre::message::Mailbox;
use sqlx::PgPool;
use std::time::Duration;
use tokio::sync::watch;

const BATCH: i64 = 20;

/// Sends every due mail once; returns how many were sent.
pub async fn send_due(db: &PgPool, transport: &Transport, from: &Mailbox) -> anyhow::Result<usize> {
    let mut tx = db.begin().await?;
    let due: Vec<OutgoingMail> = sqlx::query_as(
        "SELECT id, recipient, subject, body_text, body_html FROM mail_outbox
         WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= now()
         ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED",
    )
    .bind(BATCH)
    .fetch_all(&mut *tx)
    .await?;
    let mut sent = 0;
    for mail in &due {
        match transport.send(from, mail).await {
            Ok(()) => {
                sent += 1;
                metrics::counter!("worker_mail_sent_total").increment(1);
                sqlx::query("UPDATE mail_outbox SET sent_at = now(), attempts = attempts + 1 WHERE id = $1")
                    .bind(mail.id)
                    .execute(&mut *tx)
                    .await?;
            }
            Err(SendError::Permanent(err)) => {
                metrics::counter!("worker_mail_dead_lettered_total").increment(1);
                tracing::warn!(mail_id = %mail.id, error = format!("{err:#}"), "mail cannot be delivered; dead-lettered");
                sqlx::query(
                    "UPDATE mail_outbox SET attempts = attempts + 1, last_error = $2, failed_at = now() WHERE id = $1",
                )
                .bind(mail.id)
                .bind(format!("{err:#}"))
                .execute(&mut *tx)
                .await?;
            }
            Err(SendError::Transient(err)) => {
                metrics::counter!("worker_mail_failures_total").increment(1);
                tracing::warn!(mail_id = %mail.id, error = format!("{err:#}"), "sending mail failed; will retry");
                sqlx::query(
                    "UPDATE mail_outbox SET attempts = attempts + 1, last_error = $2,
                       next_attempt_at = now() + least(interval '1 hour', interval '30 seconds' * power(2, attempts))
                     WHERE id = $1",
                )
                .bind(mail.id)
                .bind(format!("{err:#}"))
                .execute(&mut *tx)
                .await?;
            }
        }
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
