//! Catalog events, written to the outbox in the transaction that makes the change:
//! `product.*` when a product is created, changed, archived or deleted, and
//! `inventory.stock_changed` (plus `inventory.stock_low` when availability falls from
//! above a variant's low-stock threshold to at or below it) whenever stock moves.
//! Payloads carry ids and numbers, not copies: consumers re-read what they need.

use super::ProductStatus;
use crate::events::{Change, EventType};
use serde::Serialize;
use shopfleet_domain::DomainError;
use uuid::Uuid;

#[derive(Serialize)]
struct ProductChange {
    product_id: Uuid,
    merchant_id: Uuid,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<ProductStatus>,
}

/// Records `product.created`, `product.updated`, `product.archived` or `product.deleted`.
pub fn product_changed(
    change: &mut Change<'_>,
    event: EventType,
    product_id: Uuid,
    merchant_id: Uuid,
    status: Option<ProductStatus>,
) -> Result<(), DomainError> {
    change.record(event, product_id, &ProductChange { product_id, merchant_id, status })
}

#[derive(Serialize)]
struct StockChanged {
    product_id: Uuid,
    variant_id: Uuid,
    on_hand: i32,
    reserved: i32,
    available: i32,
    /// Whether the change may have flipped the product's `in_stock` (what listings, search
    /// and the assistant show); `false` tells indexes they have nothing to update.
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

/// A variant's stock as the statement that changed it returned it, with what the stock
/// events carry: `UPDATE variants v … FROM products p WHERE p.id = v.product_id …
/// RETURNING` [`STOCK_NOW`].
#[derive(sqlx::FromRow)]
pub struct StockNow {
    pub product_id: Uuid,
    pub variant_id: Uuid,
    pub on_hand: i32,
    pub reserved: i32,
    merchant_id: Uuid,
    sku: String,
    low_stock_threshold: Option<i32>,
}

impl StockNow {
    pub fn available(&self) -> i32 {
        self.on_hand - self.reserved
    }
}

/// The `RETURNING` list of a [`StockNow`] (variants as `v`, their products as `p`).
pub const STOCK_NOW: &str =
    "v.product_id, v.id AS variant_id, v.on_hand, v.reserved, p.merchant_id, v.sku, v.low_stock_threshold";

/// Records the stock of a variant as the change left it (`now`); `available_before` is what
/// was available before the change (for the low-stock crossing), and `in_stock_changed`
/// whether the product's `in_stock` may have flipped with it.
pub fn stock_changed(
    change: &mut Change<'_>,
    now: &StockNow,
    available_before: i32,
    in_stock_changed: bool,
) -> Result<(), DomainError> {
    let available = now.available();
    let stock = StockChanged {
        product_id: now.product_id,
        variant_id: now.variant_id,
        on_hand: now.on_hand,
        reserved: now.reserved,
        available,
        in_stock_changed,
    };
    change.record(EventType::StockChanged, now.product_id, &stock)?;
    if let Some(threshold) = now.low_stock_threshold {
        if available_before > threshold && available <= threshold {
            let low = StockLow {
                product_id: now.product_id,
                variant_id: now.variant_id,
                merchant_id: now.merchant_id,
                sku: &now.sku,
                available,
                threshold,
            };
            change.record(EventType::StockLow, now.product_id, &low)?;
        }
    }
    Ok(())
}
