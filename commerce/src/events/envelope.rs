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
    /// A new event of `aggregate_id` with payload `data`, occurring now.
    pub fn new(
        event_type: super::EventType,
        aggregate_id: impl ToString,
        data: &impl Serialize,
    ) -> Result<Self, serde_json::Error> {
        Ok(Self {
            id: Uuid::now_v7(),
            event_type: event_type.name().to_owned(),
            version: event_type.version(),
            occurred_at: Utc::now(),
            aggregate: event_type.aggregate(),
            aggregate_id: aggregate_id.to_string(),
            data: serde_json::to_value(data)?,
        })
    }

    /// Whether this event [changes a product](super::EventType::changes_product) as
    /// listings, search and the assistant show it: a stock change only when it says it may
    /// have flipped the product's `in_stock` (one without that field counts as a change).
    pub fn changes_product(&self) -> bool {
        let Some(event) = super::EventType::parse(&self.event_type).filter(|event| event.changes_product())
        else {
            return false;
        };
        event != super::EventType::StockChanged
            || self.data.get("in_stock_changed").and_then(serde_json::Value::as_bool) != Some(false)
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
    use super::{super::EventType, Aggregate, Envelope};

    fn event(event_type: &str, data: serde_json::Value) -> Envelope {
        Envelope::new(EventType::parse(event_type).unwrap(), "x", &data).unwrap()
    }

    #[test]
    fn stock_changes_change_a_product_only_when_they_may_flip_its_in_stock() {
        let product = "0191d6c0-0000-7000-8000-000000000001";
        let stock = |flag| {
            event(
                "inventory.stock_changed",
                serde_json::json!({"product_id": product, "in_stock_changed": flag}),
            )
        };
        assert!(!stock(serde_json::json!(false)).changes_product());
        assert!(stock(serde_json::json!(true)).changes_product());
        let older = event("inventory.stock_changed", serde_json::json!({"product_id": product}));
        assert!(older.changes_product(), "an event from before the flag counts as a change");
        assert!(event("product.updated", serde_json::json!({"product_id": product})).changes_product());
        assert!(!event("order.paid", serde_json::json!({})).changes_product());
    }

    /// The operator declares one Strimzi KafkaTopic per name in `EVENT_AGGREGATES`: the list
    /// must be exactly the aggregates the worker publishes.
    #[test]
    fn the_operators_topic_list_is_every_aggregate() {
        let names: Vec<&str> = Aggregate::ALL.iter().map(|a| a.as_str()).collect();
        assert_eq!(names, shopfleet_env_names::EVENT_AGGREGATES);
    }
}
