//! Lag snapshots: what each consumer still has to read, per topic and partition, kept
//! in `consumer_lag` for the admin API (the gauges carry the same numbers). In Postgres
//! mode the "consumer" is the outbox itself: unpublished rows per outbox partition.

use crate::{config::EventSettings, pipeline::outbox::partition_of};
use sqlx::PgPool;

/// Name of the outbox backlog in lag reports.
pub const OUTBOX: &str = "outbox";

/// Replaces `consumer`'s rows in `consumer_lag` with `lags` (topic, partition, lag).
pub async fn store(db: &PgPool, consumer: &str, lags: &[(String, i32, i64)]) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM consumer_lag WHERE consumer = $1").bind(consumer).execute(&mut *tx).await?;
    for (topic, partition, lag) in lags {
        sqlx::query("INSERT INTO consumer_lag (consumer, topic, partition, lag) VALUES ($1, $2, $3, $4)")
            .bind(consumer)
            .bind(topic)
            .bind(partition)
            .bind(lag)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Measures the outbox backlog per partition, exports it and stores it. Returns the total.
pub async fn measure_outbox(db: &PgPool, settings: &EventSettings) -> anyhow::Result<i64> {
    let counts: Vec<(i64, i64)> = sqlx::query_as(&format!(
        "SELECT p, count(o.seq) FROM generate_series(0, $1 - 1) AS p
         LEFT JOIN outbox o ON o.published_at IS NULL AND {} = p
         GROUP BY p ORDER BY p",
        partition_of("$1")
    ))
    .bind(settings.outbox_partitions as i64)
    .fetch_all(db)
    .await?;
    let lags: Vec<(String, i32, i64)> =
        counts.into_iter().map(|(partition, lag)| (OUTBOX.to_owned(), partition as i32, lag)).collect();
    for (topic, partition, lag) in &lags {
        metrics::gauge!("worker_consumer_lag", "consumer" => OUTBOX, "topic" => topic.clone(),
            "partition" => partition.to_string())
        .set(*lag as f64);
    }
    store(db, OUTBOX, &lags).await?;
    Ok(lags.iter().map(|(_, _, lag)| lag).sum())
}
