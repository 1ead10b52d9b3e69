//! What the shop's integration tests share, so each test file says only what it tests.
//! Every test talks to the real services and is isolated: its own database, Redis key
//! prefix, Kafka topics and Meilisearch index.
//!
//! - [`database`]: a fresh, migrated Postgres database per test; Meilisearch, when there is one.
//! - [`services`]: where the real Redis and Kafka-protocol broker of the tests listen.
//! - [`s3`]: a real S3-compatible server (`s3s-fs`) per test.
//! - [`wait`]: polling for an effect with a deadline; free and listening ports.
//! - [`fixtures`]: shop data made through the shop's own code: users, a merchant's product.

pub mod database;
pub mod fixtures;
pub mod s3;
pub mod services;
pub mod wait;

/// A number read back with `sql` (a count, a sum), for assertions.
pub async fn scalar(db: &sqlx::PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(db).await.unwrap()
}

/// Number of files in `dir` and its subdirectories (0 when it does not exist).
pub fn files_under(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries.flatten().map(|e| if e.path().is_dir() { files_under(&e.path()) } else { 1 }).sum()
    })
}
