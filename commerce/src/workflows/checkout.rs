//! Checkout: in one transaction, the cart is locked and re-checked against current
//! prices and availability; it is priced (`crate::pricing::quote`: shipping method, tax,
//! promotions — a customer's uses of a per-customer-limited promotion counted under a lock
//! on that pair); stock for every line is reserved (all or nothing; variants are locked in
//! id order so concurrent checkouts cannot deadlock); the order is created with lines that
//! snapshot title, SKU and unit price, the priced breakdown and the shipping method, the
//! promotions' uses are recorded (`promotion.redeemed`), its payment intent is opened for
//! the total, `order.placed` is written to the outbox, and the cart is emptied; last, the
//! uses are counted against total usage limits (the only lock shared by every checkout
//! with the same code, so held only for the commit). Any failure rolls all of it back.

use super::Workflows;
use crate::{
    accounts::addresses,
    carts,
    catalog::reservations,
    events::{Change, EventType},
    idempotency,
    orders::{self, NewLine, NewOrder, Order, ShippingSnapshot},
    payments,
    pricing::{
        promotions,
        quote::{self, QuoteRequest},
    },
};
use chrono::Utc;
use serde::Serialize;
use shopfleet_domain::{pricing::Breakdown, DomainError};
use std::time::Duration;
use uuid::Uuid;

/// Extra time a checkout's reservations outlive the order's payment deadline, so the
/// order expiry (which releases them with the order) always runs before the generic
/// reservation sweep would.
pub const RESERVATION_GRACE: Duration = Duration::from_secs(300);

#[derive(Serialize)]
struct OrderPlaced<'a> {
    order_id: Uuid,
    user_id: Uuid,
    number: i64,
    total_minor: i64,
    currency: String,
    pricing: &'a Breakdown,
}

/// A placed order and the JSON answer stored with it under the request's idempotency key.
pub struct Placed {
    pub order: Order,
    pub answer: Vec<u8>,
}

impl Workflows {
    /// Places an order from `user`'s cart, shipped to their saved address `address` by
    /// `shipping_method` (else the method chosen on the cart), with the cart's code;
    /// unpaid after `payment_ttl` it expires. With `idempotency_key` (claimed by the
    /// caller) the answer is stored in the same transaction as the order, so a retry
    /// finds both or neither.
    pub async fn place_order(
        &self,
        user: Uuid,
        address: Uuid,
        shipping_method: Option<Uuid>,
        payment_ttl: Duration,
        idempotency_key: Option<&str>,
    ) -> Result<Placed, DomainError> {
        let mut change = Change::begin(&self.db).await?;
        let (shipping_address, destination) = addresses::shipping_snapshot(&mut change, user, address)
            .await?
            .ok_or_else(|| DomainError::invalid("address_id", "is not one of your addresses"))?;
        let carts::LockedCart { lines: cart, shipping_method_id: saved_method, promotion_id: code } =
            carts::lock_for_checkout(&mut change, user).await?;
        let currency = cart[0].currency.clone(); // not empty: checked by the lock
        let items: Vec<_> = cart.iter().map(carts::CheckoutLine::priced).collect();
        let quoted = quote::quote(
            &mut change,
            QuoteRequest {
                user,
                currency: &currency,
                address: destination,
                items: &items,
                method: shipping_method.or(saved_method),
                checkout: true,
                code,
            },
        )
        .await?;
        if quoted.shop_ships && quoted.method.is_none() {
            return Err(DomainError::invalid(
                "shipping_method_id",
                "choose one of the shipping methods that deliver this cart to this address",
            ));
        }
        let breakdown = quoted.breakdown;
        if breakdown.total_minor == 0 {
            return Err(DomainError::Rejected {
                code: "nothing_to_pay",
                field: "code".into(),
                detail: "the discounts cover the whole order, and an order needs a payment; remove the code"
                    .into(),
            });
        }
        let shipping = quoted.method.map(|offered| ShippingSnapshot {
            method_id: offered.method.id,
            name: offered.name,
            delivery_time: offered.delivery_time,
        });

        let ttl = chrono::Duration::from_std(payment_ttl).map_err(anyhow::Error::from)?;
        let mut lines = Vec::with_capacity(cart.len());
        for line in cart {
            let reservation = reservations::reserve(
                &mut change,
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
                merchant_id: line.facts.merchant_id,
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
            pricing: &breakdown,
            shipping_method: shipping.as_ref(),
        };
        let total = breakdown.total_minor;
        let order = orders::create(&mut change, &new_order).await?;
        let (id, number) = (order.id, order.number);
        let redeemed = promotions::redeem(&mut change, id, user, &breakdown.discounts).await?;
        payments::open(&mut change, id, total, &currency).await?;
        let placed = OrderPlaced {
            order_id: id,
            user_id: user,
            number,
            total_minor: total,
            currency,
            pricing: &breakdown,
        };
        change.record(EventType::OrderPlaced, id, &placed)?;
        carts::empty(&mut change, user).await?;
        let answer = serde_json::to_vec(&order).map_err(anyhow::Error::from)?;
        if let Some(key) = idempotency_key {
            idempotency::complete(&mut change, user, key, 201, &answer).await?;
        }
        // Last, so the row lock every checkout with the same limited code needs is held
        // only for the commit.
        if redeemed {
            promotions::count_limited_uses(&mut change, id).await?;
        }
        change.commit().await?;
        self.catalog_changed().await; // availability changed
        Ok(Placed { order, answer })
    }
}
