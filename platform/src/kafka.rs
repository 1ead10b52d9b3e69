//! Kafka: client configuration shared by the producer, consumers and readiness check.

use crate::config::KafkaSettings;
use rdkafka::ClientConfig;
use std::time::Duration;

/// Base librdkafka configuration for the configured brokers, or `None` when Kafka is off.
pub fn client_config(settings: &KafkaSettings) -> Option<ClientConfig> {
    let brokers = settings.brokers.as_deref()?;
    let mut config = ClientConfig::new();
    config.set("bootstrap.servers", brokers).set("client.id", "shopfleet").set("socket.timeout.ms", "10000");
    Some(config)
}

/// Asks the brokers for cluster metadata; succeeds when at least one broker answers.
pub async fn check_brokers(config: ClientConfig, timeout: Duration) -> anyhow::Result<()> {
    tokio::task::spawn_blocking(move || {
        use rdkafka::consumer::{BaseConsumer, Consumer};
        let consumer: BaseConsumer = config.create()?;
        let metadata = consumer.fetch_metadata(None, timeout)?;
        anyhow::ensure!(!metadata.brokers().is_empty(), "no broker in metadata");
        Ok(())
    })
    .await?
}
