//! Tax: the classes, the rates of a zone, inclusive or exclusive prices, and the one
//! rounding rule: each amount (a line after its discounts, or the shipping) is taxed on
//! its own and rounded half-even; [`by_rate`] sums them into the order's breakdown.

use super::{field, money};
use crate::DomainError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// A product's (or shipping method's) tax class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "store", derive(sqlx::Type))]
#[cfg_attr(feature = "store", sqlx(type_name = "text", rename_all = "snake_case"))]
#[serde(rename_all = "snake_case")]
pub enum TaxClass {
    Standard,
    Reduced,
    /// Always taxed at 0.
    Zero,
}

/// Whether the shop's prices contain tax.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaxMode {
    /// EU style: the price contains the tax, `tax = net − round_half_even(net ÷ (1 + rate))`.
    Inclusive,
    /// US style: the tax is added, `tax = round_half_even(net × rate)`.
    Exclusive,
}

/// The highest rate accepted: 10 000 bp = 100 %.
pub const MAX_RATE_BP: u32 = 10_000;

/// How amounts are taxed at the order's address: the shop's mode and the rates of the
/// address's zone (the caller resolves the zone). The zero class needs no rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TaxConfig {
    pub mode: TaxMode,
    /// In basis points: 1900 = 19 %, 825 = 8.25 %.
    pub standard_bp: u32,
    pub reduced_bp: u32,
}

impl TaxConfig {
    pub fn rate_bp(&self, class: TaxClass) -> u32 {
        match class {
            TaxClass::Standard => self.standard_bp,
            TaxClass::Reduced => self.reduced_bp,
            TaxClass::Zero => 0,
        }
    }

    /// Refuses a rate above [`MAX_RATE_BP`], naming `{at}.standard_bp` or `{at}.reduced_bp`.
    pub fn validate(&self, at: &str) -> Result<(), DomainError> {
        for (name, rate_bp) in [("standard_bp", self.standard_bp), ("reduced_bp", self.reduced_bp)] {
            if rate_bp > MAX_RATE_BP {
                return Err(DomainError::invalid(field(at, name), "must be at most 10000 (100 %)"));
            }
        }
        Ok(())
    }

    /// `gross_minor` less `discount_minor` (at most `gross_minor`), taxed at `class`'s
    /// rate; an overflow names `field`.
    pub(crate) fn charge(
        &self,
        gross_minor: i64,
        discount_minor: i64,
        class: TaxClass,
        field: &str,
    ) -> Result<Charge, DomainError> {
        let net_minor = gross_minor.checked_sub(discount_minor).ok_or_else(|| money::overflow(field))?;
        let rate_bp = self.rate_bp(class);
        let (taxable_minor, tax_minor) = match self.mode {
            TaxMode::Exclusive => {
                (net_minor, money::to_minor(money::basis_points_of(net_minor.into(), rate_bp), field)?)
            }
            TaxMode::Inclusive => {
                let whole_with_tax = money::WHOLE_BP + i128::from(rate_bp);
                let taxable = money::round_half_even(i128::from(net_minor) * money::WHOLE_BP, whole_with_tax);
                let taxable_minor = money::to_minor(taxable, field)?;
                (taxable_minor, net_minor - taxable_minor)
            }
        };
        Ok(Charge {
            gross_minor,
            discount_minor,
            net_minor,
            tax_class: class,
            tax_rate_bp: rate_bp,
            taxable_minor,
            tax_minor,
            total_minor: money::add(taxable_minor, tax_minor, field)?,
        })
    }
}

/// One taxed amount of an order: a line, or the shipping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Charge {
    /// Before discounts (as priced: tax included in an inclusive shop).
    pub gross_minor: i64,
    pub discount_minor: i64,
    /// `gross − discount`.
    pub net_minor: i64,
    pub tax_class: TaxClass,
    pub tax_rate_bp: u32,
    /// What the tax is levied on, tax excluded: `net` (exclusive) or `net − tax` (inclusive).
    pub taxable_minor: i64,
    pub tax_minor: i64,
    /// What the shopper pays for it, `taxable + tax`: `net + tax` (exclusive) or `net` (inclusive).
    pub total_minor: i64,
}

/// The order's tax at one rate of one class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TaxLine {
    pub tax_class: TaxClass,
    pub rate_bp: u32,
    /// The sum of the charges' taxable amounts.
    pub taxable_minor: i64,
    /// The sum of the charges' taxes (each rounded on its own).
    pub tax_minor: i64,
}

/// The charges' taxes summed by class and rate, in class then rate order.
pub(crate) fn by_rate<'a>(
    charges: impl IntoIterator<Item = &'a Charge>,
) -> Result<Vec<TaxLine>, DomainError> {
    let mut rows: BTreeMap<(TaxClass, u32), (i64, i64)> = BTreeMap::new();
    for charge in charges {
        let (taxable, tax) = rows.entry((charge.tax_class, charge.tax_rate_bp)).or_default();
        *taxable = money::add(*taxable, charge.taxable_minor, "taxes")?;
        *tax = money::add(*tax, charge.tax_minor, "taxes")?;
    }
    Ok(rows
        .into_iter()
        .map(|((tax_class, rate_bp), (taxable_minor, tax_minor))| TaxLine {
            tax_class,
            rate_bp,
            taxable_minor,
            tax_minor,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const VAT: TaxConfig = TaxConfig { mode: TaxMode::Inclusive, standard_bp: 1900, reduced_bp: 700 };
    const SALES_TAX: TaxConfig = TaxConfig { mode: TaxMode::Exclusive, standard_bp: 825, reduced_bp: 825 };

    fn tax(config: TaxConfig, net: i64, class: TaxClass) -> (i64, i64) {
        let charge = config.charge(net, 0, class, "line").unwrap();
        (charge.tax_minor, charge.total_minor)
    }

    #[test]
    fn inclusive_prices_contain_the_tax() {
        assert_eq!(tax(VAT, 11_900, TaxClass::Standard), (1900, 11_900), "119.00 holds 19.00 VAT");
        assert_eq!(tax(VAT, 999, TaxClass::Standard), (160, 999), "999 ÷ 1.19 = 839.496 → 839");
        assert_eq!(tax(VAT, 1070, TaxClass::Reduced), (70, 1070));
        assert_eq!(tax(VAT, 1070, TaxClass::Zero), (0, 1070));
    }

    #[test]
    fn exclusive_prices_get_the_tax_added() {
        assert_eq!(tax(SALES_TAX, 5997, TaxClass::Standard), (495, 6492), "494.75 → 495");
        assert_eq!(tax(SALES_TAX, 200, TaxClass::Standard), (16, 216), "16.5 → 16, the even one");
        assert_eq!(tax(SALES_TAX, 600, TaxClass::Standard), (50, 650), "49.5 → 50, the even one");
    }

    #[test]
    fn tax_is_on_the_amount_after_discount() {
        let charge = SALES_TAX.charge(10_000, 2000, TaxClass::Standard, "line").unwrap();
        assert_eq!((charge.net_minor, charge.tax_minor, charge.total_minor), (8000, 660, 8660));
    }

    #[test]
    fn the_breakdown_sums_by_class_and_rate() {
        let charges = [
            VAT.charge(11_900, 0, TaxClass::Standard, "a").unwrap(),
            VAT.charge(1070, 0, TaxClass::Reduced, "b").unwrap(),
            VAT.charge(2380, 0, TaxClass::Standard, "c").unwrap(),
        ];
        let rows = by_rate(&charges).unwrap();
        assert_eq!(
            rows,
            vec![
                TaxLine {
                    tax_class: TaxClass::Standard,
                    rate_bp: 1900,
                    taxable_minor: 12_000,
                    tax_minor: 2280
                },
                TaxLine { tax_class: TaxClass::Reduced, rate_bp: 700, taxable_minor: 1000, tax_minor: 70 },
            ]
        );
    }

    #[test]
    fn rates_are_at_most_a_hundred_percent() {
        assert!(VAT.validate("tax").is_ok());
        let err = TaxConfig { reduced_bp: 10_001, ..VAT }.validate("tax").unwrap_err();
        assert!(err.to_string().starts_with("tax.reduced_bp:"), "{err}");
    }
}
