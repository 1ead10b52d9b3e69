//! A change to the shop: one database transaction and the events it records. The events
//! wait in the change until it commits, and are then written to the outbox in one
//! statement inside the transaction, in the order they were recorded: they exist if and
//! only if the change committed, and a change that records several costs one round trip
//! for all of them.
//!
//! A change is used as the transaction it holds: `&mut change` is a `&mut PgConnection`.

use super::{outbox, Envelope, EventType};
use serde::Serialize;
use shopfleet_domain::DomainError;
use sqlx::{PgConnection, PgPool, Postgres, Transaction};
use std::ops::{Deref, DerefMut};

/// A transaction and the events it will write to the outbox as it commits. Dropped
/// without [`Change::commit`], it rolls back and its events are gone with it.
pub struct Change<'c> {
    tx: Transaction<'c, Postgres>,
    events: Vec<Envelope>,
}

impl Change<'static> {
    /// Begins a change on a connection of `db`.
    pub async fn begin(db: &PgPool) -> Result<Self, DomainError> {
        Ok(Self { tx: db.begin().await?, events: Vec::new() })
    }
}

impl Change<'_> {
    /// Records an event of `aggregate_id`, to be written as the change commits.
    pub fn record(
        &mut self,
        event_type: EventType,
        aggregate_id: impl ToString,
        data: &impl Serialize,
    ) -> Result<(), DomainError> {
        let event = Envelope::new(event_type, aggregate_id, data).map_err(anyhow::Error::from)?;
        self.events.push(event);
        Ok(())
    }

    /// Writes the recorded events to the outbox and commits.
    pub async fn commit(mut self) -> Result<(), DomainError> {
        outbox::append(&mut self.tx, &self.events).await?;
        self.tx.commit().await?;
        Ok(())
    }
}

impl Deref for Change<'_> {
    type Target = PgConnection;

    fn deref(&self) -> &PgConnection {
        &self.tx
    }
}

impl DerefMut for Change<'_> {
    fn deref_mut(&mut self) -> &mut PgConnection {
        &mut self.tx
    }
}
