//! Orders: [`checkout`] turns the cart into an order with reserved stock, [`status`] holds
//! the state machine, [`expiry`] cancels unpaid orders past their deadline, [`fulfilment`]
//! lets merchants fulfil and ship their lines. Reads and transitions here.

pub mod checkout;
pub mod expiry;
pub mod fulfilment;
pub mod status;

use crate::{
    catalog::reservations::{self, ReservationStatus},
    error::DomainError,
    events::outbox,
};
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
    /// `unfulfilled`, `fulfilling`, `shipped` or `delivered`.
    pub fulfilment_status: String,
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
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

pub(crate) const ORDER_COLUMNS: &str =
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

const LINE_COLUMNS: &str =
    "line_no, variant_id, product_id, merchant_id, title, sku, unit_price_minor, quantity, \
     fulfilment_status, carrier, tracking_number";

async fn lines(db: impl PgExecutor<'_>, order: Uuid) -> Result<Vec<OrderLine>, DomainError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {LINE_COLUMNS} FROM order_lines WHERE order_id = $1 ORDER BY line_no"
    ))
    .bind(order)
    .fetch_all(db)
    .await?)
}

#[derive(sqlx::FromRow)]
struct LineOfOrder {
    order_id: Uuid,
    #[sqlx(flatten)]
    line: OrderLine,
}

/// Fills in the lines of `orders` in one query: all of them, or only `merchant`'s.
pub(crate) async fn with_lines(
    db: impl PgExecutor<'_>,
    mut orders: Vec<Order>,
    merchant: Option<Uuid>,
) -> Result<Vec<Order>, DomainError> {
    let ids: Vec<Uuid> = orders.iter().map(|order| order.id).collect();
    let rows: Vec<LineOfOrder> = sqlx::query_as(&format!(
        "SELECT order_id, {LINE_COLUMNS} FROM order_lines
         WHERE order_id = ANY($1) AND ($2::uuid IS NULL OR merchant_id = $2) ORDER BY order_id, line_no"
    ))
    .bind(&ids)
    .bind(merchant)
    .fetch_all(db)
    .await?;
    let mut by_order: std::collections::HashMap<Uuid, Vec<OrderLine>> = std::collections::HashMap::new();
    for row in rows {
        by_order.entry(row.order_id).or_default().push(row.line);
    }
    for order in &mut orders {
        order.lines = by_order.remove(&order.id).unwrap_or_default();
    }
    Ok(orders)
}

/// A user's orders, newest first (at most `limit`), with their lines.
pub async fn list_for_user(
    conn: &mut PgConnection,
    user: Uuid,
    limit: i64,
) -> Result<Vec<Order>, DomainError> {
    let orders: Vec<Order> = sqlx::query_as(&format!(
        "SELECT {ORDER_COLUMNS} FROM orders WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2"
    ))
    .bind(user)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    with_lines(conn, orders, None).await
}

/// Every order (admins), newest first, optionally only those in `status`, created before
/// `before` (the `created_at` of the last order of the previous page).
pub async fn list_all(
    conn: &mut PgConnection,
    status: Option<OrderStatus>,
    before: Option<DateTime<Utc>>,
    limit: i64,
) -> Result<Vec<Order>, DomainError> {
    let orders: Vec<Order> = sqlx::query_as(&format!(
        "SELECT {ORDER_COLUMNS} FROM orders WHERE ($1::text IS NULL OR status = $1) AND ($2::timestamptz IS NULL OR created_at < $2)
         ORDER BY created_at DESC, id DESC LIMIT $3"
    ))
    .bind(status)
    .bind(before)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    with_lines(conn, orders, None).await
}

/// Moves an order to `to` (checked against the state machine), writes the history row
/// and the event named after the new status (`order.paid`, `order.shipped`…), in the
/// caller's transaction. The order row must be locked by the caller.
pub async fn transition(
    conn: &mut PgConnection,
    order: Uuid,
    from: OrderStatus,
    to: OrderStatus,
    actor: Option<Uuid>,
    reason: &str,
) -> Result<(), DomainError> {
    transition_with(conn, order, from, to, actor, reason, serde_json::json!({})).await
}

/// [`transition`] with extra `details` (an object) in the event payload.
pub async fn transition_with(
    conn: &mut PgConnection,
    order: Uuid,
    from: OrderStatus,
    to: OrderStatus,
    actor: Option<Uuid>,
    reason: &str,
    details: serde_json::Value,
) -> Result<(), DomainError> {
    from.ensure_can_become(to)?;
    let user: Uuid = sqlx::query_scalar(
        "UPDATE orders SET status = $2, updated_at = now() WHERE id = $1 RETURNING user_id",
    )
    .bind(order)
    .bind(to)
    .fetch_one(&mut *conn)
    .await?;
    record_history(conn, order, Some(from), to, actor, reason).await?;
    let mut payload = serde_json::json!({
        "order_id": order, "user_id": user, "from": from.as_str(), "to": to.as_str(), "reason": reason,
    });
    if let (Some(payload), serde_json::Value::Object(details)) = (payload.as_object_mut(), details) {
        payload.extend(details);
    }
    outbox::record(conn, to.event_type(), order, &payload).await?;
    Ok(())
}

/// Ends the stock reservations an order's lines still hold: `Committed` when it is paid
/// (the units are sold), `Released` when it is cancelled.
pub async fn finish_reservations(
    tx: &mut PgConnection,
    order: Uuid,
    outcome: ReservationStatus,
) -> Result<(), DomainError> {
    let held: Vec<Uuid> = sqlx::query_scalar(
        "SELECT r.id FROM order_lines l JOIN stock_reservations r ON r.id = l.reservation_id
         WHERE l.order_id = $1 AND r.status = 'active' ORDER BY r.variant_id",
    )
    .bind(order)
    .fetch_all(&mut *tx)
    .await?;
    for reservation in held {
        reservations::finish(tx, reservation, outcome).await?;
    }
    Ok(())
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
    expiry::cancel_locked(&mut tx, id, status, Some(caller), reason).await?;
    let order = get(&mut tx, id).await?.ok_or(DomainError::NotFound("order"))?;
    tx.commit().await?;
    Ok(order)
}
