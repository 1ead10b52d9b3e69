//! The order state machine: every legal transition in one table. Anything else is a 409.

use crate::{error::DomainError, events::EventType};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum OrderStatus {
    PendingPayment,
    Paid,
    Fulfilling,
    Shipped,
    Delivered,
    Cancelled,
    Refunded,
    PartiallyRefunded,
}

use OrderStatus::*;

/// Every legal transition, `(from, to)`.
pub const TRANSITIONS: &[(OrderStatus, OrderStatus)] = &[
    (PendingPayment, Paid),
    (PendingPayment, Cancelled),
    (Paid, Fulfilling),
    (Paid, Cancelled),
    (Paid, Refunded),
    (Paid, PartiallyRefunded),
    (Fulfilling, Shipped),
    (Fulfilling, Refunded),
    (Fulfilling, PartiallyRefunded),
    (Shipped, Delivered),
    (Shipped, Refunded),
    (Shipped, PartiallyRefunded),
    (Delivered, Refunded),
    (Delivered, PartiallyRefunded),
    (PartiallyRefunded, PartiallyRefunded),
    (PartiallyRefunded, Refunded),
];

impl OrderStatus {
    /// Refuses a transition the table does not list.
    pub fn ensure_can_become(self, to: OrderStatus) -> Result<(), DomainError> {
        if TRANSITIONS.contains(&(self, to)) {
            Ok(())
        } else {
            Err(DomainError::Conflict {
                code: "illegal_transition",
                detail: format!("an order that is {} cannot become {}", self.as_str(), to.as_str()),
            })
        }
    }

    /// The event written when an order enters this status.
    pub fn event_type(self) -> EventType {
        match self {
            PendingPayment => EventType::OrderPlaced,
            Paid => EventType::OrderPaid,
            Fulfilling => EventType::OrderFulfilling,
            Shipped => EventType::OrderShipped,
            Delivered => EventType::OrderDelivered,
            Cancelled => EventType::OrderCancelled,
            Refunded => EventType::OrderRefunded,
            PartiallyRefunded => EventType::OrderPartiallyRefunded,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PendingPayment => "pending_payment",
            Paid => "paid",
            Fulfilling => "fulfilling",
            Shipped => "shipped",
            Delivered => "delivered",
            Cancelled => "cancelled",
            Refunded => "refunded",
            PartiallyRefunded => "partially_refunded",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_listed_transitions_are_legal() {
        assert!(PendingPayment.ensure_can_become(Paid).is_ok());
        assert!(PendingPayment.ensure_can_become(Shipped).is_err());
        assert!(Cancelled.ensure_can_become(Paid).is_err(), "a cancelled order is never paid");
        assert!(Refunded.ensure_can_become(PartiallyRefunded).is_err());
        let err = Delivered.ensure_can_become(Fulfilling).unwrap_err().to_string();
        assert!(err.contains("delivered") && err.contains("fulfilling"), "{err}");
    }
}
