//! Shopfleet commerce library: everything the API server and the worker share.
//!
//! - [`accounts`]: users, passwords, tokens, sessions, roles and addresses.
//! - [`assistant`]: the AI shopping assistant (embeddings, vectors, hybrid retrieval, explanations).
//! - [`carts`]: one cart per user with server-side totals and per-line issues.
//! - [`catalog`]: categories, products, variants, stock and the demo shop.
//! - [`orders`]: checkout, the order state machine, expiry of unpaid orders.
//! - [`payments`]: payment intents, the provider seam and its simulator, webhooks, refunds.
//! - [`idempotency`]: Stripe-style idempotency keys for retried requests.
//! - [`config`]: settings read from env vars and flags, validated at start-up.
//! - [`db`], [`redis_conn`], [`kafka`]: connections to the real services.
//! - [`error`]: the domain error every operation returns.
//! - [`events`]: the event envelope, event types, outbox and handler contract.
//! - [`readiness`]: dependency checks behind `/ready`.
//! - [`telemetry`], [`metrics`]: logs, traces and Prometheus metrics.
//! - [`probes`]: the `/health`, `/ready` and `/metrics` handlers.
//! - [`shutdown`]: the SIGTERM/SIGINT signal both binaries stop on.

pub mod accounts;
pub mod assistant;
pub mod carts;
pub mod catalog;
pub mod config;
pub mod db;
pub mod error;
pub mod events;
pub mod idempotency;
pub mod kafka;
pub mod metrics;
pub mod orders;
pub mod payments;
pub mod probes;
pub mod readiness;
pub mod redis_conn;
pub mod secret;
pub mod shutdown;
pub mod telemetry;
#[cfg(feature = "testing")]
pub mod testing;
