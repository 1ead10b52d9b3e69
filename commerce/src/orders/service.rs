//! [`Orders`]: the order reads and fulfilment the API serves, each checked against the
//! caller (a shopper sees their own orders, a merchant their own lines, admins all).

use super::{fulfilment, Order, OrderStatus};
use crate::{
    accounts::Caller,
    payments::{self, PaymentIntent},
};
use chrono::{DateTime, Utc};
use shopfleet_domain::DomainError;
use sqlx::PgPool;
use uuid::Uuid;

#[derive(Clone)]
pub struct Orders {
    db: PgPool,
}

impl Orders {
    pub fn new(db: PgPool) -> Self {
        Self { db }
    }

    /// The caller's own orders, newest first (at most `limit`).
    pub async fn mine(&self, caller: &Caller, limit: i64) -> Result<Vec<Order>, DomainError> {
        super::list_for_user(&mut *self.db.acquire().await?, caller.user_id, limit).await
    }

    /// Every order (admins), newest first, optionally only those in `status`, created
    /// before `before`.
    pub async fn all(
        &self,
        status: Option<OrderStatus>,
        before: Option<DateTime<Utc>>,
        limit: i64,
    ) -> Result<Vec<Order>, DomainError> {
        super::list_all(&mut *self.db.acquire().await?, status, before, limit).await
    }

    /// One order, for its shopper or an admin; others' orders are not found.
    pub async fn get(&self, caller: &Caller, id: Uuid) -> Result<Order, DomainError> {
        match super::get(&mut *self.db.acquire().await?, id).await? {
            Some(order) if caller.may_act_for(order.user_id) => Ok(order),
            _ => Err(DomainError::NotFound("order")),
        }
    }

    /// The payment of an order, for its shopper or an admin; others' are not found.
    pub async fn payment(&self, caller: &Caller, id: Uuid) -> Result<PaymentIntent, DomainError> {
        let mut conn = self.db.acquire().await?;
        match super::payment_state(&mut *conn, id).await? {
            Some((owner, _, _)) if caller.may_act_for(owner) => payments::for_order(&mut conn, id).await,
            _ => Err(DomainError::NotFound("order")),
        }
    }

    /// Orders holding the caller's products, newest first, each with only the caller's lines.
    pub async fn for_merchant(&self, caller: &Caller, limit: i64) -> Result<Vec<Order>, DomainError> {
        fulfilment::list_for_merchant(&mut *self.db.acquire().await?, caller.user_id, limit).await
    }

    /// Applies a fulfilment step to the caller's lines of `order` (any line for admins).
    pub async fn fulfil(
        &self,
        caller: &Caller,
        order: Uuid,
        request: &fulfilment::FulfilmentRequest,
    ) -> Result<Order, DomainError> {
        fulfilment::fulfil(&self.db, order, caller, request).await
    }
}
