//! Cart rules: how many units a line and how many lines a cart may hold, what the
//! shopper is told about a line that changed since it was added, and what checkout
//! refuses.

use crate::DomainError;
use serde::Serialize;
use utoipa::ToSchema;

/// Most units of one variant in a cart line.
pub const MAX_LINE_QUANTITY: i32 = 1000;
/// Most lines in one cart.
pub const MAX_LINES: i64 = 100;

/// Refuses a line quantity outside 1 to [`MAX_LINE_QUANTITY`], naming `quantity`.
pub fn check_quantity(quantity: i32) -> Result<(), DomainError> {
    if !(1..=MAX_LINE_QUANTITY).contains(&quantity) {
        return Err(DomainError::invalid("quantity", format!("must be between 1 and {MAX_LINE_QUANTITY}")));
    }
    Ok(())
}

/// Something about a line that checkout would refuse or the shopper should know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum LineIssue {
    /// The price is not what it was when the line was added.
    PriceChanged { was_minor: i64, now_minor: i64 },
    /// Fewer units are available than the line asks for.
    InsufficientStock { available: i32 },
    /// The product is no longer for sale (unpublished or archived).
    Unavailable,
}

/// A cart line as it is now, beside what the shopper saw when adding it.
pub struct LineNow<'a> {
    pub sku: &'a str,
    pub quantity: i32,
    /// The unit price when the line was added (or its quantity last set).
    pub seen_price_minor: i64,
    pub price_minor: i64,
    pub available: i32,
    pub published: bool,
}

impl LineNow<'_> {
    /// Everything the shopper should know about the line; empty when checkout takes it.
    pub fn issues(&self) -> Vec<LineIssue> {
        let mut issues = Vec::new();
        if !self.published {
            issues.push(LineIssue::Unavailable);
        }
        if self.seen_price_minor != self.price_minor {
            issues.push(LineIssue::PriceChanged {
                was_minor: self.seen_price_minor,
                now_minor: self.price_minor,
            });
        }
        if self.available < self.quantity {
            issues.push(LineIssue::InsufficientStock { available: self.available.max(0) });
        }
        issues
    }

    /// Why checkout refuses the line, if it does. Stock is not judged here: checkout
    /// reserves it, and a shortage there is `insufficient_stock`.
    fn refusal(&self) -> Option<String> {
        if !self.published {
            Some(format!("{}: no longer for sale", self.sku))
        } else if self.seen_price_minor != self.price_minor {
            Some(format!(
                "{}: price changed from {} to {}",
                self.sku, self.seen_price_minor, self.price_minor
            ))
        } else {
            None
        }
    }
}

/// Refuses checkout of an empty cart, or of lines that changed since they were added
/// (`cart_changed`, naming each line), so the shopper never pays a price they did not see.
pub fn ensure_checkout_ready(lines: &[LineNow<'_>]) -> Result<(), DomainError> {
    if lines.is_empty() {
        return Err(DomainError::invalid("cart", "is empty"));
    }
    let refusals: Vec<String> = lines.iter().filter_map(LineNow::refusal).collect();
    if !refusals.is_empty() {
        return Err(DomainError::Conflict {
            code: "cart_changed",
            detail: format!("review your cart: {}", refusals.join("; ")),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(sku: &str) -> LineNow<'_> {
        LineNow { sku, quantity: 2, seen_price_minor: 500, price_minor: 500, available: 10, published: true }
    }

    #[test]
    fn quantities_are_one_to_a_thousand() {
        assert!(check_quantity(1).is_ok() && check_quantity(MAX_LINE_QUANTITY).is_ok());
        for bad in [0, -1, MAX_LINE_QUANTITY + 1] {
            assert!(check_quantity(bad).unwrap_err().to_string().starts_with("quantity:"), "{bad}");
        }
    }

    #[test]
    fn a_line_reports_each_change() {
        assert_eq!(line("A").issues(), vec![]);
        let changed = LineNow { price_minor: 650, available: 1, published: false, ..line("A") };
        assert_eq!(
            changed.issues(),
            vec![
                LineIssue::Unavailable,
                LineIssue::PriceChanged { was_minor: 500, now_minor: 650 },
                LineIssue::InsufficientStock { available: 1 },
            ]
        );
        let oversold = LineNow { available: -3, ..line("A") };
        assert_eq!(oversold.issues(), vec![LineIssue::InsufficientStock { available: 0 }]);
    }

    #[test]
    fn checkout_refuses_changed_lines_naming_each() {
        assert!(ensure_checkout_ready(&[line("A"), line("B")]).is_ok());
        let low_stock = LineNow { available: 0, ..line("C") };
        assert!(ensure_checkout_ready(&[low_stock]).is_ok(), "stock is judged by the reservation");
        let lines =
            [line("A"), LineNow { price_minor: 450, ..line("B") }, LineNow { published: false, ..line("C") }];
        match ensure_checkout_ready(&lines) {
            Err(DomainError::Conflict { code: "cart_changed", detail }) => {
                assert!(detail.contains("B: price changed from 500 to 450"), "{detail}");
                assert!(detail.contains("C: no longer for sale"), "{detail}");
                assert!(!detail.contains("A:"), "{detail}");
            }
            other => panic!("{other:?}"),
        }
        assert!(ensure_checkout_ready(&[]).unwrap_err().to_string().starts_with("cart:"));
    }
}
