//! Domain events: the versioned envelope every event travels in, the catalogue of event
//! types (documented in `docs/events.md`), and the transactional outbox they are written to.

mod envelope;
pub mod handler;
pub mod monitor;
pub mod outbox;
mod types;

pub use envelope::{Aggregate, Envelope};
pub use handler::{Handler, HandlerError};
pub use types::EventType;
