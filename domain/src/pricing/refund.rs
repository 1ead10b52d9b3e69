//! Refunds against a priced order: the tax a refund gives back, in proportion to the
//! order's tax, computed on the running total so rounding never drifts: cumulative
//! refunds never exceed the order's total nor their tax the tax paid, and the refund
//! that completes the total carries the rest of the tax.

use super::{money, Breakdown};
use crate::DomainError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Money given back: an amount, and the tax it contains.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Refund {
    pub amount_minor: i64,
    pub tax_minor: i64,
}

/// The tax in a refund of `amount_minor` from the order priced as `paid`, of which
/// `refunded` (the sum of the earlier refunds, as this function split them) already went
/// back. After it, the refunded tax is `round_half_even(paid tax × refunded amount ÷
/// paid total)`, capped at this refund's amount.
///
/// Refuses a non-positive amount (`amount_minor`), earlier refunds that cannot belong
/// to the order (`refunded`), and a refund past the order's total
/// (`refund_exceeds_total`).
pub fn refund_tax(paid: &Breakdown, refunded: Refund, amount_minor: i64) -> Result<Refund, DomainError> {
    if amount_minor <= 0 {
        return Err(DomainError::invalid("amount_minor", "must be a positive amount in minor units"));
    }
    let within = |value: i64, limit: i64| (0..=limit).contains(&value);
    if !within(refunded.amount_minor, paid.total_minor) || !within(refunded.tax_minor, paid.tax_minor) {
        return Err(DomainError::invalid("refunded", "is more than the order's total or tax"));
    }
    let after = money::add(refunded.amount_minor, amount_minor, "amount_minor")?;
    if after > paid.total_minor {
        return Err(DomainError::Conflict {
            code: "refund_exceeds_total",
            detail: format!(
                "{amount_minor} asked but only {} of the order's {} is left to refund",
                paid.total_minor - refunded.amount_minor,
                paid.total_minor
            ),
        });
    }
    let tax_after =
        money::round_half_even(i128::from(paid.tax_minor) * i128::from(after), i128::from(paid.total_minor));
    let tax = money::to_minor(tax_after, "amount_minor")? - refunded.tax_minor;
    Ok(Refund { amount_minor, tax_minor: tax.clamp(0, amount_minor) })
}
