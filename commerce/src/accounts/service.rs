//! [`Accounts`]: the account operations the API exposes, composed from the
//! password, token, session, throttle and user modules.

use super::{
    addresses::{self, Address, AddressInput},
    email::Email,
    password::{self, PasswordHasherService},
    sessions::{Sessions, TokenPair},
    settings::AuthSettings,
    throttle::LoginThrottle,
    tokens::{TokenKeys, TokenUse},
    users::{self, User, UserPage, UserQuery},
    Role,
};
use crate::events::{Change, EventType};
use shopfleet_domain::DomainError;
use shopfleet_platform::redis_conn::RedisConn;
use sqlx::PgPool;
use std::net::IpAddr;
use uuid::Uuid;

/// Who is calling, from a verified, unrevoked access token.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: Uuid,
    pub role: Role,
    pub session_id: Uuid,
    pub token_id: Uuid,
    pub expires_at: i64,
}

impl Principal {
    /// The identity and role the shop's rules check.
    pub fn caller(&self) -> super::Caller {
        super::Caller { user_id: self.user_id, role: self.role }
    }
}

#[derive(Clone)]
pub struct Accounts {
    db: PgPool,
    hasher: PasswordHasherService,
    keys: TokenKeys,
    sessions: Sessions,
    throttle: LoginThrottle,
}

impl Accounts {
    pub fn new(db: PgPool, redis: RedisConn, settings: &AuthSettings) -> anyhow::Result<Self> {
        let keys = TokenKeys::new(settings)?;
        Ok(Self {
            hasher: PasswordHasherService::new(settings)?,
            sessions: Sessions {
                db: db.clone(),
                redis: redis.clone(),
                keys: keys.clone(),
                access_ttl_secs: settings.access_token_ttl_secs,
                refresh_ttl_secs: settings.refresh_token_ttl_secs,
            },
            throttle: LoginThrottle::new(redis, settings),
            keys,
            db,
        })
    }

    /// Creates an account with the `user` role.
    pub async fn register(
        &self,
        email: &str,
        password: &str,
        display_name: Option<&str>,
    ) -> Result<User, DomainError> {
        self.create(email, password, Role::User, display_name).await
    }

    async fn create(
        &self,
        email: &str,
        password: &str,
        role: Role,
        display_name: Option<&str>,
    ) -> Result<User, DomainError> {
        let email = Email::parse(email)?;
        password::check_policy("password", password, email.as_str())?;
        let display_name = display_name.map(str::trim).filter(|n| !n.is_empty());
        if display_name.is_some_and(|n| n.chars().count() > 100) {
            return Err(DomainError::invalid("display_name", "must be at most 100 characters"));
        }
        let hash = self.hasher.hash(password).await?;
        let mut change = Change::begin(&self.db).await?;
        let user = users::insert(&mut *change, &email, &hash, role, display_name).await?;
        let registered = UserRegistered { user_id: user.id, email: email.as_str() };
        change.record(EventType::UserRegistered, user.id, &registered)?;
        change.commit().await?;
        Ok(user)
    }

    /// Creates an admin (CLI `create-admin`, or bootstrap settings).
    pub async fn create_admin(&self, email: &str, password: &str) -> Result<User, DomainError> {
        self.create(email, password, Role::Admin, None).await
    }

    /// Creates the bootstrap admin unless an active admin already exists.
    pub async fn bootstrap_admin(&self, email: &str, password: &str) -> Result<Option<User>, DomainError> {
        if users::admin_exists(&self.db).await? {
            return Ok(None);
        }
        self.create_admin(email, password).await.map(Some)
    }

    /// The password grant. Unknown e-mail and wrong password give the same error after
    /// the same work (a dummy hash is verified for unknown accounts).
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        client_ip: IpAddr,
    ) -> Result<TokenPair, DomainError> {
        let normalised = email.trim().to_lowercase();
        self.throttle.admit(client_ip, &normalised).await?;
        let found = match Email::parse(email) {
            Ok(email) => users::find_for_login(&self.db, &email).await?,
            Err(_) => None,
        };
        let hash = found.as_ref().map(|(_, hash)| hash.as_str());
        let valid = self.hasher.verify(password, hash).await?;
        match found {
            Some((user, _)) if valid && user.is_active => {
                self.throttle.record_success(&normalised).await?;
                self.sessions.start(&user).await
            }
            _ => {
                self.throttle.record_failure(&normalised).await?;
                Err(DomainError::InvalidCredentials)
            }
        }
    }

    /// The refresh-token grant: rotation with reuse detection.
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenPair, DomainError> {
        self.sessions.rotate(refresh_token).await
    }

    /// Verifies an access token and checks it has not been revoked.
    pub async fn authenticate(&self, access_token: &str) -> Result<Principal, DomainError> {
        let claims = self.keys.verify(access_token, TokenUse::Access)?;
        self.sessions.ensure_not_revoked(&claims).await?;
        Ok(Principal {
            user_id: claims.sub,
            role: claims.role,
            session_id: claims.sid,
            token_id: claims.jti,
            expires_at: claims.exp,
        })
    }

    /// Ends the caller's session.
    pub async fn logout(&self, principal: &Principal) -> Result<(), DomainError> {
        self.sessions.revoke_session(principal.session_id).await?;
        self.sessions.deny_token(principal.token_id, principal.expires_at).await
    }

    /// Ends every session of the caller.
    pub async fn logout_all(&self, principal: &Principal) -> Result<(), DomainError> {
        self.sessions.revoke_all(principal.user_id, None).await?;
        self.sessions.deny_token(principal.token_id, principal.expires_at).await
    }

    pub async fn me(&self, principal: &Principal) -> Result<User, DomainError> {
        users::get(&self.db, principal.user_id).await
    }

    pub async fn update_display_name(
        &self,
        principal: &Principal,
        display_name: Option<&str>,
    ) -> Result<User, DomainError> {
        let display_name = display_name.map(str::trim).filter(|n| !n.is_empty());
        if display_name.is_some_and(|n| n.chars().count() > 100) {
            return Err(DomainError::invalid("display_name", "must be at most 100 characters"));
        }
        users::set_display_name(&self.db, principal.user_id, display_name).await
    }

    /// Changes the caller's password and revokes every other session.
    pub async fn change_password(
        &self,
        principal: &Principal,
        current: &str,
        new: &str,
    ) -> Result<(), DomainError> {
        let hash = users::password_hash(&self.db, principal.user_id).await?;
        if !self.hasher.verify(current, Some(&hash)).await? {
            return Err(DomainError::invalid("current_password", "is not your current password"));
        }
        let user = users::get(&self.db, principal.user_id).await?;
        password::check_policy("new_password", new, &user.email)?;
        if current == new {
            return Err(DomainError::invalid("new_password", "must differ from the current password"));
        }
        let new_hash = self.hasher.hash(new).await?;
        users::set_password_hash(&self.db, principal.user_id, &new_hash).await?;
        self.sessions.revoke_all(principal.user_id, Some(principal.session_id)).await
    }

    pub async fn list_users(&self, query: &UserQuery) -> Result<UserPage, DomainError> {
        users::list(&self.db, query).await
    }

    /// Changes a role. The user's sessions are revoked so the new role applies at once.
    pub async fn set_role(&self, user_id: Uuid, role: Role) -> Result<User, DomainError> {
        let user = users::set_role(&self.db, user_id, role).await?;
        self.sessions.revoke_all(user_id, None).await?;
        tracing::info!(security_event = "role_changed", %user_id, role = role.as_str(), "role changed");
        Ok(user)
    }

    /// Deactivates (revoking every session at once) or reactivates a user.
    pub async fn set_active(&self, user_id: Uuid, active: bool) -> Result<User, DomainError> {
        let user = users::set_active(&self.db, user_id, active).await?;
        if !active {
            self.sessions.revoke_all(user_id, None).await?;
        }
        tracing::info!(security_event = "activation_changed", %user_id, active, "account activation changed");
        Ok(user)
    }

    /// The caller's saved addresses, oldest first.
    pub async fn addresses(&self, caller: &super::Caller) -> Result<Vec<Address>, DomainError> {
        addresses::list(&self.db, caller.user_id).await
    }

    /// Saves a new address of the caller's (or replaces their `existing` one).
    pub async fn save_address(
        &self,
        caller: &super::Caller,
        existing: Option<Uuid>,
        input: &AddressInput,
    ) -> Result<Address, DomainError> {
        addresses::save(&self.db, caller.user_id, existing, input).await
    }

    pub async fn delete_address(&self, caller: &super::Caller, id: Uuid) -> Result<(), DomainError> {
        addresses::delete(&self.db, caller.user_id, id).await
    }
}

/// Payload of `user.registered`.
#[derive(serde::Serialize)]
struct UserRegistered<'a> {
    user_id: uuid::Uuid,
    email: &'a str,
}
