//! Settings of payments, shared by the API (which verifies webhooks and calls the
//! provider) and the worker (where the simulated provider settles and delivers webhooks).

use clap::Args;
use shopfleet_env_names as env_names;
use shopfleet_platform::config::{SettingError, Validate};
use shopfleet_platform::secret::Secret;
use std::time::Duration;

#[derive(Debug, Clone, Args)]
pub struct PaymentSettings {
    /// Secrets that sign and verify payment webhooks, comma-separated, current first; a
    /// second one stays accepted while a rotation is under way. Each at least 32 bytes.
    #[arg(
        long = "payments-webhook-secrets",
        env = env_names::PAYMENTS_WEBHOOK_SECRETS,
        value_delimiter = ',',
        hide_env_values = true
    )]
    pub webhook_secrets: Vec<Secret>,
    /// Seconds a webhook's signature timestamp may differ from the clock.
    #[arg(long = "payments-webhook-tolerance-secs", env = env_names::PAYMENTS_WEBHOOK_TOLERANCE_SECS, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub webhook_tolerance_secs: u64,
    /// Milliseconds after which the simulated provider settles a `processing` payment
    /// (the "fails late" test card).
    #[arg(long = "payments-simulator-settle-ms", env = env_names::PAYMENTS_SIMULATOR_SETTLE_MS, default_value_t = 2000, value_parser = clap::value_parser!(u64).range(0..=3_600_000))]
    pub simulator_settle_ms: u64,
}

impl PaymentSettings {
    /// The active webhook secrets, current first.
    pub fn active_webhook_secrets(&self) -> Vec<&Secret> {
        self.webhook_secrets.iter().filter(|secret| !secret.is_empty()).collect()
    }

    pub fn settle_delay(&self) -> Duration {
        Duration::from_millis(self.simulator_settle_ms)
    }
}

impl Validate for PaymentSettings {
    fn validate(&self) -> Result<(), SettingError> {
        let secrets = self.active_webhook_secrets();
        if secrets.is_empty() || secrets.len() > 2 {
            return Err(SettingError::new(
                env_names::PAYMENTS_WEBHOOK_SECRETS,
                "is required: one secret, or two (current first) during a rotation",
            ));
        }
        if secrets.iter().any(|secret| secret.expose().len() < 32) {
            return Err(SettingError::new(
                env_names::PAYMENTS_WEBHOOK_SECRETS,
                "each secret must be at least 32 bytes",
            ));
        }
        Ok(())
    }
}
