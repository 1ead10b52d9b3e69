//! The one pricing function: [`price`] turns a cart's lines, the address, the tax
//! configuration, the chosen shipping method and the promotions in play into a
//! [`Breakdown`] — lines, discounts, shipping, taxes by rate, total. The cart view,
//! checkout, the order's snapshot and refunds ([`refund_tax`]) all use it; whether a
//! code may be applied at all is [`check_code`], on facts from the store.
//!
//! # Rules
//!
//! - **Money** is integer minor units (`i64`). Every sum and product is checked: an
//!   overflow is [`DomainError::Invalid`] naming the field, never a panic.
//! - **Inputs** are validated first; the first invalid field is named by its path
//!   (`lines[2].quantity`). Quantities are at least 1, prices and amounts not negative.
//! - **Lines**: gross = unit price × quantity; net = gross − discount. The breakdown
//!   lists lines in variant-id order, and every tie below is broken by variant id, so
//!   reordering the cart's lines (or the promotions) changes nothing.
//! - **Promotions in play** are the automatic ones in force and the applied code, which
//!   the caller has let through [`check_code`] (window and usage limits). A promotion
//!   whose minimum the subtotal (before discounts) misses is left out here too.
//! - **Whose lines**: a shop-wide (admin) promotion, `owner: None`, may discount any
//!   line; a merchant's promotion only that merchant's own lines, and never shipping
//!   (a merchant's free shipping is invalid). This is the rule we chose of the two.
//! - **Combination**: all combinable promotions in play together, or the single best
//!   non-combinable one, whichever takes more off (lines and shipping together); a tie
//!   goes to the combined set, then to the promotion first in application order.
//! - **Application order** within a combination: buy-X-get-Y, percentages off chosen
//!   products/categories, amounts off them, percentage off the order, amount off the
//!   order, free shipping; then by promotion id. Each applies to what is still left to
//!   pay on its lines, so a discount never exceeds what it discounts and no net amount
//!   is ever negative.
//! - **Percentage and amount off** are computed on the eligible lines together
//!   (percentage rounded half-even; an amount capped at what the lines cost) and
//!   spread across those lines in proportion to what each still costs, by the
//!   largest-remainder method: each line gets the floor of its exact share, and the
//!   units left over go one each to the largest remainders, a tie to the lower variant
//!   id. The shares add up to the discount exactly.
//! - **Buy X get Y**: among the eligible units, every `X + Y` units make `Y` of them
//!   free or `percent_bp` off, taken from the cheapest units first (a tie to the lower
//!   variant id); each line's discount is rounded half-even.
//! - **Shipping**: the method must serve the address's zone; its price is flat, by the
//!   first weight band at least as heavy as the cart, or free once the subtotal before
//!   discounts reaches a threshold. Free shipping (a promotion) zeroes it.
//! - **Tax** is computed per line after its discounts, and on shipping after its
//!   discount, at the rate of its class, rounded half-even per line:
//!   exclusive `tax = round_half_even(net × rate)`, total = net + tax; inclusive (the
//!   price contains the tax) `tax = net − round_half_even(net ÷ (1 + rate))`,
//!   total = net. The taxable amount is net minus any tax it contains. Discounts are
//!   taken from prices as shown, tax included in an inclusive shop. The breakdown by
//!   rate sums the lines' and shipping's own rounded taxes, so it adds up exactly.
//! - **Totals**: subtotal = Σ line gross; discount = Σ applied discounts = Σ line and
//!   shipping discounts; tax = Σ taxes by rate; total = Σ line totals + shipping total.
//! - **Refunds** give back tax in proportion to the amount, on the running total
//!   (`round_half_even(tax × refunded ÷ total)`), so refunds never exceed the order's
//!   total nor their tax the tax paid, and the last refund carries the remainder.
//!
//! Inclusive and exclusive shops agree on the net amount (tax excluded), as the
//! properties in `props` check:
//! - pricing an exclusive cart, and an inclusive cart whose line amounts are those
//!   lines' totals, gives every line the same taxable amount, tax and total, exactly;
//! - the other way round, from inclusive amounts to their taxable amounts as exclusive
//!   prices, the taxable amounts agree exactly, but a line's tax and total may differ
//!   by 1 minor unit: an inclusive amount need not be any net plus its rounded tax;
//! - with a percentage off, each side rounds its own discount, so a line's taxable
//!   amounts may differ by 1. This holds for a one-line cart only: over several lines
//!   the rounded discount and its largest-remainder units fall differently in the two
//!   shops, and a line may differ by 2 or more (the order's discount stays exact).

mod address;
mod breakdown;
mod eligibility;
mod input;
mod money;
mod promotions;
mod refund;
mod shipping;
mod tax;

pub use address::{Address, Zone};
pub use breakdown::{Breakdown, PricedLine, PricedShipping};
pub use eligibility::{check_code, RedemptionFacts};
pub use input::{Line, PricingInput};
pub use promotions::{AppliedDiscount, Benefit, DiscountOn, LineShare, Promotion, Target, UnixSeconds};
pub use refund::{refund_tax, Refund};
pub use shipping::{weight_grams, ShippingMethod, ShippingRate, WeightBand};
pub use tax::{Charge, TaxClass, TaxConfig, TaxLine, TaxMode, MAX_RATE_BP};

use crate::DomainError;
use input::Item;

/// Prices `input`: validates it, quotes the shipping method, picks the promotions the
/// shopper gets, taxes every line and the shipping, and totals them. Refuses an invalid
/// field (named by its path) and a shipping method that does not take this cart here
/// (`shipping_method`).
pub fn price(input: &PricingInput) -> Result<Breakdown, DomainError> {
    input.validate()?;
    let mut items = input
        .lines
        .iter()
        .enumerate()
        .map(|(i, line)| Ok(Item { line, gross_minor: line.gross_minor(&format!("lines[{i}]"))? }))
        .collect::<Result<Vec<_>, DomainError>>()?;
    items.sort_by_key(|item| item.line.variant_id);
    let subtotal = money::sum(items.iter().map(|item| item.gross_minor), "lines")?;
    let shipping = match &input.shipping_method {
        Some(method) => Some((method, method.cost(&input.address, &input.lines, subtotal)?)),
        None => None,
    };
    let discounts =
        promotions::best(&input.promotions, &items, subtotal, shipping.map_or(0, |(_, cost)| cost))?;
    Breakdown::assemble(&input.tax, &items, shipping, discounts)
}

/// `name` under the path `at` (`at.name`, or `name` at the top).
fn field(at: &str, name: &str) -> String {
    if at.is_empty() {
        name.to_owned()
    } else {
        format!("{at}.{name}")
    }
}

#[cfg(test)]
mod props;
#[cfg(test)]
mod tests;
