//! The Celery beat of the shop: named jobs on cron schedules. At each tick every replica
//! tries to insert `(job, tick)` into `job_runs`; the one that succeeds runs the job, so a
//! job runs once per tick however many workers there are. Outcomes and durations are
//! recorded in `job_runs` and in the metrics.

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use shopfleet_commerce::job_runs;
use sqlx::PgPool;
use std::{sync::Arc, time::Instant};
use tokio::sync::watch;

/// A job body: returns a one-line summary of what it did.
pub type JobFn = Arc<dyn Fn() -> BoxFuture<'static, anyhow::Result<String>> + Send + Sync>;

#[derive(Clone)]
pub struct Job {
    pub name: &'static str,
    pub schedule: cron::Schedule,
    pub run: JobFn,
}

impl Job {
    pub fn new<F, Fut>(name: &'static str, schedule: cron::Schedule, run: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = anyhow::Result<String>> + Send + 'static,
    {
        Self { name, schedule, run: Arc::new(move || Box::pin(run())) }
    }
}

/// Runs every job on its schedule until `stop`.
pub async fn run(db: PgPool, worker: String, jobs: Vec<Job>, stop: watch::Receiver<bool>) {
    let loops = jobs.into_iter().map(|job| run_job(db.clone(), worker.clone(), job, stop.clone()));
    futures::future::join_all(loops).await;
}

async fn run_job(db: PgPool, worker: String, job: Job, mut stop: watch::Receiver<bool>) {
    tracing::info!(job = job.name, "scheduled");
    while let Some(tick) = job.schedule.upcoming(Utc).next() {
        let wait = (tick - Utc::now()).to_std().unwrap_or_default();
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = crate::stopped(&mut stop) => return,
        }
        match job_runs::claim(&db, job.name, tick, &worker).await {
            Ok(true) => execute(&db, &job, tick).await,
            Ok(false) => tracing::debug!(job = job.name, %tick, "another worker runs this tick"),
            Err(err) => {
                metrics::counter!("worker_job_runs_total", "job" => job.name, "outcome" => "unclaimed")
                    .increment(1);
                tracing::warn!(job = job.name, %tick, error = %err, "could not claim a job tick");
            }
        }
    }
}

async fn execute(db: &PgPool, job: &Job, tick: DateTime<Utc>) {
    let started = Instant::now();
    let result = (job.run)().await;
    metrics::histogram!("worker_job_duration_seconds", "job" => job.name)
        .record(started.elapsed().as_secs_f64());
    let outcome = match &result {
        Ok(summary) => {
            metrics::counter!("worker_job_runs_total", "job" => job.name, "outcome" => "ok").increment(1);
            tracing::debug!(job = job.name, %tick, summary, "job ran");
            format!("ok: {summary}")
        }
        Err(err) => {
            metrics::counter!("worker_job_runs_total", "job" => job.name, "outcome" => "failed").increment(1);
            tracing::warn!(job = job.name, %tick, error = format!("{err:#}"), "job failed");
            format!("failed: {err:#}")
        }
    };
    if let Err(err) = job_runs::finish(db, job.name, tick, &outcome).await {
        tracing::warn!(job = job.name, error = %err, "could not record a job outcome");
    }
}
