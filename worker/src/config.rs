//! Settings of `shopfleet-worker`.

use crate::mail::settings::MailSettings;
use clap::Args;
use shopfleet_assistant::settings::AssistantSettings;
use shopfleet_commerce::{catalog::search::SearchSettings, payments::settings::PaymentSettings};
use shopfleet_env_names as env_names;
use shopfleet_platform::config::{
    DatabaseSettings, KafkaSettings, ReadinessSettings, RedisSettings, SettingError, TelemetrySettings,
    Validate,
};
use std::{net::IpAddr, str::FromStr, time::Duration};

#[derive(Debug, Clone, Args)]
pub struct WorkerSettings {
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
    pub events: EventSettings,
    #[command(flatten)]
    pub schedules: ScheduleSettings,
    #[command(flatten)]
    pub mail: MailSettings,
    #[command(flatten)]
    pub payments: PaymentSettings,
    /// Where the simulated payment provider delivers its webhooks: the API's webhook route.
    #[arg(
        long,
        env = env_names::PAYMENTS_WEBHOOK_URL,
        default_value = "http://127.0.0.1:8000/api/v1/payments/webhook"
    )]
    pub payments_webhook_url: String,
    #[command(flatten)]
    pub search: SearchSettings,
    #[command(flatten)]
    pub assistant: AssistantSettings,
    #[command(flatten)]
    pub media: shopfleet_media::MediaSettings,
    /// Address of the worker's /health, /ready and /metrics server.
    #[arg(long = "worker-host", env = env_names::WORKER_HOST, default_value = "0.0.0.0")]
    pub host: IpAddr,
    /// Port of the worker's /health, /ready and /metrics server.
    #[arg(long = "worker-port", env = env_names::WORKER_PORT, default_value_t = 9090)]
    pub port: u16,
    /// This replica's name in job runs and logs (defaults to the host name).
    #[arg(long = "worker-id", env = env_names::WORKER_ID)]
    pub worker_id: Option<String>,
    /// Seconds running work gets to finish after SIGTERM.
    #[arg(long = "worker-shutdown-grace-secs", env = env_names::WORKER_SHUTDOWN_GRACE_SECS, default_value_t = 25)]
    pub shutdown_grace_secs: u64,
}

/// How events move from the outbox to the handlers.
#[derive(Debug, Clone, Args)]
pub struct EventSettings {
    /// Outbox partitions (events of one aggregate always share one). Workers claim a
    /// partition at a time, so this bounds parallelism; keep it equal on every replica.
    #[arg(long, env = env_names::OUTBOX_PARTITIONS, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=256))]
    pub outbox_partitions: u32,
    /// Outbox rows published or dispatched per batch.
    #[arg(long, env = env_names::OUTBOX_BATCH_SIZE, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub outbox_batch_size: u32,
    /// Milliseconds between outbox polls when no notification arrives.
    #[arg(long, env = env_names::OUTBOX_POLL_MS, default_value_t = 500, value_parser = clap::value_parser!(u64).range(10..=60_000))]
    pub outbox_poll_ms: u64,
    /// Milliseconds a partition waits after a notification before claiming, so the events
    /// committed meanwhile share its batch (one claim for many orders under load).
    #[arg(long, env = env_names::OUTBOX_LINGER_MS, default_value_t = 20, value_parser = clap::value_parser!(u64).range(0..=1_000))]
    pub outbox_linger_ms: u64,
    /// Attempts a handler gets for one event before it is dead-lettered.
    #[arg(long, env = env_names::HANDLER_MAX_ATTEMPTS, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub handler_max_attempts: u32,
    /// Delay before the first retry, doubled on each further one (capped at 30 s).
    #[arg(long, env = env_names::HANDLER_RETRY_BASE_MS, default_value_t = 200, value_parser = clap::value_parser!(u64).range(1..=60_000))]
    pub handler_retry_base_ms: u64,
    /// Consumer group of handler `h` is `<prefix>.<h>`.
    #[arg(long, env = env_names::KAFKA_GROUP_PREFIX, default_value = "shopfleet-worker")]
    pub kafka_group_prefix: String,
}

impl EventSettings {
    pub fn poll_interval(&self) -> Duration {
        Duration::from_millis(self.outbox_poll_ms)
    }

    pub fn linger(&self) -> Duration {
        Duration::from_millis(self.outbox_linger_ms)
    }

    /// Delay before retry `attempt` (1-based): base × 2^(attempt-1), at most 30 s.
    pub fn retry_delay(&self, attempt: u32) -> Duration {
        let factor = 1u64 << attempt.saturating_sub(1).min(20);
        Duration::from_millis(self.handler_retry_base_ms.saturating_mul(factor).min(30_000))
    }
}

/// When each scheduled job runs: cron expressions with seconds
/// (`sec min hour day-of-month month day-of-week`, UTC).
#[derive(Debug, Clone, Args)]
pub struct ScheduleSettings {
    /// Expire overdue stock reservations.
    #[arg(
        long = "schedule-expire-reservations",
        env = env_names::SCHEDULE_EXPIRE_RESERVATIONS,
        default_value = "*/15 * * * * *"
    )]
    pub expire_reservations: Schedule,
    /// Cancel unpaid orders past their payment deadline and release their stock.
    #[arg(long = "schedule-expire-orders", env = env_names::SCHEDULE_EXPIRE_ORDERS, default_value = "*/10 * * * * *")]
    pub expire_orders: Schedule,
    /// Delete expired idempotency keys, old failures, job runs and vector tombstones.
    #[arg(long = "schedule-prune", env = env_names::SCHEDULE_PRUNE, default_value = "0 */10 * * * *")]
    pub prune: Schedule,
    /// Write the consumer lag snapshot the admin API reads.
    #[arg(long = "schedule-measure-lag", env = env_names::SCHEDULE_MEASURE_LAG, default_value = "*/10 * * * * *")]
    pub measure_lag: Schedule,
    /// The simulated payment provider: settle late outcomes, deliver due webhooks, retry
    /// refunds left pending.
    #[arg(long = "schedule-payments", env = env_names::SCHEDULE_PAYMENTS, default_value = "* * * * * *")]
    pub payments: Schedule,
    /// Rebuild the search index from Postgres (nothing to do with the postgres backend).
    #[arg(long = "schedule-reindex", env = env_names::SCHEDULE_REINDEX, default_value = "0 0 3 * * *")]
    pub reindex: Schedule,
}

/// A parsed cron schedule, kept with its source text for logs.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub text: String,
    pub cron: cron::Schedule,
}

impl FromStr for Schedule {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let cron = cron::Schedule::from_str(text)
            .map_err(|err| format!("`{text}` is not a cron expression with seconds: {err}"))?;
        Ok(Schedule { text: text.to_owned(), cron })
    }
}

impl WorkerSettings {
    /// How the probe server treats connections: the shutdown grace, and limits sized for
    /// kubelet probes and a metrics scraper.
    pub fn serve_options(&self) -> shopfleet_serve::ServeOptions {
        shopfleet_serve::ServeOptions {
            grace: Duration::from_secs(self.shutdown_grace_secs),
            header_read_timeout: Duration::from_secs(5),
            max_connections: 64,
        }
    }

    /// This replica's name: `WORKER_ID`, else the host name, else a random id.
    pub fn worker_id(&self) -> String {
        self.worker_id
            .clone()
            .or_else(|| std::env::var("HOSTNAME").ok())
            .unwrap_or_else(|| format!("worker-{}", uuid::Uuid::new_v4().simple()))
    }
}

impl Validate for WorkerSettings {
    fn validate(&self) -> Result<(), SettingError> {
        self.database.validate()?;
        self.redis.validate()?;
        self.kafka.validate()?;
        self.search.validate()?;
        // Each partition holds one connection for its batch and one for the handler's
        // transaction; the listener, scheduler, replayer and mailer need a few more.
        let needed = 2 * self.events.outbox_partitions + 4;
        if self.database.max_connections < needed {
            return Err(SettingError::new(
                env_names::DATABASE_MAX_CONNECTIONS,
                format!("must be at least {needed} for OUTBOX_PARTITIONS={}", self.events.outbox_partitions),
            ));
        }
        self.payments.validate()?;
        let webhook_url = url::Url::parse(&self.payments_webhook_url)
            .map_err(|err| SettingError::new(env_names::PAYMENTS_WEBHOOK_URL, format!("not a URL: {err}")))?;
        if !matches!(webhook_url.scheme(), "http" | "https") {
            return Err(SettingError::new(env_names::PAYMENTS_WEBHOOK_URL, "must be an http or https URL"));
        }
        if self.events.kafka_group_prefix.is_empty() {
            return Err(SettingError::new(env_names::KAFKA_GROUP_PREFIX, "must be non-empty"));
        }
        self.mail.validate()?;
        self.assistant.validate()
    }
}

#[cfg(test)]
mod tests {
    use super::WorkerSettings;
    use clap::{Args, Command};
    use shopfleet_platform::config::unread_env_vars;

    /// Each variable the operator sets for the worker (`shopfleet_env_names::WORKER`; the
    /// operator's tests check it sets no other) is a setting `shopfleet-worker` reads.
    #[test]
    fn every_variable_the_operator_sets_for_the_worker_is_read() {
        let command = WorkerSettings::augment_args(Command::new("shopfleet-worker"));
        assert_eq!(unread_env_vars(&command, shopfleet_env_names::WORKER), Vec::<&str>::new());
    }
}
