//! Accounts: registration, passwords, login sessions with rotating refresh tokens,
//! roles, saved addresses and login throttling.
//!
//! [`Accounts`] is the entry point the API calls; the submodules each do one job.

pub mod addresses;
pub mod email;
pub mod password;
pub mod service;
pub mod sessions;
pub mod settings;
pub mod throttle;
pub mod tokens;
pub mod users;

pub use service::Accounts;

use serde::{Deserialize, Serialize};

/// What a user may do. Merchants own catalog data; admins manage everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema, sqlx::Type)]
#[serde(rename_all = "lowercase")]
#[sqlx(type_name = "text", rename_all = "lowercase")]
pub enum Role {
    User,
    Merchant,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::User, Role::Merchant, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Merchant => "merchant",
            Role::Admin => "admin",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| format!("unknown role `{s}`"))
    }
}

/// Why an account operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{field}: {message}")]
    Invalid { field: &'static str, message: String },
    #[error("an account with this e-mail address already exists")]
    EmailTaken,
    #[error("the e-mail address or password is wrong")]
    InvalidCredentials,
    #[error("the refresh token is invalid, expired or revoked")]
    InvalidRefreshToken,
    #[error("the access token is missing, invalid, expired or revoked")]
    Unauthenticated,
    #[error("too many attempts; retry in {retry_after_secs} s")]
    Throttled { retry_after_secs: u64 },
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AccountError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid { field, message: message.into() }
    }
}

impl From<sqlx::Error> for AccountError {
    fn from(err: sqlx::Error) -> Self {
        Self::Internal(err.into())
    }
}

impl From<redis::RedisError> for AccountError {
    fn from(err: redis::RedisError) -> Self {
        Self::Internal(err.into())
    }
}
