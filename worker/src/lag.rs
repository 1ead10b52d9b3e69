//! Lag snapshots: what each consumer still has to read, per topic and partition, kept
//! in `consumer_lag` for the admin API (the gauges carry the same numbers). In Postgres
//! mode the "consumer" is the outbox itself: rows waiting per outbox partition.

use crate::config::EventSettings;
use shopfleet_commerce::events::{ledger, outbox};
use sqlx::PgPool;

/// Name of the outbox backlog in lag reports.
pub const OUTBOX: &str = "outbox";

/// Measures the outbox backlog per partition, exports it and stores it. Returns the total.
pub async fn measure_outbox(db: &PgPool, settings: &EventSettings) -> anyhow::Result<i64> {
    let counts = outbox::backlog(db, settings.outbox_partitions).await?;
    let lags: Vec<(String, i32, i64)> =
        counts.into_iter().map(|(partition, lag)| (OUTBOX.to_owned(), partition as i32, lag)).collect();
    for (topic, partition, lag) in &lags {
        metrics::gauge!("worker_consumer_lag", "consumer" => OUTBOX, "topic" => topic.clone(),
            "partition" => partition.to_string())
        .set(*lag as f64);
    }
    ledger::store_lag(db, OUTBOX, &lags).await?;
    Ok(lags.iter().map(|(_, _, lag)| lag).sum())
}
