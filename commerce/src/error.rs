//! [`DomainError`]: the one error type of the commerce library.

/// Why a commerce operation was refused. The API maps each variant to one status and `code`.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// A field (a JSON path such as `variants[1].sku`) failed validation.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// A uniqueness or state conflict, with a stable code (`email_taken`, `sku_taken`…).
    #[error("{detail}")]
    Conflict { code: &'static str, detail: String },
    /// The caller may not touch this resource.
    #[error("{0}")]
    Forbidden(String),
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
    /// A service the operation needs (e.g. the search engine) did not answer; retry later.
    #[error("{0} is unavailable")]
    Unavailable(&'static str),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl DomainError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid { field: field.into(), message: message.into() }
    }
}

impl From<sqlx::Error> for DomainError {
    fn from(err: sqlx::Error) -> Self {
        Self::Internal(err.into())
    }
}

impl From<redis::RedisError> for DomainError {
    fn from(err: redis::RedisError) -> Self {
        Self::Internal(err.into())
    }
}
