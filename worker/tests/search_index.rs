//! The `search_index` handler and the nightly re-index job: the handler runs only with
//! the Meilisearch backend, follows product and stock events, is retried and then
//! dead-lettered while Meilisearch is down; the re-index job runs once per tick across
//! workers (a logged no-op on Postgres). The Meilisearch server is the one at `MEILI_URL`
//! (`make test` starts one).

mod common;

use common::*;
use shopfleet_commerce::{
    catalog::{
        inventory::{self, NewAdjustment},
        listing::{ListingQuery, DEFAULT_PAGE_SIZE},
        products::{self, ProductPatch},
        search::{SearchIndex, SearchQuery},
        ProductStatus,
    },
    events::{Envelope, EventType},
};
use shopfleet_test_support::{
    database::{meili_flags, meili_url, migrated_database},
    fixtures::{merchant, product},
};
use shopfleet_worker::{default_handlers, scheduler};
use sqlx::PgPool;
use std::time::Duration;
use uuid::Uuid;

fn envelope(event: EventType) -> Envelope {
    Envelope::new(event, Uuid::nil(), &serde_json::json!({})).unwrap()
}

#[tokio::test]
async fn the_handler_runs_only_with_meilisearch_and_wants_catalog_and_stock_events() {
    let (url, _db) = migrated_database().await;
    let names = |settings| default_handlers(&settings).iter().map(|h| h.name()).collect::<Vec<_>>();
    assert!(!names(settings(&url, &[])).contains(&"search_index"), "postgres needs no sync");

    let meili = settings(&url, &meili_flags("http://127.0.0.1:7700"));
    let handlers = default_handlers(&meili);
    let handler = handlers.iter().find(|h| h.name() == "search_index").expect("registered with meilisearch");
    for event in EventType::ALL {
        let wanted = matches!(
            event,
            EventType::ProductCreated
                | EventType::ProductUpdated
                | EventType::ProductArchived
                | EventType::ProductDeleted
                | EventType::StockChanged
        );
        assert_eq!(handler.wants(&envelope(*event)), wanted, "{}", event.name());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_meilisearch_down_events_are_retried_then_dead_lettered() {
    let (url, db) = migrated_database().await;
    let mut flags = meili_flags(&format!("http://127.0.0.1:{}", free_port()));
    flags.push("--handler-max-attempts=2".to_owned());
    let settings = settings(&url, &flags);
    let worker = RunningWorker::start(&settings, default_handlers(&settings)).await;
    let product = product(&db, &merchant(&db).await, "Fjord Merino Socks", "SOCK-FJ-1").await;

    eventually(Duration::from_secs(30), "the product.created event is dead-lettered", || {
        let db = db.clone();
        async move {
            scalar(&db, "SELECT count(*) FROM dead_letters WHERE handler = 'search_index'").await == 1
        }
    })
    .await;
    worker.stop().await;
    let (event, attempts): (serde_json::Value, i32) =
        sqlx::query_as("SELECT event, attempts FROM dead_letters WHERE handler = 'search_index'")
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!(attempts, 2);
    assert_eq!(event["type"], "product.created");
    assert_eq!(event["data"]["product_id"], product.id.to_string());
    let processed = scalar(&db, "SELECT count(*) FROM processed_events WHERE handler = 'search_index'").await;
    assert_eq!(processed, 0, "a failed upsert is not recorded as handled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_reindex_job_runs_once_per_tick_across_workers() {
    let (url, db) = migrated_database().await;
    let settings = settings(&url, &["--schedule-reindex=* * * * * *".to_owned()]);
    let state = shopfleet_worker::probe_state(&settings).unwrap();
    let reindex: Vec<_> = shopfleet_worker::jobs(&settings, &state)
        .unwrap()
        .into_iter()
        .filter(|job| job.name == "reindex_search")
        .collect();
    assert_eq!(reindex.len(), 1);
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let schedulers = [
        tokio::spawn(scheduler::run(db.clone(), "worker-a".into(), reindex.clone(), stop.clone())),
        tokio::spawn(scheduler::run(db.clone(), "worker-b".into(), reindex, stop)),
    ];
    tokio::time::sleep(Duration::from_millis(3_300)).await;
    stop_tx.send(true).unwrap();
    for scheduler in schedulers {
        tokio::time::timeout(Duration::from_secs(5), scheduler).await.expect("scheduler stops").unwrap();
    }
    let runs = scalar(&db, "SELECT count(*) FROM job_runs WHERE job = 'reindex_search'").await;
    assert!((2..=4).contains(&runs), "one run per second over ~3 s, got {runs}");
    let distinct =
        scalar(&db, "SELECT count(DISTINCT tick) FROM job_runs WHERE job = 'reindex_search'").await;
    assert_eq!(distinct, runs, "each tick ran once");
    let noop = scalar(
        &db,
        "SELECT count(*) FROM job_runs WHERE job = 'reindex_search' AND outcome LIKE 'ok: nothing to do%'",
    )
    .await;
    assert_eq!(noop, runs, "the postgres backend needs no re-index and says so");
}

/// Product titles the index finds for `text`.
async fn found(index: &dyn SearchIndex, db: &PgPool, text: &str, in_stock: Option<bool>) -> Vec<String> {
    let query = SearchQuery {
        text: text.to_owned(),
        filters: ListingQuery { limit: DEFAULT_PAGE_SIZE, in_stock, ..Default::default() },
        page: 1,
    };
    index.search(db, &query).await.unwrap().items.into_iter().map(|hit| hit.product.title).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_handler_keeps_meilisearch_in_step_with_the_catalog() {
    let meili_url = meili_url();
    let (url, db) = migrated_database().await;
    let settings = settings(&url, &meili_flags(&meili_url));
    let index = settings.search.index().unwrap();
    index.configure().await.unwrap();
    let worker = RunningWorker::start(&settings, default_handlers(&settings)).await;
    let caller = merchant(&db).await;

    let socks = product(&db, &caller, "Fjord Merino Socks", "SOCK-FJ-1").await;
    product(&db, &caller, "Fjord Wool Hat", "HAT-FJ-1").await;
    let wait = |text: &'static str, in_stock: Option<bool>, expected: Vec<&'static str>| {
        let (index, db) = (index.clone(), db.clone());
        async move {
            eventually(Duration::from_secs(30), &format!("`{text}` finds {expected:?}"), || {
                let (index, db, expected) = (index.clone(), db.clone(), expected.clone());
                async move { found(index.as_ref(), &db, text, in_stock).await == expected }
            })
            .await
        }
    };
    wait("merino", None, vec!["Fjord Merino Socks"]).await;

    let patch = ProductPatch {
        title: Some("Fjord Merino Crew Socks".into()),
        description: None,
        status: None,
        tax_class: None,
    };
    products::update(&db, &caller, socks.id, &patch).await.unwrap();
    wait("crew", None, vec!["Fjord Merino Crew Socks"]).await;

    let variant = products::get(&db, &socks.id.to_string()).await.unwrap().unwrap().variants[0].id;
    let sold_out: NewAdjustment =
        serde_json::from_value(serde_json::json!({"kind": "correction", "quantity": 0, "reason": "counted"}))
            .unwrap();
    inventory::adjust(&db, &caller, variant, &sold_out).await.unwrap();
    wait("fjord", Some(true), vec!["Fjord Wool Hat"]).await;

    let archive = ProductPatch {
        title: None,
        description: None,
        status: Some(ProductStatus::Archived),
        tax_class: None,
    };
    products::update(&db, &caller, socks.id, &archive).await.unwrap();
    wait("merino", None, vec![]).await;
    // The index changes before the handler records the event as processed: wait for both.
    eventually(
        Duration::from_secs(30),
        "created ×2, updated, stock changed and archived are recorded",
        || {
            let db = db.clone();
            async move {
                scalar(&db, "SELECT count(*) FROM processed_events WHERE handler = 'search_index'").await >= 5
            }
        },
    )
    .await;
    worker.stop().await;
}
