//! Promotions: what one offers ([`Benefit`]), whose lines it may touch, and which of
//! those in play the shopper gets: all the combinable ones together or the single best
//! non-combinable one, whichever takes more off.

use super::input::Item;
use super::{field, money, Line};
use crate::DomainError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Seconds since the Unix epoch.
pub type UnixSeconds = i64;

/// An automatic promotion or a code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Promotion {
    pub id: Uuid,
    /// What the shopper types; `None` for an automatic promotion.
    pub code: Option<String>,
    pub benefit: Benefit,
    /// The cart subtotal before discounts the promotion needs; 0 for none.
    #[serde(default)]
    pub min_subtotal_minor: i64,
    /// Whether it applies together with the other combinable promotions.
    pub combinable: bool,
    /// `None`: the shop's (admin's) promotion, which may discount any line. A merchant's
    /// promotion may only discount that merchant's own lines, and never shipping.
    pub owner: Option<Uuid>,
    /// Valid from this instant (inclusive); checked by [`check_code`](super::check_code).
    pub starts_at: Option<UnixSeconds>,
    /// Valid until this instant (exclusive).
    pub ends_at: Option<UnixSeconds>,
    /// Redemptions allowed in total.
    pub usage_limit: Option<u32>,
    /// Redemptions allowed per customer.
    pub per_customer_limit: Option<u32>,
}

/// Most units a buy-X-get-Y promotion counts on either side (a cart line holds at most 1000).
const MAX_UNITS: u32 = 1000;

/// What a promotion takes off. Amounts are as shown: tax included in an inclusive shop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Benefit {
    /// `percent_bp` basis points (1000 = 10 %) of the targeted lines together.
    PercentOff {
        #[schema(minimum = 1, maximum = 10000)]
        percent_bp: u32,
        target: Target,
    },
    /// `amount_minor` off the targeted lines together (once, not per unit), at most
    /// what they cost.
    AmountOff { amount_minor: i64, target: Target },
    /// The shipping price, whole. Shop-wide promotions only.
    FreeShipping,
    /// In every `buy + get` targeted units, `get` are discounted by `percent_bp`
    /// (10 000 = free): the cheapest units of the cart.
    BuyXGetY {
        #[schema(minimum = 1, maximum = 1000)]
        buy: u32,
        #[schema(minimum = 1, maximum = 1000)]
        get: u32,
        #[schema(minimum = 1, maximum = 10000)]
        percent_bp: u32,
        target: Target,
    },
}

/// The lines a benefit discounts (within those its owner may discount).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "scope", rename_all = "snake_case")]
pub enum Target {
    Order,
    Products { product_ids: Vec<Uuid> },
    Categories { category_ids: Vec<Uuid> },
}

/// One promotion the shopper got, and what it took off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AppliedDiscount {
    pub promotion_id: Uuid,
    pub code: Option<String>,
    pub amount_minor: i64,
    pub on: DiscountOn,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DiscountOn {
    /// Its share of each line it discounted, in variant-id order.
    Lines {
        shares: Vec<LineShare>,
    },
    Shipping,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LineShare {
    pub variant_id: Uuid,
    pub amount_minor: i64,
}

impl Target {
    fn matches(&self, line: &Line) -> bool {
        match self {
            Self::Order => true,
            Self::Products { product_ids } => product_ids.contains(&line.product_id),
            Self::Categories { category_ids } => line.category_ids.iter().any(|c| category_ids.contains(c)),
        }
    }

    fn validate(&self, at: &str) -> Result<(), DomainError> {
        let empty = match self {
            Self::Order => None,
            Self::Products { product_ids } => product_ids.is_empty().then_some("product_ids"),
            Self::Categories { category_ids } => category_ids.is_empty().then_some("category_ids"),
        };
        match empty {
            Some(name) => Err(DomainError::invalid(field(at, name), "must list at least one")),
            None => Ok(()),
        }
    }
}

impl Benefit {
    fn target(&self) -> Option<&Target> {
        match self {
            Self::PercentOff { target, .. }
            | Self::AmountOff { target, .. }
            | Self::BuyXGetY { target, .. } => Some(target),
            Self::FreeShipping => None,
        }
    }

    /// When it applies among combined promotions: buy-X-get-Y, then percentages and
    /// amounts off chosen lines, then off the order, then free shipping.
    fn stage(&self) -> u8 {
        let on_order = self.target() == Some(&Target::Order);
        match self {
            Self::BuyXGetY { .. } => 0,
            Self::PercentOff { .. } if !on_order => 1,
            Self::AmountOff { .. } if !on_order => 2,
            Self::PercentOff { .. } => 3,
            Self::AmountOff { .. } => 4,
            Self::FreeShipping => 5,
        }
    }

    fn validate(&self, at: &str) -> Result<(), DomainError> {
        let percent = |percent_bp: u32| {
            if (1..=10_000).contains(&percent_bp) {
                Ok(())
            } else {
                Err(DomainError::invalid(field(at, "percent_bp"), "must be between 1 and 10000 (100 %)"))
            }
        };
        match self {
            Self::PercentOff { percent_bp, .. } => percent(*percent_bp)?,
            Self::AmountOff { amount_minor, .. } if *amount_minor <= 0 => {
                return Err(DomainError::invalid(field(at, "amount_minor"), "must be a positive amount"));
            }
            Self::BuyXGetY { buy, get, percent_bp, .. } => {
                percent(*percent_bp)?;
                for (name, units) in [("buy", *buy), ("get", *get)] {
                    if !(1..=MAX_UNITS).contains(&units) {
                        return Err(DomainError::invalid(field(at, name), "must be between 1 and 1000"));
                    }
                }
            }
            Self::AmountOff { .. } | Self::FreeShipping => {}
        }
        self.target().map_or(Ok(()), |target| target.validate(&field(at, "target")))
    }
}

impl Promotion {
    /// Whether the promotion may discount `line`: the line is its owner's (any line for
    /// a shop-wide promotion) and its benefit targets it.
    pub fn may_discount(&self, line: &Line) -> bool {
        let owned = self.owner.is_none() || self.owner == line.merchant_id;
        owned && self.benefit.target().is_some_and(|target| target.matches(line))
    }

    /// Refuses an impossible promotion, naming the field under `at`: a percentage
    /// outside 1–10 000 bp, an amount or quantity that is not positive, an empty
    /// target, a negative minimum, a window that ends before it starts, a blank code,
    /// or a merchant's free shipping.
    pub fn validate(&self, at: &str) -> Result<(), DomainError> {
        self.benefit.validate(&field(at, "benefit"))?;
        if self.owner.is_some() && self.benefit == Benefit::FreeShipping {
            return Err(DomainError::invalid(
                field(at, "benefit"),
                "free shipping is the shop's to give: only a shop-wide promotion may offer it",
            ));
        }
        if self.min_subtotal_minor < 0 {
            return Err(DomainError::invalid(field(at, "min_subtotal_minor"), "must not be negative"));
        }
        if let (Some(starts), Some(ends)) = (self.starts_at, self.ends_at) {
            if ends <= starts {
                return Err(DomainError::invalid(field(at, "ends_at"), "must be after starts_at"));
            }
        }
        if self.code.as_deref().is_some_and(|code| code.trim().is_empty()) {
            return Err(DomainError::invalid(field(at, "code"), "must not be blank"));
        }
        Ok(())
    }
}

#[cfg(test)]
impl Promotion {
    /// A combinable shop-wide promotion without code, minimum, window or limits.
    pub(crate) fn plain(id: Uuid, benefit: Benefit) -> Self {
        Promotion {
            id,
            code: None,
            benefit,
            min_subtotal_minor: 0,
            combinable: true,
            owner: None,
            starts_at: None,
            ends_at: None,
            usage_limit: None,
            per_customer_limit: None,
        }
    }
}

/// What the chosen promotions take off.
pub(crate) struct Discounts {
    /// Per line, in the items' (variant-id) order.
    pub lines: Vec<i64>,
    pub shipping: i64,
    pub applied: Vec<AppliedDiscount>,
}

impl Discounts {
    fn total(&self) -> i128 {
        self.lines.iter().map(|&d| i128::from(d)).sum::<i128>() + i128::from(self.shipping)
    }
}

/// The discounts the shopper gets from `promotions` on `items` (in variant-id order)
/// worth `subtotal_minor`, with shipping costing `shipping_minor`. A promotion whose
/// minimum the subtotal misses is not in play. Of the candidates (all combinable
/// promotions in play together, and each non-combinable one alone), the one taking the
/// most off wins; a tie goes to the combined set, then to the earlier promotion in
/// application order.
pub(crate) fn best(
    promotions: &[Promotion],
    items: &[Item<'_>],
    subtotal_minor: i64,
    shipping_minor: i64,
) -> Result<Discounts, DomainError> {
    let mut in_play: Vec<&Promotion> =
        promotions.iter().filter(|promotion| subtotal_minor >= promotion.min_subtotal_minor).collect();
    in_play.sort_by_key(|promotion| (promotion.benefit.stage(), promotion.id));
    let (combinable, alone): (Vec<&Promotion>, Vec<&Promotion>) =
        in_play.into_iter().partition(|promotion| promotion.combinable);
    let mut best = apply(&combinable, items, shipping_minor)?;
    for promotion in alone {
        let candidate = apply(&[promotion], items, shipping_minor)?;
        if candidate.total() > best.total() {
            best = candidate;
        }
    }
    Ok(best)
}

/// Applies `promotions` one after the other, in application order, each to what is
/// still left to pay, so together they never take off more than the lines and shipping
/// cost. A promotion that takes nothing off is not listed.
fn apply(
    promotions: &[&Promotion],
    items: &[Item<'_>],
    shipping_minor: i64,
) -> Result<Discounts, DomainError> {
    let mut taken = Discounts { lines: vec![0; items.len()], shipping: 0, applied: Vec::new() };
    for promotion in promotions {
        let (amount_minor, on) = if promotion.benefit == Benefit::FreeShipping {
            let amount = shipping_minor - taken.shipping;
            taken.shipping = shipping_minor;
            (amount, DiscountOn::Shipping)
        } else {
            let open: Vec<i64> = items
                .iter()
                .zip(&taken.lines)
                .map(
                    |(item, taken)| {
                        if promotion.may_discount(item.line) {
                            item.gross_minor - taken
                        } else {
                            0
                        }
                    },
                )
                .collect();
            let per_line = line_discounts(&promotion.benefit, items, &open)?;
            taken.lines.iter_mut().zip(&per_line).for_each(|(taken, amount)| *taken += amount);
            let shares = items
                .iter()
                .zip(&per_line)
                .filter(|(_, &amount)| amount > 0)
                .map(|(item, &amount_minor)| LineShare { variant_id: item.line.variant_id, amount_minor })
                .collect();
            (money::sum(per_line, FIELD)?, DiscountOn::Lines { shares })
        };
        if amount_minor > 0 {
            let (promotion_id, code) = (promotion.id, promotion.code.clone());
            taken.applied.push(AppliedDiscount { promotion_id, code, amount_minor, on });
        }
    }
    Ok(taken)
}

/// The field an overflow while discounting names.
const FIELD: &str = "promotions";

/// What `benefit` takes off each line, given what each still costs (`open`: 0 for the
/// lines it may not discount).
fn line_discounts(benefit: &Benefit, items: &[Item<'_>], open: &[i64]) -> Result<Vec<i64>, DomainError> {
    let open_total = money::sum(open.iter().copied(), FIELD)?;
    Ok(match benefit {
        Benefit::PercentOff { percent_bp, .. } => {
            let off = money::basis_points_of(open_total.into(), *percent_bp);
            money::spread(money::to_minor(off, FIELD)?, open)
        }
        Benefit::AmountOff { amount_minor, .. } => money::spread((*amount_minor).min(open_total), open),
        Benefit::BuyXGetY { buy, get, percent_bp, .. } => {
            buy_x_get_y(items, open, u64::from(*buy) + u64::from(*get), *get, *percent_bp)?
        }
        Benefit::FreeShipping => vec![0; open.len()],
    })
}

/// Buy-X-get-Y on the lines still open (`open[i] > 0`): in every `group` units, `get`
/// are discounted by `percent_bp`, taken from the cheapest units first (a tie to the
/// lower variant id). Each line's discount is rounded half-even and capped at what it
/// still costs.
fn buy_x_get_y(
    items: &[Item<'_>],
    open: &[i64],
    group: u64,
    get: u32,
    percent_bp: u32,
) -> Result<Vec<i64>, DomainError> {
    let mut cheapest_first: Vec<usize> = (0..items.len()).filter(|&i| open[i] > 0).collect();
    let units: u64 = cheapest_first.iter().map(|&i| u64::from(items[i].line.quantity)).sum();
    let mut rewarded = units / group * u64::from(get);
    cheapest_first.sort_by_key(|&i| items[i].line.unit_price_minor);
    let mut discounts = vec![0; items.len()];
    for i in cheapest_first {
        let units = rewarded.min(u64::from(items[i].line.quantity));
        rewarded -= units;
        let off = money::basis_points_of(
            i128::from(items[i].line.unit_price_minor) * i128::from(units),
            percent_bp,
        );
        discounts[i] = money::to_minor(off, FIELD)?.min(open[i]);
    }
    Ok(discounts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn promotion(benefit: Benefit) -> Promotion {
        Promotion { code: Some("TEN".into()), ..Promotion::plain(Uuid::from_u128(1), benefit) }
    }

    fn refusal(promotion: Promotion) -> String {
        promotion.validate("").unwrap_err().to_string()
    }

    #[test]
    fn impossible_promotions_are_refused_naming_the_field() {
        let ten = promotion(Benefit::AmountOff { amount_minor: 1000, target: Target::Order });
        assert!(ten.validate("").is_ok());
        let free = |buy, get| Benefit::BuyXGetY { buy, get, percent_bp: 10_000, target: Target::Order };
        assert!(refusal(promotion(Benefit::AmountOff { amount_minor: 0, target: Target::Order }))
            .starts_with("benefit.amount_minor:"));
        assert!(refusal(promotion(free(0, 1))).starts_with("benefit.buy:"));
        assert!(refusal(promotion(free(1, 0))).starts_with("benefit.get:"));
        let categories = Target::Categories { category_ids: vec![] };
        assert!(refusal(promotion(Benefit::PercentOff { percent_bp: 10_001, target: Target::Order }))
            .starts_with("benefit.percent_bp:"));
        assert!(refusal(promotion(Benefit::PercentOff { percent_bp: 500, target: categories }))
            .starts_with("benefit.target.category_ids:"));
        assert!(
            refusal(Promotion { min_subtotal_minor: -1, ..ten.clone() }).starts_with("min_subtotal_minor:")
        );
        assert!(refusal(Promotion { starts_at: Some(10), ends_at: Some(10), ..ten.clone() })
            .starts_with("ends_at:"));
        assert!(refusal(Promotion { code: Some(" ".into()), ..ten }).starts_with("code:"));
    }

    #[test]
    fn a_merchants_promotion_may_discount_only_its_own_targeted_lines() {
        let (shoes, merchant) = (Uuid::from_u128(7), Uuid::from_u128(50));
        let line = |merchant_id, category| Line {
            variant_id: Uuid::from_u128(1),
            product_id: Uuid::from_u128(2),
            category_ids: vec![category],
            merchant_id,
            unit_price_minor: 100,
            quantity: 1,
            weight_grams: 0,
            tax_class: super::super::TaxClass::Standard,
        };
        let on_shoes = Benefit::PercentOff {
            percent_bp: 1000,
            target: Target::Categories { category_ids: vec![shoes] },
        };
        let merchants = Promotion { owner: Some(merchant), ..promotion(on_shoes) };
        assert!(merchants.may_discount(&line(Some(merchant), shoes)));
        assert!(!merchants.may_discount(&line(Some(Uuid::from_u128(60)), shoes)), "another merchant's line");
        assert!(!merchants.may_discount(&line(None, shoes)), "the shop's own line");
        assert!(!merchants.may_discount(&line(Some(merchant), Uuid::from_u128(8))), "not a shoe");
        let shops = Promotion { owner: None, ..merchants };
        assert!(
            shops.may_discount(&line(Some(Uuid::from_u128(60)), shoes)),
            "the shop's may discount any line"
        );
    }
}
