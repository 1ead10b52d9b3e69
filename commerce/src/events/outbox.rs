//! Writing events to the transactional outbox. Call [`record`] inside the transaction
//! that makes the change: the event exists if and only if the change committed.

use super::{Aggregate, Envelope, EventType};
use crate::error::DomainError;
use chrono::Utc;
use serde::Serialize;
use sqlx::PgConnection;
use uuid::Uuid;

/// Appends one event to the outbox inside the caller's transaction and returns it.
pub async fn record(
    conn: &mut PgConnection,
    event_type: EventType,
    aggregate_id: impl ToString,
    data: &impl Serialize,
) -> Result<Envelope, DomainError> {
    let envelope = Envelope {
        id: Uuid::now_v7(),
        event_type: event_type.name().to_owned(),
        version: event_type.version(),
        occurred_at: Utc::now(),
        aggregate: event_type.aggregate(),
        aggregate_id: aggregate_id.to_string(),
        data: serde_json::to_value(data).map_err(anyhow::Error::from)?,
    };
    sqlx::query(
        "INSERT INTO outbox (id, aggregate, aggregate_id, event_type, version, occurred_at, data)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(envelope.id)
    .bind(envelope.aggregate.as_str())
    .bind(&envelope.aggregate_id)
    .bind(&envelope.event_type)
    .bind(envelope.version)
    .bind(envelope.occurred_at)
    .bind(&envelope.data)
    .execute(conn)
    .await?;
    Ok(envelope)
}

/// An outbox row read back as its envelope.
#[derive(sqlx::FromRow)]
pub struct OutboxRow {
    pub seq: i64,
    pub id: Uuid,
    pub aggregate: String,
    pub aggregate_id: String,
    pub event_type: String,
    pub version: i32,
    pub occurred_at: chrono::DateTime<Utc>,
    pub data: serde_json::Value,
}

/// Columns to select for [`OutboxRow`].
pub const ROW_COLUMNS: &str = "seq, id, aggregate, aggregate_id, event_type, version, occurred_at, data";

impl OutboxRow {
    /// The row as the envelope consumers receive.
    pub fn clone_envelope(&self) -> Result<Envelope, DomainError> {
        let aggregate = Aggregate::parse(&self.aggregate).ok_or_else(|| {
            anyhow::anyhow!("outbox row {} has unknown aggregate {}", self.seq, self.aggregate)
        })?;
        Ok(Envelope {
            id: self.id,
            event_type: self.event_type.clone(),
            version: self.version,
            occurred_at: self.occurred_at,
            aggregate,
            aggregate_id: self.aggregate_id.clone(),
            data: self.data.clone(),
        })
    }
}
