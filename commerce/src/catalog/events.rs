//! Catalog events, written to the outbox in the transaction that makes the change:
//! `product.*` when a product is created, changed, archived or deleted, and
//! `inventory.stock_changed` (plus `inventory.stock_low` when availability falls from
//! above a variant's low-stock threshold to at or below it) whenever stock moves.
//! Payloads carry ids and numbers, not copies: consumers re-read what they need.

use super::ProductStatus;
use crate::events::{outbox, EventType};
use serde::Serialize;
use shopfleet_domain::DomainError;
use sqlx::PgConnection;
use uuid::Uuid;

#[derive(Serialize)]
struct ProductChange {
    product_id: Uuid,
    merchant_id: Uuid,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<ProductStatus>,
}

/// Records `product.created`, `product.updated`, `product.archived` or `product.deleted`.
pub async fn product_changed(
    conn: &mut PgConnection,
    event: EventType,
    product_id: Uuid,
    merchant_id: Uuid,
    status: Option<ProductStatus>,
) -> Result<(), DomainError> {
    let change = ProductChange { product_id, merchant_id, status };
    outbox::record(conn, event, product_id, &change).await?;
    Ok(())
}

#[derive(Serialize, sqlx::FromRow)]
struct StockChanged {
    product_id: Uuid,
    variant_id: Uuid,
    on_hand: i32,
    reserved: i32,
    available: i32,
    /// Whether the change may have flipped the product's `in_stock` (what listings, search
    /// and the assistant show); `false` tells indexes they have nothing to update.
    #[sqlx(skip)]
    in_stock_changed: bool,
}

#[derive(Serialize)]
struct StockLow<'a> {
    product_id: Uuid,
    variant_id: Uuid,
    merchant_id: Uuid,
    sku: &'a str,
    available: i32,
    threshold: i32,
}

/// Records the stock of `variant` as it is now in this transaction; `available_before`
/// is what was available before the change (for the low-stock crossing), and
/// `in_stock_changed` whether the product's `in_stock` may have flipped with it.
pub async fn stock_changed(
    conn: &mut PgConnection,
    variant: Uuid,
    available_before: i32,
    in_stock_changed: bool,
) -> Result<(), DomainError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        stock: StockChanged,
        merchant_id: Uuid,
        sku: String,
        low_stock_threshold: Option<i32>,
    }
    let mut row: Row = sqlx::query_as(
        "SELECT v.product_id, v.id AS variant_id, v.on_hand, v.reserved, v.on_hand - v.reserved AS available,
                p.merchant_id, v.sku, v.low_stock_threshold
         FROM variants v JOIN products p ON p.id = v.product_id WHERE v.id = $1",
    )
    .bind(variant)
    .fetch_one(&mut *conn)
    .await?;
    row.stock.in_stock_changed = in_stock_changed;
    outbox::record(conn, EventType::StockChanged, row.stock.product_id, &row.stock).await?;
    if let Some(threshold) = row.low_stock_threshold {
        if available_before > threshold && row.stock.available <= threshold {
            let low = StockLow {
                product_id: row.stock.product_id,
                variant_id: variant,
                merchant_id: row.merchant_id,
                sku: &row.sku,
                available: row.stock.available,
                threshold,
            };
            outbox::record(conn, EventType::StockLow, row.stock.product_id, &low).await?;
        }
    }
    Ok(())
}
