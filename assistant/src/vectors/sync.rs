//! Keeps an embedded vector index (one per process that queries) equal to
//! `product_embeddings`: catch up from a cursor, apply upserts and tombstones, flush,
//! then remember the cursor in a file next to the index so a restart resumes there. An
//! index left behind tombstones the prune job has since deleted rebuilds from scratch.
//! After changes the engine optimises in the background (HNSW index, vacuum).

use super::{Point, VectorStore};
use crate::store;
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

    /// Applies every change committed so far; returns how many rows it applied. An index
    /// that may have missed a pruned tombstone (its cursor is at or below the prune mark)
    /// is cleared and rebuilt from the whole table instead. Afterwards the engine optimises
    /// in the background (queries go on; they search exhaustively until an index is built).
    pub async fn catch_up(&self) -> anyhow::Result<usize> {
        let mut cursor = self.cursor.lock().await;
        let mark = store::pruned_through(&self.db).await?;
        let mut rebuilt = false;
        if mark.is_some_and(|mark| *cursor <= mark) {
            self.clear(&mut cursor).await?;
            rebuilt = true;
        }
        let start = *cursor;
        let (mut applied, mut horizon) = self.apply_changes(start).await?;
        // A prune that committed during this pass may have deleted a tombstone it had not
        // reached; the cursor is saved only once that is ruled out.
        let mark_after = store::pruned_through(&self.db).await?;
        if !rebuilt && mark_after != mark && mark_after.is_some_and(|mark| start <= mark) {
            self.clear(&mut cursor).await?;
            let (again, new_horizon) = self.apply_changes(0).await?;
            (applied, horizon) = (applied + again, new_horizon);
        }
        if horizon != *cursor {
            self.save(&mut cursor, horizon).await?;
        }
        if applied > 0 {
            metrics::counter!("assistant_index_sync_applied_total").increment(applied as u64);
            let store = self.store.clone();
            tokio::spawn(async move {
                if let Err(err) = store.optimize().await {
                    tracing::warn!(error = format!("{err:#}"), "vector index optimisation failed");
                }
            });
        }
        Ok(applied)
    }

    /// Empties the index and rewinds the cursor (on disk first, so a crash midway
    /// rebuilds again), so the next pass replays every row.
    async fn clear(&self, cursor: &mut store::Cursor) -> anyhow::Result<()> {
        tracing::warn!(cursor = *cursor, "rebuilding the vector index: it may have missed pruned tombstones");
        metrics::counter!("assistant_index_rebuilds_total").increment(1);
        self.save(cursor, 0).await?;
        self.store.clear().await
    }

    async fn save(&self, cursor: &mut store::Cursor, value: store::Cursor) -> anyhow::Result<()> {
        tokio::fs::write(&self.cursor_file, value.to_string()).await?;
        *cursor = value;
        Ok(())
    }

    /// Applies the rows changed at or after `from`. Returns how many it applied and where
    /// the next pass may start (the horizon read before the first page).
    async fn apply_changes(&self, from: store::Cursor) -> anyhow::Result<(usize, store::Cursor)> {
        let horizon = store::horizon(&self.db).await?;
        let mut after = None;
        let mut applied = 0;
        loop {
            let (changes, next) = store::changes(&self.db, from, after, PAGE).await?;
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
        Ok((applied, horizon))
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
