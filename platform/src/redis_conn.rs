//! Redis: one multiplexed, self-reconnecting connection shared by the process.

use crate::config::RedisSettings;
use anyhow::Context;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::time::Duration;
use tokio::sync::OnceCell;

/// A handle to Redis that connects on first use and reconnects after failures.
///
/// Keys are namespaced with the configured prefix through [`RedisConn::key`].
#[derive(Clone)]
pub struct RedisConn {
    client: redis::Client,
    manager: std::sync::Arc<OnceCell<ConnectionManager>>,
    key_prefix: String,
}

impl RedisConn {
    pub fn new(settings: &RedisSettings) -> anyhow::Result<Self> {
        let client = redis::Client::open(settings.url.expose())
            .map_err(|_| anyhow::anyhow!("REDIS_URL is not a valid Redis URL (value hidden)"))?;
        Ok(Self { client, manager: Default::default(), key_prefix: settings.key_prefix.clone() })
    }

    /// A connection to use for one or more commands (cheap to clone).
    pub async fn connection(&self) -> anyhow::Result<ConnectionManager> {
        let manager = self
            .manager
            .get_or_try_init(|| {
                // Fail fast: callers fall back (cache) or answer 503 rather than hang.
                let config = ConnectionManagerConfig::new()
                    .set_number_of_retries(1)
                    .set_connection_timeout(Duration::from_millis(500))
                    .set_response_timeout(Duration::from_secs(2));
                ConnectionManager::new_with_config(self.client.clone(), config)
            })
            .await
            .context("connecting to Redis")?;
        Ok(manager.clone())
    }

    /// `<prefix>:<parts joined by ':'>`.
    pub fn key(&self, parts: &[&str]) -> String {
        let mut key = self.key_prefix.clone();
        for part in parts {
            key.push(':');
            key.push_str(part);
        }
        key
    }
}
