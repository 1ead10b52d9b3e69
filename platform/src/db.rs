//! Postgres: the connection pool both binaries share.

use crate::config::DatabaseSettings;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use std::str::FromStr;

/// Builds a pool that connects on first use, so a binary can start (and report
/// "not ready") while Postgres is still coming up.
pub fn connect_lazy(settings: &DatabaseSettings) -> anyhow::Result<PgPool> {
    let options = PgConnectOptions::from_str(settings.url.expose())
        .map_err(|_| anyhow::anyhow!("DATABASE_URL is not a valid Postgres URL (value hidden)"))?
        .application_name("shopfleet");
    Ok(PgPoolOptions::new()
        .max_connections(settings.max_connections)
        .acquire_timeout(settings.acquire_timeout())
        .connect_lazy_with(options))
}
