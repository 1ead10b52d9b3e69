//! Checkout: in one transaction, the cart is locked and re-checked against current
//! prices and availability, stock for every line is reserved (all or nothing; variants
//! are locked in id order so concurrent checkouts cannot deadlock), the order is created
//! with lines that snapshot title, SKU and unit price and its payment intent is opened,
//! `order.placed` is written to the outbox, and the cart is emptied. Any failure rolls all of it back.

use super::{record_history, Order, OrderStatus};
use crate::{
    catalog::reservations,
    error::DomainError,
    events::{outbox, EventType},
};
use chrono::Utc;
use serde::Serialize;
use sqlx::PgConnection;
use std::time::Duration;
use uuid::Uuid;

/// Extra time a checkout's reservations outlive the order's payment deadline, so the
/// order expiry (which releases them with the order) always runs before the generic
/// reservation sweep would.
pub const RESERVATION_GRACE: Duration = Duration::from_secs(300);

#[derive(sqlx::FromRow)]
struct CartLine {
    variant_id: Uuid,
    product_id: Uuid,
    merchant_id: Uuid,
    title: String,
    sku: String,
    quantity: i32,
    seen_price_minor: i64,
    price_minor: i64,
    currency: String,
    published: bool,
}

#[derive(Serialize)]
struct OrderPlaced {
    order_id: Uuid,
    user_id: Uuid,
    number: i64,
    total_minor: i64,
    currency: String,
}

/// Places an order from `user`'s cart, shipped to their saved address `address`; unpaid
/// after `payment_ttl` it expires. Runs in the caller's transaction.
pub async fn place(
    tx: &mut PgConnection,
    user: Uuid,
    address: Uuid,
    payment_ttl: Duration,
) -> Result<Order, DomainError> {
    let shipping_address: Option<serde_json::Value> = sqlx::query_scalar(
        "SELECT to_jsonb(a) - 'user_id' - 'is_default' - 'created_at' - 'id' FROM addresses a
         WHERE id = $1 AND user_id = $2",
    )
    .bind(address)
    .bind(user)
    .fetch_optional(&mut *tx)
    .await?;
    let shipping_address =
        shipping_address.ok_or_else(|| DomainError::invalid("address_id", "is not one of your addresses"))?;
    sqlx::query("SELECT 1 FROM carts WHERE user_id = $1 FOR UPDATE").bind(user).execute(&mut *tx).await?;
    let lines: Vec<CartLine> = sqlx::query_as(
        "SELECT l.variant_id, v.product_id, p.merchant_id, p.title, v.sku, l.quantity, l.seen_price_minor,
                v.price_minor, v.currency, p.status = 'published' AS published
         FROM cart_lines l JOIN variants v ON v.id = l.variant_id JOIN products p ON p.id = v.product_id
         WHERE l.user_id = $1 ORDER BY l.variant_id",
    )
    .bind(user)
    .fetch_all(&mut *tx)
    .await?;
    if lines.is_empty() {
        return Err(DomainError::invalid("cart", "is empty"));
    }
    check_lines(&lines)?;

    let ttl = chrono::Duration::from_std(payment_ttl).map_err(anyhow::Error::from)?;
    let expires_at = Utc::now() + ttl;
    let mut reservations = Vec::with_capacity(lines.len());
    for line in &lines {
        let reservation = reservations::reserve(
            tx,
            line.variant_id,
            line.quantity,
            payment_ttl + RESERVATION_GRACE,
            Some(user),
        )
        .await
        .map_err(|err| match err {
            DomainError::Conflict { code: "insufficient_stock", detail } => DomainError::Conflict {
                code: "insufficient_stock",
                detail: format!("{}: {detail}", line.sku),
            },
            other => other,
        })?;
        reservations.push(reservation.id);
    }

    let subtotal: i64 = lines.iter().map(|line| line.price_minor * i64::from(line.quantity)).sum();
    let id = Uuid::now_v7();
    let number: i64 = sqlx::query_scalar(
        "INSERT INTO orders (id, user_id, status, currency, subtotal_minor, total_minor, shipping_address, expires_at)
         VALUES ($1, $2, 'pending_payment', $3, $4, $4, $5, $6) RETURNING number",
    )
    .bind(id)
    .bind(user)
    .bind(&lines[0].currency)
    .bind(subtotal)
    .bind(&shipping_address)
    .bind(expires_at)
    .fetch_one(&mut *tx)
    .await?;
    for (line_no, (line, reservation)) in lines.iter().zip(&reservations).enumerate() {
        sqlx::query(
            "INSERT INTO order_lines (order_id, line_no, variant_id, product_id, merchant_id, title, sku,
                                      unit_price_minor, quantity, reservation_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(id)
        .bind(line_no as i32 + 1)
        .bind(line.variant_id)
        .bind(line.product_id)
        .bind(line.merchant_id)
        .bind(&line.title)
        .bind(&line.sku)
        .bind(line.price_minor)
        .bind(line.quantity)
        .bind(reservation)
        .execute(&mut *tx)
        .await?;
    }
    record_history(tx, id, None, OrderStatus::PendingPayment, Some(user), "checkout").await?;
    crate::payments::open(tx, id, subtotal, &lines[0].currency).await?;
    let placed = OrderPlaced {
        order_id: id,
        user_id: user,
        number,
        total_minor: subtotal,
        currency: lines[0].currency.clone(),
    };
    outbox::record(tx, EventType::OrderPlaced, id, &placed).await?;
    sqlx::query("DELETE FROM cart_lines WHERE user_id = $1").bind(user).execute(&mut *tx).await?;
    super::get(tx, id).await?.ok_or(DomainError::NotFound("order"))
}

/// Refuses a cart whose lines changed since they were added, naming each line.
fn check_lines(lines: &[CartLine]) -> Result<(), DomainError> {
    let problems: Vec<String> = lines
        .iter()
        .filter_map(|line| {
            if !line.published {
                Some(format!("{}: no longer for sale", line.sku))
            } else if line.seen_price_minor != line.price_minor {
                Some(format!(
                    "{}: price changed from {} to {}",
                    line.sku, line.seen_price_minor, line.price_minor
                ))
            } else {
                None
            }
        })
        .collect();
    if !problems.is_empty() {
        return Err(DomainError::Conflict {
            code: "cart_changed",
            detail: format!("review your cart: {}", problems.join("; ")),
        });
    }
    Ok(())
}
