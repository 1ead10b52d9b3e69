//! Postgres: the connection pool both binaries share.

use crate::config::DatabaseSettings;
use sqlx::{
    postgres::{PgConnectOptions, PgPool, PgPoolOptions},
    Connection,
};
use std::{str::FromStr, time::Duration};

/// A connection idle for less than this is handed out without a round trip to check it
/// is alive (HikariCP's "alive bypass window"). Checking every one cost a round trip per
/// acquire — more than one per statement outside a transaction — while a connection the
/// server dropped within the window fails one query and leaves the pool.
pub const ALIVE_WITHOUT_CHECK: Duration = Duration::from_millis(500);

/// Builds a pool that connects on first use, so a binary can start (and report
/// "not ready") while Postgres is still coming up.
pub fn connect_lazy(settings: &DatabaseSettings) -> anyhow::Result<PgPool> {
    let options = PgConnectOptions::from_str(settings.url.expose())
        .map_err(|_| anyhow::anyhow!("DATABASE_URL is not a valid Postgres URL (value hidden)"))?
        .application_name("shopfleet");
    Ok(PgPoolOptions::new()
        .max_connections(settings.max_connections)
        .acquire_timeout(settings.acquire_timeout())
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= ALIVE_WITHOUT_CHECK {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
        .connect_lazy_with(options))
}
