//! Shopfleet commerce: the shop's rules and its Postgres tables, shared by the API
//! server and the worker. Infrastructure lives in `shopfleet-platform`, the assistant
//! in `shopfleet-assistant`, the stand-in PSP in `shopfleet-payment-simulator`.
//!
//! - [`accounts`]: users, passwords, tokens, sessions, roles, addresses and [`accounts::Caller`].
//! - [`carts`]: one cart per user with server-side totals and per-line issues.
//! - [`catalog`]: categories, products, variants, stock and the demo shop.
//! - [`orders`]: orders, their lines and the order state machine; fulfilment.
//! - [`payments`]: payment intents, the provider seam, webhooks, refunds.
//! - [`workflows`]: checkout, paying, refunds, cancellation and expiry: each spans
//!   several of the above and owns its transaction, outbox rows and cache invalidation.
//! - [`idempotency`]: Stripe-style idempotency keys for retried requests.
//! - [`page`]: the one page-size rule.
//! - [`db`]: the schema migrations.
//! - [`error`]: the domain error every operation returns.
//! - [`events`]: the event envelope, event types, outbox, handler contract and delivery ledger.
//! - [`mail_outbox`]: notification mail queued for the worker to send.
//! - [`job_runs`]: which worker ran which tick of a scheduled job.

pub mod accounts;
pub mod carts;
pub mod catalog;
pub mod db;
pub mod error;
pub mod events;
pub mod idempotency;
pub mod job_runs;
pub mod mail_outbox;
pub mod orders;
pub mod page;
pub mod payments;
#[cfg(feature = "testing")]
pub mod testing;
pub mod workflows;
