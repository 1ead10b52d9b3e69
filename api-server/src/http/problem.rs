//! RFC 9457 problem details: the one error type of the API ([`ApiError`]) and the
//! middleware that turns any bare error response (404, 405, 408, 413…) into one.

use axum::{
    body::Body,
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use shopfleet_domain::{error, DomainError};
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";
const TYPE_BASE: &str = "https://shopfleet.dev/problems/";

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// URI identifying the problem type: `https://shopfleet.dev/problems/<code>`.
    #[serde(rename = "type")]
    pub type_uri: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Stable machine-readable code; clients switch on this.
    pub code: String,
    /// Per-field validation errors.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// One invalid field: a JSON path (`items[2].quantity`) and what is wrong with it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

impl Problem {
    pub fn new(status: StatusCode, code: &str, detail: Option<String>) -> Self {
        Self {
            type_uri: format!("{TYPE_BASE}{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail,
            code: code.to_owned(),
            errors: Vec::new(),
        }
    }

    /// The problem for a bare status code, used when a layer answered without a body.
    pub fn for_status(status: StatusCode) -> Self {
        let (code, detail) = match status {
            StatusCode::NOT_FOUND => ("not_found", "no resource at this URL"),
            StatusCode::METHOD_NOT_ALLOWED => {
                ("method_not_allowed", "this URL does not accept that method; see the Allow header")
            }
            StatusCode::REQUEST_TIMEOUT => ("request_timeout", "the request took too long and was abandoned"),
            StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large", "the request body exceeds the size limit"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                ("unsupported_media_type", "send the body as application/json")
            }
            StatusCode::TOO_MANY_REQUESTS => ("too_many_requests", "slow down; see the Retry-After header"),
            StatusCode::SERVICE_UNAVAILABLE => {
                ("service_unavailable", "a dependency is unavailable; retry later")
            }
            s if s.is_server_error() => {
                ("internal_error", "an unexpected error occurred; it has been logged")
            }
            _ => ("http_error", "the request failed"),
        };
        Self::new(status, code, Some(detail.to_owned()))
    }

    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors = errors;
        self
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).expect("a problem always serialises");
        (status, [(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON))], body).into_response()
    }
}

/// Every error a handler can return. Each maps to one status and one stable `code`.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("the request body is not valid JSON: {0}")]
    MalformedJson(String),
    #[error("the request body must be application/json")]
    UnsupportedMediaType,
    #[error("the request body exceeds the size limit")]
    PayloadTooLarge,
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    NotFound(String),
    #[error("authentication required: send a valid, unrevoked bearer access token")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(String),
    #[error("too many requests; retry in {retry_after_secs} s")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("{detail}")]
    Conflict { code: &'static str, detail: String },
    /// A request the rules turn down (422) with a stable `code`, naming the field.
    #[error("{field}: {detail}")]
    Rejected { code: &'static str, field: String, detail: String },
    /// The payment did not go through (402), with the provider's reason as `code`.
    #[error("{detail}")]
    PaymentFailed { code: String, detail: String },
    /// A webhook whose signature is missing, stale or wrong (401).
    #[error("{0}")]
    InvalidSignature(String),
    #[error("a dependency is unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    /// One invalid field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    fn to_problem(&self) -> Problem {
        match self {
            Self::MalformedJson(_) => {
                Problem::new(StatusCode::BAD_REQUEST, "malformed_json", Some(self.to_string()))
            }
            Self::UnsupportedMediaType => Problem::for_status(StatusCode::UNSUPPORTED_MEDIA_TYPE),
            Self::PayloadTooLarge => Problem::for_status(StatusCode::PAYLOAD_TOO_LARGE),
            Self::Validation(errors) => Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                Some(format!(
                    "invalid field(s): {}",
                    errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>().join(", ")
                )),
            )
            .with_errors(errors.clone()),
            Self::NotFound(detail) => Problem::new(StatusCode::NOT_FOUND, "not_found", Some(detail.clone())),
            Self::Unauthorized => {
                Problem::new(StatusCode::UNAUTHORIZED, "unauthorized", Some(self.to_string()))
            }
            Self::Forbidden(_) => Problem::new(StatusCode::FORBIDDEN, "forbidden", Some(self.to_string())),
            Self::TooManyRequests { .. } => {
                Problem::new(StatusCode::TOO_MANY_REQUESTS, "too_many_requests", Some(self.to_string()))
            }
            Self::Conflict { code, detail } => Problem::new(StatusCode::CONFLICT, code, Some(detail.clone())),
            Self::Rejected { code, field, detail } => {
                Problem::new(StatusCode::UNPROCESSABLE_ENTITY, code, Some(detail.clone()))
                    .with_errors(vec![FieldError::new(field, detail)])
            }
            Self::PaymentFailed { code, detail } => {
                Problem::new(StatusCode::PAYMENT_REQUIRED, code, Some(detail.clone()))
            }
            Self::InvalidSignature(detail) => {
                Problem::new(StatusCode::UNAUTHORIZED, "invalid_signature", Some(detail.clone()))
            }
            Self::Unavailable(_) => {
                Problem::new(StatusCode::SERVICE_UNAVAILABLE, "service_unavailable", Some(self.to_string()))
            }
            Self::Internal(err) if error::has_data_exception(err) => Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                Some(error::DATA_EXCEPTION_MESSAGE.to_owned()),
            )
            .with_errors(vec![FieldError::new("request", error::DATA_EXCEPTION_MESSAGE)]),
            Self::Internal(_) => Problem::for_status(StatusCode::INTERNAL_SERVER_ERROR),
        }
    }
}

/// Seconds a client is asked to wait before retrying a 503.
const UNAVAILABLE_RETRY_SECS: u32 = 5;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            Self::Internal(err) if error::has_data_exception(err) => {
                tracing::info!(error = format!("{err:#}"), "the database refused a value of the request");
            }
            Self::Internal(err) => tracing::error!(error = format!("{err:#}"), "request failed"),
            _ => {}
        }
        let mut response = self.to_problem().into_response();
        match self {
            Self::Unauthorized => {
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static(r#"Bearer realm="shopfleet", error="invalid_token""#),
                );
            }
            Self::TooManyRequests { retry_after_secs } => {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            }
            Self::Unavailable(_) => {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(UNAVAILABLE_RETRY_SECS));
            }
            _ => {}
        }
        response
    }
}

impl From<DomainError> for ApiError {
    fn from(err: DomainError) -> Self {
        match err {
            DomainError::Invalid { field, message } => Self::invalid(field, message),
            DomainError::Conflict { code, detail } => Self::Conflict { code, detail },
            DomainError::Rejected { code, field, detail } => Self::Rejected { code, field, detail },
            DomainError::Forbidden(detail) => Self::Forbidden(detail),
            DomainError::InvalidCredentials
            | DomainError::InvalidRefreshToken
            | DomainError::Unauthenticated => Self::Unauthorized,
            DomainError::Throttled { retry_after_secs } => Self::TooManyRequests { retry_after_secs },
            DomainError::NotFound(what) => Self::NotFound(format!("{what} not found")),
            DomainError::Unavailable(what) => Self::Unavailable(what.to_owned()),
            DomainError::Internal(err) => Self::Internal(err),
        }
    }
}

/// Middleware body: an error response without a JSON body gets a problem document, keeping
/// its status and headers (Allow, Retry-After…).
pub async fn ensure_problem(response: Response) -> Response {
    let status = response.status();
    // Handlers answer errors in JSON (problem documents, or OAuth2 errors on the token
    // endpoint); only bare responses from layers and the router are rewritten.
    let is_json = response.headers().get(header::CONTENT_TYPE).is_some_and(|v| {
        let v = v.as_bytes();
        v.starts_with(PROBLEM_JSON.as_bytes()) || v.starts_with(b"application/json")
    });
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    let problem = Problem::for_status(status);
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    parts.headers.remove(header::CONTENT_LENGTH);
    let body = serde_json::to_vec(&problem).expect("a problem always serialises");
    Response::from_parts(parts, Body::from(body))
}

/// Turns a handler panic into a 500 problem; the panic message is logged, not sent.
pub fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    tracing::error!(panic = message, "handler panicked");
    Problem::for_status(StatusCode::INTERNAL_SERVER_ERROR).into_response()
}
