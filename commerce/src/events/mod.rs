//! Domain events: the versioned envelope every event travels in, the catalogue of event
//! types (documented in `docs/events.md`), the transactional outbox they are written to,
//! and the [`ledger`] of their delivery (processed, failed, dead-lettered, lag).

mod envelope;
pub mod handler;
pub mod ledger;
pub mod outbox;
mod types;

pub use envelope::{Aggregate, Envelope};
pub use handler::{Handler, HandlerError};
pub use types::EventType;
