//! What [`price`](super::price) returns ([`Breakdown`]): the priced lines and shipping,
//! the discounts, the taxes by rate, and the totals they add up to exactly. It
//! serialises, so an order keeps it as its snapshot.

use super::input::Item;
use super::promotions::Discounts;
use super::tax::{self, Charge, TaxLine};
use super::{money, AppliedDiscount, ShippingMethod, TaxConfig, TaxMode};
use crate::DomainError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A priced cart or order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Breakdown {
    /// Whether the amounts shown contain tax.
    pub tax_mode: TaxMode,
    /// In variant-id order, whatever the order of the cart.
    pub lines: Vec<PricedLine>,
    /// `None` until a method is chosen.
    pub shipping: Option<PricedShipping>,
    /// In the order they were applied.
    pub discounts: Vec<AppliedDiscount>,
    /// By class, then rate.
    pub taxes: Vec<TaxLine>,
    /// The lines' gross amounts (before discounts; shipping apart).
    pub subtotal_minor: i64,
    /// Everything taken off, lines and shipping: the sum of `discounts`.
    pub discount_minor: i64,
    /// The tax of the lines and shipping: the sum of `taxes`.
    pub tax_minor: i64,
    /// What the shopper pays: the sum of the lines' and the shipping's totals.
    pub total_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PricedLine {
    pub variant_id: Uuid,
    pub quantity: u32,
    pub unit_price_minor: i64,
    #[serde(flatten)]
    pub charge: Charge,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PricedShipping {
    pub method_id: Uuid,
    #[serde(flatten)]
    pub charge: Charge,
}

impl Breakdown {
    /// Taxes the discounted `items` (in variant-id order) and the shipping, and totals
    /// them.
    pub(crate) fn assemble(
        tax: &TaxConfig,
        items: &[Item<'_>],
        shipping: Option<(&ShippingMethod, i64)>,
        discounts: Discounts,
    ) -> Result<Self, DomainError> {
        let lines = items
            .iter()
            .zip(&discounts.lines)
            .map(|(item, &discount)| {
                let line = item.line;
                let field = format!("lines.{}", line.variant_id);
                Ok(PricedLine {
                    variant_id: line.variant_id,
                    quantity: line.quantity,
                    unit_price_minor: line.unit_price_minor,
                    charge: tax.charge(item.gross_minor, discount, line.tax_class, &field)?,
                })
            })
            .collect::<Result<Vec<_>, DomainError>>()?;
        let shipping = shipping
            .map(|(method, cost)| {
                let charge = tax.charge(cost, discounts.shipping, method.tax_class, "shipping_method")?;
                Ok::<_, DomainError>(PricedShipping { method_id: method.id, charge })
            })
            .transpose()?;
        let mut breakdown = Self {
            tax_mode: tax.mode,
            subtotal_minor: money::sum(lines.iter().map(|line| line.charge.gross_minor), "subtotal")?,
            lines,
            shipping,
            discounts: discounts.applied,
            taxes: Vec::new(),
            discount_minor: 0,
            tax_minor: 0,
            total_minor: 0,
        };
        breakdown.taxes = tax::by_rate(breakdown.charges())?;
        breakdown.discount_minor = money::sum(breakdown.charges().map(|c| c.discount_minor), "discount")?;
        breakdown.tax_minor = money::sum(breakdown.charges().map(|c| c.tax_minor), "tax")?;
        breakdown.total_minor = money::sum(breakdown.charges().map(|c| c.total_minor), "total")?;
        Ok(breakdown)
    }

    /// Every charge of the order: the lines, then the shipping.
    pub fn charges(&self) -> impl Iterator<Item = &Charge> {
        self.lines.iter().map(|line| &line.charge).chain(self.shipping.iter().map(|s| &s.charge))
    }
}
