//! The `mail_outbox` table: notification mail rendered by the worker's handler in the
//! transaction of the event it answers (one per event and template), then claimed and
//! sent by the worker's sender with retries; a mail that can never be delivered is
//! dead-lettered (it keeps its error and `failed_at`).

use shopfleet_domain::DomainError;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// A queued mail, ready to send.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutgoingMail {
    pub id: Uuid,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
}

/// A mail to queue: rendered from `template` for `event`.
pub struct NewMail<'a> {
    pub event: Uuid,
    pub template: &'a str,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body_text: &'a str,
    pub body_html: &'a str,
}

/// Queues `mail` in the caller's transaction, once per event and template.
pub async fn queue(conn: &mut PgConnection, mail: &NewMail<'_>) -> Result<(), DomainError> {
    sqlx::query(
        "INSERT INTO mail_outbox (id, event_id, template, recipient, subject, body_text, body_html)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (event_id, template) DO NOTHING",
    )
    .bind(Uuid::now_v7())
    .bind(mail.event)
    .bind(mail.template)
    .bind(mail.recipient)
    .bind(mail.subject)
    .bind(mail.body_text)
    .bind(mail.body_html)
    .execute(conn)
    .await?;
    Ok(())
}

/// Up to `limit` mails due now, locked for the caller's transaction (skipping any
/// another sender holds), oldest due first.
pub async fn claim_due(conn: &mut PgConnection, limit: i64) -> Result<Vec<OutgoingMail>, DomainError> {
    Ok(sqlx::query_as(
        "SELECT id, recipient, subject, body_text, body_html FROM mail_outbox
         WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= now()
         ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED",
    )
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// What became of one attempt to send a mail.
pub enum Attempt<'a> {
    Sent,
    /// Never deliverable: dead-lettered with this error.
    Undeliverable(&'a str),
    /// Failed for now: tried again after a backoff (30 s doubling, at most an hour).
    Failed(&'a str),
}

/// Records the outcome of an attempt to send mail `id`.
pub async fn record(conn: &mut PgConnection, id: Uuid, attempt: Attempt<'_>) -> Result<(), DomainError> {
    match attempt {
        Attempt::Sent => {
            sqlx::query("UPDATE mail_outbox SET sent_at = now(), attempts = attempts + 1 WHERE id = $1")
                .bind(id)
                .execute(conn)
                .await?
        }
        Attempt::Undeliverable(error) => {
            sqlx::query(
                "UPDATE mail_outbox SET attempts = attempts + 1, last_error = $2, failed_at = now() WHERE id = $1",
            )
            .bind(id)
            .bind(error)
            .execute(conn)
            .await?
        }
        Attempt::Failed(error) => {
            sqlx::query(
                "UPDATE mail_outbox SET attempts = attempts + 1, last_error = $2,
                   next_attempt_at = now() + least(interval '1 hour', interval '30 seconds' * power(2, attempts))
                 WHERE id = $1",
            )
            .bind(id)
            .bind(error)
            .execute(conn)
            .await?
        }
    };
    Ok(())
}

/// Deletes mail sent or dead-lettered more than `days` ago; returns how many.
pub async fn prune(db: &PgPool, days: i32) -> Result<u64, DomainError> {
    Ok(sqlx::query(
        "DELETE FROM mail_outbox WHERE coalesce(sent_at, failed_at) < now() - make_interval(days => $1)",
    )
    .bind(days)
    .execute(db)
    .await?
    .rows_affected())
}
