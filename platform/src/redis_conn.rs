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
    /// A handle for `settings`; a `rediss://` URL verifies the server against
    /// `REDIS_CA_FILE` when set (else the system's roots).
    pub fn new(settings: &RedisSettings) -> anyhow::Result<Self> {
        let invalid = |_| anyhow::anyhow!("REDIS_URL is not a valid Redis URL (value hidden)");
        let client = match &settings.ca_file {
            Some(path) => {
                let root_cert = std::fs::read(path)
                    .with_context(|| format!("reading REDIS_CA_FILE {}", path.display()))?;
                let certificates = redis::TlsCertificates { client_tls: None, root_cert: Some(root_cert) };
                redis::Client::build_with_tls(settings.url.expose(), certificates).map_err(invalid)?
            }
            None => redis::Client::open(settings.url.expose()).map_err(invalid)?,
        };
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

    /// A connection of its own for subscribing to channels.
    pub async fn pubsub(&self) -> anyhow::Result<redis::aio::PubSub> {
        tokio::time::timeout(Duration::from_millis(500), self.client.get_async_pubsub())
            .await
            .context("connecting to Redis for a subscription: timed out")?
            .context("connecting to Redis for a subscription")
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
