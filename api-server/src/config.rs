//! Settings of `shopfleet-api`: the shared service settings plus the HTTP server's own.

use clap::{builder::BoolishValueParser, Args};
use shopfleet_assistant::settings::AssistantSettings;
use shopfleet_commerce::catalog::search::SearchSettings;
use shopfleet_commerce::{accounts::settings::AuthSettings, payments::settings::PaymentSettings};
use shopfleet_env_names as env_names;
use shopfleet_platform::config::{
    DatabaseSettings, KafkaSettings, ReadinessSettings, RedisSettings, SettingError, TelemetrySettings,
    Validate,
};
use shopfleet_serve::ServeOptions;
use std::{net::IpAddr, path::PathBuf, time::Duration};

/// Everything `shopfleet-api serve` reads.
#[derive(Debug, Clone, Args)]
pub struct ApiSettings {
    #[command(flatten)]
    pub telemetry: TelemetrySettings,
    #[command(flatten)]
    pub database: DatabaseSettings,
    #[command(flatten)]
    pub redis: RedisSettings,
    #[command(flatten)]
    pub kafka: KafkaSettings,
    #[command(flatten)]
    pub readiness: ReadinessSettings,
    #[command(flatten)]
    pub http: HttpSettings,
    #[command(flatten)]
    pub auth: AuthSettings,
    #[command(flatten)]
    pub payments: PaymentSettings,
    #[command(flatten)]
    pub search: SearchSettings,
    #[command(flatten)]
    pub assistant: AssistantSettings,
    #[command(flatten)]
    pub media: shopfleet_media::MediaSettings,
    /// Seconds a cached product page lives in Redis (writes invalidate at once; this bounds an outage).
    #[arg(long, env = env_names::CATALOG_CACHE_TTL_SECS, default_value_t = shopfleet_commerce::catalog::cache::DEFAULT_TTL_SECS, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub catalog_cache_ttl_secs: u64,
    /// MiB of catalog pages each API process keeps in memory besides Redis, answered without a
    /// round trip while it follows the catalog version (0 turns this tier off).
    #[arg(long, env = env_names::CATALOG_LOCAL_CACHE_MIB, default_value_t = 64, value_parser = clap::value_parser!(u64).range(0..=65_536))]
    pub catalog_local_cache_mib: u64,
    /// Seconds an unpaid order waits for payment before the worker cancels it and releases its stock.
    #[arg(long, env = env_names::ORDER_PAYMENT_TTL_SECS, default_value_t = 900, value_parser = clap::value_parser!(u64).range(30..=86_400))]
    pub order_payment_ttl_secs: u64,
    /// Apply pending migrations before serving.
    #[arg(long, env = env_names::MIGRATE_ON_START, default_value = "false", value_parser = BoolishValueParser::new(), action = clap::ArgAction::Set)]
    pub migrate_on_start: bool,
}

#[derive(Debug, Clone, Args)]
pub struct HttpSettings {
    /// Address the API listens on.
    #[arg(long = "api-host", env = env_names::API_HOST, default_value = "0.0.0.0")]
    pub host: IpAddr,
    /// Port the API listens on.
    #[arg(long = "api-port", env = env_names::API_PORT, default_value_t = 8000)]
    pub port: u16,
    /// Seconds a request may take before it is abandoned with 408.
    #[arg(long, env = env_names::REQUEST_TIMEOUT_SECS, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub request_timeout_secs: u64,
    /// Largest accepted request body, in bytes.
    #[arg(long, env = env_names::MAX_BODY_BYTES, default_value_t = 1_048_576, value_parser = clap::value_parser!(u64).range(1024..=104_857_600))]
    pub max_body_bytes: u64,
    /// Origins allowed by CORS, comma-separated (e.g. https://shop.example.com). Empty: no CORS.
    #[arg(long, env = env_names::CORS_ORIGINS, value_delimiter = ',', num_args = 0..)]
    pub cors_origins: Vec<String>,
    /// Serve the interactive API documentation at /docs.
    #[arg(long, env = env_names::DOCS_ENABLED, default_value = "false", value_parser = BoolishValueParser::new(), action = clap::ArgAction::Set)]
    pub docs_enabled: bool,
    /// Directory holding the swagger-ui-dist assets served under /docs.
    #[arg(long, env = env_names::DOCS_ASSETS_DIR, default_value = ".dev/swagger-ui")]
    pub docs_assets_dir: PathBuf,
    /// Directory of the built web app (storefront and consoles), served at `/`; unset: none.
    #[arg(long, env = env_names::WEB_DIR)]
    pub web_dir: Option<PathBuf>,
    /// Seconds in-flight requests get to finish after SIGTERM.
    #[arg(long, env = env_names::SHUTDOWN_GRACE_SECS, default_value_t = 25)]
    pub shutdown_grace_secs: u64,
    /// Seconds a client has to send a request's headers (also the keep-alive idle limit);
    /// slower clients are disconnected.
    #[arg(long, env = env_names::HEADER_READ_TIMEOUT_SECS, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300))]
    pub header_read_timeout_secs: u64,
    /// Connections served at once; more wait in the listen backlog.
    #[arg(id = "max_http_connections", long = "max-connections", env = env_names::MAX_CONNECTIONS, default_value_t = 1024, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub max_connections: u64,
}

impl HttpSettings {
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }

    /// How the server treats connections: shutdown grace, header deadline, connection cap.
    pub fn serve_options(&self) -> ServeOptions {
        ServeOptions {
            grace: Duration::from_secs(self.shutdown_grace_secs),
            header_read_timeout: Duration::from_secs(self.header_read_timeout_secs),
            max_connections: usize::try_from(self.max_connections).unwrap_or(usize::MAX),
        }
    }
}

impl Validate for HttpSettings {
    fn validate(&self) -> Result<(), SettingError> {
        for origin in self.cors_origins.iter().filter(|o| !o.is_empty()) {
            let ok = url::Url::parse(origin)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.path() == "/");
            if !ok || origin.ends_with('/') {
                return Err(SettingError::new(
                    env_names::CORS_ORIGINS,
                    format!("`{origin}` is not an origin like https://shop.example.com"),
                ));
            }
        }
        if self.docs_enabled && !self.docs_assets_dir.join("swagger-ui-bundle.js").is_file() {
            return Err(SettingError::new(
                env_names::DOCS_ASSETS_DIR,
                format!(
                    "{} does not hold swagger-ui-bundle.js (install the swagger-ui-dist npm package there, or set DOCS_ENABLED=false)",
                    self.docs_assets_dir.display()
                ),
            ));
        }
        if let Some(dir) = &self.web_dir {
            if !dir.join("index.html").is_file() {
                return Err(SettingError::new(
                    env_names::WEB_DIR,
                    format!(
                        "{} does not hold index.html (build the web app with `npm run build` in web/)",
                        dir.display()
                    ),
                ));
            }
        }
        Ok(())
    }
}

impl ApiSettings {
    pub fn order_payment_ttl(&self) -> Duration {
        Duration::from_secs(self.order_payment_ttl_secs)
    }
}

impl Validate for ApiSettings {
    fn validate(&self) -> Result<(), SettingError> {
        self.database.validate()?;
        self.redis.validate()?;
        self.kafka.validate()?;
        self.auth.validate()?;
        self.payments.validate()?;
        self.search.validate()?;
        self.http.validate()
    }
}

#[cfg(test)]
mod tests {
    use super::ApiSettings;
    use clap::{Args, Command};
    use shopfleet_platform::config::unread_env_vars;

    /// Each variable the operator sets for the api (`shopfleet_env_names::API`; the
    /// operator's tests check it sets no other) is a setting `shopfleet-api` reads.
    #[test]
    fn every_variable_the_operator_sets_for_the_api_is_read() {
        let command = ApiSettings::augment_args(Command::new("shopfleet-api"));
        assert_eq!(unread_env_vars(&command, shopfleet_env_names::API), Vec::<&str>::new());
    }
}
