//! A fresh, migrated Postgres database per test, so tests run against the real server in
//! isolation and in parallel, and the Meilisearch server named by `MEILI_URL` (required)
//! for the tests that need one.

use sqlx::{Connection, PgConnection, PgPool};

/// Admin connection used to create per-test databases (`TEST_DATABASE_URL`).
pub fn admin_database_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// Creates an empty database named `sf_test_<uuid>` and returns its URL.
pub async fn create_database() -> String {
    let admin = admin_database_url();
    let name = format!("sf_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = PgConnection::connect(&admin).await.expect("connecting to TEST_DATABASE_URL");
    sqlx::query(&format!("CREATE DATABASE \"{name}\""))
        .execute(&mut conn)
        .await
        .expect("creating test database");
    let mut url = url::Url::parse(&admin).expect("TEST_DATABASE_URL is a URL");
    url.set_path(&name);
    url.to_string()
}

/// A new database with every migration applied, and its URL.
pub async fn migrated_database() -> (String, PgPool) {
    let url = create_database().await;
    let pool = PgPool::connect(&url).await.expect("connecting to the test database");
    shopfleet_commerce::db::migrate(&pool).await.expect("migrations apply");
    (url, pool)
}

/// `MEILI_URL`, the Meilisearch server of the tests. `make test` starts one; a test that
/// needs it fails without it rather than passing unseen.
pub fn meili_url() -> String {
    std::env::var("MEILI_URL").ok().filter(|url| !url.is_empty()).expect(
        "MEILI_URL names the tests' Meilisearch server (make test starts one: scripts/dev/services.sh up --meili)",
    )
}

/// Flags for the Meilisearch backend at `url` with an index of this test only (and
/// `MEILI_API_KEY` when set).
pub fn meili_flags(url: &str) -> Vec<String> {
    let mut flags = vec![
        "--search-backend=meilisearch".to_owned(),
        format!("--meili-url={url}"),
        format!("--meili-index-prefix=test-{}", uuid::Uuid::new_v4().simple()),
    ];
    if let Ok(key) = std::env::var("MEILI_API_KEY") {
        flags.push(format!("--meili-api-key={key}"));
    }
    flags
}
