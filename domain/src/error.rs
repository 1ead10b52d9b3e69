//! [`DomainError`]: the one error type of the shop. With the `store` feature, database
//! and Redis errors convert into it (a value Postgres refuses is the caller's 422).

/// Why a commerce operation was refused. The API maps each variant to one status and `code`.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// A field (a JSON path such as `variants[1].sku`) failed validation.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// A uniqueness or state conflict, with a stable code (`email_taken`, `sku_taken`…).
    #[error("{detail}")]
    Conflict { code: &'static str, detail: String },
    /// A request the rules turn down for a reason stated with a stable code, about one
    /// field (`code_expired`, `usage_limit_reached` or `minimum_not_met` on `code`).
    #[error("{field}: {detail}")]
    Rejected { code: &'static str, field: String, detail: String },
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

#[cfg(feature = "store")]
impl From<sqlx::Error> for DomainError {
    fn from(err: sqlx::Error) -> Self {
        if is_data_exception(&err) {
            tracing::info!(error = %err, "the database refused a value of the request");
            return Self::invalid("request", DATA_EXCEPTION_MESSAGE);
        }
        Self::Internal(err.into())
    }
}

/// What a caller is told when the database refuses one of its values.
#[cfg(feature = "store")]
pub const DATA_EXCEPTION_MESSAGE: &str =
    "a value of the request is out of range or not storable (for example a number too large)";

/// Whether `err` is Postgres refusing a value (SQLSTATE class 22, "data exception": a
/// character the encoding cannot hold, a number out of range…). Such an error is the
/// caller's input, never a fault of the server; it is answered with a 4xx.
#[cfg(feature = "store")]
pub fn is_data_exception(err: &sqlx::Error) -> bool {
    err.as_database_error().and_then(|db| db.code()).is_some_and(|code| code.starts_with("22"))
}

/// [`is_data_exception`] for an error somewhere in an `anyhow` chain.
#[cfg(feature = "store")]
pub fn has_data_exception(err: &anyhow::Error) -> bool {
    err.chain().filter_map(|cause| cause.downcast_ref::<sqlx::Error>()).any(is_data_exception)
}

#[cfg(feature = "store")]
impl From<redis::RedisError> for DomainError {
    fn from(err: redis::RedisError) -> Self {
        Self::Internal(err.into())
    }
}
