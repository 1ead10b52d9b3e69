//! The event backbone's bookkeeping: which handler processed which event
//! (`processed_events`), failed attempts (`handler_failures`), dead letters and their
//! replay (`dead_letters`) and consumer lag snapshots (`consumer_lag`). The worker
//! writes them with the functions here; admins read them through [`EventMonitor`].

use super::Envelope;
use chrono::{DateTime, Utc};
use serde::Serialize;
use shopfleet_domain::DomainError;
use sqlx::{PgConnection, PgPool};
use utoipa::ToSchema;
use uuid::Uuid;

/// Lag of one consumer on one topic partition (`outbox` = events not yet published).
#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct ConsumerLag {
    pub consumer: String,
    pub topic: String,
    pub partition: i32,
    pub lag: i64,
    pub measured_at: DateTime<Utc>,
}

/// One failed attempt of a handler.
#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct HandlerFailure {
    pub handler: String,
    pub event_id: Uuid,
    pub event_type: String,
    pub attempt: i32,
    pub error: String,
    pub failed_at: DateTime<Utc>,
}

/// An event a handler gave up on.
#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct DeadLetter {
    pub id: Uuid,
    pub handler: String,
    pub event_id: Uuid,
    /// The event envelope as it was delivered.
    pub event: serde_json::Value,
    pub error: String,
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
    pub replay_requested_at: Option<DateTime<Utc>>,
    pub replayed_at: Option<DateTime<Utc>>,
}

const DEAD_LETTER_COLUMNS: &str =
    "id, handler, event_id, event, error, attempts, created_at, replay_requested_at, replayed_at";

/// What the admin API shows of the event backbone (what Flower showed for Celery): the
/// consumer lag the workers last measured, recent handler failures, dead letters, and
/// replay requests for them (a worker carries the replay out).
#[derive(Clone)]
pub struct EventMonitor {
    db: PgPool,
}

impl EventMonitor {
    pub fn new(db: PgPool) -> Self {
        Self { db }
    }

    /// Lag of every consumer, by consumer, topic and partition.
    pub async fn lag(&self) -> Result<Vec<ConsumerLag>, DomainError> {
        Ok(sqlx::query_as(
            "SELECT consumer, topic, partition, lag, measured_at FROM consumer_lag ORDER BY consumer, topic, partition",
        )
        .fetch_all(&self.db)
        .await?)
    }

    /// The most recent failures, newest first.
    pub async fn recent_failures(&self, limit: i64) -> Result<Vec<HandlerFailure>, DomainError> {
        Ok(sqlx::query_as(
            "SELECT handler, event_id, event_type, attempt, error, failed_at FROM handler_failures
             ORDER BY failed_at DESC, id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.db)
        .await?)
    }

    /// Dead letters, newest first; `pending_only` hides the ones replayed successfully.
    pub async fn dead_letters(&self, pending_only: bool, limit: i64) -> Result<Vec<DeadLetter>, DomainError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {DEAD_LETTER_COLUMNS} FROM dead_letters WHERE NOT ($1 AND replayed_at IS NOT NULL)
             ORDER BY created_at DESC, id DESC LIMIT $2"
        ))
        .bind(pending_only)
        .bind(limit)
        .fetch_all(&self.db)
        .await?)
    }

    /// Asks the workers to replay a dead letter. A replayed one is a 409.
    pub async fn request_replay(&self, id: Uuid) -> Result<DeadLetter, DomainError> {
        let updated: Option<DeadLetter> = sqlx::query_as(&format!(
            "UPDATE dead_letters SET replay_requested_at = now() WHERE id = $1 AND replayed_at IS NULL
             RETURNING {DEAD_LETTER_COLUMNS}"
        ))
        .bind(id)
        .fetch_optional(&self.db)
        .await?;
        if let Some(letter) = updated {
            return Ok(letter);
        }
        let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM dead_letters WHERE id = $1)")
            .bind(id)
            .fetch_one(&self.db)
            .await?;
        Err(if exists {
            DomainError::Conflict {
                code: "already_replayed",
                detail: "this dead letter was replayed successfully".into(),
            }
        } else {
            DomainError::NotFound("dead letter")
        })
    }
}

/// Records that `handler` processed `event` in the caller's transaction; false when it
/// had been recorded before (the event is then skipped).
pub async fn mark_processed(
    conn: &mut PgConnection,
    handler: &str,
    event: Uuid,
) -> Result<bool, DomainError> {
    Ok(sqlx::query("INSERT INTO processed_events (handler, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(handler)
        .bind(event)
        .execute(conn)
        .await?
        .rows_affected()
        == 1)
}

/// Keeps a failed attempt of `handler` at `event` for the admin API.
pub async fn record_failure(
    db: &PgPool,
    handler: &str,
    event: &Envelope,
    attempt: u32,
    error: &str,
) -> Result<(), DomainError> {
    sqlx::query(
        "INSERT INTO handler_failures (handler, event_id, event_type, attempt, error) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(handler)
    .bind(event.id)
    .bind(&event.event_type)
    .bind(attempt as i32)
    .bind(error)
    .execute(db)
    .await?;
    Ok(())
}

/// Dead-letters `event` for `handler` after `attempts` failed attempts. A letter dead
/// again after a replay counts the new attempts and waits for a new replay request.
pub async fn dead_letter(
    db: &PgPool,
    handler: &str,
    event: &Envelope,
    attempts: u32,
    error: &str,
) -> Result<(), DomainError> {
    sqlx::query(
        "INSERT INTO dead_letters (id, handler, event_id, event, error, attempts) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (handler, event_id) DO UPDATE
           SET error = EXCLUDED.error, attempts = dead_letters.attempts + EXCLUDED.attempts,
               replay_requested_at = NULL, replayed_at = NULL",
    )
    .bind(Uuid::now_v7())
    .bind(handler)
    .bind(event.id)
    .bind(serde_json::to_value(event).map_err(anyhow::Error::from)?)
    .bind(error)
    .bind(attempts as i32)
    .execute(db)
    .await?;
    Ok(())
}

/// A dead letter an admin asked to replay: its id, handler and stored event.
pub type ReplayRequest = (Uuid, String, serde_json::Value);

/// Up to `limit` dead letters of `handlers` whose replay was requested, locked for the
/// caller's transaction (skipping any another worker holds).
pub async fn claim_replays(
    conn: &mut PgConnection,
    handlers: &[&str],
    limit: i64,
) -> Result<Vec<ReplayRequest>, DomainError> {
    Ok(sqlx::query_as(
        "SELECT id, handler, event FROM dead_letters
         WHERE replay_requested_at IS NOT NULL AND replayed_at IS NULL AND handler = ANY($1)
         ORDER BY replay_requested_at LIMIT $2 FOR UPDATE SKIP LOCKED",
    )
    .bind(handlers)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Records a replay's outcome: replayed, or failed again with `error` (the letter then
/// waits for a new request).
pub async fn record_replay(
    conn: &mut PgConnection,
    id: Uuid,
    outcome: Result<(), &str>,
) -> Result<(), DomainError> {
    match outcome {
        Ok(()) => sqlx::query("UPDATE dead_letters SET replayed_at = now() WHERE id = $1").bind(id).execute(conn).await?,
        Err(error) => {
            sqlx::query(
                "UPDATE dead_letters SET error = $2, attempts = attempts + 1, replay_requested_at = NULL WHERE id = $1",
            )
            .bind(id)
            .bind(error)
            .execute(conn)
            .await?
        }
    };
    Ok(())
}

/// Replaces `consumer`'s lag snapshot with `lags` (topic, partition, lag).
pub async fn store_lag(db: &PgPool, consumer: &str, lags: &[(String, i32, i64)]) -> Result<(), DomainError> {
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM consumer_lag WHERE consumer = $1").bind(consumer).execute(&mut *tx).await?;
    for (topic, partition, lag) in lags {
        sqlx::query("INSERT INTO consumer_lag (consumer, topic, partition, lag) VALUES ($1, $2, $3, $4)")
            .bind(consumer)
            .bind(topic)
            .bind(partition)
            .bind(lag)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Deletes failure and processed-event records older than `days`; returns how many.
pub async fn prune(db: &PgPool, days: i32) -> Result<u64, DomainError> {
    let mut pruned = 0;
    for statement in [
        "DELETE FROM handler_failures WHERE failed_at < now() - make_interval(days => $1)",
        "DELETE FROM processed_events WHERE processed_at < now() - make_interval(days => $1)",
    ] {
        pruned += sqlx::query(statement).bind(days).execute(db).await?.rows_affected();
    }
    Ok(pruned)
}
