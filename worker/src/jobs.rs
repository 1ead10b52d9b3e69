//! Scheduled jobs. For now: expiring overdue stock reservations, which every worker
//! replica may run at once (rows are claimed with SKIP LOCKED, so each expires once).

use shopfleet_commerce::catalog::{cache::CatalogCache, reservations};
use sqlx::PgPool;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Reservations expired per batch.
const BATCH: i64 = 500;

/// Expires overdue reservations every `interval` until `stop` turns true, then
/// invalidates cached catalog pages (availability changed).
pub async fn expire_reservations(
    db: PgPool,
    cache: CatalogCache,
    interval: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = stop.changed() => return,
        }
        let started = Instant::now();
        loop {
            match reservations::expire_due(&db, BATCH).await {
                Ok(count) => {
                    metrics::counter!("worker_reservations_expired_total").increment(count as u64);
                    if count > 0 {
                        tracing::info!(count, "expired stock reservations");
                        cache.invalidate().await;
                    }
                    if count < BATCH as usize {
                        break;
                    }
                }
                Err(err) => {
                    metrics::counter!("worker_job_failures_total", "job" => "expire_reservations")
                        .increment(1);
                    tracing::warn!(error = %err, "expiring reservations failed; retrying next tick");
                    break;
                }
            }
        }
        metrics::histogram!("worker_job_duration_seconds", "job" => "expire_reservations")
            .record(started.elapsed().as_secs_f64());
    }
}
