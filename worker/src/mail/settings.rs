//! Where mail goes (`SMTP_URL` or `MAIL_DIR`), who it is from, and how often the queue
//! is polled.

use clap::Args;
use lettre::{AsyncSmtpTransport, Tokio1Executor};
use shopfleet_env_names as env_names;
use shopfleet_platform::{
    config::{SettingError, Validate},
    secret::Secret,
};
use std::path::PathBuf;

/// Where mail goes.
#[derive(Debug, Clone, Args)]
pub struct MailSettings {
    /// SMTP server, e.g. `smtps://user:pass@smtp.example.com:465` or `smtp://localhost:25`.
    #[arg(long = "smtp-url", env = env_names::SMTP_URL)]
    pub smtp_url: Option<Secret>,
    /// Write mail as `.eml` files into this directory instead of sending it (development).
    #[arg(long = "mail-dir", env = env_names::MAIL_DIR, conflicts_with = "smtp_url")]
    pub mail_dir: Option<PathBuf>,
    /// The From address of every mail.
    #[arg(long = "mail-from", env = env_names::MAIL_FROM, default_value = "Shopfleet <no-reply@shopfleet.invalid>")]
    pub from: String,
    /// Seconds between mail queue polls.
    #[arg(long = "mail-poll-secs", env = env_names::MAIL_POLL_SECS, default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub poll_secs: u64,
}

impl Validate for MailSettings {
    fn validate(&self) -> Result<(), SettingError> {
        if let Some(url) = &self.smtp_url {
            check_smtp_url(url.expose()).map_err(|err| SettingError::new(env_names::SMTP_URL, err))?;
        }
        self.from
            .parse::<lettre::message::Mailbox>()
            .map_err(|err| SettingError::new(env_names::MAIL_FROM, format!("not a mailbox: {err}")))?;
        Ok(())
    }
}

/// Checks an SMTP URL without connecting.
pub fn check_smtp_url(url: &str) -> Result<(), String> {
    AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map(|_| ()).map_err(|err| err.to_string())
}
