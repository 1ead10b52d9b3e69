//! The transactional outbox. Call [`record`] inside the transaction that makes the
//! change: the event exists if and only if the change committed. The worker reads it in
//! partitions: every aggregate hashes to one partition, a worker owns a partition for
//! one transaction ([`claim`], an advisory lock taken with the rows), and
//! [`mark_published`] runs in the same transaction, so no row is skipped and no
//! aggregate's events are reordered.

use super::{Aggregate, Envelope, EventType};
use chrono::Utc;
use serde::Serialize;
use shopfleet_domain::DomainError;
use sqlx::{PgConnection, PgPool};
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

/// Advisory-lock class of outbox partitions (the second key is the partition).
const LOCK_CLASS: i32 = 0x5f0b_0001;

/// The partition of an outbox row, in SQL, given the SQL for the number of partitions.
fn partition_of(partitions: &str) -> String {
    format!("mod(hashtext(aggregate_id)::bigint + 2147483648, {partitions})")
}

/// Claims up to `batch` unpublished rows of `partition` (of `partitions`) numbered after
/// `after`, oldest first, for the caller's transaction: none when another worker holds the
/// partition or it has nothing new. One statement takes the partition's lock and its rows.
/// Published rows stay in the index of unpublished ones until VACUUM removes them, so a claim
/// from 0 reads every row published since; `after` lets a caller that knows where its
/// partition stands skip them.
pub async fn claim(
    conn: &mut PgConnection,
    partition: u32,
    partitions: u32,
    after: i64,
    batch: u32,
) -> Result<Vec<OutboxRow>, DomainError> {
    // The lock is a one-time filter (evaluated once, before the scan). Planned afresh each
    // time (not a prepared statement): a plan cached while the outbox was small scans the
    // whole table once it has grown, until the next ANALYZE.
    let rows = sqlx::query_as(&format!(
        "SELECT {ROW_COLUMNS} FROM outbox
         WHERE (SELECT pg_try_advisory_xact_lock($5, $1::int))
           AND published_at IS NULL AND seq > $4 AND {} = $1
         ORDER BY seq LIMIT $3 FOR UPDATE SKIP LOCKED",
        partition_of("$2")
    ))
    .persistent(false)
    .bind(i64::from(partition))
    .bind(i64::from(partitions))
    .bind(i64::from(batch))
    .bind(after)
    .bind(LOCK_CLASS)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows)
}

/// Marks claimed `rows` published, in the claiming transaction.
pub async fn mark_published(conn: &mut PgConnection, rows: &[OutboxRow]) -> Result<(), DomainError> {
    let seqs: Vec<i64> = rows.iter().map(|row| row.seq).collect();
    sqlx::query("UPDATE outbox SET published_at = now() WHERE seq = ANY($1)")
        .persistent(false) // as in `claim`
        .bind(&seqs)
        .execute(conn)
        .await?;
    Ok(())
}

/// Unpublished rows per partition, for every partition of `partitions`.
pub async fn backlog(db: &PgPool, partitions: u32) -> Result<Vec<(u32, i64)>, DomainError> {
    let counts: Vec<(i64, i64)> = sqlx::query_as(&format!(
        "SELECT p, count(o.seq) FROM generate_series(0, $1 - 1) AS p
         LEFT JOIN outbox o ON o.published_at IS NULL AND {} = p
         GROUP BY p ORDER BY p",
        partition_of("$1")
    ))
    .bind(i64::from(partitions))
    .fetch_all(db)
    .await?;
    Ok(counts.into_iter().map(|(partition, count)| (partition as u32, count)).collect())
}

/// Deletes rows published more than `hours` ago; returns how many.
pub async fn prune_published(db: &PgPool, hours: i32) -> Result<u64, DomainError> {
    Ok(sqlx::query("DELETE FROM outbox WHERE published_at < now() - make_interval(hours => $1)")
        .bind(hours)
        .execute(db)
        .await?
        .rows_affected())
}
