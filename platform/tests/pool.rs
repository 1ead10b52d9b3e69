//! The shared Postgres pool against a real server: a connection idle past
//! `ALIVE_WITHOUT_CHECK` is checked before it is handed out, so one the server dropped is
//! replaced without the caller noticing; one used moments ago is handed out unchecked, so a
//! drop inside that window fails one query, and the pool then recovers.

use shopfleet_platform::config::DatabaseSettings;
use shopfleet_platform::db::{connect_lazy, ALIVE_WITHOUT_CHECK};
use shopfleet_platform::secret::Secret;
use sqlx::{Connection, PgConnection, PgPool};
use std::time::Duration;

fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A pool of one connection, so every query reuses the same one.
fn one_connection_pool() -> PgPool {
    connect_lazy(&DatabaseSettings {
        url: Secret::new(admin_url()),
        max_connections: 1,
        acquire_timeout_secs: 5,
    })
    .unwrap()
}

async fn backend_pid(pool: &PgPool) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar("SELECT pg_backend_pid()").fetch_one(pool).await
}

/// Ends the server process behind `pid` from `admin`, as a restart or an operator would.
async fn terminate(admin: &mut PgConnection, pid: i32) {
    let ended: bool =
        sqlx::query_scalar("SELECT pg_terminate_backend($1, 5000)").bind(pid).fetch_one(admin).await.unwrap();
    assert!(ended, "backend {pid} was not terminated");
}

#[tokio::test]
async fn a_connection_idle_past_the_window_is_checked_and_a_dropped_one_replaced() {
    let mut admin = PgConnection::connect(&admin_url()).await.unwrap();
    let pool = one_connection_pool();
    let first = backend_pid(&pool).await.unwrap();
    tokio::time::sleep(ALIVE_WITHOUT_CHECK + Duration::from_millis(200)).await;
    terminate(&mut admin, first).await;
    let second = backend_pid(&pool).await.expect("the check finds the dropped connection and connects anew");
    assert_ne!(first, second);
}

#[tokio::test]
async fn a_connection_used_within_the_window_is_handed_out_unchecked_and_the_pool_recovers() {
    let mut admin = PgConnection::connect(&admin_url()).await.unwrap();
    let pool = one_connection_pool();
    let first = backend_pid(&pool).await.unwrap();
    terminate(&mut admin, first).await;
    assert!(
        backend_pid(&pool).await.is_err(),
        "a connection used moments ago is not checked, so the drop reaches this query"
    );
    let next = backend_pid(&pool).await.expect("the broken connection left the pool");
    assert_ne!(first, next);
}
