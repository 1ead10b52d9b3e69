//! Worker test harness: a migrated database per test, worker settings as the binary
//! would parse them, a handler that records its effects in a table, and helpers to
//! emit events and wait for their effects.
#![allow(dead_code, unused_imports)] // each test binary uses a different part of the harness

use clap::Parser;
use shopfleet_commerce::events::{Change, Envelope, EventType, Handler, HandlerError};
pub use shopfleet_test_support::{
    scalar,
    services::{env_or, kafka_brokers, redis_url},
    wait::{eventually, free_port, wait_for_port, within},
};
use shopfleet_worker::config::WorkerSettings;
use sqlx::{PgConnection, PgPool};
use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};
use tokio::{sync::watch, task::JoinSet};

#[derive(Parser)]
struct SettingsParser {
    #[command(flatten)]
    settings: WorkerSettings,
}

/// Settings for a worker on `database_url` with fast retries, plus `extra` flags.
pub fn settings(database_url: &str, extra: &[String]) -> WorkerSettings {
    let mut args = vec![
        "shopfleet-worker".to_owned(),
        format!("--database-url={database_url}"),
        format!("--redis-url={}", redis_url()),
        format!("--redis-key-prefix=test:{}", uuid::Uuid::new_v4().simple()),
        "--handler-retry-base-ms=10".to_owned(),
        "--outbox-poll-ms=100".to_owned(),
        format!("--payments-webhook-secrets={}", uuid::Uuid::new_v4().simple().to_string().repeat(2)),
    ];
    args.extend(extra.iter().cloned());
    SettingsParser::try_parse_from(args).expect("test settings parse").settings
}

/// Flags for Kafka mode with topics and consumer groups of this test only.
pub fn kafka_flags(brokers: &str) -> Vec<String> {
    let run = uuid::Uuid::new_v4().simple().to_string();
    vec![
        format!("--kafka-brokers={brokers}"),
        format!("--kafka-topic-prefix=t{run}"),
        format!("--kafka-group-prefix=g{run}"),
    ]
}

/// A running worker (its background tasks, in this process).
pub struct RunningWorker {
    stop: watch::Sender<bool>,
    tasks: JoinSet<()>,
}

impl RunningWorker {
    pub async fn start(settings: &WorkerSettings, handlers: Vec<Arc<dyn Handler>>) -> Self {
        capture_logs();
        let state = shopfleet_worker::probe_state(settings).expect("probe state");
        let (stop, stop_rx) = watch::channel(false);
        let tasks =
            shopfleet_worker::start(settings, &state, handlers, stop_rx).await.expect("worker starts");
        Self { stop, tasks }
    }

    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        tokio::time::timeout(Duration::from_secs(30), async {
            while self.tasks.join_next().await.is_some() {}
        })
        .await
        .expect("worker tasks stop");
    }
}

/// Sends the worker's logs (`RUST_LOG`, else its info lines and every warning) to the
/// test's output, which nextest shows when the test fails.
fn capture_logs() {
    static INIT: std::sync::Once = std::sync::Once::new();
    INIT.call_once(|| {
        let filter = tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,shopfleet_worker=info"));
        tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().init();
    });
}

/// Creates the table [`Recorder`] writes to.
pub async fn create_effects_table(db: &PgPool) {
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS test_effects (
            id bigserial PRIMARY KEY, handler text NOT NULL, event_id uuid NOT NULL,
            aggregate_id text NOT NULL, n integer NOT NULL, occurred_at timestamptz NOT NULL)",
    )
    .execute(db)
    .await
    .unwrap();
}

/// A handler that records each event it applies in `test_effects` (with when it occurred),
/// in its transaction.
/// While `failing` is set it fails every time (retryably).
pub struct Recorder {
    pub name: &'static str,
    pub failing: Arc<AtomicBool>,
}

impl Recorder {
    pub fn new(name: &'static str) -> Arc<Self> {
        Arc::new(Self { name, failing: Arc::new(AtomicBool::new(false)) })
    }
}

#[async_trait::async_trait]
impl Handler for Recorder {
    fn name(&self) -> &'static str {
        self.name
    }

    fn wants(&self, event: &Envelope) -> bool {
        event.event_type == EventType::ProductUpdated.name()
    }

    async fn handle(&self, event: &Envelope, tx: &mut PgConnection) -> Result<(), HandlerError> {
        if self.failing.load(Ordering::SeqCst) {
            return Err(HandlerError::Retryable(anyhow::anyhow!("the test's fault is switched on")));
        }
        let n = event.data["n"].as_i64().ok_or_else(|| HandlerError::Permanent(anyhow::anyhow!("no n")))?;
        sqlx::query(
            "INSERT INTO test_effects (handler, event_id, aggregate_id, n, occurred_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(self.name)
        .bind(event.id)
        .bind(&event.aggregate_id)
        .bind(n as i32)
        .bind(event.occurred_at)
        .execute(&mut *tx)
        .await?;
        Ok(())
    }
}

/// Writes `per_aggregate` events for each of `aggregates` aggregates, each aggregate's
/// events numbered 0.. in commit order, from concurrent writers.
pub async fn emit(db: &PgPool, aggregates: usize, per_aggregate: usize) {
    emit_range(db, aggregates, 0..per_aggregate).await;
}

/// Like [`emit`], numbering each aggregate's events over `numbers`.
pub async fn emit_range(db: &PgPool, aggregates: usize, numbers: std::ops::Range<usize>) {
    let mut writers = JoinSet::new();
    for aggregate in 0..aggregates {
        let (db, numbers) = (db.clone(), numbers.clone());
        writers.spawn(async move {
            let aggregate_id = format!("aggregate-{aggregate}");
            for n in numbers {
                let mut change = Change::begin(&db).await.unwrap();
                change
                    .record(EventType::ProductUpdated, &aggregate_id, &serde_json::json!({ "n": n }))
                    .unwrap();
                change.commit().await.unwrap();
            }
        });
    }
    while let Some(result) = writers.join_next().await {
        result.unwrap();
    }
}

/// Asserts each of `handler`'s effects happened exactly once and, per aggregate, in order.
pub async fn assert_exactly_once_in_order(
    db: &PgPool,
    handler: &str,
    aggregates: usize,
    per_aggregate: usize,
) {
    let rows: Vec<(String, i32)> =
        sqlx::query_as("SELECT aggregate_id, n FROM test_effects WHERE handler = $1 ORDER BY id")
            .bind(handler)
            .fetch_all(db)
            .await
            .unwrap();
    assert_eq!(rows.len(), aggregates * per_aggregate, "every event applied exactly once");
    for aggregate in 0..aggregates {
        let seen: Vec<i32> =
            rows.iter().filter(|(id, _)| *id == format!("aggregate-{aggregate}")).map(|(_, n)| *n).collect();
        let expected: Vec<i32> = (0..per_aggregate as i32).collect();
        assert_eq!(seen, expected, "aggregate-{aggregate} applied in order, without gaps or repeats");
    }
}
