//! Shipping: a method serves one zone at one rate (flat, by weight bands, or free
//! above a subtotal) and is taxed at its own class; [`ShippingMethod::cost`] is what it
//! charges for a cart, before any free-shipping promotion.

use super::{field, Address, Line, TaxClass, Zone};
use crate::DomainError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A shipping method of a zone, as the order keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ShippingMethod {
    pub id: Uuid,
    /// The addresses it delivers to.
    pub zone: Zone,
    pub rate: ShippingRate,
    /// The class its price is taxed at.
    pub tax_class: TaxClass,
}

/// What a method charges. Amounts are as shown: tax included in an inclusive shop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ShippingRate {
    Flat {
        amount_minor: i64,
    },
    /// The first band at least as heavy as the cart; bands ascend by weight, and a cart
    /// heavier than the last band cannot take the method.
    WeightBands {
        bands: Vec<WeightBand>,
    },
    /// Free once the goods subtotal (before discounts) reaches `threshold_minor`.
    FreeAbove {
        threshold_minor: i64,
        amount_minor: i64,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WeightBand {
    /// At most 1,000 tonnes (`MAX_BAND_GRAMS`).
    #[schema(minimum = 0, maximum = 1000000000)]
    pub up_to_grams: u64,
    pub amount_minor: i64,
}

/// The heaviest band a method may have: 1,000 tonnes.
const MAX_BAND_GRAMS: u64 = 1_000_000_000;

impl ShippingRate {
    /// The price for goods weighing `weight_grams` worth `subtotal_minor`; `None` when
    /// no band is that heavy.
    pub fn quote(&self, weight_grams: u64, subtotal_minor: i64) -> Option<i64> {
        match self {
            Self::Flat { amount_minor } => Some(*amount_minor),
            Self::WeightBands { bands } => {
                bands.iter().find(|band| weight_grams <= band.up_to_grams).map(|band| band.amount_minor)
            }
            Self::FreeAbove { threshold_minor, amount_minor } => {
                Some(if subtotal_minor >= *threshold_minor { 0 } else { *amount_minor })
            }
        }
    }

    /// Refuses a negative amount, and bands that are missing or not strictly ascending.
    pub fn validate(&self, at: &str) -> Result<(), DomainError> {
        let amounts: Vec<(String, i64)> = match self {
            Self::Flat { amount_minor } => vec![(field(at, "amount_minor"), *amount_minor)],
            Self::FreeAbove { threshold_minor, amount_minor } => vec![
                (field(at, "threshold_minor"), *threshold_minor),
                (field(at, "amount_minor"), *amount_minor),
            ],
            Self::WeightBands { bands } => {
                let path = field(at, "bands");
                if bands.is_empty() {
                    return Err(DomainError::invalid(path, "must list at least one band"));
                }
                if let Some(i) = bands.iter().position(|band| band.up_to_grams > MAX_BAND_GRAMS) {
                    return Err(DomainError::invalid(
                        format!("{path}[{i}].up_to_grams"),
                        "must be at most 1000000000 (1,000 tonnes)",
                    ));
                }
                if let Some(i) = (1..bands.len()).find(|&i| bands[i].up_to_grams <= bands[i - 1].up_to_grams)
                {
                    return Err(DomainError::invalid(
                        format!("{path}[{i}].up_to_grams"),
                        "bands must ascend strictly by weight",
                    ));
                }
                bands
                    .iter()
                    .enumerate()
                    .map(|(i, b)| (format!("{path}[{i}].amount_minor"), b.amount_minor))
                    .collect()
            }
        };
        match amounts.into_iter().find(|(_, amount)| *amount < 0) {
            Some((path, _)) => Err(DomainError::invalid(path, "must not be negative")),
            None => Ok(()),
        }
    }
}

impl ShippingMethod {
    pub fn validate(&self, at: &str) -> Result<(), DomainError> {
        self.zone.validate(&field(at, "zone"))?;
        self.rate.validate(&field(at, "rate"))
    }

    /// What the method charges to deliver `lines`, worth `subtotal_minor` before
    /// discounts, to `address`. Refused, naming `shipping_method`, when the address is
    /// outside the zone or the cart heavier than the bands: the method does not apply.
    pub fn cost<'a>(
        &self,
        address: &Address,
        lines: impl IntoIterator<Item = &'a Line>,
        subtotal_minor: i64,
    ) -> Result<i64, DomainError> {
        if !self.zone.contains(address) {
            return Err(DomainError::invalid("shipping_method", "does not deliver to this address"));
        }
        let weight = weight_grams(lines)?;
        self.rate.quote(weight, subtotal_minor).ok_or_else(|| {
            DomainError::invalid("shipping_method", format!("does not take a cart of {weight} g"))
        })
    }
}

/// The weight of `lines`: each unit's weight times the quantity.
pub fn weight_grams<'a>(lines: impl IntoIterator<Item = &'a Line>) -> Result<u64, DomainError> {
    lines.into_iter().try_fold(0u64, |total, line| {
        total
            .checked_add(u64::from(line.weight_grams) * u64::from(line.quantity))
            .ok_or_else(|| DomainError::invalid("lines", "weigh too much: the weights overflow"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bands() -> ShippingRate {
        ShippingRate::WeightBands {
            bands: vec![
                WeightBand { up_to_grams: 1000, amount_minor: 500 },
                WeightBand { up_to_grams: 5000, amount_minor: 900 },
            ],
        }
    }

    #[test]
    fn weight_bands_take_the_first_band_heavy_enough() {
        assert_eq!(bands().quote(0, 0), Some(500));
        assert_eq!(bands().quote(1000, 0), Some(500), "up to and including");
        assert_eq!(bands().quote(1001, 0), Some(900));
        assert_eq!(bands().quote(5001, 0), None, "heavier than every band");
    }

    #[test]
    fn free_above_a_subtotal() {
        let rate = ShippingRate::FreeAbove { threshold_minor: 5000, amount_minor: 495 };
        assert_eq!(rate.quote(0, 4999), Some(495));
        assert_eq!(rate.quote(0, 5000), Some(0));
        assert_eq!(ShippingRate::Flat { amount_minor: 700 }.quote(99_999, 0), Some(700));
    }

    #[test]
    fn rates_refuse_negative_amounts_and_unordered_bands() {
        let message = |rate: ShippingRate| rate.validate("rate").unwrap_err().to_string();
        assert!(bands().validate("rate").is_ok());
        assert!(message(ShippingRate::Flat { amount_minor: -1 }).starts_with("rate.amount_minor:"));
        assert!(message(ShippingRate::WeightBands { bands: vec![] }).starts_with("rate.bands:"));
        let unordered = vec![
            WeightBand { up_to_grams: 1000, amount_minor: 500 },
            WeightBand { up_to_grams: 1000, amount_minor: 900 },
        ];
        assert!(
            message(ShippingRate::WeightBands { bands: unordered }).starts_with("rate.bands[1].up_to_grams:")
        );
        let negative = ShippingRate::FreeAbove { threshold_minor: -5, amount_minor: 0 };
        assert!(message(negative).starts_with("rate.threshold_minor:"));
        let too_heavy = vec![WeightBand { up_to_grams: MAX_BAND_GRAMS + 1, amount_minor: 0 }];
        assert!(
            message(ShippingRate::WeightBands { bands: too_heavy }).starts_with("rate.bands[0].up_to_grams:")
        );
    }
}
