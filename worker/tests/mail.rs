//! Notification mail: events become rendered mail (HTML + text) for the right person,
//! and a failing SMTP server delays mail without holding back event handling.

mod common;

use common::*;
use shopfleet_commerce::events::{Change, EventType};
use shopfleet_domain::Role;
use shopfleet_test_support::{database::migrated_database, fixtures::user};
use shopfleet_worker::default_handlers;
use std::time::Duration;

async fn record(db: &sqlx::PgPool, event: EventType, aggregate: uuid::Uuid, data: serde_json::Value) {
    let mut change = Change::begin(db).await.unwrap();
    change.record(event, aggregate, &data).unwrap();
    change.commit().await.unwrap();
}

/// A migrated database and a worker with every handler that writes its mail as files into
/// a fresh directory, polling every second.
async fn worker_writing_mail_files() -> (sqlx::PgPool, tempfile::TempDir, RunningWorker) {
    let (url, db) = migrated_database().await;
    let dir = tempfile::tempdir().unwrap();
    let settings =
        settings(&url, &[format!("--mail-dir={}", dir.path().display()), "--mail-poll-secs=1".into()]);
    let worker = RunningWorker::start(&settings, default_handlers(&settings)).await;
    (db, dir, worker)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn welcome_and_low_stock_mail_reach_the_right_people_as_files() {
    let (db, dir, worker) = worker_writing_mail_files().await;

    let shopper = user(&db, "ann@example.com", "Ann <3", Role::User).await.user_id;
    let merchant = user(&db, "bob@example.com", "Bob", Role::Merchant).await.user_id;
    record(&db, EventType::UserRegistered, shopper, serde_json::json!({"user_id": shopper})).await;
    let variant = uuid::Uuid::now_v7();
    record(
        &db,
        EventType::StockLow,
        variant,
        serde_json::json!({"product_id": variant, "variant_id": variant, "merchant_id": merchant,
            "sku": "TEE-RED-M", "available": 2, "threshold": 5}),
    )
    .await;

    eventually(Duration::from_secs(30), "both mails are written", || {
        let path = dir.path().to_owned();
        async move {
            std::fs::read_dir(path)
                .unwrap()
                .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "eml"))
                .count()
                == 2
        }
    })
    .await;
    let mails: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap())
        .collect();
    let welcome =
        mails.iter().find(|m| m.contains("To: ann@example.com")).expect("the shopper's welcome mail");
    assert!(welcome.contains("Subject: Welcome to Shopfleet, Ann <3"), "{welcome}");
    assert!(welcome.contains("Content-Type: text/plain") && welcome.contains("Content-Type: text/html"));
    assert!(welcome.contains("Ann &lt;3"), "the HTML part escapes the display name: {welcome}");
    let low_stock = mails.iter().find(|m| m.contains("To: bob@example.com")).expect("the merchant's alert");
    assert!(low_stock.contains("TEE-RED-M") && low_stock.contains("2 available"), "{low_stock}");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_smtp_server_delays_mail_but_not_event_handling() {
    let (url, db) = migrated_database().await;
    let closed_port = free_port();
    let settings =
        settings(&url, &[format!("--smtp-url=smtp://127.0.0.1:{closed_port}"), "--mail-poll-secs=1".into()]);
    let worker = RunningWorker::start(&settings, default_handlers(&settings)).await;
    let shopper = user(&db, "cy@example.com", "Cy", Role::User).await.user_id;
    record(&db, EventType::UserRegistered, shopper, serde_json::json!({"user_id": shopper})).await;

    eventually(Duration::from_secs(30), "the send was attempted and rescheduled", || {
        let db = db.clone();
        async move {
            scalar(&db, "SELECT count(*) FROM mail_outbox WHERE attempts >= 1 AND last_error IS NOT NULL")
                .await
                == 1
        }
    })
    .await;
    assert_eq!(
        scalar(&db, "SELECT count(*) FROM mail_outbox WHERE sent_at IS NULL").await,
        1,
        "still queued"
    );
    assert_eq!(
        scalar(&db, "SELECT count(*) FROM mail_outbox WHERE next_attempt_at > now() + interval '20 seconds'")
            .await,
        1,
        "retried later with backoff"
    );
    assert_eq!(scalar(&db, "SELECT count(*) FROM outbox").await, 0, "the event is settled");
    assert_eq!(
        scalar(&db, "SELECT count(*) FROM dead_letters").await,
        0,
        "mail trouble is not a handler failure"
    );
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mail_that_can_never_be_delivered_is_dead_lettered_at_once() {
    let (db, _mail_dir, worker) = worker_writing_mail_files().await;
    // An address no mail system accepts (older rows and imports can hold such values).
    let shopper = user(&db, "nobody at example dot com", "Dee", Role::User).await.user_id;
    record(&db, EventType::UserRegistered, shopper, serde_json::json!({"user_id": shopper})).await;

    eventually(Duration::from_secs(30), "the mail is dead-lettered", || {
        let db = db.clone();
        async move { scalar(&db, "SELECT count(*) FROM mail_outbox WHERE failed_at IS NOT NULL").await == 1 }
    })
    .await;
    // Two more poll intervals: a dead-lettered mail is not tried again.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        scalar(&db, "SELECT count(*) FROM mail_outbox WHERE attempts = 1 AND sent_at IS NULL").await,
        1
    );
    assert_eq!(
        scalar(&db, "SELECT count(*) FROM mail_outbox WHERE last_error LIKE '%bad recipient%'").await,
        1,
        "the reason is kept"
    );
    let body = shopfleet_platform::metrics::handle().render();
    assert!(body.contains("worker_mail_dead_lettered_total 1"), "{body}");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_placed_and_cancelled_mail_the_shopper() {
    let (db, dir, worker) = worker_writing_mail_files().await;
    let shopper = user(&db, "dee@example.com", "Dee", Role::User).await.user_id;
    let order = uuid::Uuid::now_v7();
    record(
        &db,
        EventType::OrderPlaced,
        order,
        serde_json::json!({"order_id": order, "user_id": shopper, "number": 1042, "total_minor": 3850, "currency": "EUR"}),
    )
    .await;
    record(
        &db,
        EventType::OrderCancelled,
        order,
        serde_json::json!({"order_id": order, "user_id": shopper, "reason": "payment_deadline_passed"}),
    )
    .await;
    eventually(Duration::from_secs(30), "both order mails are sent", || {
        let db = db.clone();
        async move { scalar(&db, "SELECT count(*) FROM mail_outbox WHERE sent_at IS NOT NULL").await == 2 }
    })
    .await;
    let mails: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert!(mails.iter().any(|m| m.contains("Subject: Order #1042 received") && m.contains("3850")));
    assert!(mails
        .iter()
        .any(|m| m.contains("Subject: Your order was cancelled") && m.contains("not paid in time")));
    assert!(mails.iter().all(|m| m.contains("To: dee@example.com")));
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payment_shipping_and_refund_events_mail_the_shopper() {
    let (db, dir, worker) = worker_writing_mail_files().await;
    let shopper = user(&db, "fay@example.com", "Fay", Role::User).await.user_id;
    let (order, intent) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    let base = serde_json::json!({"order_id": order, "user_id": shopper});
    let with = |extra: serde_json::Value| {
        let mut data = base.clone();
        data.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        data
    };
    record(&db, EventType::PaymentFailed, intent, with(serde_json::json!({"payment_intent_id": intent,
        "amount_minor": 3850, "currency": "EUR", "failure_code": "card_declined", "failure_message": "The card was declined."}))).await;
    record(
        &db,
        EventType::OrderPaid,
        order,
        with(serde_json::json!({"from": "pending_payment", "to": "paid",
        "reason": "payment_succeeded", "amount_minor": 3850, "currency": "EUR"})),
    )
    .await;
    record(&db, EventType::OrderShipped, order, with(serde_json::json!({"from": "fulfilling", "to": "shipped",
        "reason": "all_lines_shipped", "shipments": [{"line_no": 1, "carrier": "DHL", "tracking_number": "JD0042"}]}))).await;
    record(&db, EventType::PaymentRefunded, intent, with(serde_json::json!({"payment_intent_id": intent,
        "refund_id": uuid::Uuid::now_v7(), "amount_minor": 1000, "currency": "EUR", "refunded_minor": 1000, "reason": "damaged"}))).await;
    eventually(Duration::from_secs(30), "all four mails are sent", || {
        let db = db.clone();
        async move { scalar(&db, "SELECT count(*) FROM mail_outbox WHERE sent_at IS NOT NULL").await == 4 }
    })
    .await;
    let mails: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    let has = |subject: &str, body: &str| {
        mails.iter().any(|m| m.contains(&format!("Subject: {subject}")) && m.contains(body))
    };
    assert!(has("Your payment did not go through", "The card was declined."), "{mails:?}");
    assert!(has("Order confirmed: payment received", "38.50 EUR"), "{mails:?}");
    assert!(has("Your order has shipped", "JD0042"), "{mails:?}");
    assert!(has("Refund of 10.00 EUR", "refunded so far: 10.00 EUR"), "{mails:?}");
    worker.stop().await;
}
