//! Draining the outbox partition by partition: each batch is claimed and deleted by
//! `commerce::events::outbox::claim`, handed to a sink (Kafka, or the handlers), and only
//! then committed; a failed hand-off rolls the delete back. Several workers therefore
//! never skip a row, never reorder an aggregate's events, and repeat a row only after a
//! crash.

use crate::config::EventSettings;
use shopfleet_commerce::events::{
    outbox::{self, OutboxRow},
    Envelope,
};
use sqlx::{postgres::PgListener, PgPool};
use std::{
    sync::Arc,
    time::{Duration, Instant},
};
use tokio::sync::{watch, Notify};

/// Where a claimed batch goes: published to Kafka, or handed to the handlers.
#[async_trait::async_trait]
pub trait BatchSink: Send + Sync {
    /// Takes every event of the batch, in order. An error leaves the whole batch in the
    /// outbox, to be taken again.
    async fn take(&self, events: &[Envelope]) -> anyhow::Result<()>;
}

/// How far back from the newest row it took a partition's claim looks: rows that
/// transactions still open had numbered, but not committed, when a newer row was taken.
const LOOKBACK: i64 = 1_000;
/// How often a partition's claim looks from the very start, taking any row committed
/// later than [`LOOKBACK`] allows for.
const FULL_SCAN_EVERY: Duration = Duration::from_secs(1);

/// Where a partition's next claim starts looking. Taken rows stay in the outbox's index
/// until VACUUM, so claims from the start would step over every event taken since
/// (milliseconds per claim after some tens of thousands, however busy the shop is).
struct Cursor {
    after: i64,
    full_scan_at: Instant,
}

impl Cursor {
    /// A cursor whose first claim looks from the start.
    fn new() -> Self {
        Self { after: 0, full_scan_at: Instant::now() }
    }

    /// The sequence number the next claim looks after.
    fn next_claim_after(&mut self) -> i64 {
        if Instant::now() < self.full_scan_at {
            return self.after;
        }
        self.full_scan_at = Instant::now() + FULL_SCAN_EVERY;
        0
    }

    /// Records that rows up to `last_seq` were taken and committed.
    fn took(&mut self, last_seq: i64) {
        self.after = self.after.max(last_seq - LOOKBACK);
    }
}

/// Takes one batch of `partition` through `sink`, looking where `cursor` says. Returns how
/// many rows it took (0 when the partition had nothing new or another worker owns it).
async fn drain_once(
    db: &PgPool,
    sink: &dyn BatchSink,
    partition: u32,
    settings: &EventSettings,
    cursor: &mut Cursor,
) -> anyhow::Result<usize> {
    let mut tx = db.begin().await?;
    let after = cursor.next_claim_after();
    let rows =
        outbox::claim(&mut tx, partition, settings.outbox_partitions, after, settings.outbox_batch_size)
            .await?;
    let Some(last) = rows.last().map(|row| row.seq) else { return Ok(0) };
    let events = rows
        .iter()
        .map(OutboxRow::clone_envelope)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| anyhow::anyhow!("{err}"))?;
    sink.take(&events).await?;
    tx.commit().await?; // the claim deleted them
    cursor.took(last);
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
/// work, then waits for a notification (and lingers, so the events committed meanwhile share
/// the next batch) or the poll interval. Errors back off.
pub async fn run_partition(
    db: PgPool,
    sink: Arc<dyn BatchSink>,
    partition: u32,
    settings: EventSettings,
    wake: Arc<Notify>,
    mut stop: watch::Receiver<bool>,
) {
    let mut failures = 0u32;
    let mut cursor = Cursor::new();
    loop {
        if *stop.borrow() {
            return;
        }
        // Registered before the claim, so an event committed while it runs still wakes us.
        let notified = wake.notified();
        let wait = match drain_once(&db, sink.as_ref(), partition, &settings, &mut cursor).await {
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
        let woken = tokio::select! {
            _ = notified, if failures == 0 => true,
            _ = tokio::time::sleep(wait) => false,
            _ = crate::stopped(&mut stop) => return,
        };
        if woken && !settings.linger().is_zero() {
            tokio::select! {
                _ = tokio::time::sleep(settings.linger()) => {}
                _ = crate::stopped(&mut stop) => return,
            }
        }
    }
}
