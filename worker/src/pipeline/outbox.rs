//! Draining the outbox partition by partition: each batch claimed with
//! `commerce::events::outbox::claim` is handed to a sink (Kafka, or the handlers) and
//! marked published in the same transaction. Several workers therefore never skip a row,
//! never reorder an aggregate's events, and repeat a row only after a crash.

use crate::config::EventSettings;
use shopfleet_commerce::events::{
    outbox::{self, OutboxRow},
    Envelope,
};
use sqlx::{postgres::PgListener, PgPool};
use std::{sync::Arc, time::Duration};
use tokio::sync::{watch, Notify};

/// Where a claimed batch goes: published to Kafka, or handed to the handlers.
#[async_trait::async_trait]
pub trait BatchSink: Send + Sync {
    /// Takes every event of the batch, in order. An error leaves the whole batch
    /// unpublished, to be taken again.
    async fn take(&self, events: &[Envelope]) -> anyhow::Result<()>;
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
        outbox::claim(&mut tx, partition, settings.outbox_partitions, settings.outbox_batch_size).await?
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
    outbox::mark_published(&mut tx, &rows).await?;
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
