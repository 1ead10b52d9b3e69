//! Kafka: client configuration shared by the producer, consumers and readiness check.

use crate::config::KafkaSettings;
use rdkafka::ClientConfig;
use std::time::Duration;

/// Base librdkafka configuration for the configured brokers (with their security protocol
/// and SASL credentials), or `None` when Kafka is off.
pub fn client_config(settings: &KafkaSettings) -> Option<ClientConfig> {
    let brokers = settings.brokers.as_deref()?;
    let mut config = ClientConfig::new();
    config.set("bootstrap.servers", brokers).set("client.id", "shopfleet").set("socket.timeout.ms", "10000");
    let sasl = settings.sasl_username.as_deref().zip(settings.sasl_password.as_ref());
    let default_protocol = if sasl.is_some() { "SASL_PLAINTEXT" } else { "PLAINTEXT" };
    config.set("security.protocol", settings.security_protocol.as_deref().unwrap_or(default_protocol));
    if let Some(ca) = &settings.ssl_ca_location {
        config.set("ssl.ca.location", ca);
    }
    if let Some((user, password)) = sasl {
        config
            .set("sasl.mechanism", &settings.sasl_mechanism)
            .set("sasl.username", user)
            .set("sasl.password", password.expose());
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn settings(user: Option<&str>, protocol: Option<&str>) -> KafkaSettings {
        KafkaSettings {
            brokers: Some("kafka-bootstrap:9092".to_owned()),
            topic_prefix: "shopfleet".to_owned(),
            security_protocol: protocol.map(str::to_owned),
            ssl_ca_location: None,
            sasl_mechanism: "SCRAM-SHA-512".to_owned(),
            sasl_username: user.map(str::to_owned),
            sasl_password: user.map(|_| Secret::new("s3cr3t")),
        }
    }

    #[test]
    fn a_sasl_user_logs_in_with_scram_over_plaintext_unless_told_otherwise() {
        let plain = client_config(&settings(None, None)).unwrap();
        assert_eq!(plain.get("security.protocol"), Some("PLAINTEXT"));
        assert_eq!(plain.get("sasl.username"), None);
        let scram = client_config(&settings(Some("shop-app"), None)).unwrap();
        assert_eq!(scram.get("security.protocol"), Some("SASL_PLAINTEXT"));
        assert_eq!(scram.get("sasl.mechanism"), Some("SCRAM-SHA-512"));
        assert_eq!(
            (scram.get("sasl.username"), scram.get("sasl.password")),
            (Some("shop-app"), Some("s3cr3t"))
        );
        let tls = client_config(&settings(Some("shop-app"), Some("SASL_SSL"))).unwrap();
        assert_eq!(tls.get("security.protocol"), Some("SASL_SSL"));
    }

    #[test]
    fn the_librdkafka_build_supports_scram() {
        // SCRAM needs librdkafka built with OpenSSL (rdkafka's `ssl` feature): a client
        // configured for it must be creatable.
        use rdkafka::consumer::BaseConsumer;
        let mut config = client_config(&settings(Some("shop-app"), Some("SASL_SSL"))).unwrap();
        config.set("group.id", "probe");
        let created: Result<BaseConsumer, _> = config.create();
        assert!(created.is_ok(), "{:?}", created.err());
    }
}
