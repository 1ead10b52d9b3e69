//! Settings shared by the binaries. Each one is a CLI flag and an env var (clap).
//!
//! Secret settings are parsed as [`Secret`] so clap never echoes them, then checked
//! by [`Validate::validate`], whose errors name the setting but never show its value.

use crate::secret::Secret;
use clap::{Args, ValueEnum};
use shopfleet_env_names as env_names;
use std::time::Duration;

/// A setting that was present but unusable. Names the env var, never its value.
#[derive(Debug, thiserror::Error)]
#[error("invalid setting {setting}: {reason}")]
pub struct SettingError {
    pub setting: &'static str,
    pub reason: String,
}

impl SettingError {
    pub fn new(setting: &'static str, reason: impl Into<String>) -> Self {
        Self { setting, reason: reason.into() }
    }
}

/// Checks made after clap parsed the values, for what clap cannot express.
pub trait Validate {
    fn validate(&self) -> Result<(), SettingError>;
}

/// Those of `names` that no setting of `command` is read from (the test that the
/// variables the operator sets are ones the binary reads).
pub fn unread_env_vars<'a>(command: &clap::Command, names: &[&'a str]) -> Vec<&'a str> {
    let read: Vec<_> = command.get_arguments().filter_map(|arg| arg.get_env()).collect();
    names.iter().copied().filter(|name| !read.iter().any(|env| env == name)).collect()
}

/// Checks that a secret URL parses and uses one of the allowed schemes.
pub fn validate_secret_url(
    setting: &'static str,
    value: &Secret,
    schemes: &[&str],
) -> Result<(), SettingError> {
    let url = url::Url::parse(value.expose())
        .map_err(|err| SettingError::new(setting, format!("not a valid URL ({err}); value hidden")))?;
    if !schemes.contains(&url.scheme()) {
        return Err(SettingError::new(setting, format!("URL scheme must be one of {}", schemes.join(", "))));
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable, coloured when the output is a terminal.
    Pretty,
    /// One JSON object per line, for log collectors.
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct TelemetrySettings {
    /// Log output format.
    #[arg(long, env = env_names::LOG_FORMAT, value_enum, default_value = "pretty")]
    pub log_format: LogFormat,
    /// Log filter in `tracing` EnvFilter syntax.
    #[arg(long, env = env_names::LOG_LEVEL, default_value = "info")]
    pub log_level: String,
    /// OTLP/gRPC endpoint for traces (e.g. http://otel-collector:4317); unset disables export.
    #[arg(long, env = env_names::OTEL_EXPORTER_OTLP_ENDPOINT)]
    pub otlp_endpoint: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct DatabaseSettings {
    /// Postgres connection URL.
    #[arg(
        id = "database_url",
        value_name = "URL",
        long = "database-url",
        env = env_names::DATABASE_URL,
        default_value = "postgres://postgres@127.0.0.1:5432/shopfleet",
        hide_env_values = true,
        hide_default_value = true
    )]
    pub url: Secret,
    /// Largest number of pooled Postgres connections.
    #[arg(long = "database-max-connections", env = env_names::DATABASE_MAX_CONNECTIONS, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub max_connections: u32,
    /// Seconds to wait for a pooled connection before failing the request.
    #[arg(long = "database-acquire-timeout-secs", env = env_names::DATABASE_ACQUIRE_TIMEOUT_SECS, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=300))]
    pub acquire_timeout_secs: u64,
}

impl DatabaseSettings {
    pub fn acquire_timeout(&self) -> Duration {
        Duration::from_secs(self.acquire_timeout_secs)
    }
}

impl Validate for DatabaseSettings {
    fn validate(&self) -> Result<(), SettingError> {
        validate_secret_url(env_names::DATABASE_URL, &self.url, &["postgres", "postgresql"])
    }
}

#[derive(Debug, Clone, Args)]
pub struct RedisSettings {
    /// Redis connection URL.
    #[arg(
        id = "redis_url",
        value_name = "URL",
        long = "redis-url",
        env = env_names::REDIS_URL,
        default_value = "redis://127.0.0.1:6379/0",
        hide_env_values = true,
        hide_default_value = true
    )]
    pub url: Secret,
    /// Prefix of every Redis key, so several shops (or tests) can share one Redis.
    #[arg(long = "redis-key-prefix", env = env_names::REDIS_KEY_PREFIX, default_value = "shopfleet")]
    pub key_prefix: String,
    /// PEM file of the CA that signed a `rediss://` server's certificate; the system roots
    /// when unset.
    #[arg(long = "redis-ca-file", env = env_names::REDIS_CA_FILE)]
    pub ca_file: Option<std::path::PathBuf>,
}

impl Validate for RedisSettings {
    fn validate(&self) -> Result<(), SettingError> {
        validate_secret_url(env_names::REDIS_URL, &self.url, &["redis", "rediss"])?;
        if self.key_prefix.is_empty() || self.key_prefix.contains(char::is_whitespace) {
            return Err(SettingError::new(
                env_names::REDIS_KEY_PREFIX,
                "must be non-empty and contain no whitespace",
            ));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Args)]
pub struct KafkaSettings {
    /// Kafka bootstrap servers (host:port,...). Unset: events flow through the Postgres outbox only.
    #[arg(long = "kafka-brokers", env = env_names::KAFKA_BROKERS)]
    pub brokers: Option<String>,
    /// Prefix of every topic name: `<prefix>.<aggregate>`.
    #[arg(long = "kafka-topic-prefix", env = env_names::KAFKA_TOPIC_PREFIX, default_value = "shopfleet")]
    pub topic_prefix: String,
    /// How to talk to the brokers; `SASL_PLAINTEXT` by default when a SASL user is set.
    #[arg(long = "kafka-security-protocol", env = env_names::KAFKA_SECURITY_PROTOCOL, value_parser = ["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"])]
    pub security_protocol: Option<String>,
    /// SASL mechanism.
    #[arg(long = "kafka-sasl-mechanism", env = env_names::KAFKA_SASL_MECHANISM, default_value = "SCRAM-SHA-512", value_parser = ["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"])]
    pub sasl_mechanism: String,
    /// PEM file of the CA that signed the brokers' certificates (SSL, SASL_SSL).
    #[arg(long = "kafka-ssl-ca-location", env = env_names::KAFKA_SSL_CA_LOCATION)]
    pub ssl_ca_location: Option<String>,
    /// SASL user; unset: no SASL.
    #[arg(long = "kafka-sasl-username", env = env_names::KAFKA_SASL_USERNAME)]
    pub sasl_username: Option<String>,
    /// SASL password (from a Secret; never echoed).
    #[arg(long = "kafka-sasl-password", env = env_names::KAFKA_SASL_PASSWORD, hide_env_values = true)]
    pub sasl_password: Option<Secret>,
}

impl Validate for KafkaSettings {
    fn validate(&self) -> Result<(), SettingError> {
        if let Some(brokers) = &self.brokers {
            let bad = brokers
                .split(',')
                .map(str::trim)
                .find(|b| b.rsplit_once(':').is_none_or(|(h, p)| h.is_empty() || p.parse::<u16>().is_err()));
            if let Some(bad) = bad {
                return Err(SettingError::new(env_names::KAFKA_BROKERS, format!("`{bad}` is not host:port")));
            }
        }
        if self.topic_prefix.is_empty() {
            return Err(SettingError::new(env_names::KAFKA_TOPIC_PREFIX, "must be non-empty"));
        }
        if self.sasl_username.is_some() != self.sasl_password.is_some() {
            return Err(SettingError::new(
                env_names::KAFKA_SASL_PASSWORD,
                "KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are set together or not at all",
            ));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Args)]
pub struct ReadinessSettings {
    /// Milliseconds each dependency check behind /ready may take.
    #[arg(long = "ready-timeout-ms", env = env_names::READY_TIMEOUT_MS, default_value_t = 2000, value_parser = clap::value_parser!(u64).range(10..=60_000))]
    pub timeout_ms: u64,
}

impl ReadinessSettings {
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_database_url_names_the_setting_and_hides_the_value() {
        let settings = DatabaseSettings {
            url: Secret::new("mysql://root:s3cr3t@db/shop"),
            max_connections: 5,
            acquire_timeout_secs: 5,
        };
        let err = settings.validate().unwrap_err().to_string();
        assert!(err.contains("DATABASE_URL"), "{err}");
        assert!(!err.contains("s3cr3t"), "{err}");

        let settings = DatabaseSettings { url: Secret::new("::not a url s3cr3t"), ..settings };
        let err = settings.validate().unwrap_err().to_string();
        assert!(err.contains("DATABASE_URL") && !err.contains("s3cr3t"), "{err}");
    }

    #[test]
    fn kafka_brokers_must_be_host_port() {
        let mut settings = KafkaSettings {
            brokers: Some("localhost:9092, kafka-1:9093".into()),
            topic_prefix: "shopfleet".into(),
            security_protocol: None,
            ssl_ca_location: None,
            sasl_mechanism: "SCRAM-SHA-512".into(),
            sasl_username: None,
            sasl_password: None,
        };
        settings.validate().unwrap();
        settings.sasl_username = Some("shop-app".into());
        let err = settings.validate().unwrap_err().to_string();
        assert!(err.contains("KAFKA_SASL_PASSWORD"), "{err}");
        settings.sasl_username = None;
        settings.brokers = Some("localhost".into());
        let err = settings.validate().unwrap_err().to_string();
        assert!(err.contains("KAFKA_BROKERS") && err.contains("localhost"), "{err}");
    }

    #[test]
    fn redis_prefix_must_not_be_empty() {
        let settings = RedisSettings {
            url: Secret::new("redis://127.0.0.1:6379/0"),
            key_prefix: String::new(),
            ca_file: None,
        };
        assert!(settings.validate().unwrap_err().to_string().contains("REDIS_KEY_PREFIX"));
    }
}
