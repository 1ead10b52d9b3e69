//! Orders: the `orders`, `order_lines` and `order_status_history` tables. The state
//! machine is `shopfleet_domain::order`; [`fulfilment`] lets merchants fulfil and ship their lines;
//! creation, reads and transitions are here. Placing, paying, cancelling and expiring
//! an order involve stock and payments too, so they are `crate::workflows`.

pub mod fulfilment;
pub mod service;

use crate::{
    catalog::reservations::{self, ReservationStatus},
    events::{Change, EventType},
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
pub use service::Orders;
pub use shopfleet_domain::order::{LineFulfilment, OrderStatus};
use shopfleet_domain::{pricing::Breakdown, DomainError};
use sqlx::{types::Json, PgConnection, PgExecutor};
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
    pub fulfilment_status: LineFulfilment,
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
}

/// The shipping method an order was placed with, as it was then.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ShippingSnapshot {
    pub method_id: Uuid,
    pub name: String,
    pub delivery_time: String,
}

#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Order {
    pub id: Uuid,
    /// Human-friendly order number.
    pub number: i64,
    pub user_id: Uuid,
    pub status: OrderStatus,
    pub currency: String,
    /// The lines before discounts.
    pub subtotal_minor: i64,
    /// Everything promotions took off, lines and shipping.
    pub discount_minor: i64,
    /// Shipping after its discount.
    pub shipping_minor: i64,
    /// The tax in the total (contained in it in a tax-inclusive shop, added otherwise).
    pub tax_minor: i64,
    /// What the shopper pays.
    pub total_minor: i64,
    /// The priced breakdown at checkout (lines, discounts, shipping, taxes by rate);
    /// `null` for orders placed before pricing existed.
    #[schema(value_type = Option<Breakdown>)]
    pub pricing: Option<Json<Breakdown>>,
    #[schema(value_type = Option<ShippingSnapshot>)]
    pub shipping_method: Option<Json<ShippingSnapshot>>,
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
    "id, number, user_id, status, currency::text AS currency, subtotal_minor, discount_minor, shipping_minor, \
     tax_minor, total_minor, pricing, shipping_method, shipping_address, expires_at, created_at, updated_at";

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
    change: &mut Change<'_>,
    order: Uuid,
    from: OrderStatus,
    to: OrderStatus,
    actor: Option<Uuid>,
    reason: &str,
) -> Result<(), DomainError> {
    transition_with(change, order, from, to, actor, reason, serde_json::json!({})).await
}

/// [`transition`] with extra `details` (an object) in the event payload.
pub async fn transition_with(
    change: &mut Change<'_>,
    order: Uuid,
    from: OrderStatus,
    to: OrderStatus,
    actor: Option<Uuid>,
    reason: &str,
    details: serde_json::Value,
) -> Result<(), DomainError> {
    from.ensure_can_become(to)?;
    let user: Uuid = sqlx::query_scalar(&format!(
        "WITH moved AS (UPDATE orders SET status = $2, updated_at = now() WHERE id = $1 RETURNING id, user_id),
              history AS ({HISTORY_ROW} SELECT id, $3, $2, $4, $5 FROM moved)
         SELECT user_id FROM moved"
    ))
    .bind(order)
    .bind(to)
    .bind(from)
    .bind(actor)
    .bind(reason)
    .fetch_one(&mut **change)
    .await?;
    let mut payload = serde_json::json!({
        "order_id": order, "user_id": user, "from": from.as_str(), "to": to.as_str(), "reason": reason,
    });
    if let (Some(payload), serde_json::Value::Object(details)) = (payload.as_object_mut(), details) {
        payload.extend(details);
    }
    change.record(EventType::entering(to), order, &payload)
}

/// Ends the stock reservations an order's lines still hold: `Committed` when it is paid
/// (the units are sold), `Released` when it is cancelled.
pub async fn finish_reservations(
    change: &mut Change<'_>,
    order: Uuid,
    outcome: ReservationStatus,
) -> Result<(), DomainError> {
    let held: Vec<Uuid> = sqlx::query_scalar(
        "SELECT r.id FROM order_lines l JOIN stock_reservations r ON r.id = l.reservation_id
         WHERE l.order_id = $1 AND r.status = 'active' ORDER BY r.variant_id",
    )
    .bind(order)
    .fetch_all(&mut **change)
    .await?;
    for reservation in held {
        reservations::finish(change, reservation, outcome).await?;
    }
    Ok(())
}

/// The start of the statement that writes an order's history row, given a `SELECT` of
/// (order, from, to, actor, reason): written by the statement that changes the order.
const HISTORY_ROW: &str =
    "INSERT INTO order_status_history (order_id, from_status, to_status, actor_id, reason)";

/// `order`'s shopper and status, its row locked until the transaction ends.
pub async fn lock(conn: &mut PgConnection, order: Uuid) -> Result<Option<(Uuid, OrderStatus)>, DomainError> {
    Ok(sqlx::query_as("SELECT user_id, status FROM orders WHERE id = $1 FOR UPDATE")
        .bind(order)
        .fetch_optional(conn)
        .await?)
}

/// `order`'s shopper, status and payment deadline, unlocked.
pub async fn payment_state(
    db: impl PgExecutor<'_>,
    order: Uuid,
) -> Result<Option<(Uuid, OrderStatus, Option<DateTime<Utc>>)>, DomainError> {
    Ok(sqlx::query_as("SELECT user_id, status, expires_at FROM orders WHERE id = $1")
        .bind(order)
        .fetch_optional(db)
        .await?)
}

/// Up to `limit` unpaid orders past their deadline, locked and skipping any another
/// transaction holds, so concurrent sweeps each take different orders.
pub async fn lock_overdue(conn: &mut PgConnection, limit: i64) -> Result<Vec<Uuid>, DomainError> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM orders WHERE status = 'pending_payment' AND expires_at <= now()
         ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED",
    )
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// A line of a new order: what the shopper buys, as it is at checkout.
pub struct NewLine {
    pub variant_id: Uuid,
    pub product_id: Uuid,
    pub merchant_id: Uuid,
    pub title: String,
    pub sku: String,
    pub unit_price_minor: i64,
    pub quantity: i32,
    /// The stock reservation that holds the line's units.
    pub reservation_id: Uuid,
}

/// A new order awaiting payment.
pub struct NewOrder<'a> {
    pub user_id: Uuid,
    pub currency: &'a str,
    pub shipping_address: &'a serde_json::Value,
    pub expires_at: DateTime<Utc>,
    pub lines: &'a [NewLine],
    /// The cart priced: its totals are the order's.
    pub pricing: &'a Breakdown,
    pub shipping_method: Option<&'a ShippingSnapshot>,
}

/// Creates `order` in `pending_payment` with its lines (one statement for all of them) and
/// first history row; returns it as stored.
pub async fn create(conn: &mut PgConnection, order: &NewOrder<'_>) -> Result<Order, DomainError> {
    let pricing = order.pricing;
    let shipping_minor = pricing.shipping.as_ref().map_or(0, |s| s.charge.total_minor);
    let mut created: Order = sqlx::query_as(&format!(
        "WITH created AS (
           INSERT INTO orders (id, user_id, status, currency, subtotal_minor, discount_minor, shipping_minor, tax_minor,
                               total_minor, pricing, shipping_method, shipping_address, expires_at)
           VALUES ($1, $2, 'pending_payment', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING {ORDER_COLUMNS}),
         history AS ({HISTORY_ROW} SELECT id, NULL, status, user_id, 'checkout' FROM created)
         SELECT * FROM created"
    ))
    .bind(Uuid::now_v7())
    .bind(order.user_id)
    .bind(order.currency)
    .bind(pricing.subtotal_minor)
    .bind(pricing.discount_minor)
    .bind(shipping_minor)
    .bind(pricing.tax_minor)
    .bind(pricing.total_minor)
    .bind(Json(pricing))
    .bind(order.shipping_method.map(Json))
    .bind(order.shipping_address)
    .bind(order.expires_at)
    .fetch_one(&mut *conn)
    .await?;
    created.lines = sqlx::query_as(&format!(
        "INSERT INTO order_lines (order_id, line_no, variant_id, product_id, merchant_id, title, sku,
                                  unit_price_minor, quantity, reservation_id)
         SELECT $1, line_no::int, variant_id, product_id, merchant_id, title, sku, unit_price_minor, quantity, reservation_id
         FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::bigint[], $8::int[], $9::uuid[])
              WITH ORDINALITY AS l(variant_id, product_id, merchant_id, title, sku, unit_price_minor, quantity, reservation_id, line_no)
         RETURNING {LINE_COLUMNS}"
    ))
    .bind(created.id)
    .bind(order.lines.iter().map(|line| line.variant_id).collect::<Vec<_>>())
    .bind(order.lines.iter().map(|line| line.product_id).collect::<Vec<_>>())
    .bind(order.lines.iter().map(|line| line.merchant_id).collect::<Vec<_>>())
    .bind(order.lines.iter().map(|line| line.title.as_str()).collect::<Vec<_>>())
    .bind(order.lines.iter().map(|line| line.sku.as_str()).collect::<Vec<_>>())
    .bind(order.lines.iter().map(|line| line.unit_price_minor).collect::<Vec<_>>())
    .bind(order.lines.iter().map(|line| line.quantity).collect::<Vec<_>>())
    .bind(order.lines.iter().map(|line| line.reservation_id).collect::<Vec<_>>())
    .fetch_all(&mut *conn)
    .await?;
    created.lines.sort_by_key(|line| line.line_no);
    Ok(created)
}
