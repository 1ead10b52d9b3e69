//! The payment-intent state machine, modelled on Stripe's: every legal move in one table.
//! The provider enforces it; the shop mirrors whatever newer state the provider reports.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
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
}
