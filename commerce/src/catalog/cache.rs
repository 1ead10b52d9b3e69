//! A Redis cache in front of product detail and listing reads.
//!
//! Entries are keyed by a catalog version that every catalog write bumps after its
//! transaction commits, so a write invalidates every cached page at once and an
//! acknowledged write is never followed by a stale read. When Redis fails, reads fall
//! back to Postgres (counted in `cache_requests_total{result="error"}`); if a bump fails,
//! this process stops trusting the cache until a bump succeeds, and entries expire after
//! their TTL anyway (other replicas may serve an entry at most that long; see README).
//! Concurrent misses of one key in a process load it once: the others wait for that
//! load and read what it stored (so a burst of one cold search costs one query).

use serde::{de::DeserializeOwned, Serialize};
use shopfleet_domain::DomainError;
use shopfleet_platform::redis_conn::RedisConn;
use std::{
    collections::HashMap,
    future::Future,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex, Weak,
    },
};

/// Default lifetime of a cached entry, in seconds.
pub const DEFAULT_TTL_SECS: u64 = 60;

/// Past this many keys the map of loads in flight drops the entries no load holds.
const IN_FLIGHT_PRUNE_AT: usize = 1024;

#[derive(Clone)]
pub struct CatalogCache {
    redis: RedisConn,
    ttl_secs: u64,
    trusted: Arc<AtomicBool>,
    /// One gate per cache key being loaded in this process.
    in_flight: Arc<Mutex<HashMap<String, Weak<tokio::sync::Mutex<()>>>>>,
}

fn count(cache: &'static str, result: &'static str) {
    metrics::counter!("cache_requests_total", "cache" => cache, "result" => result).increment(1);
}

/// Reads from Postgres because Redis failed, counting and logging why.
async fn uncached<T, F>(kind: &'static str, err: anyhow::Error, load: F) -> Result<T, DomainError>
where
    F: Future<Output = Result<T, DomainError>>,
{
    count(kind, "error");
    tracing::warn!(error = format!("{err:#}"), "catalog cache unavailable; reading from Postgres");
    load.await
}

impl CatalogCache {
    pub fn new(redis: RedisConn, ttl_secs: u64) -> Self {
        Self {
            redis,
            ttl_secs,
            trusted: Arc::new(AtomicBool::new(true)),
            in_flight: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// The gate of `cache_key`: whoever holds it loads the key; the others wait.
    fn gate(&self, cache_key: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut gates = self.in_flight.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(gate) = gates.get(cache_key).and_then(Weak::upgrade) {
            return gate;
        }
        if gates.len() >= IN_FLIGHT_PRUNE_AT {
            gates.retain(|_, gate| gate.strong_count() > 0);
        }
        let gate = Arc::new(tokio::sync::Mutex::new(()));
        gates.insert(cache_key.to_owned(), Arc::downgrade(&gate));
        gate
    }

    async fn cached(&self, cache_key: &str) -> anyhow::Result<Option<String>> {
        let mut conn = self.redis.connection().await?;
        Ok(redis::cmd("GET").arg(cache_key).query_async(&mut conn).await?)
    }

    fn version_key(&self) -> String {
        self.redis.key(&["catalog", "version"])
    }

    async fn version(&self) -> anyhow::Result<u64> {
        let mut conn = self.redis.connection().await?;
        let version: Option<u64> = redis::cmd("GET").arg(self.version_key()).query_async(&mut conn).await?;
        Ok(version.unwrap_or(0))
    }

    /// Marks every cached catalog read stale. Call after a catalog write commits.
    pub async fn invalidate(&self) {
        let bumped: anyhow::Result<()> = async {
            let mut conn = self.redis.connection().await?;
            redis::cmd("INCR").arg(self.version_key()).query_async::<u64>(&mut conn).await?;
            Ok(())
        }
        .await;
        match bumped {
            Ok(()) => self.trusted.store(true, Ordering::SeqCst),
            Err(err) => {
                self.trusted.store(false, Ordering::SeqCst);
                metrics::counter!("cache_errors_total", "operation" => "invalidate").increment(1);
                tracing::warn!(
                    error = format!("{err:#}"),
                    "catalog cache invalidation failed; bypassing the cache until it succeeds"
                );
            }
        }
    }

    /// Returns the cached value of `kind`/`key`, or loads it from Postgres and caches it.
    pub async fn get_or_load<T, F>(&self, kind: &'static str, key: &str, load: F) -> Result<T, DomainError>
    where
        T: Serialize + DeserializeOwned,
        F: Future<Output = Result<T, DomainError>>,
    {
        if !self.trusted.load(Ordering::SeqCst) {
            self.invalidate().await;
        }
        if !self.trusted.load(Ordering::SeqCst) {
            count(kind, "error");
            return load.await;
        }
        let version = match self.version().await {
            Ok(version) => version,
            Err(err) => return uncached(kind, err, load).await,
        };
        let cache_key = self.redis.key(&["catalog", &format!("v{version}"), kind, key]);
        let gate = self.gate(&cache_key);
        let mut turn = None;
        loop {
            match self.cached(&cache_key).await {
                Ok(Some(json)) => {
                    if let Ok(value) = serde_json::from_str(&json) {
                        count(kind, "hit");
                        return Ok(value);
                    }
                }
                // A miss: wait for a load of this key in flight, then look again.
                Ok(None) if turn.is_none() => {
                    turn = Some(gate.lock().await);
                    continue;
                }
                Ok(None) => {}
                Err(err) => return uncached(kind, err, load).await,
            }
            break;
        }
        count(kind, "miss");
        let value = load.await?;
        if let Ok(json) = serde_json::to_string(&value) {
            let stored: anyhow::Result<()> = async {
                let mut conn = self.redis.connection().await?;
                redis::cmd("SET")
                    .arg(&cache_key)
                    .arg(json)
                    .arg("EX")
                    .arg(self.ttl_secs)
                    .query_async::<()>(&mut conn)
                    .await?;
                Ok(())
            }
            .await;
            if stored.is_err() {
                metrics::counter!("cache_errors_total", "operation" => "store").increment(1);
            }
        }
        Ok(value)
    }
}
