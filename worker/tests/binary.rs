//! The `shopfleet-worker` binary serves its probes on its own port, checks its
//! dependencies (including Kafka when configured) and stops cleanly on SIGTERM.

use shopfleet_test_support::{
    database::admin_database_url,
    services::{env_or, kafka_brokers, redis_url},
    wait::free_port,
};
use std::{process::Command, time::Duration};

#[tokio::test]
async fn serves_probes_and_stops_on_sigterm() {
    let port = free_port();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_shopfleet-worker"))
        .env_clear()
        .env("DATABASE_URL", admin_database_url())
        .env("REDIS_URL", redis_url())
        .env("KAFKA_BROKERS", kafka_brokers())
        .env("WORKER_HOST", "127.0.0.1")
        .env("WORKER_PORT", port.to_string())
        .env("LOG_FORMAT", "json")
        .env("PAYMENTS_WEBHOOK_SECRETS", "whsec_0123456789abcdef0123456789abcdef")
        .env("EMBEDDING_MODEL_DIR", env_or("EMBEDDING_MODEL_DIR", "models/all-MiniLM-L6-v2"))
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let mut ready = None;
    for _ in 0..100 {
        if let Ok(response) = reqwest::get(format!("{base}/ready")).await {
            ready = Some(response.json::<serde_json::Value>().await.unwrap());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let ready = ready.expect("worker answers /ready");
    assert_eq!(ready["status"], 200, "{ready}");
    assert_eq!(
        ready["checks"].as_array().unwrap().len(),
        3,
        "postgres, redis and kafka are checked: {ready}"
    );

    let health = reqwest::get(format!("{base}/health")).await.unwrap();
    assert_eq!(health.status(), 200);
    let metrics = reqwest::get(format!("{base}/metrics")).await.unwrap().text().await.unwrap();
    assert!(metrics.contains("db_pool_max_connections"), "{metrics}");

    let pid = child.id().unwrap().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait()).await.expect("exits").unwrap();
    assert!(status.success(), "{status:?}");
}

#[test]
fn malformed_kafka_brokers_stop_start_up_naming_the_setting() {
    let output = Command::new(env!("CARGO_BIN_EXE_shopfleet-worker"))
        .env_clear()
        .env("KAFKA_BROKERS", "no-port-here")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("KAFKA_BROKERS"), "{stderr}");
}

#[test]
fn a_pool_too_small_for_the_outbox_partitions_stops_start_up_naming_the_setting() {
    let output = Command::new(env!("CARGO_BIN_EXE_shopfleet-worker"))
        .env_clear()
        .env("OUTBOX_PARTITIONS", "8")
        .env("DATABASE_MAX_CONNECTIONS", "10")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("DATABASE_MAX_CONNECTIONS") && stderr.contains("at least 20"), "{stderr}");
}

#[test]
fn a_malformed_schedule_is_refused_naming_the_setting() {
    let output = Command::new(env!("CARGO_BIN_EXE_shopfleet-worker"))
        .env_clear()
        .env("SCHEDULE_PRUNE", "every day")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("SCHEDULE_PRUNE") || stderr.contains("--schedule-prune"), "{stderr}");
}
