//! Properties of [`price`] and [`refund_tax`] over generated carts: nothing is ever
//! negative, the parts add up to the totals exactly, the order of lines and promotions
//! changes nothing, the shopper gets the best discount, inclusive and exclusive shops
//! agree on the net amount, and refunds never return more than was paid.

use super::tests::id;
use super::*;
use proptest::collection::vec;
use proptest::prelude::*;
use std::collections::HashSet;

fn tax_class() -> impl Strategy<Value = TaxClass> {
    prop_oneof![Just(TaxClass::Standard), Just(TaxClass::Reduced), Just(TaxClass::Zero)]
}

/// Up to six lines with distinct variant ids, in random order, from three products,
/// three categories and two merchants besides the shop.
fn lines() -> impl Strategy<Value = Vec<Line>> {
    let line = (
        1u128..500,
        0u128..3,
        vec(0u128..3, 0..3),
        prop::option::of(1u128..3),
        0i64..100_000,
        1u32..20,
        0u32..5000,
        tax_class(),
    )
        .prop_map(|(variant, product, categories, merchant, price, quantity, weight, class)| Line {
            variant_id: id(variant),
            product_id: id(100 + product),
            category_ids: categories.into_iter().map(|c| id(200 + c)).collect(),
            merchant_id: merchant.map(|m| id(300 + m)),
            unit_price_minor: price,
            quantity,
            weight_grams: weight,
            tax_class: class,
        });
    vec(line, 0..6).prop_map(|lines| {
        let mut seen = HashSet::new();
        lines.into_iter().filter(|line| seen.insert(line.variant_id)).collect()
    })
}

fn tax(mode: TaxMode) -> impl Strategy<Value = TaxConfig> {
    (prop_oneof![0u32..=3000, 0u32..=MAX_RATE_BP], 0u32..=1500)
        .prop_map(move |(standard_bp, reduced_bp)| TaxConfig { mode, standard_bp, reduced_bp })
}

fn any_tax() -> impl Strategy<Value = TaxConfig> {
    prop_oneof![tax(TaxMode::Inclusive), tax(TaxMode::Exclusive)]
}

/// A method of the address's zone whose bands always take the cart.
fn shipping() -> impl Strategy<Value = Option<ShippingMethod>> {
    let rate = prop_oneof![
        (0i64..2000).prop_map(|amount_minor| ShippingRate::Flat { amount_minor }),
        (1u64..20_000, 0i64..1000, 0i64..3000).prop_map(|(up_to_grams, light, heavy)| {
            ShippingRate::WeightBands {
                bands: vec![
                    WeightBand { up_to_grams, amount_minor: light },
                    WeightBand { up_to_grams: 1_000_000_000, amount_minor: heavy },
                ],
            }
        }),
        (0i64..300_000, 0i64..2000).prop_map(|(threshold_minor, amount_minor)| ShippingRate::FreeAbove {
            threshold_minor,
            amount_minor
        }),
    ];
    prop::option::of((rate, tax_class()).prop_map(|(rate, tax_class)| ShippingMethod {
        id: id(900),
        zone: Zone { countries: vec!["DE".into()], regions: vec![], postcode_prefixes: vec![] },
        rate,
        tax_class,
    }))
}

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![
        Just(Target::Order),
        vec(0u128..3, 1..3)
            .prop_map(|p| Target::Products { product_ids: p.into_iter().map(|p| id(100 + p)).collect() }),
        vec(0u128..3, 1..3)
            .prop_map(|c| Target::Categories { category_ids: c.into_iter().map(|c| id(200 + c)).collect() }),
    ]
}

fn benefit() -> impl Strategy<Value = Benefit> {
    prop_oneof![
        (1u32..=10_000, target()).prop_map(|(percent_bp, target)| Benefit::PercentOff { percent_bp, target }),
        (1i64..50_000, target())
            .prop_map(|(amount_minor, target)| Benefit::AmountOff { amount_minor, target }),
        Just(Benefit::FreeShipping),
        (1u32..4, 1u32..3, 1u32..=10_000, target())
            .prop_map(|(buy, get, percent_bp, target)| Benefit::BuyXGetY { buy, get, percent_bp, target }),
    ]
}

/// Up to four promotions with distinct ids, shop-wide or a merchant's (never a
/// merchant's free shipping), some with a minimum.
fn promotions() -> impl Strategy<Value = Vec<Promotion>> {
    let promotion =
        (benefit(), prop::option::of(1u128..3), prop_oneof![Just(0i64), 0i64..200_000], any::<bool>());
    vec(promotion, 0..4).prop_map(|promotions| {
        promotions
            .into_iter()
            .enumerate()
            .map(|(i, (benefit, owner, min_subtotal_minor, combinable))| Promotion {
                id: id(1000 + i as u128),
                code: None,
                owner: owner.filter(|_| benefit != Benefit::FreeShipping).map(|m| id(300 + m)),
                benefit,
                min_subtotal_minor,
                combinable,
                starts_at: None,
                ends_at: None,
                usage_limit: None,
                per_customer_limit: None,
            })
            .collect()
    })
}

fn input_with(tax: impl Strategy<Value = TaxConfig>) -> impl Strategy<Value = PricingInput> {
    (lines(), tax, shipping(), promotions()).prop_map(|(lines, tax, shipping_method, promotions)| {
        PricingInput {
            lines,
            address: Address { country: "DE".into(), region: None, postcode: None },
            tax,
            shipping_method,
            promotions,
        }
    })
}

fn inputs() -> impl Strategy<Value = PricingInput> {
    input_with(any_tax())
}

/// `input` with every line one unit at `amount(line's charge)`, and its shipping a flat
/// `amount(shipping's charge)`: the same cart restated from another shop's figures.
fn restated(
    input: &PricingInput,
    priced: &Breakdown,
    tax: TaxConfig,
    amount: fn(&Charge) -> i64,
) -> PricingInput {
    let lines = priced
        .lines
        .iter()
        .map(|priced_line| {
            let line = input.lines.iter().find(|line| line.variant_id == priced_line.variant_id);
            Line {
                unit_price_minor: amount(&priced_line.charge),
                quantity: 1,
                ..line.cloned().expect("every priced line comes from the input")
            }
        })
        .collect();
    let shipping_method =
        input.shipping_method.clone().zip(priced.shipping.as_ref()).map(|(method, shipping)| {
            ShippingMethod { rate: ShippingRate::Flat { amount_minor: amount(&shipping.charge) }, ..method }
        });
    PricingInput { lines, tax, shipping_method, promotions: vec![], ..input.clone() }
}

proptest! {
    #[test]
    fn nothing_is_ever_negative_and_the_parts_add_up_exactly(input in inputs()) {
        let priced = price(&input).unwrap();
        for charge in priced.charges() {
            let amounts = [charge.gross_minor, charge.discount_minor, charge.net_minor, charge.taxable_minor, charge.tax_minor, charge.total_minor];
            prop_assert!(amounts.iter().all(|&amount| amount >= 0), "{charge:?}");
            prop_assert_eq!(charge.gross_minor - charge.discount_minor, charge.net_minor);
            prop_assert_eq!(charge.taxable_minor + charge.tax_minor, charge.total_minor);
            match priced.tax_mode {
                TaxMode::Exclusive => prop_assert_eq!(charge.taxable_minor, charge.net_minor),
                TaxMode::Inclusive => prop_assert_eq!(charge.total_minor, charge.net_minor),
            }
        }
        let sum = |part: fn(&Charge) -> i64| priced.charges().map(part).sum::<i64>();
        prop_assert_eq!(priced.subtotal_minor, priced.lines.iter().map(|l| l.charge.gross_minor).sum::<i64>());
        prop_assert_eq!(priced.total_minor, sum(|c| c.total_minor));
        prop_assert_eq!(priced.tax_minor, sum(|c| c.tax_minor));
        prop_assert_eq!(priced.tax_minor, priced.taxes.iter().map(|t| t.tax_minor).sum::<i64>());
        prop_assert_eq!(sum(|c| c.taxable_minor), priced.taxes.iter().map(|t| t.taxable_minor).sum::<i64>());
        prop_assert_eq!(priced.discount_minor, sum(|c| c.discount_minor));
        prop_assert_eq!(priced.discount_minor, priced.discounts.iter().map(|d| d.amount_minor).sum::<i64>());
        let shipping = priced.shipping.as_ref().map_or(0, |s| s.charge.gross_minor);
        let added_tax = if priced.tax_mode == TaxMode::Exclusive { priced.tax_minor } else { 0 };
        prop_assert_eq!(priced.total_minor, priced.subtotal_minor + shipping - priced.discount_minor + added_tax);
        for line in &priced.lines {
            let shares = priced.discounts.iter().filter_map(|d| match &d.on {
                DiscountOn::Lines { shares } => shares.iter().find(|s| s.variant_id == line.variant_id),
                DiscountOn::Shipping => None,
            });
            prop_assert_eq!(shares.map(|s| s.amount_minor).sum::<i64>(), line.charge.discount_minor);
        }
        for discount in &priced.discounts {
            prop_assert!(discount.amount_minor > 0);
            match &discount.on {
                DiscountOn::Lines { shares } => {
                    prop_assert_eq!(shares.iter().map(|s| s.amount_minor).sum::<i64>(), discount.amount_minor);
                }
                DiscountOn::Shipping => {
                    prop_assert_eq!(Some(discount.amount_minor), priced.shipping.as_ref().map(|s| s.charge.discount_minor));
                }
            }
        }
    }

    #[test]
    fn the_order_of_lines_and_promotions_changes_nothing(
        (input, lines, promotions) in inputs().prop_flat_map(|input| {
            let (lines, promotions) = (input.lines.clone(), input.promotions.clone());
            (Just(input), Just(lines).prop_shuffle(), Just(promotions).prop_shuffle())
        })
    ) {
        let shuffled = PricingInput { lines, promotions, ..input.clone() };
        prop_assert_eq!(price(&input).unwrap(), price(&shuffled).unwrap());
    }

    #[test]
    fn the_shopper_gets_at_least_any_one_promotion_alone(input in inputs()) {
        let best = price(&input).unwrap().discount_minor;
        for promotion in &input.promotions {
            let alone = PricingInput { promotions: vec![promotion.clone()], ..input.clone() };
            prop_assert!(price(&alone).unwrap().discount_minor <= best, "{promotion:?}");
        }
    }

    /// Exclusive nets restated as inclusive amounts (each line's exclusive total, as one
    /// unit) price to the same taxable amount, tax and total on every line, exactly: with
    /// `G = N + round(N·r)`, `G ÷ (1 + r) = N + δ` with `|δ| ≤ ½ ÷ (1 + r) < ½` (or 0 at r = 0),
    /// which rounds back to `N`.
    #[test]
    fn exclusive_nets_restated_inclusive_agree_exactly(input in input_with(tax(TaxMode::Exclusive))) {
        let input = PricingInput { promotions: vec![], ..input };
        let exclusive = price(&input).unwrap();
        let tax = TaxConfig { mode: TaxMode::Inclusive, ..input.tax };
        let inclusive = price(&restated(&input, &exclusive, tax, |c| c.total_minor)).unwrap();
        let figures = |b: &Breakdown| b.charges().map(|c| (c.taxable_minor, c.tax_minor, c.total_minor)).collect::<Vec<_>>();
        prop_assert_eq!(figures(&exclusive), figures(&inclusive));
        prop_assert_eq!((exclusive.tax_minor, exclusive.total_minor), (inclusive.tax_minor, inclusive.total_minor));
        prop_assert_eq!(exclusive.taxes, inclusive.taxes);
    }

    /// Inclusive amounts restated as exclusive nets (each line's taxable amount) keep the
    /// taxable amounts exactly; a line's tax and total may differ by 1, because an
    /// inclusive amount need not be any net plus its rounded tax: with `N = round(G ÷ (1 + r))`,
    /// `N + round(N·r) − G` is within `½·(1 + r) + ½ ≤ 1½` at rates up to 100 %.
    #[test]
    fn inclusive_amounts_restated_exclusive_agree_on_the_net_within_one_per_line(
        input in input_with(tax(TaxMode::Inclusive))
    ) {
        let input = PricingInput { promotions: vec![], ..input };
        let inclusive = price(&input).unwrap();
        let tax = TaxConfig { mode: TaxMode::Exclusive, ..input.tax };
        let exclusive = price(&restated(&input, &inclusive, tax, |c| c.taxable_minor)).unwrap();
        for (inc, exc) in inclusive.charges().zip(exclusive.charges()) {
            prop_assert_eq!(inc.taxable_minor, exc.taxable_minor);
            prop_assert!((inc.total_minor - exc.total_minor).abs() <= 1, "{inc:?} {exc:?}");
        }
        let lines = i64::try_from(inclusive.charges().count()).unwrap();
        prop_assert!((inclusive.total_minor - exclusive.total_minor).abs() <= lines);
    }

    /// A percentage off a one-line cart, priced exclusive and restated inclusive, leaves
    /// taxable amounts within 1: each side rounds its own discount (½ each), and the
    /// inclusive side its tax; `|N − round(p·N) − round((G − round(p·G)) ÷ (1 + r))| < 2`.
    #[test]
    fn a_percentage_off_keeps_inclusive_and_exclusive_nets_within_one(
        input in input_with(tax(TaxMode::Exclusive)),
        percent_bp in 1u32..=10_000,
    ) {
        let input = PricingInput { lines: input.lines.into_iter().take(1).collect(), shipping_method: None, promotions: vec![], ..input };
        let exclusive = price(&input).unwrap();
        let tax = TaxConfig { mode: TaxMode::Inclusive, ..input.tax };
        let off = Promotion::plain(id(1), Benefit::PercentOff { percent_bp, target: Target::Order });
        let discounted = |input: PricingInput| price(&PricingInput { promotions: vec![off.clone()], ..input }).unwrap();
        let inclusive = discounted(restated(&input, &exclusive, tax, |c| c.total_minor));
        let exclusive = discounted(input);
        for (exc, inc) in exclusive.charges().zip(inclusive.charges()) {
            prop_assert!((exc.taxable_minor - inc.taxable_minor).abs() <= 1, "{exc:?} {inc:?}");
        }
    }

    #[test]
    fn refunds_never_return_more_than_was_paid(input in inputs(), parts in vec(1i64..1000, 1..6)) {
        let paid = price(&input).unwrap();
        let mut refunded = Refund::default();
        for part in parts {
            let amount = part.min(paid.total_minor - refunded.amount_minor);
            if amount == 0 {
                break;
            }
            let refund = refund_tax(&paid, refunded, amount).unwrap();
            prop_assert!((0..=amount).contains(&refund.tax_minor), "{refund:?}");
            refunded = Refund { amount_minor: refunded.amount_minor + amount, tax_minor: refunded.tax_minor + refund.tax_minor };
            prop_assert!(refunded.amount_minor <= paid.total_minor && refunded.tax_minor <= paid.tax_minor);
        }
        let rest = paid.total_minor - refunded.amount_minor;
        if rest > 0 {
            let last = refund_tax(&paid, refunded, rest).unwrap();
            refunded = Refund { amount_minor: paid.total_minor, tax_minor: refunded.tax_minor + last.tax_minor };
        }
        prop_assert_eq!(refunded, Refund { amount_minor: paid.total_minor, tax_minor: paid.tax_minor });
        prop_assert!(refund_tax(&paid, refunded, 1).is_err(), "nothing is left to refund");
    }
}
