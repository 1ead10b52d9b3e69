//! Orders: [`checkout`] turns the cart into an order with reserved stock, [`status`] holds
//! the state machine, [`expiry`] cancels unpaid orders past their deadline. Reads here.

pub mod checkout;
pub mod expiry;
pub mod status;

use crate::error::DomainError;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{PgConnection, PgExecutor};
pub use status::OrderStatus;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct OrderLine {
    pub line_no: i32,
    pub variant_id: Option<Uuid>,
    pub product_id: Option<Uuid>,
    pub merchant_id: Uuid,
    /// Product title, SKU and unit price as they were at checkout.
    pub title: String,
    pub sku: String,
    pub unit_price_minor: i64,
    pub quantity: i32,
}

#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Order {
    pub id: Uuid,
    /// Human-friendly order number.
    pub number: i64,
    pub user_id: Uuid,
    pub status: OrderStatus,
    pub currency: String,
    pub subtotal_minor: i64,
    pub total_minor: i64,
    #[schema(value_type = Object)]
    pub shipping_address: serde_json::Value,
    /// Unpaid orders are cancelled at this time.
    pub expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[sqlx(skip)]
    pub lines: Vec<OrderLine>,
}

const ORDER_COLUMNS: &str =
    "id, number, user_id, status, currency::text AS currency, subtotal_minor, total_minor, \
     shipping_address, expires_at, created_at, updated_at";

/// An order with its lines.
pub async fn get(conn: &mut PgConnection, id: Uuid) -> Result<Option<Order>, DomainError> {
    let order: Option<Order> = sqlx::query_as(&format!("SELECT {ORDER_COLUMNS} FROM orders WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(mut order) = order else { return Ok(None) };
    order.lines = lines(&mut *conn, id).await?;
    Ok(Some(order))
}

async fn lines(db: impl PgExecutor<'_>, order: Uuid) -> Result<Vec<OrderLine>, DomainError> {
    Ok(sqlx::query_as(
        "SELECT line_no, variant_id, product_id, merchant_id, title, sku, unit_price_minor, quantity
         FROM order_lines WHERE order_id = $1 ORDER BY line_no",
    )
    .bind(order)
    .fetch_all(db)
    .await?)
}

/// A user's orders, newest first (at most `limit`), with their lines.
pub async fn list_for_user(
    conn: &mut PgConnection,
    user: Uuid,
    limit: i64,
) -> Result<Vec<Order>, DomainError> {
    let mut orders: Vec<Order> = sqlx::query_as(&format!(
        "SELECT {ORDER_COLUMNS} FROM orders WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2"
    ))
    .bind(user)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    for order in &mut orders {
        order.lines = lines(&mut *conn, order.id).await?;
    }
    Ok(orders)
}

/// Moves an order to `to` (checked against the state machine) and writes the history
/// row, in the caller's transaction. The order row must be locked by the caller.
pub async fn transition(
    conn: &mut PgConnection,
    order: Uuid,
    from: OrderStatus,
    to: OrderStatus,
    actor: Option<Uuid>,
    reason: &str,
) -> Result<(), DomainError> {
    from.ensure_can_become(to)?;
    sqlx::query("UPDATE orders SET status = $2, updated_at = now() WHERE id = $1")
        .bind(order)
        .bind(to)
        .execute(&mut *conn)
        .await?;
    record_history(conn, order, Some(from), to, actor, reason).await
}

async fn record_history(
    conn: &mut PgConnection,
    order: Uuid,
    from: Option<OrderStatus>,
    to: OrderStatus,
    actor: Option<Uuid>,
    reason: &str,
) -> Result<(), DomainError> {
    sqlx::query(
        "INSERT INTO order_status_history (order_id, from_status, to_status, actor_id, reason) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(order)
    .bind(from)
    .bind(to)
    .bind(actor)
    .bind(reason)
    .execute(conn)
    .await?;
    Ok(())
}

/// Cancels an unpaid order on request of its shopper (or any order an admin may cancel
/// under the state machine), releasing its stock. Others' orders are not found.
pub async fn cancel(db: &sqlx::PgPool, id: Uuid, caller: Uuid, is_admin: bool) -> Result<Order, DomainError> {
    let mut tx = db.begin().await?;
    let row: Option<(Uuid, OrderStatus)> =
        sqlx::query_as("SELECT user_id, status FROM orders WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let (owner, status) = match row {
        Some((owner, status)) if owner == caller || is_admin => (owner, status),
        _ => return Err(DomainError::NotFound("order")),
    };
    if status != OrderStatus::PendingPayment && !is_admin {
        return Err(DomainError::Conflict {
            code: "illegal_transition",
            detail: format!("an order that is {} can only be cancelled by the shop", status.as_str()),
        });
    }
    if status == OrderStatus::Paid {
        return Err(DomainError::Conflict {
            code: "refund_required",
            detail: "a paid order is cancelled by refunding it".into(),
        });
    }
    let reason = if is_admin && owner != caller { "cancelled_by_admin" } else { "cancelled_by_shopper" };
    expiry::cancel_locked(&mut tx, id, owner, status, Some(caller), reason).await?;
    let order = get(&mut tx, id).await?.ok_or(DomainError::NotFound("order"))?;
    tx.commit().await?;
    Ok(order)
}
