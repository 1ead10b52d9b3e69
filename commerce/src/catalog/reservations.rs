//! Stock reservations for checkout: reserve N units for a TTL, then commit (the units
//! are sold) or release them. Reserving is one conditional UPDATE, so concurrent
//! reservations can never take more than is available, and stock never goes negative.

use super::events::{StockNow, STOCK_NOW};
use crate::events::Change;
use chrono::{DateTime, Utc};
use serde::Serialize;
use shopfleet_domain::DomainError;
use sqlx::{PgConnection, PgPool};
use std::time::Duration;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, sqlx::Type)]
#[serde(rename_all = "lowercase")]
#[sqlx(type_name = "text", rename_all = "lowercase")]
pub enum ReservationStatus {
    Active,
    Committed,
    Released,
    Expired,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Reservation {
    pub id: Uuid,
    pub variant_id: Uuid,
    pub quantity: i32,
    pub owner_id: Option<Uuid>,
    pub status: ReservationStatus,
    pub expires_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, variant_id, quantity, owner_id, status, expires_at";

/// Reserves `quantity` units of `variant` until `ttl` from now, inside the caller's
/// transaction (checkout reserves every line in one). Fails with `insufficient_stock`
/// when fewer units are available.
pub async fn reserve(
    change: &mut Change<'_>,
    variant: Uuid,
    quantity: i32,
    ttl: Duration,
    owner: Option<Uuid>,
) -> Result<Reservation, DomainError> {
    if quantity <= 0 || quantity > super::inventory::MAX_ON_HAND {
        return Err(DomainError::invalid("quantity", "must be a positive number of units"));
    }
    let expires_at = Utc::now() + chrono::Duration::from_std(ttl).map_err(anyhow::Error::from)?;
    let reservation = Reservation {
        id: Uuid::now_v7(),
        variant_id: variant,
        quantity,
        owner_id: owner,
        status: ReservationStatus::Active,
        expires_at,
    };
    // Takes the units and writes the reservation in one statement; neither when too few are left.
    let reserved: Option<StockNow> = sqlx::query_as(&format!(
        "WITH stock AS (UPDATE variants v SET reserved = v.reserved + $2 FROM products p
                        WHERE p.id = v.product_id AND v.id = $1 AND v.on_hand - v.reserved >= $2
                        RETURNING {STOCK_NOW}),
              held AS (INSERT INTO stock_reservations (id, variant_id, quantity, owner_id, expires_at)
                       SELECT $3, variant_id, $2, $4, $5 FROM stock)
         SELECT * FROM stock"
    ))
    .bind(variant)
    .bind(quantity)
    .bind(reservation.id)
    .bind(owner)
    .bind(expires_at)
    .fetch_optional(&mut **change)
    .await?;
    let Some(stock) = reserved else {
        let available: Option<i32> =
            sqlx::query_scalar("SELECT on_hand - reserved FROM variants WHERE id = $1")
                .bind(variant)
                .fetch_optional(&mut **change)
                .await?;
        return Err(match available {
            None => DomainError::NotFound("variant"),
            Some(available) => DomainError::Conflict {
                code: "insufficient_stock",
                detail: format!("{quantity} requested, {available} available"),
            },
        });
    };
    // The variant had units before, so the product was in stock; it can only have run out
    // when this variant has none left.
    let flipped = stock.available() == 0 && refresh_in_stock(change, stock.product_id).await?;
    super::events::stock_changed(change, &stock, stock.available() + quantity, flipped)?;
    Ok(reservation)
}

/// Ends an active reservation: `Committed` takes the units out of stock, `Released`
/// and `Expired` return them. Ending a reservation that is no longer active is refused.
pub async fn finish(
    change: &mut Change<'_>,
    id: Uuid,
    outcome: ReservationStatus,
) -> Result<Reservation, DomainError> {
    if outcome == ReservationStatus::Active {
        return Err(DomainError::invalid("status", "a reservation cannot be finished as active"));
    }
    // Ends the reservation and moves its units in one statement (the reservation's row
    // locked first, then its variant's).
    let finished: Option<Finished> = sqlx::query_as(&format!(
        "WITH ended AS (UPDATE stock_reservations SET status = $2, updated_at = now()
                        WHERE id = $1 AND status = 'active' RETURNING {COLUMNS}),
              stock AS (UPDATE variants v SET reserved = v.reserved - e.quantity,
                                              on_hand = v.on_hand - CASE WHEN $3 THEN e.quantity ELSE 0 END
                        FROM ended e, products p WHERE v.id = e.variant_id AND p.id = v.product_id
                        RETURNING {STOCK_NOW})
         SELECT e.id, e.quantity, e.owner_id, e.status, e.expires_at, s.* FROM ended e, stock s"
    ))
    .bind(id)
    .bind(outcome)
    .bind(outcome == ReservationStatus::Committed)
    .fetch_optional(&mut **change)
    .await?;
    let Some(Finished { reservation, stock }) = finished else {
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM stock_reservations WHERE id = $1)")
                .bind(id)
                .fetch_one(&mut **change)
                .await?;
        return Err(if exists {
            DomainError::Conflict {
                code: "reservation_not_active",
                detail: "the reservation was already committed, released or expired".into(),
            }
        } else {
            DomainError::NotFound("reservation")
        });
    };
    // Committing takes units out of both on hand and reserved, so availability (and with it
    // `in_stock`) stays as it was; releasing may bring a sold-out product back.
    let flipped =
        outcome != ReservationStatus::Committed && refresh_in_stock(change, stock.product_id).await?;
    // Releasing raises availability and committing leaves it as it was: never a low-stock crossing.
    super::events::stock_changed(change, &stock, i32::MIN, flipped)?;
    Ok(reservation)
}

/// A reservation as ending it left it, and its variant's stock after.
#[derive(sqlx::FromRow)]
struct Finished {
    #[sqlx(flatten)]
    reservation: Reservation,
    #[sqlx(flatten)]
    stock: StockNow,
}

/// Recomputes the product's `in_stock`; true when this changed it.
async fn refresh_in_stock(conn: &mut PgConnection, product: Uuid) -> Result<bool, DomainError> {
    let updated = sqlx::query(
        "UPDATE products SET in_stock = EXISTS (SELECT 1 FROM variants WHERE product_id = $1 AND on_hand > reserved)
         WHERE id = $1 AND in_stock IS DISTINCT FROM EXISTS (SELECT 1 FROM variants WHERE product_id = $1 AND on_hand > reserved)",
    )
    .bind(product)
    .execute(conn)
    .await?;
    Ok(updated.rows_affected() > 0)
}

/// Expires up to `limit` overdue reservations, returning their stock. Rows are claimed
/// with `FOR UPDATE SKIP LOCKED`, so any number of workers can run this at once and each
/// reservation expires exactly once. Returns how many expired.
pub async fn expire_due(db: &PgPool, limit: i64) -> Result<usize, DomainError> {
    let mut change = Change::begin(db).await?;
    let due: Vec<Uuid> = sqlx::query_scalar(
        "SELECT id FROM stock_reservations WHERE status = 'active' AND expires_at <= now()
         ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED",
    )
    .bind(limit)
    .fetch_all(&mut *change)
    .await?;
    for id in &due {
        finish(&mut change, *id, ReservationStatus::Expired).await?;
    }
    change.commit().await?;
    Ok(due.len())
}
