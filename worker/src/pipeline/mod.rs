//! Moving events from the outbox to the handlers. Two modes, same handlers, same
//! guarantees (at least once, in order per aggregate, idempotent handlers):
//!
//! - Kafka (`KAFKA_BROKERS` set): [`relay`] publishes outbox rows to `<prefix>.<aggregate>`
//!   topics; [`consumer`] runs one consumer group per handler.
//! - Postgres (the embedded default): [`direct`] hands outbox rows straight to the handlers.
//!
//! Both read the outbox through [`outbox`], one partition at a time.

pub mod consumer;
pub mod direct;
pub mod outbox;
pub mod relay;
