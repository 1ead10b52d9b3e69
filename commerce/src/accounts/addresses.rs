//! Saved addresses of a user (shipping addresses offered at checkout).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use shopfleet_domain::{pricing::Address as Destination, DomainError};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// Most addresses a user can save.
pub const MAX_PER_USER: i64 = 20;

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Address {
    pub id: Uuid,
    pub label: Option<String>,
    pub full_name: String,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub region: Option<String>,
    pub postal_code: String,
    /// ISO 3166-1 alpha-2 country code, upper case.
    pub country: String,
    pub phone: Option<String>,
    pub is_default: bool,
    pub created_at: DateTime<Utc>,
}

/// A new or replacement address.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressInput {
    #[schema(max_length = 50)]
    pub label: Option<String>,
    #[schema(min_length = 1, max_length = 200)]
    pub full_name: String,
    #[schema(min_length = 1, max_length = 200)]
    pub line1: String,
    #[schema(max_length = 200)]
    pub line2: Option<String>,
    #[schema(min_length = 1, max_length = 100)]
    pub city: String,
    #[schema(max_length = 100)]
    pub region: Option<String>,
    #[schema(min_length = 1, max_length = 20)]
    pub postal_code: String,
    /// ISO 3166-1 alpha-2 code, e.g. `DE`.
    #[schema(pattern = "^[A-Z]{2}$")]
    pub country: String,
    #[schema(max_length = 30)]
    pub phone: Option<String>,
    #[serde(default)]
    pub is_default: bool,
}

fn check_len(field: &'static str, value: &str, min: usize, max: usize) -> Result<(), DomainError> {
    let len = value.trim().chars().count();
    if len < min || len > max {
        let rule = if min > 0 {
            format!("must be {min} to {max} characters")
        } else {
            format!("must be at most {max} characters")
        };
        return Err(DomainError::invalid(field, rule));
    }
    Ok(())
}

impl AddressInput {
    fn validate(&self) -> Result<(), DomainError> {
        check_len("full_name", &self.full_name, 1, 200)?;
        check_len("line1", &self.line1, 1, 200)?;
        check_len("city", &self.city, 1, 100)?;
        check_len("postal_code", &self.postal_code, 1, 20)?;
        for (field, value, max) in [
            ("label", &self.label, 50),
            ("line2", &self.line2, 200),
            ("region", &self.region, 100),
            ("phone", &self.phone, 30),
        ] {
            if let Some(value) = value {
                check_len(field, value, 0, max)?;
            }
        }
        if self.country.len() != 2 || !self.country.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(DomainError::invalid(
                "country",
                "must be an ISO 3166-1 alpha-2 code such as DE or US",
            ));
        }
        Ok(())
    }
}

const COLUMNS: &str =
    "id, label, full_name, line1, line2, city, region, postal_code, country, phone, is_default, created_at";

pub async fn list(db: &PgPool, user: Uuid) -> Result<Vec<Address>, DomainError> {
    Ok(sqlx::query_as(&format!("SELECT {COLUMNS} FROM addresses WHERE user_id = $1 ORDER BY created_at"))
        .bind(user)
        .fetch_all(db)
        .await?)
}

/// Saves a new address (or replaces `existing`), keeping at most one default per user.
pub async fn save(
    db: &PgPool,
    user: Uuid,
    existing: Option<Uuid>,
    input: &AddressInput,
) -> Result<Address, DomainError> {
    input.validate()?;
    let mut tx = db.begin().await?;
    // Serialise concurrent changes to one user's addresses.
    sqlx::query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE").bind(user).execute(&mut *tx).await?;
    if existing.is_none() {
        let count: i64 = sqlx::query_scalar("SELECT count(*) FROM addresses WHERE user_id = $1")
            .bind(user)
            .fetch_one(&mut *tx)
            .await?;
        if count >= MAX_PER_USER {
            return Err(DomainError::invalid(
                "address",
                format!("at most {MAX_PER_USER} addresses can be saved"),
            ));
        }
    }
    if input.is_default {
        sqlx::query("UPDATE addresses SET is_default = false WHERE user_id = $1 AND is_default")
            .bind(user)
            .execute(&mut *tx)
            .await?;
    }
    let sql = match existing {
        None => format!(
            "INSERT INTO addresses (id, user_id, label, full_name, line1, line2, city, region, postal_code, country, phone, is_default)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING {COLUMNS}"
        ),
        Some(_) => format!(
            "UPDATE addresses SET label = $3, full_name = $4, line1 = $5, line2 = $6, city = $7, region = $8,
                 postal_code = $9, country = $10, phone = $11, is_default = $12
             WHERE id = $1 AND user_id = $2 RETURNING {COLUMNS}"
        ),
    };
    let address: Option<Address> = sqlx::query_as(&sql)
        .bind(existing.unwrap_or_else(Uuid::now_v7))
        .bind(user)
        .bind(&input.label)
        .bind(input.full_name.trim())
        .bind(input.line1.trim())
        .bind(&input.line2)
        .bind(input.city.trim())
        .bind(&input.region)
        .bind(input.postal_code.trim())
        .bind(&input.country)
        .bind(&input.phone)
        .bind(input.is_default)
        .fetch_optional(&mut *tx)
        .await?;
    let address = address.ok_or(DomainError::NotFound("address"))?;
    tx.commit().await?;
    Ok(address)
}

pub async fn delete(db: &PgPool, user: Uuid, id: Uuid) -> Result<(), DomainError> {
    let deleted = sqlx::query("DELETE FROM addresses WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user)
        .execute(db)
        .await?;
    if deleted.rows_affected() == 0 {
        return Err(DomainError::NotFound("address"));
    }
    Ok(())
}

/// `user`'s address `id` as an order keeps it (the address fields alone) and where it is
/// for pricing, or `None` when it is not one of theirs.
pub async fn shipping_snapshot(
    conn: &mut PgConnection,
    user: Uuid,
    id: Uuid,
) -> Result<Option<(serde_json::Value, Destination)>, DomainError> {
    let found: Option<(serde_json::Value, String, Option<String>, String)> = sqlx::query_as(
        "SELECT to_jsonb(a) - 'user_id' - 'is_default' - 'created_at' - 'id', country::text, region, postal_code
         FROM addresses a WHERE id = $1 AND user_id = $2",
    )
    .bind(id)
    .bind(user)
    .fetch_optional(conn)
    .await?;
    Ok(found.map(|(snapshot, country, region, postcode)| {
        (snapshot, Destination { country, region, postcode: Some(postcode) })
    }))
}
