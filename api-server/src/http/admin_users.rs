//! `/api/v1/admin/users`: listing and searching users, changing roles, deactivating.

use super::path::ApiPath;
use super::{auth::Admin, json::ApiJson, problem::ApiError, query::ApiQuery};
use crate::state::ApiContext;
use axum::{extract::State, Json};
use serde::Deserialize;
use shopfleet_commerce::accounts::{
    users::{User, UserPage, UserQuery},
    Role,
};
use shopfleet_domain::PageLimit;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub const MAX_PAGE_SIZE: u32 = 100;

pub fn router() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new()
        .routes(routes!(list_users))
        .routes(routes!(change_role))
        .routes(routes!(deactivate))
        .routes(routes!(reactivate))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Substring of the e-mail address or display name.
    q: Option<String>,
    role: Option<Role>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Page size, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

/// List and search users, newest first (keyset pagination).
#[utoipa::path(get, path = "/api/v1/admin/users", tag = "admin", security(("bearer" = ["admin"])),
    params(ListParams), responses((status = 200, body = UserPage)))]
async fn list_users(
    State(ctx): State<ApiContext>,
    _admin: Admin,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<Json<UserPage>, ApiError> {
    let query = UserQuery {
        search: params.q.filter(|q| !q.trim().is_empty()),
        role: params.role,
        cursor: params.cursor,
        limit: PageLimit::new(params.limit, 20, MAX_PAGE_SIZE)?,
    };
    Ok(Json(ctx.accounts.list_users(&query).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleChange {
    role: Role,
}

/// Change a user's role; their sessions are revoked so it applies at once. An admin cannot
/// change their own role (409 `cannot_change_own_role`), so a shop never loses its last admin
/// by a slip.
#[utoipa::path(put, path = "/api/v1/admin/users/{id}/role", tag = "admin", security(("bearer" = ["admin"])),
    params(("id" = Uuid, Path)), request_body = RoleChange, responses((status = 200, body = User),
        (status = 409, description = "The caller's own account (`cannot_change_own_role`)", body = super::problem::Problem)))]
async fn change_role(
    State(ctx): State<ApiContext>,
    admin: Admin,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<RoleChange>,
) -> Result<Json<User>, ApiError> {
    if id == admin.principal.user_id {
        return Err(ApiError::Conflict {
            code: "cannot_change_own_role",
            detail: "admins cannot change their own role; another admin can".into(),
        });
    }
    Ok(Json(ctx.accounts.set_role(id, body.role).await?))
}

/// Deactivate a user: they cannot log in and every session is revoked at once.
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/deactivate", tag = "admin", security(("bearer" = ["admin"])),
    params(("id" = Uuid, Path)), responses((status = 200, body = User)))]
async fn deactivate(
    State(ctx): State<ApiContext>,
    admin: Admin,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<User>, ApiError> {
    if id == admin.principal.user_id {
        return Err(ApiError::Conflict {
            code: "cannot_deactivate_self",
            detail: "admins cannot deactivate themselves".into(),
        });
    }
    Ok(Json(ctx.accounts.set_active(id, false).await?))
}

/// Reactivate a user.
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/reactivate", tag = "admin", security(("bearer" = ["admin"])),
    params(("id" = Uuid, Path)), responses((status = 200, body = User)))]
async fn reactivate(
    State(ctx): State<ApiContext>,
    _admin: Admin,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<User>, ApiError> {
    Ok(Json(ctx.accounts.set_active(id, true).await?))
}
