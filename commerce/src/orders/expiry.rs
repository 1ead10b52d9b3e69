//! Cancelling orders: by their shopper or an admin, and (the worker) unpaid orders past
//! their deadline, which are cancelled and their stock released in one transaction per batch; rows are claimed with `FOR UPDATE SKIP LOCKED`, so any number of
//! workers can run this and each order expires once.

use super::{transition, OrderStatus};
use crate::{catalog::reservations::ReservationStatus, error::DomainError};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// Cancels an order whose row the caller has locked: releases the stock its lines still
/// hold, moves it to `cancelled` (history row) and writes `order.cancelled`.
pub async fn cancel_locked(
    tx: &mut PgConnection,
    order: Uuid,
    from: OrderStatus,
    actor: Option<Uuid>,
    reason: &str,
) -> Result<(), DomainError> {
    from.ensure_can_become(OrderStatus::Cancelled)?;
    super::finish_reservations(tx, order, ReservationStatus::Released).await?;
    crate::payments::cancel_for_order(tx, order).await?;
    transition(tx, order, from, OrderStatus::Cancelled, actor, reason).await
}

/// Expires up to `limit` overdue unpaid orders; returns how many.
pub async fn expire_unpaid(db: &PgPool, limit: i64) -> Result<usize, DomainError> {
    let mut tx = db.begin().await?;
    let due: Vec<Uuid> = sqlx::query_scalar(
        "SELECT id FROM orders WHERE status = 'pending_payment' AND expires_at <= now()
         ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED",
    )
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?;
    for order in &due {
        cancel_locked(&mut tx, *order, OrderStatus::PendingPayment, None, "payment_deadline_passed").await?;
    }
    tx.commit().await?;
    Ok(due.len())
}
