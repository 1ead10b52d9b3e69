//! The `users` table: creating accounts, looking them up, and admin changes.

use super::{email::Email, Role};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use chrono::{DateTime, Utc};
use serde::Serialize;
use shopfleet_domain::DomainError;
use shopfleet_domain::PageLimit;
use sqlx::{PgExecutor, PgPool};
use uuid::Uuid;

/// A user as the API shows it (never the password hash).
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    pub display_name: Option<String>,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
}

const USER_COLUMNS: &str = "id, email::text AS email, role, display_name, is_active, created_at";

/// Inserts a user; a taken e-mail (case-insensitively) is a conflict with code `email_taken`.
pub async fn insert(
    db: impl PgExecutor<'_>,
    email: &Email,
    password_hash: &str,
    role: Role,
    display_name: Option<&str>,
) -> Result<User, DomainError> {
    sqlx::query_as(&format!(
        "INSERT INTO users (id, email, password_hash, role, display_name) VALUES ($1, $2, $3, $4, $5) RETURNING {USER_COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(email.as_str())
    .bind(password_hash)
    .bind(role)
    .bind(display_name)
    .fetch_one(db)
    .await
    .map_err(|err| match &err {
        sqlx::Error::Database(db) if db.constraint() == Some("users_email_key") => DomainError::Conflict { code: "email_taken", detail: "an account with this e-mail address already exists".into() },
        _ => err.into(),
    })
}

/// The user and password hash for a login attempt.
pub async fn find_for_login(db: &PgPool, email: &Email) -> Result<Option<(User, String)>, DomainError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        user: User,
        password_hash: String,
    }
    let row: Option<Row> =
        sqlx::query_as(&format!("SELECT {USER_COLUMNS}, password_hash FROM users WHERE email = $1"))
            .bind(email.as_str())
            .fetch_optional(db)
            .await?;
    Ok(row.map(|r| (r.user, r.password_hash)))
}

pub async fn get(db: impl PgExecutor<'_>, id: Uuid) -> Result<User, DomainError> {
    sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await?
        .ok_or(DomainError::NotFound("user"))
}

pub async fn password_hash(db: &PgPool, id: Uuid) -> Result<String, DomainError> {
    sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(id)
        .fetch_optional(db)
        .await?
        .ok_or(DomainError::NotFound("user"))
}

pub async fn set_display_name(
    db: &PgPool,
    id: Uuid,
    display_name: Option<&str>,
) -> Result<User, DomainError> {
    update(db, id, "display_name = $2", display_name.map(str::to_owned)).await
}

pub async fn set_password_hash(db: &PgPool, id: Uuid, hash: &str) -> Result<User, DomainError> {
    update(db, id, "password_hash = $2", hash.to_owned()).await
}

pub async fn set_role(db: &PgPool, id: Uuid, role: Role) -> Result<User, DomainError> {
    update(db, id, "role = $2", role).await
}

pub async fn set_active(db: &PgPool, id: Uuid, active: bool) -> Result<User, DomainError> {
    update(db, id, "is_active = $2", active).await
}

async fn update<T>(db: &PgPool, id: Uuid, assignment: &str, value: T) -> Result<User, DomainError>
where
    T: for<'q> sqlx::Encode<'q, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Send + 'static,
{
    sqlx::query_as(&format!(
        "UPDATE users SET {assignment}, updated_at = now() WHERE id = $1 RETURNING {USER_COLUMNS}"
    ))
    .bind(id)
    .bind(value)
    .fetch_optional(db)
    .await?
    .ok_or(DomainError::NotFound("user"))
}

pub async fn admin_exists(db: &PgPool) -> Result<bool, DomainError> {
    Ok(sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE role = 'admin' AND is_active)")
        .fetch_one(db)
        .await?)
}

/// Filters and position of an admin user listing.
#[derive(Debug)]
pub struct UserQuery {
    /// Substring of the e-mail address or display name.
    pub search: Option<String>,
    pub role: Option<Role>,
    pub cursor: Option<String>,
    pub limit: PageLimit,
}

/// One page of users, newest first, and the cursor of the next page.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserPage {
    pub items: Vec<User>,
    pub next_cursor: Option<String>,
}

fn encode_cursor(user: &User) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}|{}", user.created_at.timestamp_micros(), user.id))
}

fn decode_cursor(cursor: &str) -> Result<(DateTime<Utc>, Uuid), DomainError> {
    let bad = || DomainError::invalid("cursor", "is not a cursor returned by this listing");
    let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?).map_err(|_| bad())?;
    let (micros, id) = raw.split_once('|').ok_or_else(bad)?;
    let at = DateTime::from_timestamp_micros(micros.parse().map_err(|_| bad())?).ok_or_else(bad)?;
    Ok((at, id.parse().map_err(|_| bad())?))
}

/// Keyset-paginated listing for admins.
pub async fn list(db: &PgPool, query: &UserQuery) -> Result<UserPage, DomainError> {
    let after = query.cursor.as_deref().map(decode_cursor).transpose()?;
    let pattern = query
        .search
        .as_deref()
        .map(|s| format!("%{}%", s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")));
    let mut items: Vec<User> = sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS} FROM users
         WHERE ($1::text IS NULL OR email::text ILIKE $1 OR display_name ILIKE $1)
           AND ($2::text IS NULL OR role = $2)
           AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4))
         ORDER BY created_at DESC, id DESC
         LIMIT $5"
    ))
    .bind(pattern)
    .bind(query.role.map(Role::as_str))
    .bind(after.map(|(at, _)| at))
    .bind(after.map(|(_, id)| id))
    .bind(query.limit.rows() + 1)
    .fetch_all(db)
    .await?;
    let next_cursor = if items.len() as i64 > query.limit.rows() {
        items.truncate(query.limit.rows() as usize);
        items.last().map(encode_cursor)
    } else {
        None
    };
    Ok(UserPage { items, next_cursor })
}
