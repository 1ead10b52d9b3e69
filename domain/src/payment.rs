//! The payment-intent state machine, modelled on Stripe's: every legal move in one table.
//! The provider enforces it; the shop mirrors whatever newer state the provider reports.
//! And the refund rule: never more back than was captured.

use crate::DomainError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "store", derive(sqlx::Type))]
#[cfg_attr(feature = "store", sqlx(type_name = "text", rename_all = "snake_case"))]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    RequiresPaymentMethod,
    RequiresConfirmation,
    /// The shopper must pass a (simulated) 3-D Secure check.
    RequiresAction,
    Processing,
    Succeeded,
    Failed,
    Canceled,
}

use PaymentStatus::*;

/// Every legal transition, `(from, to)`. A failed attempt may be retried with another card.
pub const TRANSITIONS: &[(PaymentStatus, PaymentStatus)] = &[
    (RequiresPaymentMethod, RequiresConfirmation),
    (RequiresPaymentMethod, Canceled),
    (RequiresConfirmation, Processing),
    (RequiresConfirmation, RequiresAction),
    (RequiresConfirmation, Canceled),
    (RequiresAction, Processing),
    (RequiresAction, Failed),
    (RequiresAction, Canceled),
    (Processing, Succeeded),
    (Processing, Failed),
    (Failed, RequiresConfirmation),
    (Failed, Canceled),
];

impl PaymentStatus {
    pub fn can_become(self, to: PaymentStatus) -> bool {
        TRANSITIONS.contains(&(self, to))
    }

    /// Whether a card may be (re)submitted for confirmation in this state.
    pub fn accepts_confirmation(self) -> bool {
        self.can_become(RequiresConfirmation)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RequiresPaymentMethod => "requires_payment_method",
            RequiresConfirmation => "requires_confirmation",
            RequiresAction => "requires_action",
            Processing => "processing",
            Succeeded => "succeeded",
            Failed => "failed",
            Canceled => "canceled",
        }
    }
}

/// How much a refund of `asked` (everything still refundable when `None`) may return
/// from a payment in `status` that captured `captured`, of which `committed` is already
/// refunded or being refunded. Refunds never add up to more than was captured.
pub fn refund_amount(
    status: PaymentStatus,
    captured: i64,
    committed: i64,
    asked: Option<i64>,
) -> Result<i64, DomainError> {
    if status != Succeeded || captured == 0 {
        return Err(DomainError::Conflict {
            code: "not_refundable",
            detail: format!("the payment is {}: nothing was captured", status.as_str()),
        });
    }
    let refundable = captured - committed;
    let amount = asked.unwrap_or(refundable);
    if amount <= 0 && refundable > 0 {
        return Err(DomainError::invalid("amount_minor", "must be a positive amount in minor units"));
    }
    if amount > refundable || refundable == 0 {
        return Err(DomainError::Conflict {
            code: "refund_exceeds_captured",
            detail: format!(
                "{amount} asked but only {refundable} of the {captured} captured is still refundable"
            ),
        });
    }
    Ok(amount)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn succeeded_and_canceled_are_final_and_failures_may_be_retried() {
        for to in [RequiresConfirmation, Processing, Failed, Canceled, RequiresAction] {
            assert!(!Succeeded.can_become(to), "succeeded -> {to:?}");
            assert!(!Canceled.can_become(to), "canceled -> {to:?}");
        }
        assert!(Failed.accepts_confirmation());
        assert!(RequiresPaymentMethod.accepts_confirmation());
        assert!(!Processing.accepts_confirmation());
        assert!(!RequiresConfirmation.can_become(Succeeded), "money moves only through processing");
    }

    fn code(result: Result<i64, DomainError>) -> String {
        match result {
            Err(DomainError::Conflict { code, .. }) => code.to_owned(),
            Err(DomainError::Invalid { field, .. }) => format!("invalid {field}"),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn refunds_never_return_more_than_was_captured() {
        assert_eq!(refund_amount(Succeeded, 1000, 0, None).unwrap(), 1000, "all of it by default");
        assert_eq!(refund_amount(Succeeded, 1000, 400, None).unwrap(), 600, "what is left");
        assert_eq!(refund_amount(Succeeded, 1000, 400, Some(600)).unwrap(), 600);
        assert_eq!(code(refund_amount(Succeeded, 1000, 400, Some(601))), "refund_exceeds_captured");
        assert_eq!(code(refund_amount(Succeeded, 1000, 1000, None)), "refund_exceeds_captured");
        assert_eq!(code(refund_amount(Succeeded, 1000, 0, Some(0))), "invalid amount_minor");
        assert_eq!(code(refund_amount(Succeeded, 1000, 0, Some(-5))), "invalid amount_minor");
    }

    #[test]
    fn only_captured_payments_are_refunded() {
        for status in [RequiresPaymentMethod, Processing, Failed, Canceled] {
            assert_eq!(code(refund_amount(status, 1000, 0, None)), "not_refundable", "{status:?}");
        }
        assert_eq!(code(refund_amount(Succeeded, 0, 0, None)), "not_refundable");
    }
}
