//! Settings of authentication: signing keys, token lifetimes, argon2 cost, throttling
//! and the optional bootstrap admin.

use clap::{Args, ValueEnum};
use shopfleet_env_names as env_names;
use shopfleet_platform::{
    config::{SettingError, Validate},
    secret::Secret,
};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum JwtAlgorithm {
    /// HMAC-SHA256 with `JWT_SECRET` (the default).
    #[value(name = "HS256")]
    Hs256,
    /// Ed25519 with a PEM key pair.
    #[value(name = "EdDSA")]
    EdDsa,
    /// RSA-SHA256 with a PEM key pair.
    #[value(name = "RS256")]
    Rs256,
}

#[derive(Debug, Clone, Args)]
pub struct AuthSettings {
    /// Signing algorithm of access and refresh tokens. Verification accepts only this one.
    #[arg(long, env = env_names::JWT_ALGORITHM, value_enum, default_value = "HS256")]
    pub jwt_algorithm: JwtAlgorithm,
    /// HS256 signing key (at least 32 bytes). Required with HS256.
    #[arg(long, env = env_names::JWT_SECRET, hide_env_values = true)]
    pub jwt_secret: Option<Secret>,
    /// Earlier HS256 keys, comma-separated: tokens they signed stay valid until they expire.
    #[arg(long, env = env_names::JWT_PREVIOUS_SECRETS, value_delimiter = ',', hide_env_values = true)]
    pub jwt_previous_secrets: Vec<Secret>,
    /// PEM private key for EdDSA / RS256.
    #[arg(long, env = env_names::JWT_PRIVATE_KEY_FILE)]
    pub jwt_private_key_file: Option<PathBuf>,
    /// PEM public key for EdDSA / RS256.
    #[arg(long, env = env_names::JWT_PUBLIC_KEY_FILE)]
    pub jwt_public_key_file: Option<PathBuf>,
    /// Earlier PEM public keys, comma-separated, still accepted for verification.
    #[arg(long, env = env_names::JWT_PREVIOUS_PUBLIC_KEY_FILES, value_delimiter = ',')]
    pub jwt_previous_public_key_files: Vec<PathBuf>,
    /// `iss` claim of issued tokens; required on verification.
    #[arg(long, env = env_names::JWT_ISSUER, default_value = "shopfleet")]
    pub jwt_issuer: String,
    /// `aud` claim of issued tokens; required on verification.
    #[arg(long, env = env_names::JWT_AUDIENCE, default_value = "shopfleet-api")]
    pub jwt_audience: String,
    /// Lifetime of access tokens, in seconds.
    #[arg(long, env = env_names::ACCESS_TOKEN_TTL_SECS, default_value_t = 900, value_parser = clap::value_parser!(u64).range(30..=86_400))]
    pub access_token_ttl_secs: u64,
    /// Lifetime of refresh tokens (and of a session without activity), in seconds.
    #[arg(long, env = env_names::REFRESH_TOKEN_TTL_SECS, default_value_t = 1_209_600, value_parser = clap::value_parser!(u64).range(300..=31_536_000))]
    pub refresh_token_ttl_secs: u64,
    /// Argon2id memory cost in KiB (OWASP: 19456).
    #[arg(long, env = env_names::ARGON2_MEMORY_KIB, default_value_t = 19_456, value_parser = clap::value_parser!(u32).range(8..=4_194_304))]
    pub argon2_memory_kib: u32,
    /// Argon2id iterations (OWASP: 2).
    #[arg(long, env = env_names::ARGON2_ITERATIONS, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub argon2_iterations: u32,
    /// Argon2id lanes (OWASP: 1).
    #[arg(long, env = env_names::ARGON2_PARALLELISM, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub argon2_parallelism: u32,
    /// Failed logins allowed per account within the throttle window.
    #[arg(long, env = env_names::LOGIN_MAX_FAILURES_PER_ACCOUNT, default_value_t = 10)]
    pub login_max_failures_per_account: u64,
    /// Login attempts allowed per client IP within the throttle window.
    #[arg(long, env = env_names::LOGIN_MAX_ATTEMPTS_PER_IP, default_value_t = 100)]
    pub login_max_attempts_per_ip: u64,
    /// Length of the login throttle window, in seconds.
    #[arg(long, env = env_names::LOGIN_THROTTLE_WINDOW_SECS, default_value_t = 900, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub login_throttle_window_secs: u64,
    /// Take the client IP from the first X-Forwarded-For entry (only behind a trusted proxy).
    #[arg(long, env = env_names::TRUST_FORWARDED_FOR, default_value = "false", value_parser = clap::builder::BoolishValueParser::new(), action = clap::ArgAction::Set)]
    pub trust_forwarded_for: bool,
    /// E-mail of an admin created at start-up when no admin exists yet.
    #[arg(long, env = env_names::BOOTSTRAP_ADMIN_EMAIL)]
    pub bootstrap_admin_email: Option<String>,
    /// Password of that admin (required with BOOTSTRAP_ADMIN_EMAIL; there is no default).
    #[arg(long, env = env_names::BOOTSTRAP_ADMIN_PASSWORD, hide_env_values = true)]
    pub bootstrap_admin_password: Option<Secret>,
}

impl Validate for AuthSettings {
    fn validate(&self) -> Result<(), SettingError> {
        match self.jwt_algorithm {
            JwtAlgorithm::Hs256 => {
                let secret = self.jwt_secret.as_ref().ok_or_else(|| {
                    SettingError::new(
                        env_names::JWT_SECRET,
                        "required with JWT_ALGORITHM=HS256 (e.g. `openssl rand -hex 32`)",
                    )
                })?;
                let too_short =
                    std::iter::once(secret).chain(&self.jwt_previous_secrets).any(|s| s.expose().len() < 32);
                if too_short {
                    return Err(SettingError::new(
                        env_names::JWT_SECRET,
                        "HS256 keys (JWT_SECRET, JWT_PREVIOUS_SECRETS) must be at least 32 bytes",
                    ));
                }
            }
            JwtAlgorithm::EdDsa | JwtAlgorithm::Rs256 => {
                if self.jwt_private_key_file.is_none() {
                    return Err(SettingError::new(
                        env_names::JWT_PRIVATE_KEY_FILE,
                        "required with EdDSA and RS256",
                    ));
                }
                if self.jwt_public_key_file.is_none() {
                    return Err(SettingError::new(
                        env_names::JWT_PUBLIC_KEY_FILE,
                        "required with EdDSA and RS256",
                    ));
                }
            }
        }
        if self.access_token_ttl_secs >= self.refresh_token_ttl_secs {
            return Err(SettingError::new(
                env_names::ACCESS_TOKEN_TTL_SECS,
                "must be shorter than REFRESH_TOKEN_TTL_SECS",
            ));
        }
        if self.bootstrap_admin_email.is_some() != self.bootstrap_admin_password.is_some() {
            return Err(SettingError::new(
                env_names::BOOTSTRAP_ADMIN_PASSWORD,
                "BOOTSTRAP_ADMIN_EMAIL and BOOTSTRAP_ADMIN_PASSWORD go together",
            ));
        }
        Ok(())
    }
}
