//! Idempotency keys with Stripe's semantics, per principal: the first request with a key
//! runs and its response (status and body, byte for byte) is stored; a repeat with the
//! same body gets that response again; a repeat while the first is still running gets
//! 409; the same key with a different body gets 422. Keys live 24 hours. A request that
//! died mid-flight (its process crashed) frees its key after [`ABANDONED_AFTER_SECS`].

use sha2::{Digest, Sha256};
use shopfleet_domain::DomainError;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// How long a key and its stored response are kept.
pub const TTL_HOURS: i32 = 24;
/// After this long an in-flight key is taken to be abandoned and may run again.
pub const ABANDONED_AFTER_SECS: i32 = 60;

/// What to do with a request that carries an idempotency key.
#[derive(Debug)]
pub enum Begin {
    /// First time: run it, then [`complete`] the key.
    Proceed,
    /// Seen before: answer with this stored response.
    Replay { status: u16, body: Vec<u8> },
}

/// The hash a key's request is compared by: the route and the exact body.
pub fn request_hash(route: &str, body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(route.as_bytes());
    hasher.update([0]);
    hasher.update(body);
    hex::encode(hasher.finalize())
}

/// Claims `key` for this request or tells how to answer a repeat.
pub async fn begin(db: &PgPool, principal: Uuid, key: &str, hash: &str) -> Result<Begin, DomainError> {
    if key.is_empty() || key.len() > 255 || !key.chars().all(|c| c.is_ascii_graphic()) {
        return Err(DomainError::invalid("Idempotency-Key", "must be 1 to 255 visible ASCII characters"));
    }
    let claimed = sqlx::query(
        "INSERT INTO idempotency_keys (principal, key, request_hash, status) VALUES ($1, $2, $3, 'in_flight')
         ON CONFLICT (principal, key) DO UPDATE
           SET request_hash = EXCLUDED.request_hash, status = 'in_flight', response_status = NULL,
               response_body = NULL, created_at = now(), locked_at = now()
           WHERE idempotency_keys.created_at < now() - make_interval(hours => $4)
              OR (idempotency_keys.status = 'in_flight' AND idempotency_keys.request_hash = EXCLUDED.request_hash
                  AND idempotency_keys.locked_at < now() - make_interval(secs => $5))",
    )
    .bind(principal)
    .bind(key)
    .bind(hash)
    .bind(TTL_HOURS)
    .bind(f64::from(ABANDONED_AFTER_SECS))
    .execute(db)
    .await?
    .rows_affected();
    if claimed == 1 {
        return Ok(Begin::Proceed);
    }
    let (stored_hash, status, response_status, body): (String, String, Option<i32>, Option<Vec<u8>>) =
        sqlx::query_as(
            "SELECT request_hash, status, response_status, response_body FROM idempotency_keys
             WHERE principal = $1 AND key = $2",
        )
        .bind(principal)
        .bind(key)
        .fetch_one(db)
        .await?;
    if stored_hash != hash {
        return Err(DomainError::invalid(
            "Idempotency-Key",
            "was used with a different request; use a new key for a new request",
        ));
    }
    match (status.as_str(), response_status, body) {
        ("completed", Some(status), Some(body)) => Ok(Begin::Replay { status: status as u16, body }),
        _ => Err(DomainError::Conflict {
            code: "idempotency_request_in_flight",
            detail: "a request with this Idempotency-Key is still being processed; retry shortly".into(),
        }),
    }
}

/// Stores the response of the request that claimed `key` (in the request's own
/// transaction when it has one, so the effect and the stored answer commit together).
pub async fn complete(
    conn: &mut PgConnection,
    principal: Uuid,
    key: &str,
    status: u16,
    body: &[u8],
) -> Result<(), DomainError> {
    sqlx::query(
        "UPDATE idempotency_keys SET status = 'completed', response_status = $3, response_body = $4
         WHERE principal = $1 AND key = $2",
    )
    .bind(principal)
    .bind(key)
    .bind(i32::from(status))
    .bind(body)
    .execute(conn)
    .await?;
    Ok(())
}

/// Frees a key whose request failed in a way worth retrying (a server error), so the
/// retry runs instead of replaying the failure.
pub async fn release(db: &PgPool, principal: Uuid, key: &str) -> Result<(), DomainError> {
    sqlx::query("DELETE FROM idempotency_keys WHERE principal = $1 AND key = $2 AND status = 'in_flight'")
        .bind(principal)
        .bind(key)
        .execute(db)
        .await?;
    Ok(())
}

/// Deletes expired keys (the worker's prune job); returns how many.
pub async fn prune_expired(db: &PgPool) -> Result<u64, DomainError> {
    Ok(sqlx::query("DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1)")
        .bind(TTL_HOURS)
        .execute(db)
        .await?
        .rows_affected())
}

/// The keys of one database, for callers that hold no transaction of their own.
#[derive(Clone)]
pub struct IdempotencyKeys {
    db: PgPool,
}

impl IdempotencyKeys {
    pub fn new(db: PgPool) -> Self {
        Self { db }
    }

    /// [`begin`]: claims `key` or tells how to answer a repeat.
    pub async fn begin(&self, principal: Uuid, key: &str, hash: &str) -> Result<Begin, DomainError> {
        begin(&self.db, principal, key, hash).await
    }

    /// [`complete`] for work that committed on its own.
    pub async fn complete(
        &self,
        principal: Uuid,
        key: &str,
        status: u16,
        body: &[u8],
    ) -> Result<(), DomainError> {
        complete(&mut *self.db.acquire().await?, principal, key, status, body).await
    }

    /// [`release`]: frees a key whose request failed with a server error.
    pub async fn release(&self, principal: Uuid, key: &str) -> Result<(), DomainError> {
        release(&self.db, principal, key).await
    }
}
