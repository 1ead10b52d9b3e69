//! Test support (feature `testing`): a fresh, migrated Postgres database per test, so
//! tests run against the real server in isolation and in parallel.

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
    crate::db::migrate(&pool).await.expect("migrations apply");
    (url, pool)
}
