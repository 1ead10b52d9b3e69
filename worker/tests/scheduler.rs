//! Scheduled jobs run once per tick however many workers run the scheduler.

mod common;

use shopfleet_test_support::database::migrated_database;
use shopfleet_test_support::scalar;
use shopfleet_worker::scheduler::{self, Job};
use std::{str::FromStr, time::Duration};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_schedulers_run_each_tick_once() {
    let (_, db) = migrated_database().await;
    sqlx::query("CREATE TABLE job_effects (id bigserial PRIMARY KEY)").execute(&db).await.unwrap();
    let every_second = cron::Schedule::from_str("* * * * * *").unwrap();
    let job = Job::new("count", every_second, {
        let db = db.clone();
        move || {
            let db = db.clone();
            async move {
                sqlx::query("INSERT INTO job_effects DEFAULT VALUES").execute(&db).await?;
                Ok("counted".to_owned())
            }
        }
    });
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let schedulers = [
        tokio::spawn(scheduler::run(db.clone(), "worker-a".into(), vec![job.clone()], stop.clone())),
        tokio::spawn(scheduler::run(db.clone(), "worker-b".into(), vec![job], stop)),
    ];
    tokio::time::sleep(Duration::from_millis(4_300)).await;
    stop_tx.send(true).unwrap();
    for scheduler in schedulers {
        tokio::time::timeout(Duration::from_secs(5), scheduler).await.expect("scheduler stops").unwrap();
    }

    let runs = scalar(&db, "SELECT count(*) FROM job_runs WHERE job = 'count'").await;
    let effects = scalar(&db, "SELECT count(*) FROM job_effects").await;
    assert!((3..=5).contains(&runs), "one run per second over ~4 s, got {runs}");
    assert_eq!(effects, runs, "each tick's job body ran exactly once");
    let ok = scalar(&db, "SELECT count(*) FROM job_runs WHERE outcome = 'ok: counted'").await;
    assert_eq!(ok, runs, "every run's outcome is recorded");
    let distinct_ticks = scalar(&db, "SELECT count(DISTINCT tick) FROM job_runs").await;
    assert_eq!(distinct_ticks, runs);
}
