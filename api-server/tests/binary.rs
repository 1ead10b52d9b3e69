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

/// `backup push` uploads a dump to the bucket and keeps the newest `--keep` of its series,
/// leaving other shops' backups alone; `backup fetch` brings back the same bytes. The
/// operator's backup CronJob and restore Job run exactly these commands.
#[tokio::test]
async fn backups_go_to_a_bucket_and_only_their_own_series_is_pruned() {
    let s3 = shopfleet_test_support::s3::S3Server::start("shop-backups").await;
    let dir = std::env::temp_dir().join(format!("sf-backup-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let backup = |args: &[&str]| {
        api()
            .arg("backup")
            .args(args)
            .args(["--prefix", "shops/"])
            .env("BACKUP_S3_BUCKET", &s3.bucket)
            .env("BACKUP_S3_ENDPOINT", &s3.endpoint)
            .env("BACKUP_S3_ACCESS_KEY_ID", &s3.access_key_id)
            .env("BACKUP_S3_SECRET_ACCESS_KEY", &s3.secret_access_key)
            .output()
            .unwrap()
    };
    // The last dump is larger than one upload part, so it goes up in several.
    let dumps = [
        ("shop-backup-29001", 1_000),
        ("other-backup-29001", 1_000),
        ("shop-backup-29002", 1_000),
        ("shop-backup-29003", 12 * 1024 * 1024 + 7),
    ];
    for (name, size) in dumps {
        let bytes: Vec<u8> = (0..size).map(|i| (i % 251) as u8 ^ name.len() as u8).collect();
        let file = dir.join(format!("{name}.dump"));
        std::fs::write(&file, &bytes).unwrap();
        let series = if name.starts_with("shop-") { "shop-backup-" } else { "other-backup-" };
        let out = backup(&["push", "--file", file.to_str().unwrap(), "--series", series, "--keep", "2"]);
        assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
    }
    assert_eq!(s3.objects_under("shops"), 3, "two of the shop's backups and the other shop's one");

    let fetched = dir.join("fetched.dump");
    let out = backup(&["fetch", "--name", "shop-backup-29003", "--file", fetched.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read(&fetched).unwrap(), std::fs::read(dir.join("shop-backup-29003.dump")).unwrap());

    let out = backup(&["fetch", "--name", "shop-backup-29001", "--file", fetched.to_str().unwrap()]);
    assert!(!out.status.success(), "the oldest backup was pruned");
    assert!(String::from_utf8_lossy(&out.stderr).contains("shop-backup-29001"));
    let out = backup(&["fetch", "--name", "../etc/passwd", "--file", fetched.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("backup name"), "a name is never a path");
    assert!(!String::from_utf8_lossy(&out.stderr).contains(&s3.secret_access_key), "no secret in errors");
    std::fs::remove_dir_all(&dir).unwrap();
}
