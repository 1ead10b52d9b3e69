//! Shopfleet commerce: the shop's tables and services, shared by the API server and the
//! worker. Its types and pure rules (and the one error type) are `shopfleet-domain`;
//! infrastructure is `shopfleet-platform`, the assistant `shopfleet-assistant`, the
//! stand-in PSP `shopfleet-payment-simulator`.
//!
//! - [`accounts`]: users, passwords, tokens, sessions, roles, addresses and [`accounts::Caller`].
//! - [`carts`]: one cart per user with server-side totals and per-line issues.
//! - [`catalog`]: categories, products, variants, stock and the demo shop.
//! - [`orders`]: orders, their lines and the order state machine; fulfilment.
//! - [`payments`]: payment intents, the provider seam, webhooks, refunds.
//! - [`pricing`]: tax mode, shipping zones and methods, promotions, and a cart priced by
//!   the domain's one pricing function.
//! - [`workflows`]: checkout, paying, refunds, cancellation and expiry: each spans
//!   several of the above and owns its transaction, outbox rows and cache invalidation.
//! - [`idempotency`]: Stripe-style idempotency keys for retried requests.
//! - [`db`]: the schema migrations.
//! - [`events`]: the event envelope, event types, outbox, handler contract and delivery ledger.
//! - [`mail_outbox`]: notification mail queued for the worker to send.
//! - [`job_runs`]: which worker ran which tick of a scheduled job.

pub mod accounts;
pub mod carts;
pub mod catalog;
pub mod db;
pub mod events;
pub mod idempotency;
pub mod job_runs;
pub mod mail_outbox;
pub mod orders;
pub mod payments;
pub mod pricing;
pub mod workflows;
