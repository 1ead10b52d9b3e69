//! The `shopfleet-api` binary: start-up errors name the setting without leaking
//! secrets, `migrate` applies the schema, `reindex-search` rebuilds the search index (a
//! no-op it reports on Postgres), SIGTERM stops it cleanly.

mod common;

use shopfleet_test_support::wait::free_port;
use std::{process::Command, time::Duration};

fn api() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_shopfleet-api"));
    cmd.env_clear().env("PATH", std::env::var("PATH").unwrap_or_default());
    cmd
}

#[test]
fn malformed_settings_stop_start_up_naming_the_setting_not_the_secret() {
    let output = api().env("DATABASE_URL", "mysql://root:hunter2-secret@db/shop").output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("DATABASE_URL"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "{stderr}");

    let output = api().env("API_PORT", "eighty").output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("API_PORT") || stderr.contains("--api-port"), "{stderr}");
}

#[tokio::test]
async fn migrate_applies_every_migration() {
    let database_url = common::create_database().await;
    let status = api().arg("migrate").env("DATABASE_URL", &database_url).status().unwrap();
    assert!(status.success());
    let pool = sqlx::PgPool::connect(&database_url).await.unwrap();
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(applied as usize, shopfleet_commerce::db::MIGRATOR.iter().count());
}

#[tokio::test]
async fn reindex_search_is_a_reported_no_op_on_postgres_and_needs_meili_url_otherwise() {
    let database_url = common::create_database().await;
    assert!(api().arg("migrate").env("DATABASE_URL", &database_url).status().unwrap().success());
    let output = api().arg("reindex-search").env("DATABASE_URL", &database_url).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("nothing to do: the postgres backend is always in step"), "{stdout}");

    let output = api()
        .arg("reindex-search")
        .env("DATABASE_URL", &database_url)
        .env("SEARCH_BACKEND", "meilisearch")
        .env("MEILI_API_KEY", "hunter2-meili-key")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("MEILI_URL"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "{stderr}");
}

#[tokio::test]
async fn sigterm_stops_the_server_cleanly() {
    let database_url = common::create_database().await;
    let port = free_port();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_shopfleet-api"))
        .env("DATABASE_URL", &database_url)
        .env("REDIS_URL", common::redis_url())
        .env("API_HOST", "127.0.0.1")
        .env("API_PORT", port.to_string())
        .env("MIGRATE_ON_START", "true")
        .env("JWT_SECRET", "0123456789abcdef0123456789abcdef")
        .env("PAYMENTS_WEBHOOK_SECRETS", "whsec_0123456789abcdef0123456789abcdef")
        .env("DATA_DIR", std::env::temp_dir().join(format!("sf-binary-{port}")))
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}/ready");
    let mut ready = false;
    for _ in 0..100 {
        if reqwest::get(&url).await.is_ok_and(|r| r.status() == 200) {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "API became ready");
    let pid = child.id().unwrap().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait()).await.expect("exits").unwrap();
    assert!(status.success(), "{status:?}");
}
