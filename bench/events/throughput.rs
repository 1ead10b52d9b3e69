//! Event backbone benchmark (issue 6): 10,000 state changes, each a transaction that
//! writes an outbox event, for 200 aggregates written concurrently (over a 10-connection
//! pool); a worker (in this process, release
//! build) carries them to a handler that records its effect. Reports events/s from the
//! first change to the last effect and the change→effect delay (p50/p99/max), measured
//! in Postgres (the event's `occurred_at`, as the handler received it, to the effect row's
//! `clock_timestamp()`).
//!
//! cargo run --release -p shopfleet-worker --example event_throughput -- [postgres|kafka] [events]
//! (bench/events.sh runs both modes beside pgbench.)

#[path = "../../worker/tests/common/mod.rs"]
mod common;

use common::*;
use shopfleet_test_support::database::migrated_database;
use std::time::{Duration, Instant};

/// Aggregates written concurrently, each by its own task.
const AGGREGATES: usize = 200;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "postgres".into());
    let events: usize = args.next().map(|n| n.parse().expect("events is a number")).unwrap_or(10_000);
    let (url, db) = migrated_database().await;
    sqlx::query(
        "CREATE TABLE test_effects (
            id bigserial PRIMARY KEY, handler text NOT NULL, event_id uuid NOT NULL,
            aggregate_id text NOT NULL, n integer NOT NULL, occurred_at timestamptz NOT NULL,
            at timestamptz NOT NULL DEFAULT clock_timestamp())",
    )
    .execute(&db)
    .await
    .unwrap();
    let flags = match mode.as_str() {
        "postgres" => vec![],
        "kafka" => kafka_flags(&kafka_brokers()),
        other => panic!("mode is postgres or kafka, not {other}"),
    };
    let mut settings = settings(&url, &flags);
    settings.database.max_connections = 20;
    let worker = RunningWorker::start(&settings, vec![Recorder::new("recorder")]).await;

    let started = Instant::now();
    emit(&db, AGGREGATES, events / AGGREGATES).await;
    let total = (events / AGGREGATES * AGGREGATES) as i64;
    let written = started.elapsed();
    eventually(Duration::from_secs(600), "every event reached the handler", || {
        let db = db.clone();
        async move { scalar(&db, "SELECT count(*) FROM test_effects").await >= total }
    })
    .await;
    let (p50, p99, max, span): (f64, f64, f64, f64) = sqlx::query_as(
        "WITH d AS (SELECT at, occurred_at, (extract(epoch FROM at - occurred_at) * 1000)::float8 AS ms
                    FROM test_effects)
         SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms), percentile_cont(0.99) WITHIN GROUP (ORDER BY ms),
                max(ms), extract(epoch FROM max(at) - min(occurred_at))::float8 FROM d",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    worker.stop().await;
    println!(
        "{{\"mode\":\"{mode}\",\"events\":{total},\"aggregates\":{AGGREGATES},\"write_secs\":{:.2},\"events_per_sec\":{:.0},\"delay_ms\":{{\"p50\":{p50:.1},\"p99\":{p99:.1},\"max\":{max:.1}}}}}",
        written.as_secs_f64(),
        total as f64 / span
    );
}
