//! Cancelling orders: by their shopper or an admin, and (the worker) unpaid orders past
//! their deadline, which are cancelled and their stock released in one transaction per batch; rows are claimed with `FOR UPDATE SKIP LOCKED`, so any number of
//! workers can run this and each order expires once.

use super::{transition, OrderStatus};
use crate::{
    catalog::reservations::{self, ReservationStatus},
    error::DomainError,
    events::{outbox, EventType},
};
use serde::Serialize;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

#[derive(Serialize)]
struct OrderCancelled<'a> {
    order_id: Uuid,
    user_id: Uuid,
    reason: &'a str,
}

/// Cancels an order whose row the caller has locked: releases the stock its lines still
/// hold, moves it to `cancelled` (history row) and writes `order.cancelled`.
pub async fn cancel_locked(
    tx: &mut PgConnection,
    order: Uuid,
    user: Uuid,
    from: OrderStatus,
    actor: Option<Uuid>,
    reason: &str,
) -> Result<(), DomainError> {
    from.ensure_can_become(OrderStatus::Cancelled)?;
    let held: Vec<Uuid> = sqlx::query_scalar(
        "SELECT r.id FROM order_lines l JOIN stock_reservations r ON r.id = l.reservation_id
         WHERE l.order_id = $1 AND r.status = 'active' ORDER BY r.variant_id",
    )
    .bind(order)
    .fetch_all(&mut *tx)
    .await?;
    for reservation in held {
        reservations::finish(tx, reservation, ReservationStatus::Released).await?;
    }
    transition(tx, order, from, OrderStatus::Cancelled, actor, reason).await?;
    let cancelled = OrderCancelled { order_id: order, user_id: user, reason };
    outbox::record(tx, EventType::OrderCancelled, order, &cancelled).await?;
    Ok(())
}

/// Expires up to `limit` overdue unpaid orders; returns how many.
pub async fn expire_unpaid(db: &PgPool, limit: i64) -> Result<usize, DomainError> {
    let mut tx = db.begin().await?;
    let due: Vec<(Uuid, Uuid)> = sqlx::query_as(
        "SELECT id, user_id FROM orders WHERE status = 'pending_payment' AND expires_at <= now()
         ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED",
    )
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?;
    for (order, user) in &due {
        cancel_locked(&mut tx, *order, *user, OrderStatus::PendingPayment, None, "payment_deadline_passed")
            .await?;
    }
    tx.commit().await?;
    Ok(due.len())
}
