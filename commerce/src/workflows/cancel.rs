//! Cancelling orders: by their shopper or an admin, and (the worker) unpaid orders past
//! their deadline, which are cancelled and their stock released in one transaction per
//! batch; rows are claimed with `FOR UPDATE SKIP LOCKED`, so any number of workers can
//! run this and each order expires once. Stock reservations past their own expiry are
//! released here too. A cancelled order gives back the promotion uses it held.

use super::Workflows;
use crate::{
    accounts::Caller,
    catalog::reservations::{self, ReservationStatus},
    events::Change,
    orders::{self, Order, OrderStatus},
    payments,
    pricing::promotions,
};
use shopfleet_domain::DomainError;
use uuid::Uuid;

impl Workflows {
    /// Cancels an unpaid order on request of its shopper (or any order an admin may
    /// cancel under the state machine), releasing its stock. Others' orders are not found.
    pub async fn cancel_order(&self, caller: &Caller, id: Uuid) -> Result<Order, DomainError> {
        let mut change = Change::begin(&self.db).await?;
        let (owner, status) = match orders::lock(&mut change, id).await? {
            Some((owner, status)) if caller.may_act_for(owner) => (owner, status),
            _ => return Err(DomainError::NotFound("order")),
        };
        if status != OrderStatus::PendingPayment && !caller.is_admin() {
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
        let reason = if owner == caller.user_id { "cancelled_by_shopper" } else { "cancelled_by_admin" };
        cancel_locked(&mut change, id, status, Some(caller.user_id), reason).await?;
        promotions::release(&mut change, &[id]).await?;
        let order = orders::get(&mut change, id).await?.ok_or(DomainError::NotFound("order"))?;
        change.commit().await?;
        self.catalog_changed().await; // its stock is available again
        Ok(order)
    }

    /// Expires up to `limit` overdue unpaid orders; returns how many. Cached catalog
    /// pages are invalidated when any stock was released.
    pub async fn expire_unpaid(&self, limit: i64) -> Result<usize, DomainError> {
        let mut change = Change::begin(&self.db).await?;
        let due = orders::lock_overdue(&mut change, limit).await?;
        for order in &due {
            cancel_locked(&mut change, *order, OrderStatus::PendingPayment, None, "payment_deadline_passed")
                .await?;
        }
        // Stock before promotions, and these all at once in id order, as checkout locks them.
        promotions::release(&mut change, &due).await?;
        change.commit().await?;
        if !due.is_empty() {
            self.catalog_changed().await;
        }
        Ok(due.len())
    }

    /// Releases up to `limit` stock reservations past their expiry; returns how many.
    pub async fn expire_reservations(&self, limit: i64) -> Result<usize, DomainError> {
        let released = reservations::expire_due(&self.db, limit).await?;
        if released > 0 {
            self.catalog_changed().await;
        }
        Ok(released)
    }
}

/// Cancels an order whose row the caller has locked: releases the stock its lines still
/// hold, cancels its payment intent, moves it to `cancelled` (history row) and writes
/// `order.cancelled`. The caller gives back its promotion uses afterwards
/// ([`promotions::release`]), after the stock, in the order checkout locks them.
async fn cancel_locked(
    change: &mut Change<'_>,
    order: Uuid,
    from: OrderStatus,
    actor: Option<Uuid>,
    reason: &str,
) -> Result<(), DomainError> {
    from.ensure_can_become(OrderStatus::Cancelled)?;
    orders::finish_reservations(change, order, ReservationStatus::Released).await?;
    payments::cancel_for_order(change, order).await?;
    orders::transition(change, order, from, OrderStatus::Cancelled, actor, reason).await
}
