//! The event pipeline end to end, in both modes, against real Postgres and a real
//! Kafka-protocol broker: every event reaches every handler exactly once in effect and
//! in order per aggregate, even with several workers; failures are retried, then
//! dead-lettered, and replay works once the fault is fixed.

mod common;

use common::*;
use shopfleet_commerce::events::Handler;
use shopfleet_test_support::database::migrated_database;
use std::{sync::atomic::Ordering, sync::Arc, time::Duration};

const AGGREGATES: usize = 12;
const PER_AGGREGATE: usize = 25;

async fn two_workers_deliver_everything_once_in_order(extra: Vec<String>) {
    let (url, db) = migrated_database().await;
    create_effects_table(&db).await;
    let settings = settings(&url, &extra);
    let (first, second) = (Recorder::new("recorder"), Recorder::new("auditor"));
    let handlers = || -> Vec<Arc<dyn Handler>> { vec![first.clone(), second.clone()] };
    let workers = [
        RunningWorker::start(&settings, handlers()).await,
        RunningWorker::start(&settings, handlers()).await,
    ];

    emit(&db, AGGREGATES, PER_AGGREGATE).await;
    let total = (2 * AGGREGATES * PER_AGGREGATE) as i64;
    let applied = within(Duration::from_secs(60), || {
        let db = db.clone();
        async move { scalar(&db, "SELECT count(*) FROM test_effects").await >= total }
    })
    .await;
    assert!(applied, "not every event was applied within 60 s: {}", progress(&db).await);
    // Let any straggling duplicate delivery land before asserting there is none.
    tokio::time::sleep(Duration::from_millis(500)).await;
    for handler in ["recorder", "auditor"] {
        assert_exactly_once_in_order(&db, handler, AGGREGATES, PER_AGGREGATE).await;
    }
    assert_eq!(scalar(&db, "SELECT count(*) FROM outbox").await, 0);
    for worker in workers {
        worker.stop().await;
    }
}

/// Where the pipeline stands: effects per handler, outbox rows waiting, the last lag
/// each consumer reported, failed attempts per handler and dead letters.
async fn progress(db: &sqlx::PgPool) -> String {
    let effects = per_handler(db, "test_effects").await;
    let waiting = scalar(db, "SELECT count(*) FROM outbox").await;
    let lags: Vec<(String, i64)> = sqlx::query_as(
        "SELECT consumer, sum(lag)::bigint FROM consumer_lag GROUP BY consumer ORDER BY consumer",
    )
    .fetch_all(db)
    .await
    .unwrap();
    let failures = per_handler(db, "handler_failures").await;
    let dead_letters = scalar(db, "SELECT count(*) FROM dead_letters").await;
    format!(
        "effects per handler {effects:?}, {waiting} outbox rows waiting, lag per consumer {lags:?}, \
         failed attempts per handler {failures:?}, {dead_letters} dead letters"
    )
}

/// Rows of `table` counted by its `handler` column.
async fn per_handler(db: &sqlx::PgPool, table: &str) -> Vec<(String, i64)> {
    sqlx::query_as(&format!("SELECT handler, count(*) FROM {table} GROUP BY handler ORDER BY handler"))
        .fetch_all(db)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_mode_two_workers_deliver_every_event_once_in_order() {
    two_workers_deliver_everything_once_in_order(vec![]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kafka_mode_two_workers_deliver_every_event_once_in_order() {
    two_workers_deliver_everything_once_in_order(kafka_flags(&kafka_brokers())).await;
}

async fn failing_handler_dead_letters_then_replays(extra: Vec<String>) {
    let (url, db) = migrated_database().await;
    create_effects_table(&db).await;
    let mut flags = extra.clone();
    flags.push("--handler-max-attempts=3".into());
    let settings = settings(&url, &flags);
    let broken = Recorder::new("broken");
    broken.failing.store(true, Ordering::SeqCst);
    let worker = RunningWorker::start(&settings, vec![broken.clone()]).await;

    emit(&db, 1, 1).await;
    eventually(Duration::from_secs(30), "the event is dead-lettered", || {
        let db = db.clone();
        async move { scalar(&db, "SELECT count(*) FROM dead_letters").await == 1 }
    })
    .await;
    let (attempts, error): (i32, String) =
        sqlx::query_as("SELECT attempts, error FROM dead_letters").fetch_one(&db).await.unwrap();
    assert_eq!(attempts, 3, "dead-lettered after the configured attempts");
    assert!(error.contains("fault is switched on"), "{error}");
    assert_eq!(
        scalar(&db, "SELECT count(*) FROM handler_failures").await,
        3,
        "every failed attempt recorded"
    );
    assert_eq!(scalar(&db, "SELECT count(*) FROM test_effects").await, 0);

    // A replay while the fault persists fails again and keeps the dead letter.
    sqlx::query("UPDATE dead_letters SET replay_requested_at = now()").execute(&db).await.unwrap();
    eventually(Duration::from_secs(15), "the failed replay is recorded", || {
        let db = db.clone();
        async move {
            scalar(&db, "SELECT count(*) FROM dead_letters WHERE replay_requested_at IS NULL").await == 1
        }
    })
    .await;
    assert_eq!(scalar(&db, "SELECT attempts::bigint FROM dead_letters").await, 4);

    broken.failing.store(false, Ordering::SeqCst);
    sqlx::query("UPDATE dead_letters SET replay_requested_at = now()").execute(&db).await.unwrap();
    eventually(Duration::from_secs(15), "the replay succeeds", || {
        let db = db.clone();
        async move { scalar(&db, "SELECT count(*) FROM dead_letters WHERE replayed_at IS NOT NULL").await == 1 }
    })
    .await;
    assert_eq!(
        scalar(&db, "SELECT count(*) FROM test_effects").await,
        1,
        "applied exactly once by the replay"
    );
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_mode_failing_handler_dead_letters_then_replays() {
    failing_handler_dead_letters_then_replays(vec![]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kafka_mode_failing_handler_dead_letters_to_the_topic_then_replays() {
    let flags = kafka_flags(&kafka_brokers());
    let prefix = flags[1].trim_start_matches("--kafka-topic-prefix=").to_owned();
    failing_handler_dead_letters_then_replays(flags).await;
    let dlq = read_topic(&kafka_brokers(), &format!("{prefix}.dlq"), 1).await;
    assert_eq!(dlq.len(), 1, "one message on the DLQ topic");
    let (payload, headers) = &dlq[0];
    assert_eq!(payload["type"], "product.updated", "{payload}");
    assert_eq!(headers.get("handler").map(String::as_str), Some("broken"));
    assert!(headers.get("error").is_some_and(|error| error.contains("fault is switched on")), "{headers:?}");
}

/// Reads `expected` messages from the start of `topic` (payload as JSON, headers).
async fn read_topic(
    brokers: &str,
    topic: &str,
    expected: usize,
) -> Vec<(serde_json::Value, std::collections::HashMap<String, String>)> {
    use rdkafka::{
        consumer::{Consumer, StreamConsumer},
        message::Headers,
        ClientConfig, Message,
    };
    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", format!("reader-{}", uuid::Uuid::new_v4().simple()))
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    consumer.subscribe(&[topic]).unwrap();
    let mut messages = Vec::new();
    while messages.len() < expected {
        let message =
            tokio::time::timeout(Duration::from_secs(30), consumer.recv()).await.expect("a message").unwrap();
        let payload = serde_json::from_slice(message.payload().unwrap()).unwrap();
        let headers = message
            .headers()
            .map(|headers| {
                headers
                    .iter()
                    .map(|h| {
                        (h.key.to_owned(), String::from_utf8_lossy(h.value.unwrap_or_default()).into_owned())
                    })
                    .collect()
            })
            .unwrap_or_default();
        messages.push((payload, headers));
    }
    messages
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn event_counters_are_exported_at_zero_before_any_event() {
    let (url, _db) = migrated_database().await;
    let settings = settings(&url, &[]);
    let worker = RunningWorker::start(&settings, vec![Recorder::new("recorder") as Arc<dyn Handler>]).await;
    let metrics = shopfleet_platform::metrics::handle().render();
    for series in [
        r#"worker_events_failed_total{handler="recorder"} 0"#,
        r#"worker_events_retried_total{handler="recorder"} 0"#,
        r#"worker_events_handled_total{handler="recorder",outcome="dead_lettered"} 0"#,
    ] {
        assert!(metrics.contains(series), "{series} missing from:\n{metrics}");
    }
    worker.stop().await;
}

/// A claim looks only a little way back from the newest row it took, so a row numbered
/// long before the rows published meanwhile (a transaction that stayed open) is left to
/// the periodic scan from the start: it is still delivered, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_committed_after_thousands_of_newer_ones_is_still_delivered() {
    let (url, db) = migrated_database().await;
    create_effects_table(&db).await;
    let worker =
        RunningWorker::start(&settings(&url, &[]), vec![Recorder::new("recorder") as Arc<dyn Handler>]).await;
    // Written, not committed, before the newer rows: its `seq` is drawn first.
    let mut straggler = db.begin().await.unwrap();
    let event = shopfleet_commerce::events::Envelope::new(
        shopfleet_commerce::events::EventType::ProductUpdated,
        "aggregate-0", // the partition of rows emitted next
        &serde_json::json!({ "n": -1 }),
    )
    .unwrap();
    shopfleet_commerce::events::outbox::append(&mut straggler, &[event]).await.unwrap();
    let (aggregates, per_aggregate) = (4, 400); // far more rows than a claim looks back over
    emit(&db, aggregates, per_aggregate).await;
    let newer = (aggregates * per_aggregate) as i64;
    let published = within(Duration::from_secs(60), || {
        let db = db.clone();
        async move { scalar(&db, "SELECT count(*) FROM test_effects").await >= newer }
    })
    .await;
    assert!(published, "the newer events were not applied within 60 s: {}", progress(&db).await);

    straggler.commit().await.unwrap();
    let delivered = within(Duration::from_secs(15), || {
        let db = db.clone();
        async move { scalar(&db, "SELECT count(*) FROM test_effects WHERE n = -1").await == 1 }
    })
    .await;
    assert!(delivered, "the late event was not applied within 15 s: {}", progress(&db).await);
    assert_eq!(scalar(&db, "SELECT count(*) FROM test_effects").await, newer + 1);
    assert_eq!(scalar(&db, "SELECT count(*) FROM outbox").await, 0);
    worker.stop().await;
}
