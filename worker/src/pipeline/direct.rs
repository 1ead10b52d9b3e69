//! Postgres mode (no `KAFKA_BROKERS`): outbox rows go straight to every handler, in
//! order, and leave the outbox once each handler has handled or dead-lettered them.
//! A crash mid-batch leaves the batch in the outbox; handlers that already applied an event
//! recognise it on redelivery (`processed_events`), so nothing is lost or applied twice.

use super::outbox::BatchSink;
use crate::dispatch::Dispatcher;
use shopfleet_commerce::events::{Envelope, Handler};
use std::sync::Arc;

pub struct DirectSink {
    pub dispatcher: Dispatcher,
    pub handlers: Vec<Arc<dyn Handler>>,
}

#[async_trait::async_trait]
impl BatchSink for DirectSink {
    async fn take(&self, events: &[Envelope]) -> anyhow::Result<()> {
        for event in events {
            for handler in &self.handlers {
                self.dispatcher.deliver(handler.as_ref(), event).await?;
            }
        }
        Ok(())
    }
}
