//! Reading the outbox in partitions. Every aggregate hashes to one partition; a worker
//! owns a partition for the length of one transaction (a transaction-level advisory
//! lock), reads its oldest unpublished rows in `seq` order, hands them to a sink, and
//! marks them published in the same transaction. Several workers therefore never skip a
//! row, never reorder an aggregate's events, and repeat a row only after a crash.

use crate::config::EventSettings;
use shopfleet_commerce::events::{
    outbox::{OutboxRow, ROW_COLUMNS},
    Envelope,
};
use sqlx::{postgres::PgListener, PgConnection, PgPool};
use std::{sync::Arc, time::Duration};
use tokio::sync::{watch, Notify};

/// Advisory-lock class of outbox partitions (the second key is the partition).
const LOCK_CLASS: i32 = 0x5f0b_0001;

/// Where a claimed batch goes: published to Kafka, or handed to the handlers.
#[async_trait::async_trait]
pub trait BatchSink: Send + Sync {
    /// Takes every event of the batch, in order. An error leaves the whole batch
    /// unpublished, to be taken again.
    async fn take(&self, events: &[Envelope]) -> anyhow::Result<()>;
}

/// Claims up to `batch` unpublished rows of `partition`, or `None` when another
/// worker holds the partition.
pub async fn claim(
    conn: &mut PgConnection,
    partition: u32,
    partitions: u32,
    batch: u32,
) -> anyhow::Result<Option<Vec<OutboxRow>>> {
    let owned: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1, $2)")
        .bind(LOCK_CLASS)
        .bind(partition as i32)
        .fetch_one(&mut *conn)
        .await?;
    if !owned {
        return Ok(None);
    }
    let rows = sqlx::query_as(&format!(
        "SELECT {ROW_COLUMNS} FROM outbox
         WHERE published_at IS NULL AND {} = $1
         ORDER BY seq LIMIT $3 FOR UPDATE SKIP LOCKED",
        partition_of("$2")
    ))
    .bind(partition as i64)
    .bind(partitions as i64)
    .bind(batch as i64)
    .fetch_all(&mut *conn)
    .await?;
    Ok(Some(rows))
}

/// The partition of an outbox row, in SQL, given the SQL for the number of partitions.
pub fn partition_of(partitions: &str) -> String {
    format!("mod(hashtext(aggregate_id)::bigint + 2147483648, {partitions})")
}

async fn mark_published(conn: &mut PgConnection, rows: &[OutboxRow]) -> anyhow::Result<()> {
    let seqs: Vec<i64> = rows.iter().map(|row| row.seq).collect();
    sqlx::query("UPDATE outbox SET published_at = now() WHERE seq = ANY($1)")
        .bind(&seqs)
        .execute(conn)
        .await?;
    Ok(())
}

/// Takes one batch of `partition` through `sink`. Returns how many rows it took
/// (0 when the partition was empty or owned by another worker).
pub async fn drain_once(
    db: &PgPool,
    sink: &dyn BatchSink,
    partition: u32,
    settings: &EventSettings,
) -> anyhow::Result<usize> {
    let mut tx = db.begin().await?;
    let Some(rows) =
        claim(&mut tx, partition, settings.outbox_partitions, settings.outbox_batch_size).await?
    else {
        return Ok(0);
    };
    if rows.is_empty() {
        return Ok(0);
    }
    let events = rows
        .iter()
        .map(OutboxRow::clone_envelope)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| anyhow::anyhow!("{err}"))?;
    sink.take(&events).await?;
    mark_published(&mut tx, &rows).await?;
    tx.commit().await?;
    Ok(rows.len())
}

/// Wakes the partition loops when an event commits (Postgres NOTIFY from the outbox
/// trigger). Without a listener they still poll every `OUTBOX_POLL_MS`.
pub async fn listen(db: PgPool, wake: Arc<Notify>, mut stop: watch::Receiver<bool>) {
    loop {
        let listener = async {
            let mut listener = PgListener::connect_with(&db).await?;
            listener.listen("shopfleet_outbox").await?;
            loop {
                listener.recv().await?;
                wake.notify_waiters();
            }
            #[allow(unreachable_code)]
            Ok::<(), sqlx::Error>(())
        };
        tokio::select! {
            result = listener => {
                if let Err(err) = result {
                    tracing::debug!(error = %err, "outbox listener lost its connection; polling until it is back");
                }
            }
            _ = crate::stopped(&mut stop) => return,
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = crate::stopped(&mut stop) => return,
        }
    }
}

/// Drains `partition` through `sink` until `stop`: batch after batch while there is
/// work, then waits for a notification or the poll interval. Errors back off.
pub async fn run_partition(
    db: PgPool,
    sink: Arc<dyn BatchSink>,
    partition: u32,
    settings: EventSettings,
    wake: Arc<Notify>,
    mut stop: watch::Receiver<bool>,
) {
    let mut failures = 0u32;
    loop {
        if *stop.borrow() {
            return;
        }
        let wait = match drain_once(&db, sink.as_ref(), partition, &settings).await {
            Ok(taken) if taken as u32 >= settings.outbox_batch_size => {
                failures = 0;
                continue;
            }
            Ok(_) => {
                failures = 0;
                settings.poll_interval()
            }
            Err(err) => {
                failures += 1;
                metrics::counter!("worker_outbox_batch_failures_total").increment(1);
                tracing::warn!(partition, error = format!("{err:#}"), "outbox batch failed; retrying");
                settings.retry_delay(failures)
            }
        };
        let notified = wake.notified();
        tokio::select! {
            _ = notified, if failures == 0 => {}
            _ = tokio::time::sleep(wait) => {}
            _ = crate::stopped(&mut stop) => return,
        }
    }
}
