//! What the admin API shows of the event backbone (what Flower showed for Celery): the
//! consumer lag the workers last measured, recent handler failures, dead letters, and
//! replay requests for them (a worker carries the replay out).

use crate::error::DomainError;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;
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

pub async fn lag(db: &PgPool) -> Result<Vec<ConsumerLag>, DomainError> {
    Ok(sqlx::query_as(
        "SELECT consumer, topic, partition, lag, measured_at FROM consumer_lag ORDER BY consumer, topic, partition",
    )
    .fetch_all(db)
    .await?)
}

/// The most recent failures, newest first.
pub async fn recent_failures(db: &PgPool, limit: i64) -> Result<Vec<HandlerFailure>, DomainError> {
    Ok(sqlx::query_as(
        "SELECT handler, event_id, event_type, attempt, error, failed_at FROM handler_failures
         ORDER BY failed_at DESC, id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db)
    .await?)
}

const DEAD_LETTER_COLUMNS: &str =
    "id, handler, event_id, event, error, attempts, created_at, replay_requested_at, replayed_at";

/// Dead letters, newest first; `pending_only` hides the ones replayed successfully.
pub async fn dead_letters(
    db: &PgPool,
    pending_only: bool,
    limit: i64,
) -> Result<Vec<DeadLetter>, DomainError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {DEAD_LETTER_COLUMNS} FROM dead_letters WHERE NOT ($1 AND replayed_at IS NOT NULL)
         ORDER BY created_at DESC, id DESC LIMIT $2"
    ))
    .bind(pending_only)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

/// Asks the workers to replay a dead letter. A replayed one is a 409.
pub async fn request_replay(db: &PgPool, id: Uuid) -> Result<DeadLetter, DomainError> {
    let updated: Option<DeadLetter> = sqlx::query_as(&format!(
        "UPDATE dead_letters SET replay_requested_at = now() WHERE id = $1 AND replayed_at IS NULL
         RETURNING {DEAD_LETTER_COLUMNS}"
    ))
    .bind(id)
    .fetch_optional(db)
    .await?;
    if let Some(letter) = updated {
        return Ok(letter);
    }
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM dead_letters WHERE id = $1)")
        .bind(id)
        .fetch_one(db)
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
