//! Keeps an embedded vector index (one per process that queries) equal to
//! `product_embeddings`: catch up from a cursor, apply upserts and tombstones, flush,
//! then remember the cursor in a file next to the index so a restart resumes there.

use super::{Point, VectorStore};
use crate::assistant::store;
use sqlx::PgPool;
use std::{path::PathBuf, sync::Arc, time::Duration};
use tokio::sync::Mutex;

/// Rows applied per round trip.
const PAGE: i64 = 500;

pub struct IndexSync {
    db: PgPool,
    store: Arc<dyn VectorStore>,
    cursor_file: PathBuf,
    cursor: Mutex<store::Cursor>,
}

impl IndexSync {
    /// Starts from the cursor saved in `cursor_file` (or from the beginning).
    pub fn new(db: PgPool, store: Arc<dyn VectorStore>, cursor_file: PathBuf) -> Self {
        let cursor =
            std::fs::read_to_string(&cursor_file).ok().and_then(|s| s.trim().parse().ok()).unwrap_or(0);
        Self { db, store, cursor_file, cursor: Mutex::new(cursor) }
    }

    /// Applies every change committed so far; returns how many rows it applied.
    pub async fn catch_up(&self) -> anyhow::Result<usize> {
        let mut cursor = self.cursor.lock().await;
        let horizon = store::horizon(&self.db).await?;
        let mut after = None;
        let mut applied = 0;
        loop {
            let (changes, next) = store::changes(&self.db, *cursor, after, PAGE).await?;
            if changes.is_empty() {
                break;
            }
            applied += changes.len();
            let mut points = Vec::new();
            let mut gone = Vec::new();
            for change in changes {
                match (change.vector, change.payload) {
                    (Some(vector), Some(payload)) => points.push(Point { vector, payload }),
                    _ => gone.push(change.product_id),
                }
            }
            if !points.is_empty() {
                self.store.upsert(points).await?;
            }
            if !gone.is_empty() {
                self.store.delete(gone).await?;
            }
            after = next;
        }
        if horizon != *cursor {
            tokio::fs::write(&self.cursor_file, horizon.to_string()).await?;
            *cursor = horizon;
        }
        if applied > 0 {
            metrics::counter!("assistant_index_sync_applied_total").increment(applied as u64);
        }
        Ok(applied)
    }

    /// Catches up every `interval` until the process ends.
    pub fn spawn(self: Arc<Self>, interval: Duration) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(interval);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticker.tick().await;
                if let Err(err) = self.catch_up().await {
                    tracing::warn!(error = format!("{err:#}"), "vector index sync failed; retrying");
                }
            }
        })
    }
}
