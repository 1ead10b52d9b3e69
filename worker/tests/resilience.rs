//! Failures of the worker and the broker lose nothing and apply nothing twice:
//! SIGKILL in the middle of a batch, and a broker that goes away while the shop keeps
//! writing events.

mod common;

use common::*;
use shopfleet_commerce::events::{Change, EventType};
use shopfleet_test_support::database::migrated_database;
use std::{process::Stdio, time::Duration};

const USERS: usize = 400;

/// Registers `USERS` users the way the API does (user row + `user.registered` event).
async fn register_users(db: &sqlx::PgPool) {
    let mut change = Change::begin(db).await.unwrap();
    for i in 0..USERS {
        let id = uuid::Uuid::now_v7();
        let email = format!("user{i}@example.com");
        sqlx::query("INSERT INTO users (id, email, password_hash) VALUES ($1, $2, 'not-a-hash')")
            .bind(id)
            .bind(&email)
            .execute(&mut *change)
            .await
            .unwrap();
        change
            .record(EventType::UserRegistered, id, &serde_json::json!({ "user_id": id, "email": email }))
            .unwrap();
    }
    change.commit().await.unwrap();
}

fn spawn_worker_binary(database_url: &str, mail_dir: &std::path::Path) -> tokio::process::Child {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_shopfleet-worker"))
        .env_clear()
        .env("DATABASE_URL", database_url)
        .env("REDIS_URL", redis_url())
        .env("WORKER_HOST", "127.0.0.1")
        .env("WORKER_PORT", free_port().to_string())
        .env("MAIL_DIR", mail_dir)
        .env("PAYMENTS_WEBHOOK_SECRETS", "whsec_0123456789abcdef0123456789abcdef")
        .env("MAIL_POLL_SECS", "1")
        .env("OUTBOX_BATCH_SIZE", "10")
        .env("OUTBOX_POLL_MS", "50")
        .env("EMBEDDING_MODEL_DIR", env_or("EMBEDDING_MODEL_DIR", "models/all-MiniLM-L6-v2"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the worker binary starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_batch_loses_no_event_and_sends_no_mail_twice() {
    let (url, db) = migrated_database().await;
    let mail_dir = tempfile::tempdir().unwrap();
    register_users(&db).await;

    let mut worker = spawn_worker_binary(&url, mail_dir.path());
    eventually(Duration::from_secs(60), "the worker is part-way through the events", || {
        let db = db.clone();
        async move { scalar(&db, "SELECT count(*) FROM mail_outbox").await >= 30 }
    })
    .await;
    worker.start_kill().unwrap(); // SIGKILL
    worker.wait().await.unwrap();
    let queued_at_kill = scalar(&db, "SELECT count(*) FROM mail_outbox").await as usize;
    assert!(queued_at_kill < USERS, "killed mid-way ({queued_at_kill} of {USERS} queued)");

    let mut worker = spawn_worker_binary(&url, mail_dir.path());
    eventually(Duration::from_secs(120), "every mail is sent after the restart", || {
        let db = db.clone();
        async move {
            scalar(&db, "SELECT count(*) FROM mail_outbox WHERE sent_at IS NOT NULL").await == USERS as i64
        }
    })
    .await;
    worker.start_kill().unwrap();
    worker.wait().await.unwrap();

    assert_eq!(scalar(&db, "SELECT count(*) FROM mail_outbox").await, USERS as i64, "one mail per event");
    assert_eq!(
        scalar(&db, "SELECT count(*) FROM processed_events WHERE handler = 'email'").await,
        USERS as i64
    );
    assert_eq!(scalar(&db, "SELECT count(*) FROM outbox").await, 0);
    let files: Vec<_> = std::fs::read_dir(mail_dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".eml") && !name.starts_with('.'))
        .collect();
    assert_eq!(files.len(), USERS, "one mail file per registered user");
    let recipients: std::collections::HashSet<String> = files
        .iter()
        .map(|name| {
            let mail = std::fs::read_to_string(mail_dir.path().join(name)).unwrap();
            let to = mail.lines().find(|line| line.starts_with("To: ")).expect("a To header").to_owned();
            assert!(mail.contains("Subject: Welcome to Shopfleet"), "{mail}");
            to
        })
        .collect();
    assert_eq!(recipients.len(), USERS, "every user got their own mail, nobody got two");
}

/// A tansu broker on its own port, in memory.
struct Broker {
    port: u16,
    process: tokio::process::Child,
}

impl Broker {
    async fn start(port: u16) -> Broker {
        let process = tokio::process::Command::new("tansu")
            .args(["broker", "--storage-engine", "memory://tansu/"])
            .arg(format!("--listener-url=tcp://127.0.0.1:{port}"))
            .arg(format!("--advertised-listener-url=tcp://127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("tansu is installed (scripts/dev/prereqs.sh --kafka)");
        wait_for_port(port).await;
        Broker { port, process }
    }

    /// Stops the broker process (SIGSTOP): it answers nobody until resumed. A restart
    /// would lose the in-memory broker's topics and offsets, which is not the outage
    /// under test (and trips a librdkafka metadata-cache crash against tansu).
    fn pause(&self) {
        self.signal("-STOP");
    }

    fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let pid = self.process.id().expect("running").to_string();
        assert!(std::process::Command::new("kill").args([signal, &pid]).status().unwrap().success());
    }

    async fn stop(mut self) {
        self.process.start_kill().unwrap();
        self.process.wait().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn events_written_while_the_broker_is_down_arrive_in_order_when_it_is_back() {
    let (url, db) = migrated_database().await;
    create_effects_table(&db).await;
    let broker = Broker::start(free_port()).await;
    let settings = settings(&url, &kafka_flags(&format!("127.0.0.1:{}", broker.port)));
    let worker = RunningWorker::start(&settings, vec![Recorder::new("recorder")]).await;

    emit_range(&db, 5, 0..10).await;
    eventually(Duration::from_secs(60), "events before the outage are applied", || {
        let db = db.clone();
        async move { scalar(&db, "SELECT count(*) FROM test_effects").await == 50 }
    })
    .await;

    broker.pause();
    emit_range(&db, 5, 10..20).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        scalar(&db, "SELECT count(*) FROM test_effects").await,
        50,
        "nothing arrives while the broker is down"
    );
    assert_eq!(scalar(&db, "SELECT count(*) FROM outbox").await, 50, "the outbox holds them");

    broker.resume();
    eventually(Duration::from_secs(90), "events written during the outage are applied", || {
        let db = db.clone();
        async move { scalar(&db, "SELECT count(*) FROM test_effects").await >= 100 }
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_exactly_once_in_order(&db, "recorder", 5, 20).await;
    worker.stop().await;
    broker.stop().await;
}
