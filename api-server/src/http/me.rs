//! `/api/v1/users/me`: the caller's profile, password and saved addresses.

use super::path::ApiPath;
use super::{auth::SignedIn, json::ApiJson, problem::ApiError};
use crate::state::ApiContext;
use axum::{extract::State, http::StatusCode, Json};
use serde::Deserialize;
use shopfleet_commerce::accounts::{
    addresses::{Address, AddressInput},
    users::User,
};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new()
        .routes(routes!(get_me, patch_me))
        .routes(routes!(change_password))
        .routes(routes!(list_addresses, create_address))
        .routes(routes!(replace_address, delete_address))
}

/// The caller's account.
#[utoipa::path(get, path = "/api/v1/users/me", tag = "users", security(("bearer" = ["user", "merchant", "admin"])),
    responses((status = 200, body = User)))]
async fn get_me(State(ctx): State<ApiContext>, signed_in: SignedIn) -> Result<Json<User>, ApiError> {
    Ok(Json(ctx.accounts.me(&signed_in.principal).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfilePatch {
    /// New display name; null or empty clears it.
    #[schema(max_length = 100)]
    display_name: Option<String>,
}

/// Update the caller's profile.
#[utoipa::path(patch, path = "/api/v1/users/me", tag = "users", security(("bearer" = ["user", "merchant", "admin"])),
    request_body = ProfilePatch, responses((status = 200, body = User)))]
async fn patch_me(
    State(ctx): State<ApiContext>,
    signed_in: SignedIn,
    ApiJson(patch): ApiJson<ProfilePatch>,
) -> Result<Json<User>, ApiError> {
    Ok(Json(ctx.accounts.update_display_name(&signed_in.principal, patch.display_name.as_deref()).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    current_password: String,
    new_password: String,
}

/// Change the caller's password; every other session is revoked.
#[utoipa::path(post, path = "/api/v1/users/me/password", tag = "users", security(("bearer" = ["user", "merchant", "admin"])),
    request_body = PasswordChange, responses(
        (status = 204, description = "Password changed"),
        (status = 422, description = "Wrong current password or weak new one", body = super::problem::Problem)))]
async fn change_password(
    State(ctx): State<ApiContext>,
    signed_in: SignedIn,
    ApiJson(body): ApiJson<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    ctx.accounts.change_password(&signed_in.principal, &body.current_password, &body.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's saved addresses.
#[utoipa::path(get, path = "/api/v1/users/me/addresses", tag = "users", security(("bearer" = ["user", "merchant", "admin"])),
    responses((status = 200, body = Vec<Address>)))]
async fn list_addresses(
    State(ctx): State<ApiContext>,
    signed_in: SignedIn,
) -> Result<Json<Vec<Address>>, ApiError> {
    Ok(Json(ctx.accounts.addresses(&signed_in.caller()).await?))
}

/// Save an address.
#[utoipa::path(post, path = "/api/v1/users/me/addresses", tag = "users", security(("bearer" = ["user", "merchant", "admin"])),
    request_body = AddressInput, responses((status = 201, body = Address)))]
async fn create_address(
    State(ctx): State<ApiContext>,
    signed_in: SignedIn,
    ApiJson(input): ApiJson<AddressInput>,
) -> Result<(StatusCode, Json<Address>), ApiError> {
    let address = ctx.accounts.save_address(&signed_in.caller(), None, &input).await?;
    Ok((StatusCode::CREATED, Json(address)))
}

/// Replace a saved address.
#[utoipa::path(put, path = "/api/v1/users/me/addresses/{id}", tag = "users", security(("bearer" = ["user", "merchant", "admin"])),
    params(("id" = Uuid, Path)), request_body = AddressInput, responses((status = 200, body = Address)))]
async fn replace_address(
    State(ctx): State<ApiContext>,
    signed_in: SignedIn,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<AddressInput>,
) -> Result<Json<Address>, ApiError> {
    Ok(Json(ctx.accounts.save_address(&signed_in.caller(), Some(id), &input).await?))
}

/// Delete a saved address.
#[utoipa::path(delete, path = "/api/v1/users/me/addresses/{id}", tag = "users", security(("bearer" = ["user", "merchant", "admin"])),
    params(("id" = Uuid, Path)), responses((status = 204, description = "Deleted")))]
async fn delete_address(
    State(ctx): State<ApiContext>,
    signed_in: SignedIn,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    ctx.accounts.delete_address(&signed_in.caller(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}
