//! Domain events: the versioned envelope every event travels in, the catalogue of event
//! types (documented in `docs/events.md`), the [`Change`] that records them and the
//! transactional outbox it writes them to, and the [`ledger`] of their delivery
//! (processed, failed, dead-lettered, lag).

mod change;
mod envelope;
pub mod handler;
pub mod ledger;
pub mod outbox;
mod types;

pub use change::Change;
pub use envelope::{Aggregate, Envelope};
pub use handler::{Handler, HandlerError};
pub use types::EventType;
