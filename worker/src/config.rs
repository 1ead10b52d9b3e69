//! Settings of `shopfleet-worker`.

use clap::Args;
use shopfleet_commerce::config::{
    DatabaseSettings, KafkaSettings, ReadinessSettings, RedisSettings, SettingError, TelemetrySettings,
    Validate,
};
use std::{net::IpAddr, time::Duration};

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
    /// Address of the worker's /health, /ready and /metrics server.
    #[arg(long = "worker-host", env = "WORKER_HOST", default_value = "0.0.0.0")]
    pub host: IpAddr,
    /// Port of the worker's /health, /ready and /metrics server.
    #[arg(long = "worker-port", env = "WORKER_PORT", default_value_t = 9090)]
    pub port: u16,
    /// Seconds between sweeps that expire overdue stock reservations.
    #[arg(long, env = "RESERVATION_SWEEP_SECS", default_value_t = 15, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub reservation_sweep_secs: u64,
    /// Seconds running work gets to finish after SIGTERM.
    #[arg(long = "worker-shutdown-grace-secs", env = "WORKER_SHUTDOWN_GRACE_SECS", default_value_t = 25)]
    pub shutdown_grace_secs: u64,
}

impl WorkerSettings {
    pub fn reservation_sweep_interval(&self) -> Duration {
        Duration::from_secs(self.reservation_sweep_secs)
    }

    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_secs(self.shutdown_grace_secs)
    }
}

impl Validate for WorkerSettings {
    fn validate(&self) -> Result<(), SettingError> {
        self.database.validate()?;
        self.redis.validate()?;
        self.kafka.validate()
    }
}
