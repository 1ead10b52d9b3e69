//! The transactional outbox. Events are written by the transaction that makes the change
//! ([`super::Change`] records them and [`append`]s them as it commits): an event exists if
//! and only if its change committed. The worker reads it in partitions: every aggregate
//! hashes to one partition, a worker owns a partition for one transaction ([`claim`], an
//! advisory lock taken with the rows, which it deletes in that transaction as it hands them
//! on), so no row is skipped and no aggregate's events are reordered. The outbox is a queue:
//! a row leaves as it is taken (dead letters keep their own copy of the event).

use super::{Aggregate, Envelope};
use chrono::{DateTime, Utc};
use shopfleet_domain::DomainError;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// Writes `events` to the outbox in the caller's transaction, in one statement and in
/// their order (see [`super::Change`], which calls it as it commits). No events, no statement.
pub async fn append(conn: &mut PgConnection, events: &[Envelope]) -> Result<(), DomainError> {
    if events.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = events.iter().map(|event| event.id).collect();
    let aggregates: Vec<&str> = events.iter().map(|event| event.aggregate.as_str()).collect();
    let aggregate_ids: Vec<&str> = events.iter().map(|event| event.aggregate_id.as_str()).collect();
    let types: Vec<&str> = events.iter().map(|event| event.event_type.as_str()).collect();
    let versions: Vec<i32> = events.iter().map(|event| event.version).collect();
    let times: Vec<DateTime<Utc>> = events.iter().map(|event| event.occurred_at).collect();
    let data: Vec<&serde_json::Value> = events.iter().map(|event| &event.data).collect();
    // `unnest` yields the rows in array order, and `seq` is drawn row by row in that order.
    sqlx::query(
        "INSERT INTO outbox (id, aggregate, aggregate_id, event_type, version, occurred_at, data)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::int[], $6::timestamptz[], $7::jsonb[])",
    )
    .bind(&ids)
    .bind(&aggregates)
    .bind(&aggregate_ids)
    .bind(&types)
    .bind(&versions)
    .bind(&times)
    .bind(&data)
    .execute(conn)
    .await?;
    Ok(())
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

/// Takes up to `batch` rows of `partition` (of `partitions`) numbered after `after`, oldest
/// first, deleting them in the caller's transaction (it must hold one): the caller hands
/// them on and commits, or rolls back and they are there to be taken again. None when
/// another worker holds the partition or it has nothing new. One statement takes the
/// partition's lock and its rows. Taken rows stay in the primary key's index until VACUUM
/// removes them, so a claim from 0 steps over every row taken since; `after` lets a caller
/// that knows where its partition stands skip them.
pub async fn claim(
    conn: &mut PgConnection,
    partition: u32,
    partitions: u32,
    after: i64,
    batch: u32,
) -> Result<Vec<OutboxRow>, DomainError> {
    // The claim walks the primary key in order whatever the outbox's size or statistics
    // say: a plan made while the outbox was small would scan the whole table once it has
    // grown, and a bitmap scan re-reads the heap pages of every taken row in its window,
    // where an index scan marks their entries dead once and skips them after. With these
    // settings, local to the transaction, the claim is planned once per connection.
    sqlx::query(
        "SELECT set_config('enable_seqscan', 'off', true), set_config('enable_bitmapscan', 'off', true)",
    )
    .execute(&mut *conn)
    .await?;
    // The lock is a one-time filter (evaluated once, before the scan): without it, no rows.
    // Holding it, this transaction is the partition's only claimer, so its rows need no row
    // locks of their own before the delete (each would be one more WAL record).
    let mut rows: Vec<OutboxRow> = sqlx::query_as(&format!(
        "DELETE FROM outbox
         WHERE seq IN (SELECT seq FROM outbox
                       WHERE (SELECT pg_try_advisory_xact_lock($5, $1::int))
                         AND seq > $4 AND {} = $1
                       ORDER BY seq LIMIT $3)
         RETURNING {ROW_COLUMNS}",
        partition_of("$2")
    ))
    .bind(i64::from(partition))
    .bind(i64::from(partitions))
    .bind(i64::from(batch))
    .bind(after)
    .bind(LOCK_CLASS)
    .fetch_all(&mut *conn)
    .await?;
    rows.sort_unstable_by_key(|row| row.seq); // RETURNING keeps no order
    Ok(rows)
}

/// Rows waiting per partition, for every partition of `partitions`.
pub async fn backlog(db: &PgPool, partitions: u32) -> Result<Vec<(u32, i64)>, DomainError> {
    let counts: Vec<(i64, i64)> = sqlx::query_as(&format!(
        "SELECT p, count(o.seq) FROM generate_series(0, $1 - 1) AS p
         LEFT JOIN outbox o ON {} = p
         GROUP BY p ORDER BY p",
        partition_of("$1")
    ))
    .bind(i64::from(partitions))
    .fetch_all(db)
    .await?;
    Ok(counts.into_iter().map(|(partition, count)| (partition as u32, count)).collect())
}
