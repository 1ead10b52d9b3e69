//! Kafka mode, first half: the relay publishes outbox rows to `<prefix>.<aggregate>`,
//! keyed by aggregate id (so one aggregate's events share a Kafka partition and keep
//! their order), with an idempotent producer. A batch leaves the outbox only after
//! the broker acknowledged every message of it; while the broker is down the rows wait.

use super::outbox::BatchSink;
use crate::dispatch::DeadLetterSink;
use anyhow::Context;
use rdkafka::{
    admin::{AdminClient, AdminOptions, NewTopic, TopicReplication},
    client::DefaultClientContext,
    message::{Header, OwnedHeaders},
    producer::{FutureProducer, FutureRecord},
    ClientConfig,
};
use shopfleet_commerce::events::{Aggregate, Envelope};
use std::time::Duration;

/// How long the producer keeps trying one message before the batch fails.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(15);

/// An idempotent producer (acks=all, no reordering on retry).
pub fn producer(base: &ClientConfig) -> anyhow::Result<FutureProducer> {
    let mut config = base.clone();
    config
        .set("enable.idempotence", "true")
        .set("acks", "all")
        .set("linger.ms", "5")
        .set("message.timeout.ms", DELIVERY_TIMEOUT.as_millis().to_string());
    config.create().context("creating the Kafka producer")
}

/// Creates the event topics and the dead-letter topic when they do not exist.
pub async fn ensure_topics(base: &ClientConfig, prefix: &str, partitions: i32) -> anyhow::Result<()> {
    let admin: AdminClient<DefaultClientContext> =
        base.create().context("creating the Kafka admin client")?;
    let names: Vec<String> =
        Aggregate::ALL.iter().map(|aggregate| aggregate.topic(prefix)).chain([dlq_topic(prefix)]).collect();
    let topics: Vec<NewTopic> =
        names.iter().map(|name| NewTopic::new(name, partitions, TopicReplication::Fixed(1))).collect();
    let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(10)));
    for result in admin.create_topics(&topics, &options).await.context("creating Kafka topics")? {
        match result {
            Ok(_) | Err((_, rdkafka::types::RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((topic, code)) => anyhow::bail!("creating Kafka topic {topic}: {code}"),
        }
    }
    Ok(())
}

/// The dead-letter topic.
pub fn dlq_topic(prefix: &str) -> String {
    format!("{prefix}.dlq")
}

pub struct KafkaRelay {
    pub producer: FutureProducer,
    pub topic_prefix: String,
}

impl KafkaRelay {
    fn record<'a>(
        &self,
        topic: &'a str,
        event: &'a Envelope,
        payload: &'a [u8],
    ) -> FutureRecord<'a, str, [u8]> {
        FutureRecord::to(topic).key(event.aggregate_id.as_str()).payload(payload).headers(
            OwnedHeaders::new()
                .insert(Header { key: "event_id", value: Some(&event.id.to_string()) })
                .insert(Header { key: "event_type", value: Some(&event.event_type) }),
        )
    }
}

#[async_trait::async_trait]
impl BatchSink for KafkaRelay {
    async fn take(&self, events: &[Envelope]) -> anyhow::Result<()> {
        let payloads: Vec<(String, Vec<u8>)> = events
            .iter()
            .map(|event| Ok((event.aggregate.topic(&self.topic_prefix), serde_json::to_vec(event)?)))
            .collect::<anyhow::Result<_>>()?;
        let deliveries: Vec<_> = events
            .iter()
            .zip(&payloads)
            .map(|(event, (topic, payload))| {
                self.producer.send(self.record(topic, event, payload), DELIVERY_TIMEOUT)
            })
            .collect();
        for delivery in futures::future::join_all(deliveries).await {
            delivery.map_err(|(err, _)| anyhow::anyhow!("publishing to Kafka: {err}"))?;
        }
        metrics::counter!("worker_events_published_total").increment(events.len() as u64);
        Ok(())
    }
}

#[async_trait::async_trait]
impl DeadLetterSink for KafkaRelay {
    async fn send(&self, handler: &str, event: &Envelope, error: &str) -> anyhow::Result<()> {
        let topic = dlq_topic(&self.topic_prefix);
        let payload = serde_json::to_vec(event)?;
        let record = self.record(&topic, event, &payload);
        let headers = record.headers.clone().unwrap_or_default();
        let record = record.headers(
            headers
                .insert(Header { key: "handler", value: Some(handler) })
                .insert(Header { key: "error", value: Some(error) }),
        );
        self.producer.send(record, DELIVERY_TIMEOUT).await.map_err(|(err, _)| anyhow::anyhow!("{err}"))?;
        Ok(())
    }
}
