//! Kafka mode, second half: one consumer group per handler (`<group prefix>.<handler>`),
//! so a slow or failing handler holds back only itself. Each message is delivered to the
//! handler until it is handled or dead-lettered, and only then is its offset committed:
//! a crash or restart resumes at the first unsettled message. Lag per topic/partition
//! is exported as `worker_consumer_lag` and written to `consumer_lag` for the admin API.

use crate::dispatch::{Dispatcher, Unsettled};
use anyhow::Context;
use rdkafka::{
    client::ClientContext,
    consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance, StreamConsumer},
    message::BorrowedMessage,
    ClientConfig, Message, Offset, TopicPartitionList,
};
use shopfleet_commerce::events::{Aggregate, Envelope, Handler};
use sqlx::PgPool;
use std::{sync::Arc, time::Duration};
use tokio::sync::watch;

const LAG_INTERVAL: Duration = Duration::from_secs(10);
const BROKER_TIMEOUT: Duration = Duration::from_secs(5);

type GroupConsumer = StreamConsumer<GroupLog>;

/// Logs each rebalance of one consumer group: which partitions this member gained or
/// lost, so a stalled group can be told from a slow handler.
struct GroupLog {
    group: String,
}

impl ClientContext for GroupLog {}

impl ConsumerContext for GroupLog {
    fn post_rebalance(&self, _consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        match rebalance {
            Rebalance::Assign(partitions) => {
                tracing::info!(group = %self.group, partitions = %describe(partitions), "partitions assigned")
            }
            Rebalance::Revoke(partitions) => {
                tracing::info!(group = %self.group, partitions = %describe(partitions), "partitions revoked")
            }
            Rebalance::Error(err) => tracing::warn!(group = %self.group, error = %err, "rebalance failed"),
        }
    }
}

/// `topic[partition]` for each element, comma-separated.
fn describe(partitions: &TopicPartitionList) -> String {
    let names: Vec<String> = partitions
        .elements()
        .iter()
        .map(|element| format!("{}[{}]", element.topic(), element.partition()))
        .collect();
    names.join(",")
}

pub struct HandlerConsumer {
    pub handler: Arc<dyn Handler>,
    pub dispatcher: Dispatcher,
    pub db: PgPool,
    pub group: String,
    pub topics: Vec<String>,
}

/// The topics every handler consumes.
pub fn event_topics(prefix: &str) -> Vec<String> {
    Aggregate::ALL.iter().map(|aggregate| aggregate.topic(prefix)).collect()
}

impl HandlerConsumer {
    fn create(&self, base: &ClientConfig) -> anyhow::Result<GroupConsumer> {
        let consumer: GroupConsumer = base
            .clone()
            .set("group.id", &self.group)
            .set("enable.auto.commit", "false")
            .set("auto.offset.reset", "earliest")
            .set("session.timeout.ms", "10000")
            .create_with_context(GroupLog { group: self.group.clone() })
            .context("creating a Kafka consumer")?;
        let topics: Vec<&str> = self.topics.iter().map(String::as_str).collect();
        consumer.subscribe(&topics).context("subscribing to the event topics")?;
        Ok(consumer)
    }

    /// Consumes until `stop`. Returns only on stop or when the consumer cannot be created.
    pub async fn run(self, base: ClientConfig, mut stop: watch::Receiver<bool>) -> anyhow::Result<()> {
        let consumer = self.create(&base)?;
        let mut lag_tick = tokio::time::interval(LAG_INTERVAL);
        let mut settle_stop = stop.clone();
        loop {
            tokio::select! {
                _ = crate::stopped(&mut stop) => return Ok(()),
                _ = lag_tick.tick() => self.report_lag(&consumer).await,
                received = consumer.recv() => match received {
                    Ok(message) => {
                        if let Err(Unsettled::Stopping) = self.settle(&consumer, &message, &mut settle_stop).await {
                            return Ok(());
                        }
                    }
                    Err(err) => {
                        tracing::warn!(group = %self.group, error = %err, "Kafka consumer error");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                },
            }
        }
    }

    /// Delivers one message until it is settled, then commits its offset.
    async fn settle(
        &self,
        consumer: &GroupConsumer,
        message: &BorrowedMessage<'_>,
        stop: &mut watch::Receiver<bool>,
    ) -> Result<(), Unsettled> {
        match message.payload().map(serde_json::from_slice::<Envelope>) {
            Some(Ok(event)) => {
                let mut failures = 0;
                while let Err(err) = self.dispatcher.deliver(self.handler.as_ref(), &event).await {
                    let Unsettled::Infrastructure(err) = err else { return Err(Unsettled::Stopping) };
                    failures += 1;
                    tracing::warn!(group = %self.group, error = format!("{err:#}"), "cannot settle an event; retrying");
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_secs(failures.min(30))) => {}
                        _ = crate::stopped(stop) => return Err(Unsettled::Stopping),
                    }
                }
            }
            _ => {
                metrics::counter!("worker_events_malformed_total", "handler" => self.handler.name())
                    .increment(1);
                tracing::error!(group = %self.group, topic = message.topic(), partition = message.partition(),
                    offset = message.offset(), "skipping a message that is not an event envelope");
            }
        }
        if let Err(err) = consumer.commit_message(message, CommitMode::Async) {
            tracing::warn!(group = %self.group, error = %err, "committing an offset failed; the event may be redelivered");
        }
        Ok(())
    }

    /// Measures lag (high watermark − committed offset) per assigned partition.
    async fn report_lag(&self, consumer: &GroupConsumer) {
        let measured = tokio::task::block_in_place(|| -> anyhow::Result<Vec<(String, i32, i64)>> {
            let committed = consumer.committed(BROKER_TIMEOUT)?;
            let mut lags = Vec::new();
            for element in committed.elements() {
                let (low, high) =
                    consumer.fetch_watermarks(element.topic(), element.partition(), BROKER_TIMEOUT)?;
                let position = match element.offset() {
                    Offset::Offset(offset) => offset,
                    _ => low,
                };
                lags.push((element.topic().to_owned(), element.partition(), (high - position).max(0)));
            }
            Ok(lags)
        });
        match measured {
            Ok(lags) => {
                for (topic, partition, lag) in &lags {
                    metrics::gauge!("worker_consumer_lag", "consumer" => self.group.clone(), "topic" => topic.clone(),
                        "partition" => partition.to_string())
                    .set(*lag as f64);
                }
                if let Err(err) =
                    shopfleet_commerce::events::ledger::store_lag(&self.db, &self.group, &lags).await
                {
                    tracing::debug!(error = %err, "could not store the consumer lag");
                }
            }
            Err(err) => {
                tracing::debug!(group = %self.group, error = format!("{err:#}"), "measuring lag failed")
            }
        }
    }
}
