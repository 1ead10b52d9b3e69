//! Replaying dead letters: the admin API marks a dead letter for replay; a worker runs
//! its handler once more (idempotently, as always) and records the outcome. A replay
//! that fails again keeps the dead letter, with the new error, until asked again.

use crate::dispatch::apply_once;
use shopfleet_commerce::events::{ledger, Envelope, Handler};
use sqlx::PgPool;
use std::{sync::Arc, time::Duration};
use tokio::sync::watch;

const BATCH: i64 = 50;

/// Replays every requested dead letter whose handler runs here; returns how many succeeded.
pub async fn replay_requested(db: &PgPool, handlers: &[Arc<dyn Handler>]) -> anyhow::Result<usize> {
    let names: Vec<&str> = handlers.iter().map(|handler| handler.name()).collect();
    let mut tx = db.begin().await?;
    let requested = ledger::claim_replays(&mut tx, &names, BATCH).await?;
    let mut replayed = 0;
    for (id, handler_name, event) in requested {
        let handler =
            handlers.iter().find(|handler| handler.name() == handler_name).expect("filtered by name");
        let outcome = match serde_json::from_value::<Envelope>(event) {
            Ok(event) => {
                apply_once(db, handler.as_ref(), &event).await.map(drop).map_err(|err| err.to_string())
            }
            Err(err) => Err(format!("stored event does not parse: {err}")),
        };
        match &outcome {
            Ok(()) => {
                replayed += 1;
                metrics::counter!("worker_dead_letters_replayed_total", "handler" => handler.name())
                    .increment(1);
            }
            Err(error) => tracing::warn!(dead_letter = %id, handler = handler.name(), error, "replay failed"),
        }
        ledger::record_replay(&mut tx, id, outcome.as_ref().map(|_| ()).map_err(String::as_str)).await?;
    }
    tx.commit().await?;
    Ok(replayed)
}

/// Checks for replay requests every `interval` until `stop`.
pub async fn run(
    db: PgPool,
    handlers: Vec<Arc<dyn Handler>>,
    interval: Duration,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        if let Err(err) = replay_requested(&db, &handlers).await {
            tracing::warn!(error = format!("{err:#}"), "replaying dead letters failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = crate::stopped(&mut stop) => return,
        }
    }
}
