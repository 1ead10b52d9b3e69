//! `/api/v1/assistant/recommend`, `/api/v1/assistant/ask` and `/api/v1/products/{id}/similar`:
//! the shopping assistant, open to everyone like search.

use super::path::ApiPath;
use super::{json::ApiJson, problem::ApiError, query::ApiQuery};
use crate::state::ApiContext;
use axum::{extract::State, Json};
use serde::{Deserialize, Serialize};
use shopfleet_assistant::{retrieval::Filters, AskReply, Recommendation, SimilarProduct};
use shopfleet_domain::DomainError;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new().routes(routes!(recommend)).routes(routes!(ask)).routes(routes!(similar))
}

fn default_limit() -> u32 {
    10
}

fn ask_limit() -> u32 {
    5
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecommendRequest {
    /// What the shopper is looking for, in their words (1 to 200 characters, at least one
    /// letter or digit).
    #[schema(min_length = 1, max_length = 200)]
    pub query: String,
    /// Business filters, applied inside the vector search and the full-text search.
    #[serde(default)]
    pub filters: Filters,
    /// Products to return, 1 to 50 (default 10).
    #[serde(default = "default_limit")]
    #[schema(minimum = 1, maximum = 50)]
    pub limit: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Recommendations {
    pub items: Vec<Recommendation>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AskRequest {
    /// The shopper's question (1 to 200 characters, at least one letter or digit).
    #[schema(min_length = 1, max_length = 200)]
    pub question: String,
    #[serde(default)]
    pub filters: Filters,
    /// Products to ground the answer in, 1 to 50 (default 5).
    #[serde(default = "ask_limit")]
    #[schema(minimum = 1, maximum = 50)]
    pub limit: u32,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SimilarParams {
    /// Products to return, 1 to 50 (default 10).
    #[serde(default = "default_limit")]
    #[param(minimum = 1, maximum = 50)]
    pub limit: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SimilarProducts {
    pub items: Vec<SimilarProduct>,
}

/// Recommend products for a shopper's query: hybrid retrieval (vectors + full text,
/// reciprocal rank fusion) with the filters inside the vector query, each product with
/// its score and a short explanation.
#[utoipa::path(post, path = "/api/v1/assistant/recommend", tag = "assistant", request_body = RecommendRequest,
    responses((status = 200, body = Recommendations),
              (status = 422, description = "Bad query, filter or limit", body = super::problem::Problem),
              (status = 503, description = "The assistant is starting or unavailable; see Retry-After", body = super::problem::Problem)))]
async fn recommend(
    State(ctx): State<ApiContext>,
    ApiJson(input): ApiJson<RecommendRequest>,
) -> Result<Json<Recommendations>, ApiError> {
    let assistant = ctx.assistant().await?;
    Ok(Json(Recommendations { items: assistant.recommend(&input.query, &input.filters, input.limit).await? }))
}

/// Answer a shopper's question from the products retrieved for it, citing their ids;
/// it never mentions a product that was not retrieved.
#[utoipa::path(post, path = "/api/v1/assistant/ask", tag = "assistant", request_body = AskRequest,
    responses((status = 200, body = AskReply),
              (status = 422, description = "Bad question, filter or limit", body = super::problem::Problem),
              (status = 503, description = "The assistant is starting or unavailable; see Retry-After", body = super::problem::Problem)))]
async fn ask(
    State(ctx): State<ApiContext>,
    ApiJson(input): ApiJson<AskRequest>,
) -> Result<Json<AskReply>, ApiError> {
    let assistant = ctx.assistant().await?;
    let reply =
        assistant.ask(&input.question, &input.filters, input.limit).await.map_err(|err| match err {
            // The assistant checks every text as a `query`; here the request calls it `question`.
            DomainError::Invalid { field, message } if field == "query" => {
                DomainError::Invalid { field: "question".to_owned(), message }
            }
            other => other,
        })?;
    Ok(Json(reply))
}

/// Published products closest in meaning to this one.
#[utoipa::path(get, path = "/api/v1/products/{id}/similar", tag = "assistant", params(("id" = Uuid, Path), SimilarParams),
    responses((status = 200, body = SimilarProducts),
              (status = 404, description = "No such published product", body = super::problem::Problem),
              (status = 503, description = "The assistant is starting or unavailable; see Retry-After", body = super::problem::Problem)))]
async fn similar(
    State(ctx): State<ApiContext>,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(params): ApiQuery<SimilarParams>,
) -> Result<Json<SimilarProducts>, ApiError> {
    let assistant = ctx.assistant().await?;
    Ok(Json(SimilarProducts { items: assistant.similar(id, &Filters::default(), params.limit).await? }))
}
