//! Whether a code may be applied now: the facts only the store knows (the time, how
//! often the code was redeemed in total and by this customer) checked against the
//! promotion, each refusal with a stable code naming the field `code`.

use super::{Promotion, UnixSeconds};
use crate::DomainError;

/// What the store knows when a shopper applies a code (or checks out with one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RedemptionFacts {
    pub now: UnixSeconds,
    /// Redemptions by every customer, counted in the checkout transaction.
    pub total_redemptions: u32,
    /// Redemptions by this customer.
    pub customer_redemptions: u32,
}

/// Refuses `promotion` for a cart worth `subtotal_minor` before discounts, with
/// [`DomainError::Rejected`] on `code`: `code_not_started` before its window,
/// `code_expired` after it, `usage_limit_reached` when the total or this customer's
/// redemptions are used up, `minimum_not_met` below its minimum subtotal.
pub fn check_code(
    promotion: &Promotion,
    facts: &RedemptionFacts,
    subtotal_minor: i64,
) -> Result<(), DomainError> {
    let refusal = if promotion.starts_at.is_some_and(|starts| facts.now < starts) {
        Some(("code_not_started", "the code is not valid yet".to_owned()))
    } else if promotion.ends_at.is_some_and(|ends| facts.now >= ends) {
        Some(("code_expired", "the code has expired".to_owned()))
    } else if promotion.usage_limit.is_some_and(|limit| facts.total_redemptions >= limit) {
        Some(("usage_limit_reached", "the code has been redeemed as often as it may be".to_owned()))
    } else if promotion.per_customer_limit.is_some_and(|limit| facts.customer_redemptions >= limit) {
        Some(("usage_limit_reached", "you have redeemed the code as often as you may".to_owned()))
    } else if subtotal_minor < promotion.min_subtotal_minor {
        Some((
            "minimum_not_met",
            format!(
                "the code needs a subtotal of at least {} before discounts; the cart's is {subtotal_minor}",
                promotion.min_subtotal_minor
            ),
        ))
    } else {
        None
    };
    match refusal {
        Some((code, detail)) => Err(DomainError::Rejected { code, field: "code".to_owned(), detail }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pricing::{Benefit, Target};
    use uuid::Uuid;

    fn summer() -> Promotion {
        Promotion {
            id: Uuid::from_u128(1),
            code: Some("SUMMER".into()),
            benefit: Benefit::PercentOff { percent_bp: 1000, target: Target::Order },
            min_subtotal_minor: 5000,
            combinable: true,
            owner: None,
            starts_at: Some(1_000),
            ends_at: Some(2_000),
            usage_limit: Some(10),
            per_customer_limit: Some(1),
        }
    }

    const FRESH: RedemptionFacts =
        RedemptionFacts { now: 1_500, total_redemptions: 9, customer_redemptions: 0 };

    fn refusal(facts: RedemptionFacts, subtotal: i64) -> String {
        match check_code(&summer(), &facts, subtotal) {
            Ok(()) => "ok".into(),
            Err(DomainError::Rejected { code, field, .. }) => format!("{field}: {code}"),
            Err(other) => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_valid_code_passes() {
        assert_eq!(refusal(FRESH, 5000), "ok");
        assert_eq!(
            refusal(RedemptionFacts { now: 1_000, ..FRESH }, 5000),
            "ok",
            "the window starts inclusive"
        );
        let open = Promotion {
            starts_at: None,
            ends_at: None,
            usage_limit: None,
            per_customer_limit: None,
            ..summer()
        };
        let facts = RedemptionFacts { now: i64::MAX, total_redemptions: u32::MAX, customer_redemptions: 7 };
        assert!(check_code(&open, &facts, 5000).is_ok(), "no window and no limits");
    }

    #[test]
    fn each_problem_has_its_code_on_the_code_field() {
        assert_eq!(refusal(RedemptionFacts { now: 999, ..FRESH }, 5000), "code: code_not_started");
        assert_eq!(
            refusal(RedemptionFacts { now: 2_000, ..FRESH }, 5000),
            "code: code_expired",
            "ends exclusive"
        );
        assert_eq!(
            refusal(RedemptionFacts { total_redemptions: 10, ..FRESH }, 5000),
            "code: usage_limit_reached"
        );
        assert_eq!(
            refusal(RedemptionFacts { customer_redemptions: 1, ..FRESH }, 5000),
            "code: usage_limit_reached"
        );
        assert_eq!(refusal(FRESH, 4999), "code: minimum_not_met");
        let err = check_code(&summer(), &FRESH, 4999).unwrap_err();
        assert_eq!(
            err.to_string(),
            "code: the code needs a subtotal of at least 5000 before discounts; the cart's is 4999"
        );
    }
}
