//! Checkout: in one transaction, the cart is locked and re-checked against current
//! prices and availability, stock for every line is reserved (all or nothing; variants
//! are locked in id order so concurrent checkouts cannot deadlock), the order is created
//! with lines that snapshot title, SKU and unit price and its payment intent is opened,
//! `order.placed` is written to the outbox, and the cart is emptied. Any failure rolls
//! all of it back.

use super::Workflows;
use crate::{
    accounts::addresses,
    carts,
    catalog::reservations,
    events::{outbox, EventType},
    idempotency,
    orders::{self, NewLine, NewOrder, Order},
    payments,
};
use chrono::Utc;
use serde::Serialize;
use shopfleet_domain::DomainError;
use std::time::Duration;
use uuid::Uuid;

/// Extra time a checkout's reservations outlive the order's payment deadline, so the
/// order expiry (which releases them with the order) always runs before the generic
/// reservation sweep would.
pub const RESERVATION_GRACE: Duration = Duration::from_secs(300);

#[derive(Serialize)]
struct OrderPlaced {
    order_id: Uuid,
    user_id: Uuid,
    number: i64,
    total_minor: i64,
    currency: String,
}

/// A placed order and the JSON answer stored with it under the request's idempotency key.
pub struct Placed {
    pub order: Order,
    pub answer: Vec<u8>,
}

impl Workflows {
    /// Places an order from `user`'s cart, shipped to their saved address `address`;
    /// unpaid after `payment_ttl` it expires. With `idempotency_key` (claimed by the
    /// caller) the answer is stored in the same transaction as the order, so a retry
    /// finds both or neither.
    pub async fn place_order(
        &self,
        user: Uuid,
        address: Uuid,
        payment_ttl: Duration,
        idempotency_key: Option<&str>,
    ) -> Result<Placed, DomainError> {
        let mut tx = self.db.begin().await?;
        let shipping_address = addresses::shipping_snapshot(&mut tx, user, address)
            .await?
            .ok_or_else(|| DomainError::invalid("address_id", "is not one of your addresses"))?;
        let cart = carts::lock_for_checkout(&mut tx, user).await?;
        let currency = cart[0].currency.clone(); // not empty: checked by the lock

        let ttl = chrono::Duration::from_std(payment_ttl).map_err(anyhow::Error::from)?;
        let mut lines = Vec::with_capacity(cart.len());
        for line in cart {
            let reservation = reservations::reserve(
                &mut tx,
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
            lines.push(NewLine {
                variant_id: line.variant_id,
                product_id: line.product_id,
                merchant_id: line.merchant_id,
                title: line.title,
                sku: line.sku,
                unit_price_minor: line.price_minor,
                quantity: line.quantity,
                reservation_id: reservation.id,
            });
        }
        let new_order = NewOrder {
            user_id: user,
            currency: &currency,
            shipping_address: &shipping_address,
            expires_at: Utc::now() + ttl,
            lines: &lines,
        };
        let total = new_order.subtotal_minor();
        let (id, number) = orders::create(&mut tx, &new_order).await?;
        payments::open(&mut tx, id, total, &currency).await?;
        let placed = OrderPlaced { order_id: id, user_id: user, number, total_minor: total, currency };
        outbox::record(&mut tx, EventType::OrderPlaced, id, &placed).await?;
        carts::empty(&mut tx, user).await?;
        let order = orders::get(&mut tx, id).await?.ok_or(DomainError::NotFound("order"))?;
        let answer = serde_json::to_vec(&order).map_err(anyhow::Error::from)?;
        if let Some(key) = idempotency_key {
            idempotency::complete(&mut tx, user, key, 201, &answer).await?;
        }
        tx.commit().await?;
        self.catalog_changed().await; // availability changed
        Ok(Placed { order, answer })
    }
}
