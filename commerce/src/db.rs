//! Postgres: the connection pool and the schema migrations under `commerce/migrations`.

use crate::config::DatabaseSettings;
use anyhow::Context;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use std::str::FromStr;

/// The migrations compiled into the binary, applied by `shopfleet-api migrate`.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

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

/// Applies every pending migration. Safe to run from several processes at once:
/// sqlx serialises them with a Postgres advisory lock.
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    MIGRATOR.run(pool).await.context("applying database migrations")?;
    Ok(())
}
