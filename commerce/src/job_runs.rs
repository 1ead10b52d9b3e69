//! The `job_runs` table: one row per scheduled job and tick, claimed by exactly one
//! worker replica (the primary key decides), then stamped with its outcome.

use chrono::{DateTime, Utc};
use shopfleet_domain::DomainError;
use sqlx::PgPool;

/// Claims `tick` of `job` for `worker`; false when another worker has it.
pub async fn claim(db: &PgPool, job: &str, tick: DateTime<Utc>, worker: &str) -> Result<bool, DomainError> {
    let inserted =
        sqlx::query("INSERT INTO job_runs (job, tick, worker) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(job)
            .bind(tick)
            .bind(worker)
            .execute(db)
            .await?
            .rows_affected();
    Ok(inserted == 1)
}

/// Stamps the claimed run of `job` at `tick` finished with `outcome`.
pub async fn finish(db: &PgPool, job: &str, tick: DateTime<Utc>, outcome: &str) -> Result<(), DomainError> {
    sqlx::query("UPDATE job_runs SET finished_at = now(), outcome = $3 WHERE job = $1 AND tick = $2")
        .bind(job)
        .bind(tick)
        .bind(outcome)
        .execute(db)
        .await?;
    Ok(())
}

/// Deletes runs finished more than `days` ago; returns how many.
pub async fn prune(db: &PgPool, days: i32) -> Result<u64, DomainError> {
    Ok(sqlx::query("DELETE FROM job_runs WHERE finished_at < now() - make_interval(days => $1)")
        .bind(days)
        .execute(db)
        .await?
        .rows_affected())
}
