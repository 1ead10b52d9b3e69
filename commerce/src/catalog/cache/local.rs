//! The in-process tier of the catalog cache: entries this process has read or loaded, kept
//! under the catalog version they belong to, and the version this process takes as current.
//!
//! Every bump of the version is published on a Redis channel by the same script that
//! increments it. A task per process subscribes to that channel, then reads the version, and
//! raises its copy to every version it hears of; once a second it reads the version again,
//! so a lost message or a silently dead subscription costs at most that second. While the
//! task is not subscribed and in step (at start, after a broken subscription or a failed
//! read), the tier answers nothing and reads go to Redis; when it comes back it starts empty.
//!
//! A write through this process raises the version here before it returns, so the writer's
//! next read is fresh. Another process serves its old entry until the message arrives,
//! which Redis sends while it runs the bump, before the writer hears back.

use bytes::Bytes;
use futures::StreamExt;
use quick_cache::{sync::Cache, Weighter};
use shopfleet_platform::redis_conn::RedisConn;
use std::{
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc, OnceLock, Weak,
    },
    time::Duration,
};

/// How often the follower reads the version itself, besides the published bumps.
const RESYNC_EVERY: Duration = Duration::from_secs(1);

/// How long the follower waits before subscribing again after a failure.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// An entry: the catalog version it was read under, its kind and its key.
type EntryKey = (u64, &'static str, String);

/// Weighs an entry by its bytes (the key's too), so the tier's budget is in bytes.
#[derive(Clone)]
struct ByteWeight;

impl Weighter<EntryKey, Bytes> for ByteWeight {
    fn weight(&self, key: &EntryKey, value: &Bytes) -> u64 {
        (key.2.len() + value.len() + 64) as u64
    }
}

/// Where the follower listens and reads.
pub(super) struct VersionSource {
    pub redis: RedisConn,
    /// The key holding the version, which is also the channel its bumps are published on.
    pub key: String,
}

pub(super) struct LocalTier {
    entries: Cache<EntryKey, Bytes, ByteWeight>,
    /// The newest catalog version this process knows of.
    version: AtomicU64,
    /// Whether the follower is subscribed and has read the version since.
    live: AtomicBool,
    follower: OnceLock<tokio::task::AbortHandle>,
}

impl Drop for LocalTier {
    fn drop(&mut self) {
        if let Some(follower) = self.follower.get() {
            follower.abort();
        }
    }
}

impl LocalTier {
    /// A tier holding up to `budget_bytes` of entries; it answers once [`LocalTier::start`]'s
    /// follower is in step.
    pub fn new(budget_bytes: u64) -> Self {
        // quick_cache sizes its shards from an item estimate: one page is a few KiB.
        let estimated_items = (budget_bytes / 4096).clamp(16, 1 << 20) as usize;
        Self {
            entries: Cache::with_weighter(estimated_items, budget_bytes, ByteWeight),
            version: AtomicU64::new(0),
            live: AtomicBool::new(false),
            follower: OnceLock::new(),
        }
    }

    /// Starts following the version from `source()` (once per tier; later calls do nothing).
    pub fn start(self: &Arc<Self>, source: impl FnOnce() -> VersionSource) {
        self.follower.get_or_init(|| tokio::spawn(follow(Arc::downgrade(self), source())).abort_handle());
    }

    /// The entry of `kind`/`key` under the current version, if this tier is in step and has it.
    pub fn get(&self, kind: &'static str, key: &str) -> Option<Bytes> {
        if !self.live.load(Ordering::Acquire) {
            return None;
        }
        let version = self.version.load(Ordering::Acquire);
        self.entries.get(&(version, kind, key.to_owned()))
    }

    /// Keeps `json` as the entry of `kind`/`key` under `version` (read under it, or loaded
    /// after it was read), unless a newer version is already known.
    pub fn put(&self, version: u64, kind: &'static str, key: &str, json: Bytes) {
        self.raise(version);
        if self.live.load(Ordering::Acquire) && version == self.version.load(Ordering::Acquire) {
            self.entries.insert((version, kind, key.to_owned()), json);
        }
    }

    /// Takes `version` as current if it is newer than the one known.
    pub fn raise(&self, version: u64) {
        self.version.fetch_max(version, Ordering::AcqRel);
    }

    fn go_live(&self) {
        if !self.live.load(Ordering::Acquire) {
            self.entries.clear();
            self.live.store(true, Ordering::Release);
        }
    }

    fn go_off(&self) {
        self.live.store(false, Ordering::Release);
    }
}

/// Turns the tier off when the follower stops for any reason, its runtime's shutdown included:
/// a tier nobody keeps in step must not answer.
struct OffWhenStopped(Weak<LocalTier>);

impl Drop for OffWhenStopped {
    fn drop(&mut self) {
        if let Some(tier) = self.0.upgrade() {
            tier.go_off();
        }
    }
}

/// Follows the version for as long as the tier exists, subscribing again after failures.
async fn follow(tier: Weak<LocalTier>, source: VersionSource) {
    let _off_when_stopped = OffWhenStopped(tier.clone());
    loop {
        let outcome = follow_subscription(&tier, &source).await;
        let Some(live_tier) = tier.upgrade() else { return };
        live_tier.go_off();
        drop(live_tier);
        if let Err(err) = outcome {
            metrics::counter!("cache_errors_total", "operation" => "follow").increment(1);
            tracing::warn!(
                error = format!("{err:#}"),
                "catalog cache: lost the version channel; reading through Redis until it is back"
            );
        }
        tokio::time::sleep(RETRY_AFTER).await;
    }
}

/// One subscription: raises the tier's version on every message and every resync, and
/// returns `Ok` once the tier is gone or an error when the subscription or a read fails.
async fn follow_subscription(tier: &Weak<LocalTier>, source: &VersionSource) -> anyhow::Result<()> {
    let mut pubsub = source.redis.pubsub().await?;
    pubsub.subscribe(&source.key).await?;
    let mut bumps = pubsub.into_on_message();
    let mut resync = tokio::time::interval(RESYNC_EVERY);
    loop {
        tokio::select! {
            bump = bumps.next() => {
                let bump = bump.ok_or_else(|| anyhow::anyhow!("the subscription closed"))?;
                let version: u64 = bump.get_payload()?;
                let Some(tier) = tier.upgrade() else { return Ok(()) };
                tier.raise(version);
            }
            _ = resync.tick() => {
                let version = read_version(source).await?;
                let Some(tier) = tier.upgrade() else { return Ok(()) };
                tier.raise(version);
                tier.go_live();
            }
        }
    }
}

async fn read_version(source: &VersionSource) -> anyhow::Result<u64> {
    let mut conn = source.redis.connection().await?;
    let version: Option<u64> = redis::cmd("GET").arg(&source.key).query_async(&mut conn).await?;
    Ok(version.unwrap_or(0))
}
