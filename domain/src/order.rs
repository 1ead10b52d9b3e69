//! The order state machine (every legal transition in one table; anything else is a
//! 409) and the fulfilment of an order's lines: each line moves
//! `unfulfilled → fulfilling → shipped → delivered`, and the order follows its lines.

use crate::DomainError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "store", derive(sqlx::Type))]
#[cfg_attr(feature = "store", sqlx(type_name = "text", rename_all = "snake_case"))]
#[serde(rename_all = "snake_case")]
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

    /// Whether its lines may be fulfilled now (it is paid and not yet delivered).
    pub fn accepts_fulfilment(self) -> bool {
        matches!(self, Paid | Fulfilling | Shipped)
    }

    /// The status refunds leave an order in: all of what was captured back, or part.
    pub fn after_refunds(refunded_minor: i64, captured_minor: i64) -> OrderStatus {
        if refunded_minor >= captured_minor {
            Refunded
        } else {
            PartiallyRefunded
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

/// What a merchant does to order lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FulfilmentAction {
    /// Begin picking and packing.
    Start,
    /// Hand to the carrier: `carrier` and `tracking_number` are required.
    Ship,
    /// The carrier delivered.
    Deliver,
}

/// Where one order line is on its way to the shopper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "store", derive(sqlx::Type))]
#[cfg_attr(feature = "store", sqlx(type_name = "text", rename_all = "snake_case"))]
#[serde(rename_all = "snake_case")]
pub enum LineFulfilment {
    Unfulfilled,
    Fulfilling,
    Shipped,
    Delivered,
}

impl LineFulfilment {
    /// Where `action` takes a line that is here, if it may take it anywhere. Shipping
    /// straight from `unfulfilled` is allowed (small shops skip packing).
    pub fn after(self, action: FulfilmentAction) -> Option<LineFulfilment> {
        match (action, self) {
            (FulfilmentAction::Start, LineFulfilment::Unfulfilled) => Some(LineFulfilment::Fulfilling),
            (FulfilmentAction::Ship, LineFulfilment::Unfulfilled | LineFulfilment::Fulfilling) => {
                Some(LineFulfilment::Shipped)
            }
            (FulfilmentAction::Deliver, LineFulfilment::Shipped) => Some(LineFulfilment::Delivered),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LineFulfilment::Unfulfilled => "unfulfilled",
            LineFulfilment::Fulfilling => "fulfilling",
            LineFulfilment::Shipped => "shipped",
            LineFulfilment::Delivered => "delivered",
        }
    }
}

/// The steps an order in `status` takes once its lines are where `lines` says: `paid`
/// becomes `fulfilling` as soon as any work starts, then `shipped` when every line has
/// shipped, then `delivered` when every line arrived. Empty when it stays put.
pub fn follow_lines(status: OrderStatus, lines: &[LineFulfilment]) -> Vec<OrderStatus> {
    let all_shipped =
        lines.iter().all(|line| matches!(line, LineFulfilment::Shipped | LineFulfilment::Delivered));
    let all_delivered = lines.iter().all(|line| *line == LineFulfilment::Delivered);
    let mut steps = Vec::new();
    let mut at = status;
    if at == Paid {
        at = Fulfilling;
        steps.push(at);
    }
    if at == Fulfilling && all_shipped {
        at = Shipped;
        steps.push(at);
    }
    if at == Shipped && all_delivered {
        steps.push(Delivered);
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::{FulfilmentAction::*, LineFulfilment as Line, *};

    #[test]
    fn only_listed_transitions_are_legal() {
        assert!(PendingPayment.ensure_can_become(Paid).is_ok());
        assert!(PendingPayment.ensure_can_become(Shipped).is_err());
        assert!(Cancelled.ensure_can_become(Paid).is_err(), "a cancelled order is never paid");
        assert!(Refunded.ensure_can_become(PartiallyRefunded).is_err());
        let err = Delivered.ensure_can_become(Fulfilling).unwrap_err().to_string();
        assert!(err.contains("delivered") && err.contains("fulfilling"), "{err}");
    }

    #[test]
    fn lines_move_forward_only() {
        assert_eq!(Line::Unfulfilled.after(Start), Some(Line::Fulfilling));
        assert_eq!(Line::Unfulfilled.after(Ship), Some(Line::Shipped));
        assert_eq!(Line::Fulfilling.after(Ship), Some(Line::Shipped));
        assert_eq!(Line::Shipped.after(Deliver), Some(Line::Delivered));
        assert_eq!(Line::Unfulfilled.after(Deliver), None, "nothing is delivered unshipped");
        assert_eq!(Line::Shipped.after(Start), None);
        assert_eq!(Line::Delivered.after(Ship), None);
    }

    #[test]
    fn the_order_follows_its_lines() {
        use Line::*;
        assert_eq!(follow_lines(Paid, &[Fulfilling, Unfulfilled]), vec![OrderStatus::Fulfilling]);
        assert_eq!(
            follow_lines(Paid, &[Shipped, Shipped]),
            vec![OrderStatus::Fulfilling, OrderStatus::Shipped]
        );
        assert_eq!(
            follow_lines(Paid, &[Delivered]),
            vec![OrderStatus::Fulfilling, OrderStatus::Shipped, OrderStatus::Delivered]
        );
        assert_eq!(follow_lines(OrderStatus::Fulfilling, &[Shipped, Fulfilling]), vec![]);
        assert_eq!(follow_lines(OrderStatus::Shipped, &[Delivered, Shipped]), vec![]);
        assert_eq!(follow_lines(OrderStatus::Shipped, &[Delivered, Delivered]), vec![OrderStatus::Delivered]);
    }

    #[test]
    fn refunds_leave_the_order_refunded_only_when_everything_is_back() {
        assert_eq!(OrderStatus::after_refunds(500, 1000), PartiallyRefunded);
        assert_eq!(OrderStatus::after_refunds(1000, 1000), Refunded);
    }

    #[test]
    fn only_paid_orders_not_yet_delivered_are_fulfilled() {
        for status in [Paid, OrderStatus::Fulfilling, OrderStatus::Shipped] {
            assert!(status.accepts_fulfilment(), "{status:?}");
        }
        for status in [PendingPayment, Cancelled, OrderStatus::Delivered, Refunded, PartiallyRefunded] {
            assert!(!status.accepts_fulfilment(), "{status:?}");
        }
    }
}
