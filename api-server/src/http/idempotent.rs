//! Idempotency keys on HTTP routes (checkout, payment confirmation, refunds), with
//! Stripe's semantics from `commerce::idempotency`: [`claim`] the `Idempotency-Key`
//! before doing anything, then answer through the claim so that the answer is stored
//! and a retry gets it back byte for byte. Refusals are answers too; only unexpected
//! server errors free the key, so that a retry runs again. Work that commits in one
//! transaction (checkout) stores its answer in it, given [`Claimed::key`].

use super::problem::ApiError;
use crate::state::ApiContext;
use axum::{
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use shopfleet_commerce::idempotency::{self, Begin};
use uuid::Uuid;

/// What a request with an idempotency key does next.
pub enum Claim {
    /// The key was seen: answer with this stored response.
    Replay(Response),
    /// First time: do the work and answer through the claim.
    Fresh(Claimed),
}

pub struct Claimed {
    principal: Uuid,
    key: String,
}

/// Reads the required `Idempotency-Key` header and claims it for `route` with `body`.
pub async fn claim(
    ctx: &ApiContext,
    principal: Uuid,
    headers: &HeaderMap,
    route: &str,
    body: &[u8],
) -> Result<Claim, ApiError> {
    let key = headers
        .get("idempotency-key")
        .and_then(|value| value.to_str().ok())
        .ok_or_else(|| ApiError::invalid("Idempotency-Key", "this header is required"))?
        .to_owned();
    let hash = idempotency::request_hash(route, body);
    Ok(match ctx.idempotency.begin(principal, &key, &hash).await? {
        Begin::Replay { status, body } => Claim::Replay(stored_response(status, body)),
        Begin::Proceed => Claim::Fresh(Claimed { principal, key }),
    })
}

/// Runs `work` (given the key) the first time `route` sees this key with this `body`,
/// answering `status` with its JSON; repeats get the stored answer. For work that commits
/// its own effects; work inside one transaction uses [`claim`] and [`Claimed::answered`].
pub async fn respond<T, F, Fut>(
    ctx: &ApiContext,
    principal: Uuid,
    request: (&HeaderMap, &str, &[u8]),
    status: u16,
    work: F,
) -> Result<Response, ApiError>
where
    T: serde::Serialize,
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = Result<T, ApiError>>,
{
    let (headers, route, body) = request;
    let claimed = match claim(ctx, principal, headers, route, body).await? {
        Claim::Replay(response) => return Ok(response),
        Claim::Fresh(claimed) => claimed,
    };
    match work(claimed.key.clone()).await {
        Ok(answer) => {
            claimed.store(ctx, status, serde_json::to_vec(&answer).map_err(anyhow::Error::from)?).await
        }
        Err(err) => claimed.fail(ctx, err).await,
    }
}

impl Claimed {
    /// The claimed key, for work that stores its answer in its own transaction.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Answers with what the work stored under [`Claimed::key`] as it committed.
    pub fn answered(self, status: u16, body: Vec<u8>) -> Response {
        stored_response(status, body)
    }

    /// Stores the answer of work that committed on its own, and answers.
    async fn store(self, ctx: &ApiContext, status: u16, body: Vec<u8>) -> Result<Response, ApiError> {
        ctx.idempotency.complete(self.principal, &self.key, status, &body).await?;
        Ok(stored_response(status, body))
    }

    /// Answers a failed attempt: a refusal is stored like any answer; a server error
    /// frees the key.
    pub async fn fail(self, ctx: &ApiContext, err: ApiError) -> Result<Response, ApiError> {
        if matches!(err, ApiError::Internal(_)) {
            ctx.idempotency.release(self.principal, &self.key).await?;
            return Err(err);
        }
        let response = err.into_response();
        let status = response.status().as_u16();
        let body =
            axum::body::to_bytes(response.into_body(), usize::MAX).await.map_err(anyhow::Error::from)?;
        self.store(ctx, status, body.to_vec()).await
    }
}

/// A stored response, replayed byte for byte.
fn stored_response(status: u16, body: Vec<u8>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let content_type = if status.is_success() { "application/json" } else { "application/problem+json" };
    (status, [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))], body).into_response()
}
