//! Workflows: the shop's operations that span several of its parts (orders, payments,
//! stock, carts and the catalog cache). Each owns its transaction, writes its outbox
//! rows in it and, after commit, invalidates cached catalog pages when availability
//! changed, so a handler or a job calls one method and is done.
//!
//! - [`checkout`]: the cart becomes an order with reserved stock and an open payment.
//! - [`pay`]: card confirmation, 3-D Secure and webhooks, applied by [`mirror`].
//! - [`refund`]: refunds requested, executed at the provider and retried.
//! - [`cancel`]: cancellation by the shopper or an admin, and expiry of unpaid orders.

pub mod cancel;
pub mod checkout;
mod mirror;
pub mod pay;
pub mod refund;

use crate::{catalog::cache::CatalogCache, payments::provider::PaymentProvider};
use sqlx::PgPool;
use std::sync::Arc;

/// What the workflows act on: the database, the payment provider and the catalog cache.
#[derive(Clone)]
pub struct Workflows {
    db: PgPool,
    provider: Arc<dyn PaymentProvider>,
    cache: CatalogCache,
}

impl Workflows {
    pub fn new(db: PgPool, provider: Arc<dyn PaymentProvider>, cache: CatalogCache) -> Self {
        Self { db, provider, cache }
    }

    /// Drops cached catalog pages after a commit that changed availability.
    async fn catalog_changed(&self) {
        self.cache.invalidate().await;
    }
}
