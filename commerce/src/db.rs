//! The schema: the migrations under `commerce/migrations`, compiled into the binaries.

use anyhow::Context;
use sqlx::PgPool;

/// The migrations compiled into the binary, applied by `shopfleet-api migrate`.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Applies every pending migration. Safe to run from several processes at once:
/// sqlx serialises them with a Postgres advisory lock.
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    MIGRATOR.run(pool).await.context("applying database migrations")?;
    Ok(())
}
