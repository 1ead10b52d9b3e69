//! A Redis cache in front of product detail and listing reads.
//!
//! Entries are keyed by a catalog version that every catalog write bumps after its
//! transaction commits, so a write invalidates every cached page at once and an
//! acknowledged write is never followed by a stale read from Redis (the in-process tier of
//! another replica catches up when the published version arrives; see [`local`]). When Redis fails, reads fall
//! back to Postgres (counted in `cache_requests_total{result="error"}`); if a bump fails,
//! this process stops trusting the cache until a bump succeeds, and entries expire after
//! their TTL anyway (other replicas may serve an entry at most that long; see README).
//! Concurrent misses of one key in a process load it once: the others wait for that
//! load and read what it stored (so a burst of one cold search costs one query).
//! A hit costs one round trip: a script reads the version and the entry under it together;
//! with the in-process tier ([`CatalogCache::with_local_tier`], see [`local`]) a repeated
//! read costs none. Entries are JSON, answered with as stored.

mod local;

use bytes::Bytes;
use local::{LocalTier, VersionSource};
use serde::{de::DeserializeOwned, Serialize};
use shopfleet_domain::DomainError;
use shopfleet_platform::redis_conn::RedisConn;
use std::{
    collections::HashMap,
    future::Future,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, LazyLock, Mutex, Weak,
    },
};

/// Entries are kept per release, so replicas of two releases during a rollout never read
/// each other's entries.
const BUILD: &str = env!("CARGO_PKG_VERSION");

/// The catalog version (`KEYS[1]`) and the entry `ARGV[1] .. version .. ARGV[2]` under it,
/// read in one round trip and at one instant.
static LOOKUP: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"local version = redis.call('GET', KEYS[1]) or '0'
return {version, redis.call('GET', ARGV[1] .. version .. ARGV[2])}",
    )
});

/// Bumps the catalog version (`KEYS[1]`) and publishes the new one on the channel of the
/// same name, for the in-process tiers of every replica.
static BUMP: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"local version = redis.call('INCR', KEYS[1])
redis.call('PUBLISH', KEYS[1], version)
return version",
    )
});

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
    local: Option<Arc<LocalTier>>,
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
            local: None,
        }
    }

    /// Also keeps up to `budget_bytes` of entries in this process, answered without a round
    /// trip while it follows the catalog version (0: no in-process tier). It starts
    /// following on the first read.
    pub fn with_local_tier(self, budget_bytes: u64) -> Self {
        let local = (budget_bytes > 0).then(|| Arc::new(LocalTier::new(budget_bytes)));
        Self { local, ..self }
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

    async fn cached(&self, cache_key: &str) -> anyhow::Result<Option<Vec<u8>>> {
        let mut conn = self.redis.connection().await?;
        Ok(redis::cmd("GET").arg(cache_key).query_async(&mut conn).await?)
    }

    fn version_key(&self) -> String {
        self.redis.key(&["catalog", "version"])
    }

    /// The key of `kind`/`key` under catalog `version`, for entries of this build's shape.
    fn entry_key(&self, version: u64, kind: &str, key: &str) -> String {
        self.redis.key(&["catalog", BUILD, &format!("v{version}"), kind, key])
    }

    /// The current catalog version and the entry of `kind`/`key` under it.
    async fn lookup(&self, kind: &str, key: &str) -> anyhow::Result<(u64, Option<Vec<u8>>)> {
        let mut conn = self.redis.connection().await?;
        let prefix = self.redis.key(&["catalog", BUILD, "v"]);
        Ok(LOOKUP
            .key(self.version_key())
            .arg(prefix)
            .arg(format!(":{kind}:{key}"))
            .invoke_async(&mut conn)
            .await?)
    }

    /// The in-process tier, following the version from the first read on.
    fn local_tier(&self) -> Option<&LocalTier> {
        let local = self.local.as_ref()?;
        local.start(|| VersionSource { redis: self.redis.clone(), key: self.version_key() });
        Some(local)
    }

    /// Marks every cached catalog read stale. Call after a catalog write commits.
    pub async fn invalidate(&self) {
        let bumped: anyhow::Result<u64> = async {
            let mut conn = self.redis.connection().await?;
            Ok(BUMP.key(self.version_key()).invoke_async(&mut conn).await?)
        }
        .await;
        match bumped {
            Ok(version) => {
                // This process's next read is fresh whether or not the message has arrived.
                if let Some(local) = &self.local {
                    local.raise(version);
                }
                self.trusted.store(true, Ordering::SeqCst);
            }
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
        // An entry that no longer reads as `T` is loaded again and replaced.
        self.fetch(kind, key, load, |json| serde_json::from_slice(json).ok(), |value, _| value).await
    }

    /// The JSON of `kind`/`key` as cached, or of the value `load` gives (then cached), to be
    /// sent as it is. Entries are keyed by this build's version, so an entry is always of the
    /// shape this build writes.
    pub async fn get_or_load_json<T, F>(
        &self,
        kind: &'static str,
        key: &str,
        load: F,
    ) -> Result<Bytes, DomainError>
    where
        T: Serialize,
        F: Future<Output = Result<T, DomainError>>,
    {
        self.fetch(kind, key, load, |json| Some(json.clone()), |_, json| json).await
    }

    /// The entry of `kind`/`key` as `read` takes it (`None`: unusable, load again), or the
    /// value `load` gives, cached and handed to `loaded` with its JSON.
    async fn fetch<T, R, F>(
        &self,
        kind: &'static str,
        key: &str,
        load: F,
        read: impl Fn(&Bytes) -> Option<R>,
        loaded: impl FnOnce(T, Bytes) -> R,
    ) -> Result<R, DomainError>
    where
        T: Serialize,
        F: Future<Output = Result<T, DomainError>>,
    {
        let loaded = |value: T| -> Result<(R, Bytes), DomainError> {
            let json =
                Bytes::from(serde_json::to_vec(&value).map_err(|err| DomainError::Internal(err.into()))?);
            Ok((loaded(value, json.clone()), json))
        };
        if !self.trusted.load(Ordering::SeqCst) {
            self.invalidate().await;
        }
        if !self.trusted.load(Ordering::SeqCst) {
            count(kind, "error");
            return Ok(loaded(load.await?)?.0);
        }
        let local = self.local_tier();
        if let Some(value) = local.and_then(|local| local.get(kind, key)).as_ref().and_then(&read) {
            count(kind, "local_hit");
            return Ok(value);
        }
        let (version, entry) = match self.lookup(kind, key).await {
            Ok(found) => found,
            Err(err) => return Ok(loaded(uncached(kind, err, load).await?)?.0),
        };
        let usable =
            |entry: Option<Vec<u8>>| entry.map(Bytes::from).and_then(|json| Some((read(&json)?, json)));
        // Entries of this tier and of Redis under one version are interchangeable.
        let keep = |json: &Bytes| {
            if let Some(local) = local {
                local.put(version, kind, key, json.clone());
            }
        };
        if let Some((value, json)) = usable(entry) {
            count(kind, "hit");
            keep(&json);
            return Ok(value);
        }
        // A miss: wait for a load of this key in flight in this process, then look again.
        let cache_key = self.entry_key(version, kind, key);
        let gate = self.gate(&cache_key);
        let _turn = gate.lock().await;
        match self.cached(&cache_key).await {
            Ok(entry) => {
                if let Some((value, json)) = usable(entry) {
                    count(kind, "hit");
                    keep(&json);
                    return Ok(value);
                }
            }
            Err(err) => return Ok(loaded(uncached(kind, err, load).await?)?.0),
        }
        count(kind, "miss");
        let (value, json) = loaded(load.await?)?;
        keep(&json);
        let stored: anyhow::Result<()> = async {
            let mut conn = self.redis.connection().await?;
            redis::cmd("SET")
                .arg(&cache_key)
                .arg(json.as_ref())
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
        Ok(value)
    }
}
