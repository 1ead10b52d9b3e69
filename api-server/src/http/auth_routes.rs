//! `/api/v1/auth`: registration, the OAuth2 token endpoint (password and refresh_token
//! grants, form-encoded or JSON), logout and logout-all.

use super::{
    auth::SignedIn,
    json::{self, ApiJson},
    problem::ApiError,
};
use crate::state::ApiContext;
use axum::{
    extract::{ConnectInfo, Request, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Form, Json,
};
use serde::{Deserialize, Serialize};
use shopfleet_commerce::accounts::{sessions::TokenPair, users::User};
use shopfleet_domain::DomainError;
use std::net::{IpAddr, SocketAddr};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(token))
        .routes(routes!(logout))
        .routes(routes!(logout_all))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// E-mail address; compared case-insensitively.
    email: String,
    /// At least 12 characters, not a common password.
    #[schema(min_length = 12, max_length = 128)]
    password: String,
    #[schema(max_length = 100)]
    display_name: Option<String>,
}

/// Create an account (role `user`).
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth", request_body = RegisterRequest, responses(
    (status = 201, description = "Account created", body = User),
    (status = 409, description = "E-mail already registered (`email_taken`)", body = super::problem::Problem),
    (status = 422, description = "Invalid e-mail or weak password; `errors` names the field and rule", body = super::problem::Problem)))]
async fn register(
    State(ctx): State<ApiContext>,
    ApiJson(body): ApiJson<RegisterRequest>,
) -> Result<(StatusCode, Json<User>), ApiError> {
    let user = ctx.accounts.register(&body.email, &body.password, body.display_name.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(user)))
}

/// An OAuth2 token request (RFC 6749 §4.3 and §6).
#[derive(Deserialize, ToSchema)]
pub struct TokenRequest {
    /// `password` or `refresh_token`.
    grant_type: String,
    /// The e-mail address (password grant).
    #[serde(alias = "email")]
    username: Option<String>,
    /// Password grant.
    password: Option<String>,
    /// Refresh-token grant.
    refresh_token: Option<String>,
    /// Accepted and ignored: roles come from the account.
    #[allow(dead_code)]
    scope: Option<String>,
}

/// An RFC 6749 §5.2 error, carrying RFC 9457 members too.
#[derive(Serialize, ToSchema)]
pub struct OAuthError {
    error: &'static str,
    error_description: String,
    #[serde(rename = "type")]
    type_uri: String,
    title: &'static str,
    status: u16,
    code: &'static str,
}

fn oauth_error(error: &'static str, description: impl Into<String>) -> Response {
    let status = if error == "invalid_client" { StatusCode::UNAUTHORIZED } else { StatusCode::BAD_REQUEST };
    let body = OAuthError {
        error,
        error_description: description.into(),
        type_uri: format!("https://shopfleet.dev/problems/{error}"),
        title: status.canonical_reason().unwrap_or("Bad Request"),
        status: status.as_u16(),
        code: error,
    };
    let mut response = (status, Json(body)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// The client address, or the first `X-Forwarded-For` hop when TRUST_FORWARDED_FOR is on.
fn client_ip(ctx: &ApiContext, headers: &HeaderMap, peer: SocketAddr) -> IpAddr {
    if ctx.settings.auth.trust_forwarded_for {
        let forwarded = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse().ok());
        if let Some(ip) = forwarded {
            return ip;
        }
    }
    peer.ip()
}

/// OAuth2 token endpoint: `grant_type=password` (username = e-mail) or
/// `grant_type=refresh_token` (rotates the refresh token). Form-encoded or JSON.
#[utoipa::path(post, path = "/api/v1/auth/token", tag = "auth",
    request_body(content(
        (TokenRequest = "application/x-www-form-urlencoded"),
        (TokenRequest = "application/json"))),
    responses(
        (status = 200, description = "Tokens issued", body = TokenPair),
        (status = 400, description = "RFC 6749 §5.2 error: `invalid_request`, `invalid_grant` or `unsupported_grant_type`", body = OAuthError),
        (status = 429, description = "Too many attempts; see Retry-After", body = super::problem::Problem)))]
async fn token(
    State(ctx): State<ApiContext>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let ip = client_ip(&ctx, request.headers(), peer);
    let is_json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let parsed: Result<TokenRequest, String> = if is_json {
        match axum::body::to_bytes(request.into_body(), usize::MAX).await {
            Ok(bytes) => json::parse(&bytes).map_err(|err| err.to_string()),
            Err(err) => Err(err.to_string()),
        }
    } else {
        Form::<TokenRequest>::from_request(request, &()).await.map(|Form(f)| f).map_err(|err| err.body_text())
    };
    let parsed = parsed.and_then(|body| {
        let fields = [
            ("username", &body.username),
            ("password", &body.password),
            ("refresh_token", &body.refresh_token),
        ];
        for (field, value) in fields {
            if let Some(value) = value {
                super::text::check(field, value).map_err(|err| format!("{}: {}", err.field, err.message))?;
            }
        }
        Ok(body)
    });
    let body = match parsed {
        Ok(body) => body,
        Err(reason) => return oauth_error("invalid_request", reason),
    };
    let result = match body.grant_type.as_str() {
        "password" => match (body.username.as_deref(), body.password.as_deref()) {
            (Some(username), Some(password)) => ctx.accounts.login(username, password, ip).await,
            _ => return oauth_error("invalid_request", "the password grant needs username and password"),
        },
        "refresh_token" => match body.refresh_token.as_deref() {
            Some(refresh_token) => ctx.accounts.refresh(refresh_token).await,
            None => return oauth_error("invalid_request", "the refresh_token grant needs refresh_token"),
        },
        other => {
            return oauth_error("unsupported_grant_type", format!("grant_type `{other}` is not supported"))
        }
    };
    match result {
        Ok(pair) => {
            let mut response = Json(pair).into_response();
            response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(err @ (DomainError::InvalidCredentials | DomainError::InvalidRefreshToken)) => {
            oauth_error("invalid_grant", err.to_string())
        }
        Err(err) => ApiError::from(err).into_response(),
    }
}

use axum::extract::FromRequest as _;

/// End this session: its refresh tokens and this access token stop working at once.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = ["user", "merchant", "admin"])),
    responses((status = 204, description = "Session revoked")))]
async fn logout(State(ctx): State<ApiContext>, signed_in: SignedIn) -> Result<StatusCode, ApiError> {
    ctx.accounts.logout(&signed_in.principal).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// End every session of the caller.
#[utoipa::path(post, path = "/api/v1/auth/logout-all", tag = "auth", security(("bearer" = ["user", "merchant", "admin"])),
    responses((status = 204, description = "Every session revoked")))]
async fn logout_all(State(ctx): State<ApiContext>, signed_in: SignedIn) -> Result<StatusCode, ApiError> {
    ctx.accounts.logout_all(&signed_in.principal).await?;
    Ok(StatusCode::NO_CONTENT)
}
