//! Authorization, declared once per route by the extractor a handler takes:
//! [`SignedIn`] (any signed-in user), [`Merchant`] (merchant or admin), [`Admin`].
//! Each verifies the bearer token, checks revocation and the role, or answers 401/403.

use super::problem::ApiError;
use crate::state::ApiContext;
use axum::{extract::FromRequestParts, http::request::Parts};
use shopfleet_commerce::accounts::{service::Principal, Caller, Role};
use std::marker::PhantomData;

/// The roles a route admits.
pub trait RoleRule: Send + Sync + 'static {
    const ROLES: &'static [Role];
}

/// Any signed-in user.
pub struct AnyRole;
impl RoleRule for AnyRole {
    const ROLES: &'static [Role] = &[Role::User, Role::Merchant, Role::Admin];
}

/// Merchants and admins.
pub struct MerchantRole;
impl RoleRule for MerchantRole {
    const ROLES: &'static [Role] = &[Role::Merchant, Role::Admin];
}

/// Admins only.
pub struct AdminRole;
impl RoleRule for AdminRole {
    const ROLES: &'static [Role] = &[Role::Admin];
}

/// A verified caller whose role is one of `R::ROLES`.
pub struct Authorized<R: RoleRule> {
    pub principal: Principal,
    _rule: PhantomData<R>,
}

pub type SignedIn = Authorized<AnyRole>;
pub type Merchant = Authorized<MerchantRole>;
pub type Admin = Authorized<AdminRole>;

impl<R: RoleRule> Authorized<R> {
    /// Who is calling, as the shop's rules take it.
    pub fn caller(&self) -> Caller {
        self.principal.caller()
    }
}

impl<R: RoleRule> FromRequestParts<ApiContext> for Authorized<R> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, ctx: &ApiContext) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .ok_or(ApiError::Unauthorized)?;
        let principal = ctx.accounts.authenticate(token.trim()).await?;
        if !R::ROLES.contains(&principal.role) {
            let roles: Vec<&str> = R::ROLES.iter().map(|r| r.as_str()).collect();
            return Err(ApiError::Forbidden(format!(
                "your role may not do this; required: {}",
                roles.join(" or ")
            )));
        }
        Ok(Self { principal, _rule: PhantomData })
    }
}

/// A caller who may or may not be signed in: no `Authorization` header is anonymous,
/// a present but invalid one is still a 401.
pub struct MaybeSignedIn(pub Option<Caller>);

impl FromRequestParts<ApiContext> for MaybeSignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, ctx: &ApiContext) -> Result<Self, Self::Rejection> {
        if !parts.headers.contains_key(axum::http::header::AUTHORIZATION) {
            return Ok(Self(None));
        }
        Ok(Self(Some(SignedIn::from_request_parts(parts, ctx).await?.caller())))
    }
}
