//! `/api/v1/admin/events`: the event backbone's health for admins: consumer lag, recent
//! handler failures, dead letters, and replaying a dead letter once its fault is fixed.

use super::path::ApiPath;
use super::{auth::Admin, problem::ApiError, query::ApiQuery};
use crate::state::ApiContext;
use axum::{extract::State, http::StatusCode, Json};
use serde::Deserialize;
use shopfleet_commerce::events::ledger::{ConsumerLag, DeadLetter, HandlerFailure};
use shopfleet_domain::PageLimit;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

const MAX_LIMIT: u32 = 200;

pub fn router() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new()
        .routes(routes!(lag))
        .routes(routes!(failures))
        .routes(routes!(dead_letters))
        .routes(routes!(replay))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LimitParams {
    /// How many rows, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
    /// Dead letters only: hide the ones replayed successfully (default true).
    pending: Option<bool>,
}

impl LimitParams {
    fn limit(&self) -> Result<i64, ApiError> {
        Ok(PageLimit::new(self.limit, 50, MAX_LIMIT)?.rows())
    }
}

/// Consumer lag per consumer, topic and partition, as the workers last measured it
/// (`outbox`: events not yet published or dispatched).
#[utoipa::path(get, path = "/api/v1/admin/events/lag", tag = "admin", security(("bearer" = ["admin"])),
    responses((status = 200, body = Vec<ConsumerLag>)))]
async fn lag(State(ctx): State<ApiContext>, _admin: Admin) -> Result<Json<Vec<ConsumerLag>>, ApiError> {
    Ok(Json(ctx.events.lag().await?))
}

/// Recent failed handler attempts, newest first.
#[utoipa::path(get, path = "/api/v1/admin/events/failures", tag = "admin", security(("bearer" = ["admin"])),
    params(LimitParams), responses((status = 200, body = Vec<HandlerFailure>)))]
async fn failures(
    State(ctx): State<ApiContext>,
    _admin: Admin,
    ApiQuery(params): ApiQuery<LimitParams>,
) -> Result<Json<Vec<HandlerFailure>>, ApiError> {
    Ok(Json(ctx.events.recent_failures(params.limit()?).await?))
}

/// Dead letters (events a handler gave up on), newest first.
#[utoipa::path(get, path = "/api/v1/admin/events/dead-letters", tag = "admin", security(("bearer" = ["admin"])),
    params(LimitParams), responses((status = 200, body = Vec<DeadLetter>)))]
async fn dead_letters(
    State(ctx): State<ApiContext>,
    _admin: Admin,
    ApiQuery(params): ApiQuery<LimitParams>,
) -> Result<Json<Vec<DeadLetter>>, ApiError> {
    let pending = params.pending.unwrap_or(true);
    Ok(Json(ctx.events.dead_letters(pending, params.limit()?).await?))
}

/// Replay a dead letter: a worker runs its handler again (within seconds) and records
/// the outcome on the dead letter. 409 when it was already replayed successfully.
#[utoipa::path(post, path = "/api/v1/admin/events/dead-letters/{id}/replay", tag = "admin",
    security(("bearer" = ["admin"])), params(("id" = Uuid, Path)),
    responses((status = 202, body = DeadLetter), (status = 404), (status = 409)))]
async fn replay(
    State(ctx): State<ApiContext>,
    _admin: Admin,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<(StatusCode, Json<DeadLetter>), ApiError> {
    Ok((StatusCode::ACCEPTED, Json(ctx.events.request_replay(id).await?)))
}
