//! Shopping carts: one per user, persisted in Postgres. Totals are always computed on
//! the server from current prices; each line reports what changed since it was added
//! (price, stock, availability), which checkout re-checks in its own transaction.

use crate::accounts::Caller;
use chrono::{DateTime, Utc};
use serde::Serialize;
use shopfleet_domain::{
    cart::{check_quantity, ensure_checkout_ready, LineNow},
    DomainError,
};
use sqlx::{PgConnection, PgPool};
use utoipa::ToSchema;
use uuid::Uuid;

pub use shopfleet_domain::cart::{LineIssue, MAX_LINES, MAX_LINE_QUANTITY};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CartLine {
    pub variant_id: Uuid,
    pub product_id: Uuid,
    pub title: String,
    pub sku: String,
    pub quantity: i32,
    pub unit_price_minor: i64,
    pub currency: String,
    pub line_total_minor: i64,
    pub available: i32,
    pub added_at: DateTime<Utc>,
    /// Empty when checkout would take the line as it is.
    pub issues: Vec<LineIssue>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Cart {
    pub lines: Vec<CartLine>,
    /// Sum of the lines at current prices (minor units); 0 for an empty cart.
    pub subtotal_minor: i64,
    pub currency: Option<String>,
    pub item_count: i64,
    /// True when no line has an issue.
    pub ready_for_checkout: bool,
}

#[derive(sqlx::FromRow)]
struct LineRow {
    variant_id: Uuid,
    product_id: Uuid,
    title: String,
    sku: String,
    quantity: i32,
    seen_price_minor: i64,
    price_minor: i64,
    currency: String,
    available: i32,
    published: bool,
    added_at: DateTime<Utc>,
}

impl From<LineRow> for CartLine {
    fn from(row: LineRow) -> Self {
        let issues = LineNow {
            sku: &row.sku,
            quantity: row.quantity,
            seen_price_minor: row.seen_price_minor,
            price_minor: row.price_minor,
            available: row.available,
            published: row.published,
        }
        .issues();
        CartLine {
            variant_id: row.variant_id,
            product_id: row.product_id,
            title: row.title,
            sku: row.sku,
            quantity: row.quantity,
            unit_price_minor: row.price_minor,
            currency: row.currency,
            line_total_minor: row.price_minor * i64::from(row.quantity),
            available: row.available,
            added_at: row.added_at,
            issues,
        }
    }
}

/// The shoppers' carts; every operation acts on the caller's own cart.
#[derive(Clone)]
pub struct Carts {
    db: PgPool,
}

impl Carts {
    pub fn new(db: PgPool) -> Self {
        Self { db }
    }

    /// The user's cart as it is now.
    pub async fn get(&self, caller: &Caller) -> Result<Cart, DomainError> {
        let (db, user) = (&self.db, caller.user_id);
        let rows: Vec<LineRow> = sqlx::query_as(
            "SELECT l.variant_id, v.product_id, p.title, v.sku, l.quantity, l.seen_price_minor, v.price_minor,
                    v.currency, v.on_hand - v.reserved AS available, p.status = 'published' AS published, l.added_at
             FROM cart_lines l JOIN variants v ON v.id = l.variant_id JOIN products p ON p.id = v.product_id
             WHERE l.user_id = $1 ORDER BY l.added_at, l.variant_id",
        )
        .bind(user)
        .fetch_all(db)
        .await?;
        let lines: Vec<CartLine> = rows.into_iter().map(CartLine::from).collect();
        Ok(Cart {
            subtotal_minor: lines.iter().map(|line| line.line_total_minor).sum(),
            currency: lines.first().map(|line| line.currency.clone()),
            item_count: lines.iter().map(|line| i64::from(line.quantity)).sum(),
            ready_for_checkout: lines.iter().all(|line| line.issues.is_empty()),
            lines,
        })
    }

    /// Adds `quantity` units of `variant` (to the line's quantity when it exists).
    pub async fn add(&self, caller: &Caller, variant: Uuid, quantity: i32) -> Result<Cart, DomainError> {
        let (db, user) = (&self.db, caller.user_id);
        check_quantity(quantity)?;
        let mut tx = db.begin().await?;
        sqlx::query(
            "INSERT INTO carts (user_id) VALUES ($1) ON CONFLICT (user_id) DO UPDATE SET updated_at = now()",
        )
        .bind(user)
        .execute(&mut *tx)
        .await?; // also serialises concurrent changes to this cart (row lock until commit)
        let target: Option<(i64, String, bool)> = sqlx::query_as(
            "SELECT v.price_minor, v.currency, p.status = 'published'
             FROM variants v JOIN products p ON p.id = v.product_id WHERE v.id = $1",
        )
        .bind(variant)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((price, currency, true)) = target else {
            return Err(DomainError::invalid("variant_id", "no such variant for sale"));
        };
        let cart_currency: Option<String> = sqlx::query_scalar(
            "SELECT v.currency FROM cart_lines l JOIN variants v ON v.id = l.variant_id
             WHERE l.user_id = $1 AND l.variant_id <> $2 LIMIT 1",
        )
        .bind(user)
        .bind(variant)
        .fetch_optional(&mut *tx)
        .await?;
        if cart_currency.is_some_and(|existing| existing != currency) {
            return Err(DomainError::Conflict {
                code: "currency_mismatch",
                detail: format!("variant_id: the cart is in another currency than this variant's {currency}"),
            });
        }
        let lines: i64 =
            sqlx::query_scalar("SELECT count(*) FROM cart_lines WHERE user_id = $1 AND variant_id <> $2")
                .bind(user)
                .bind(variant)
                .fetch_one(&mut *tx)
                .await?;
        if lines >= MAX_LINES {
            return Err(DomainError::invalid(
                "variant_id",
                format!("a cart holds at most {MAX_LINES} lines"),
            ));
        }
        sqlx::query(
            "INSERT INTO cart_lines (user_id, variant_id, quantity, seen_price_minor) VALUES ($1, $2, $3, $4)
             ON CONFLICT (user_id, variant_id) DO UPDATE
               SET quantity = cart_lines.quantity + EXCLUDED.quantity, seen_price_minor = EXCLUDED.seen_price_minor",
        )
        .bind(user)
        .bind(variant)
        .bind(quantity)
        .bind(price)
        .execute(&mut *tx)
        .await
        .map_err(quantity_overflow)?;
        tx.commit().await?;
        self.get(caller).await
    }

    /// Sets the quantity of an existing line (and accepts its current price).
    pub async fn set_quantity(
        &self,
        caller: &Caller,
        variant: Uuid,
        quantity: i32,
    ) -> Result<Cart, DomainError> {
        let (db, user) = (&self.db, caller.user_id);
        check_quantity(quantity)?;
        let updated = sqlx::query(
            "UPDATE cart_lines l SET quantity = $3, seen_price_minor = v.price_minor
             FROM variants v WHERE v.id = l.variant_id AND l.user_id = $1 AND l.variant_id = $2",
        )
        .bind(user)
        .bind(variant)
        .bind(quantity)
        .execute(db)
        .await?
        .rows_affected();
        if updated == 0 {
            return Err(DomainError::NotFound("cart line"));
        }
        self.get(caller).await
    }

    /// Removes a line.
    pub async fn remove(&self, caller: &Caller, variant: Uuid) -> Result<Cart, DomainError> {
        let (db, user) = (&self.db, caller.user_id);
        let removed = sqlx::query("DELETE FROM cart_lines WHERE user_id = $1 AND variant_id = $2")
            .bind(user)
            .bind(variant)
            .execute(db)
            .await?
            .rows_affected();
        if removed == 0 {
            return Err(DomainError::NotFound("cart line"));
        }
        self.get(caller).await
    }

    /// Empties the cart.
    pub async fn clear(&self, caller: &Caller) -> Result<(), DomainError> {
        empty(&mut *self.db.acquire().await?, caller.user_id).await
    }
}

/// Removes every line of `user`'s cart, in the caller's transaction.
pub async fn empty(conn: &mut PgConnection, user: Uuid) -> Result<(), DomainError> {
    sqlx::query("DELETE FROM cart_lines WHERE user_id = $1").bind(user).execute(conn).await?;
    Ok(())
}

/// A cart line as checkout takes it: the variant's current price beside the price the
/// shopper saw.
#[derive(sqlx::FromRow)]
pub struct CheckoutLine {
    pub variant_id: Uuid,
    pub product_id: Uuid,
    pub merchant_id: Uuid,
    pub title: String,
    pub sku: String,
    pub quantity: i32,
    pub seen_price_minor: i64,
    pub price_minor: i64,
    pub currency: String,
    pub published: bool,
}

impl CheckoutLine {
    fn now(&self) -> LineNow<'_> {
        LineNow {
            sku: &self.sku,
            quantity: self.quantity,
            seen_price_minor: self.seen_price_minor,
            price_minor: self.price_minor,
            // Stock is judged by the reservation checkout takes next.
            available: self.quantity,
            published: self.published,
        }
    }
}

/// Locks `user`'s cart for checkout and returns its lines in variant order (the order
/// stock is locked in, so concurrent checkouts cannot deadlock). Refuses an empty cart
/// and a cart whose lines changed since they were added, naming each line.
pub async fn lock_for_checkout(
    conn: &mut PgConnection,
    user: Uuid,
) -> Result<Vec<CheckoutLine>, DomainError> {
    sqlx::query("SELECT 1 FROM carts WHERE user_id = $1 FOR UPDATE").bind(user).execute(&mut *conn).await?;
    let lines: Vec<CheckoutLine> = sqlx::query_as(
        "SELECT l.variant_id, v.product_id, p.merchant_id, p.title, v.sku, l.quantity, l.seen_price_minor,
                v.price_minor, v.currency, p.status = 'published' AS published
         FROM cart_lines l JOIN variants v ON v.id = l.variant_id JOIN products p ON p.id = v.product_id
         WHERE l.user_id = $1 ORDER BY l.variant_id",
    )
    .bind(user)
    .fetch_all(conn)
    .await?;
    let now: Vec<LineNow> = lines.iter().map(CheckoutLine::now).collect();
    ensure_checkout_ready(&now)?;
    Ok(lines)
}

fn quantity_overflow(err: sqlx::Error) -> DomainError {
    match &err {
        sqlx::Error::Database(db) if db.constraint() == Some("cart_line_quantity") => DomainError::invalid(
            "quantity",
            format!("a line holds at most {MAX_LINE_QUANTITY} units; this would exceed it"),
        ),
        _ => err.into(),
    }
}
