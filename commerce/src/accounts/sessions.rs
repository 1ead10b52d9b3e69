//! Login sessions: refresh-token families in Postgres, revocation in Redis.
//!
//! Every login starts a family. Each refresh rotates the token: the old one is marked
//! replaced (and its id denylisted until it would expire); presenting a replaced token
//! again is reuse, which revokes the whole family. Access tokens are refused at once
//! when their `jti` is denylisted or their session (`sid`) is revoked.

use super::{
    tokens::{Claims, TokenKeys, TokenUse},
    users::User,
};
use chrono::{DateTime, Utc};
use serde::Serialize;
use shopfleet_domain::DomainError;
use shopfleet_platform::redis_conn::RedisConn;
use sqlx::PgPool;
use uuid::Uuid;

/// The OAuth2 token response (RFC 6749 §5.1).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
}

#[derive(Clone)]
pub struct Sessions {
    pub(super) db: PgPool,
    pub(super) redis: RedisConn,
    pub(super) keys: TokenKeys,
    pub(super) access_ttl_secs: u64,
    pub(super) refresh_ttl_secs: u64,
}

fn remaining_secs(exp: i64) -> u64 {
    u64::try_from(exp - Utc::now().timestamp()).unwrap_or(0).max(1)
}

impl Sessions {
    fn denied_key(&self, jti: Uuid) -> String {
        self.redis.key(&["auth", "denied-jti", &jti.to_string()])
    }

    fn revoked_session_key(&self, sid: Uuid) -> String {
        self.redis.key(&["auth", "revoked-sid", &sid.to_string()])
    }

    /// Starts a new session (token family) for `user`.
    pub async fn start(&self, user: &User) -> Result<TokenPair, DomainError> {
        let mut tx = self.db.begin().await?;
        let (pair, _) = self.issue_pair(&mut tx, user, Uuid::new_v4()).await?;
        tx.commit().await?;
        Ok(pair)
    }

    async fn issue_pair(
        &self,
        tx: &mut sqlx::PgTransaction<'_>,
        user: &User,
        family: Uuid,
    ) -> Result<(TokenPair, Uuid), DomainError> {
        let (access_token, _) =
            self.keys.issue(user.id, user.role, family, TokenUse::Access, self.access_ttl_secs)?;
        let (refresh_token, refresh) =
            self.keys.issue(user.id, user.role, family, TokenUse::Refresh, self.refresh_ttl_secs)?;
        sqlx::query(
            "INSERT INTO refresh_tokens (id, family_id, user_id, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(refresh.jti)
        .bind(family)
        .bind(user.id)
        .bind(DateTime::from_timestamp(refresh.exp, 0))
        .execute(&mut **tx)
        .await?;
        let pair =
            TokenPair { access_token, refresh_token, token_type: "Bearer", expires_in: self.access_ttl_secs };
        Ok((pair, refresh.jti))
    }

    /// Exchanges a refresh token for a new pair, detecting reuse of rotated tokens.
    pub async fn rotate(&self, refresh_token: &str) -> Result<TokenPair, DomainError> {
        let claims = self
            .keys
            .verify(refresh_token, TokenUse::Refresh)
            .map_err(|_| DomainError::InvalidRefreshToken)?;
        let mut tx = self.db.begin().await?;
        let row: Option<(Uuid, Option<Uuid>, Option<DateTime<Utc>>)> = sqlx::query_as(
            "SELECT family_id, replaced_by, revoked_at FROM refresh_tokens WHERE id = $1 FOR UPDATE",
        )
        .bind(claims.jti)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((family, replaced_by, revoked_at)) = row else {
            return Err(DomainError::InvalidRefreshToken);
        };
        if revoked_at.is_some() {
            return Err(DomainError::InvalidRefreshToken);
        }
        if replaced_by.is_some() {
            drop(tx);
            tracing::warn!(
                security_event = "refresh_token_reuse",
                user_id = %claims.sub,
                session_id = %family,
                "a rotated refresh token was presented again; revoking its whole family"
            );
            self.revoke_session(family).await?;
            return Err(DomainError::InvalidRefreshToken);
        }
        let user = super::users::get(&mut *tx, claims.sub).await?;
        if !user.is_active {
            return Err(DomainError::InvalidRefreshToken);
        }
        let (pair, new_id) = self.issue_pair(&mut tx, &user, family).await?;
        sqlx::query("UPDATE refresh_tokens SET replaced_by = $2 WHERE id = $1")
            .bind(claims.jti)
            .bind(new_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.deny_token(claims.jti, claims.exp).await?;
        Ok(pair)
    }

    /// Denylists one token id until it would have expired.
    pub async fn deny_token(&self, jti: Uuid, exp: i64) -> Result<(), DomainError> {
        let mut conn = self.redis.connection().await?;
        redis::cmd("SET")
            .arg(self.denied_key(jti))
            .arg(1)
            .arg("EX")
            .arg(remaining_secs(exp))
            .query_async::<()>(&mut conn)
            .await?;
        Ok(())
    }

    /// Revokes a whole session: its refresh tokens in Postgres, its access tokens in Redis.
    pub async fn revoke_session(&self, family: Uuid) -> Result<(), DomainError> {
        sqlx::query(
            "UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL",
        )
        .bind(family)
        .execute(&self.db)
        .await?;
        let mut conn = self.redis.connection().await?;
        redis::cmd("SET")
            .arg(self.revoked_session_key(family))
            .arg(1)
            .arg("EX")
            .arg(self.refresh_ttl_secs)
            .query_async::<()>(&mut conn)
            .await?;
        Ok(())
    }

    /// Revokes every session of `user` except `keep` (the caller's own, when given).
    pub async fn revoke_all(&self, user: Uuid, keep: Option<Uuid>) -> Result<(), DomainError> {
        let families: Vec<Uuid> = sqlx::query_scalar(
            "SELECT DISTINCT family_id FROM refresh_tokens
             WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now() AND family_id IS DISTINCT FROM $2",
        )
        .bind(user)
        .bind(keep)
        .fetch_all(&self.db)
        .await?;
        for family in families {
            self.revoke_session(family).await?;
        }
        Ok(())
    }

    /// Refuses an access token whose id is denylisted or whose session is revoked.
    pub async fn ensure_not_revoked(&self, claims: &Claims) -> Result<(), DomainError> {
        let mut conn = self.redis.connection().await?;
        let (denied, revoked): (Option<String>, Option<String>) = redis::pipe()
            .get(self.denied_key(claims.jti))
            .get(self.revoked_session_key(claims.sid))
            .query_async(&mut conn)
            .await?;
        if denied.is_some() || revoked.is_some() {
            return Err(DomainError::Unauthenticated);
        }
        Ok(())
    }
}
