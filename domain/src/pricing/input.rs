//! What [`price`](super::price) takes ([`PricingInput`]): the cart's lines, the
//! address, the tax configuration, the chosen shipping method and the promotions in
//! play; and its validation, which names the field at fault.

use super::{field, money, Address, Promotion, ShippingMethod, TaxClass, TaxConfig};
use crate::DomainError;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::hash::Hash;
use utoipa::ToSchema;
use uuid::Uuid;

/// One cart line as pricing needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Line {
    /// The line's key: one line per variant.
    pub variant_id: Uuid,
    pub product_id: Uuid,
    /// The product's categories, for promotions on categories.
    #[serde(default)]
    pub category_ids: Vec<Uuid>,
    /// The merchant selling it; `None` for the shop's own products.
    pub merchant_id: Option<Uuid>,
    /// As shown: tax included in an inclusive shop.
    pub unit_price_minor: i64,
    pub quantity: u32,
    /// One unit's weight, for weight-banded shipping.
    #[serde(default)]
    pub weight_grams: u32,
    pub tax_class: TaxClass,
}

impl Line {
    /// Refuses a zero quantity or a negative price, naming `{at}.quantity` or
    /// `{at}.unit_price_minor`.
    pub fn validate(&self, at: &str) -> Result<(), DomainError> {
        if self.quantity == 0 {
            return Err(DomainError::invalid(field(at, "quantity"), "must be at least 1"));
        }
        if self.unit_price_minor < 0 {
            return Err(DomainError::invalid(field(at, "unit_price_minor"), "must not be negative"));
        }
        Ok(())
    }

    /// Unit price × quantity; an overflow names `field`.
    pub(crate) fn gross_minor(&self, field: &str) -> Result<i64, DomainError> {
        self.unit_price_minor.checked_mul(self.quantity.into()).ok_or_else(|| money::overflow(field))
    }
}

/// Everything [`price`](super::price) needs, and nothing from a database: the store
/// loads it, and may keep it beside the [`Breakdown`](super::Breakdown) it gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PricingInput {
    /// In any order: the breakdown does not depend on it.
    pub lines: Vec<Line>,
    /// Must lie in the shipping method's zone.
    pub address: Address,
    /// The mode and the rates of the address's zone.
    pub tax: TaxConfig,
    /// `None` until the shopper chooses one (the cart view); checkout requires one.
    pub shipping_method: Option<ShippingMethod>,
    /// The automatic promotions in force and the applied code, each already accepted
    /// by [`check_code`](super::check_code); pricing still applies their minimum subtotal.
    #[serde(default)]
    pub promotions: Vec<Promotion>,
}

impl PricingInput {
    /// Refuses the first invalid field, named by its path (`lines[2].quantity`,
    /// `promotions[0].benefit.percent_bp`, `shipping_method.rate.bands[1].amount_minor`).
    pub fn validate(&self) -> Result<(), DomainError> {
        each_unique(&self.lines, "lines", "variant_id", |line| line.variant_id, Line::validate)?;
        self.address.validate("address")?;
        self.tax.validate("tax")?;
        if let Some(method) = &self.shipping_method {
            method.validate("shipping_method")?;
        }
        each_unique(&self.promotions, "promotions", "id", |promotion| promotion.id, Promotion::validate)
    }
}

/// Validates each of `items` at `name[i]`, and refuses a key seen before, naming
/// `name[i].key_name`.
fn each_unique<T, K: Eq + Hash>(
    items: &[T],
    name: &str,
    key_name: &str,
    key: impl Fn(&T) -> K,
    validate: impl Fn(&T, &str) -> Result<(), DomainError>,
) -> Result<(), DomainError> {
    let mut seen = HashSet::new();
    for (i, item) in items.iter().enumerate() {
        let at = format!("{name}[{i}]");
        validate(item, &at)?;
        if !seen.insert(key(item)) {
            return Err(DomainError::invalid(field(&at, key_name), "appears twice"));
        }
    }
    Ok(())
}

/// A line with its gross amount, as the pricing steps share it.
pub(crate) struct Item<'a> {
    pub line: &'a Line,
    pub gross_minor: i64,
}
