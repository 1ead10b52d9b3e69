//! The one event envelope: `id`, `type`, `version`, `occurred_at`, `aggregate`,
//! `aggregate_id`, `data`. It is the Kafka message value and the outbox row alike.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The aggregate an event belongs to; it names the Kafka topic `shopfleet.<aggregate>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregate {
    User,
    Product,
    Inventory,
    Order,
    Payment,
    Promotion,
    Notification,
}

impl Aggregate {
    pub const ALL: [Aggregate; 7] = [
        Aggregate::User,
        Aggregate::Product,
        Aggregate::Inventory,
        Aggregate::Order,
        Aggregate::Payment,
        Aggregate::Promotion,
        Aggregate::Notification,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Aggregate::User => "user",
            Aggregate::Product => "product",
            Aggregate::Inventory => "inventory",
            Aggregate::Order => "order",
            Aggregate::Payment => "payment",
            Aggregate::Promotion => "promotion",
            Aggregate::Notification => "notification",
        }
    }

    /// The Kafka topic carrying this aggregate's events: `<prefix>.<aggregate>`.
    pub fn topic(self, prefix: &str) -> String {
        format!("{prefix}.{}", self.as_str())
    }

    pub fn parse(name: &str) -> Option<Aggregate> {
        Aggregate::ALL.into_iter().find(|aggregate| aggregate.as_str() == name)
    }
}

/// A published event, as consumers receive it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    pub id: Uuid,
    #[serde(rename = "type")]
    pub event_type: String,
    pub version: i32,
    pub occurred_at: DateTime<Utc>,
    pub aggregate: Aggregate,
    pub aggregate_id: String,
    pub data: serde_json::Value,
}

impl Envelope {
    /// Whether this event [changes a product](super::EventType::changes_product).
    pub fn changes_product(&self) -> bool {
        super::EventType::parse(&self.event_type).is_some_and(|event| event.changes_product())
    }

    /// The product an event that changes a product is about.
    pub fn changed_product(&self) -> Option<Uuid> {
        self.changes_product().then_some(())?;
        self.data.get("product_id")?.as_str()?.parse().ok()
    }

    /// Reads `data` as the payload type a handler expects.
    pub fn data_as<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_value(self.data.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::Aggregate;

    /// The operator declares one Strimzi KafkaTopic per name in `EVENT_AGGREGATES`: the list
    /// must be exactly the aggregates the worker publishes.
    #[test]
    fn the_operators_topic_list_is_every_aggregate() {
        let names: Vec<&str> = Aggregate::ALL.iter().map(|a| a.as_str()).collect();
        assert_eq!(names, shopfleet_env_names::EVENT_AGGREGATES);
    }
}
