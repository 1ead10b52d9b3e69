//! The bodies of the scheduled jobs (their schedules are in `config::ScheduleSettings`).

use crate::{config::EventSettings, lag};
use shopfleet_commerce::{
    catalog::search::SearchIndex, events::ledger, idempotency, job_runs, mail_outbox, workflows::Workflows,
};
use shopfleet_domain::DomainError;
use shopfleet_payment_simulator::{self as simulator, Delivery};
use sqlx::PgPool;
use std::sync::Arc;

/// Reservations or orders expired per batch.
const BATCH: i64 = 500;

/// Days handler failures, finished job runs, sent mail, processed-event records and
/// vector tombstones are kept (an embedded vector index offline longer rebuilds).
const HISTORY_DAYS: i32 = 30;

/// Expires overdue reservations (rows are claimed with SKIP LOCKED, so each expires
/// once), then invalidates cached catalog pages when availability changed.
pub async fn expire_reservations(workflows: Workflows) -> anyhow::Result<String> {
    let total = in_batches(|| workflows.expire_reservations(BATCH)).await?;
    metrics::counter!("worker_reservations_expired_total").increment(total as u64);
    Ok(format!("{total} reservations expired"))
}

/// Cancels unpaid orders past their deadline (releasing their stock and invalidating
/// cached catalog pages), batch by batch.
pub async fn expire_orders(workflows: Workflows) -> anyhow::Result<String> {
    let total = in_batches(|| workflows.expire_unpaid(BATCH)).await?;
    metrics::counter!("worker_orders_expired_total").increment(total as u64);
    Ok(format!("{total} unpaid orders expired"))
}

/// Runs `batch` until a batch comes back short. Returns how many rows all batches handled.
async fn in_batches<F, Fut>(mut batch: F) -> anyhow::Result<usize>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<usize, DomainError>>,
{
    let mut total = 0;
    loop {
        let count = batch().await?;
        total += count;
        if count < BATCH as usize {
            break;
        }
    }
    Ok(total)
}

/// Deletes expired idempotency keys, old bookkeeping rows and old vector tombstones.
pub async fn prune(db: PgPool) -> anyhow::Result<String> {
    let history = ledger::prune(&db, HISTORY_DAYS).await?
        + job_runs::prune(&db, HISTORY_DAYS).await?
        + mail_outbox::prune(&db, HISTORY_DAYS).await?;
    let keys = idempotency::prune_expired(&db).await?;
    let tombstones = shopfleet_assistant::store::prune_tombstones(&db, HISTORY_DAYS).await?;
    Ok(format!("{keys} idempotency keys, {history} history rows and {tombstones} vector tombstones pruned"))
}

/// Rebuilds the search index from Postgres (the postgres backend logs that it needs none).
pub async fn reindex_search(db: PgPool, index: Arc<dyn SearchIndex>) -> anyhow::Result<String> {
    index.reindex(&db).await
}

/// Measures the outbox backlog (the consumers measure their own Kafka lag).
pub async fn measure_lag(db: PgPool, settings: EventSettings) -> anyhow::Result<String> {
    let backlog = lag::measure_outbox(&db, &settings).await?;
    Ok(format!("{backlog} outbox rows waiting"))
}

/// The simulated payment provider's background work: settles `processing` payments
/// whose time came, delivers due webhooks (retried with backoff) and retries refunds
/// left pending. With a real provider the first two happen at the provider.
pub async fn run_payments(db: PgPool, workflows: Workflows, delivery: Delivery) -> anyhow::Result<String> {
    let settled = simulator::settle_due(&db, BATCH).await?;
    let delivered = simulator::deliver_due(&db, &delivery, BATCH).await?;
    let refunds = workflows.retry_pending_refunds(BATCH).await?;
    Ok(format!(
        "{settled} payments settled, {delivered} webhooks delivered, {refunds} pending refunds retried"
    ))
}
