//! Every event type the shop emits, with its aggregate and schema version. This is the
//! one list in code; `docs/events.md` documents each payload (a test keeps them in step).

use super::Aggregate;
use shopfleet_domain::order::OrderStatus;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    UserRegistered,
    ProductCreated,
    ProductUpdated,
    ProductArchived,
    ProductDeleted,
    ProductImageUploaded,
    StockChanged,
    StockLow,
    OrderPlaced,
    OrderCancelled,
    OrderPaid,
    OrderFulfilling,
    OrderShipped,
    OrderDelivered,
    OrderRefunded,
    OrderPartiallyRefunded,
    PaymentSucceeded,
    PaymentFailed,
    PaymentRefunded,
    PromotionRedeemed,
}

impl EventType {
    /// The event written when an order enters `status`.
    pub fn entering(status: OrderStatus) -> EventType {
        match status {
            OrderStatus::PendingPayment => EventType::OrderPlaced,
            OrderStatus::Paid => EventType::OrderPaid,
            OrderStatus::Fulfilling => EventType::OrderFulfilling,
            OrderStatus::Shipped => EventType::OrderShipped,
            OrderStatus::Delivered => EventType::OrderDelivered,
            OrderStatus::Cancelled => EventType::OrderCancelled,
            OrderStatus::Refunded => EventType::OrderRefunded,
            OrderStatus::PartiallyRefunded => EventType::OrderPartiallyRefunded,
        }
    }

    pub const ALL: &'static [EventType] = &[
        EventType::UserRegistered,
        EventType::ProductCreated,
        EventType::ProductUpdated,
        EventType::ProductArchived,
        EventType::ProductDeleted,
        EventType::ProductImageUploaded,
        EventType::StockChanged,
        EventType::StockLow,
        EventType::OrderPlaced,
        EventType::OrderCancelled,
        EventType::OrderPaid,
        EventType::OrderFulfilling,
        EventType::OrderShipped,
        EventType::OrderDelivered,
        EventType::OrderRefunded,
        EventType::OrderPartiallyRefunded,
        EventType::PaymentSucceeded,
        EventType::PaymentFailed,
        EventType::PaymentRefunded,
        EventType::PromotionRedeemed,
    ];

    /// The envelope's `type`, `<aggregate>.<past-tense verb>`.
    pub fn name(self) -> &'static str {
        match self {
            EventType::UserRegistered => "user.registered",
            EventType::ProductCreated => "product.created",
            EventType::ProductUpdated => "product.updated",
            EventType::ProductArchived => "product.archived",
            EventType::ProductDeleted => "product.deleted",
            EventType::ProductImageUploaded => "product.image_uploaded",
            EventType::StockChanged => "inventory.stock_changed",
            EventType::StockLow => "inventory.stock_low",
            EventType::OrderPlaced => "order.placed",
            EventType::OrderCancelled => "order.cancelled",
            EventType::OrderPaid => "order.paid",
            EventType::OrderFulfilling => "order.fulfilling",
            EventType::OrderShipped => "order.shipped",
            EventType::OrderDelivered => "order.delivered",
            EventType::OrderRefunded => "order.refunded",
            EventType::OrderPartiallyRefunded => "order.partially_refunded",
            EventType::PaymentSucceeded => "payment.succeeded",
            EventType::PaymentFailed => "payment.failed",
            EventType::PaymentRefunded => "payment.refunded",
            EventType::PromotionRedeemed => "promotion.redeemed",
        }
    }

    pub fn aggregate(self) -> Aggregate {
        match self {
            EventType::UserRegistered => Aggregate::User,
            EventType::ProductCreated
            | EventType::ProductUpdated
            | EventType::ProductArchived
            | EventType::ProductDeleted
            | EventType::ProductImageUploaded => Aggregate::Product,
            EventType::StockChanged | EventType::StockLow => Aggregate::Inventory,
            EventType::OrderPlaced
            | EventType::OrderCancelled
            | EventType::OrderPaid
            | EventType::OrderFulfilling
            | EventType::OrderShipped
            | EventType::OrderDelivered
            | EventType::OrderRefunded
            | EventType::OrderPartiallyRefunded => Aggregate::Order,
            EventType::PaymentSucceeded | EventType::PaymentFailed | EventType::PaymentRefunded => {
                Aggregate::Payment
            }
            EventType::PromotionRedeemed => Aggregate::Promotion,
        }
    }

    /// The payload schema version; bump it when `data` changes incompatibly.
    pub fn version(self) -> i32 {
        1
    }

    /// Whether an event of this type can change what shoppers see of its product (its
    /// text, publication or stock): the events search and vector indexes follow. Each
    /// carries the product's id as `product_id`.
    pub fn changes_product(self) -> bool {
        matches!(
            self,
            EventType::ProductCreated
                | EventType::ProductUpdated
                | EventType::ProductArchived
                | EventType::ProductDeleted
                | EventType::StockChanged
        )
    }

    pub fn parse(name: &str) -> Option<EventType> {
        EventType::ALL.iter().copied().find(|event| event.name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_type_is_documented_and_named_after_its_aggregate() {
        let docs = include_str!("../../../docs/events.md");
        for event in EventType::ALL {
            assert!(
                docs.contains(&format!("`{}`", event.name())),
                "{} is missing from docs/events.md",
                event.name()
            );
            assert!(event.name().starts_with(&format!("{}.", event.aggregate().as_str())), "{:?}", event);
            assert_eq!(EventType::parse(event.name()), Some(*event));
        }
    }
}
