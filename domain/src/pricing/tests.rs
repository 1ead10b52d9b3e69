//! Worked examples of [`price`] and [`refund_tax`], one rule each, with real numbers.

use super::*;
use uuid::Uuid;

pub(super) fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn line(variant: u128, unit_price_minor: i64, quantity: u32) -> Line {
    Line {
        variant_id: id(variant),
        product_id: id(100 + variant),
        category_ids: vec![],
        merchant_id: None,
        unit_price_minor,
        quantity,
        weight_grams: 0,
        tax_class: TaxClass::Standard,
    }
}

fn in_category(category: u128, line: Line) -> Line {
    Line { category_ids: vec![id(category)], ..line }
}

fn sold_by(merchant: u128, line: Line) -> Line {
    Line { merchant_id: Some(id(merchant)), ..line }
}

const VAT: TaxConfig = TaxConfig { mode: TaxMode::Inclusive, standard_bp: 1900, reduced_bp: 700 };
const SALES_TAX: TaxConfig = TaxConfig { mode: TaxMode::Exclusive, standard_bp: 825, reduced_bp: 825 };

fn cart(tax: TaxConfig, lines: Vec<Line>) -> PricingInput {
    PricingInput {
        lines,
        address: Address { country: "DE".into(), region: None, postcode: None },
        tax,
        shipping_method: None,
        promotions: vec![],
    }
}

fn shipped(rate: ShippingRate, input: PricingInput) -> PricingInput {
    let zone = Zone { countries: vec!["DE".into(), "AT".into()], regions: vec![], postcode_prefixes: vec![] };
    PricingInput {
        shipping_method: Some(ShippingMethod { id: id(900), zone, rate, tax_class: TaxClass::Standard }),
        ..input
    }
}

fn promotion(n: u128, benefit: Benefit) -> Promotion {
    Promotion::plain(id(n), benefit)
}

fn promoted(promotions: Vec<Promotion>, input: PricingInput) -> PricingInput {
    PricingInput { promotions, ..input }
}

fn percent_off(bp: u32, target: Target) -> Benefit {
    Benefit::PercentOff { percent_bp: bp, target }
}

fn amount_off(amount_minor: i64) -> Benefit {
    Benefit::AmountOff { amount_minor, target: Target::Order }
}

/// Each line's (discount, tax, total), in variant-id order.
fn lines(breakdown: &Breakdown) -> Vec<(i64, i64, i64)> {
    breakdown
        .lines
        .iter()
        .map(|l| (l.charge.discount_minor, l.charge.tax_minor, l.charge.total_minor))
        .collect()
}

fn refusal(input: &PricingInput) -> String {
    price(input).unwrap_err().to_string()
}

#[test]
fn vat_at_19_percent_is_contained_in_inclusive_prices() {
    let reduced = Line { tax_class: TaxClass::Reduced, ..line(2, 1070, 2) };
    let priced = price(&cart(VAT, vec![line(1, 11_900, 1), reduced, line(3, 999, 1)])).unwrap();
    // 11 900 ÷ 1.19 = 10 000; 2 140 ÷ 1.07 = 2 000; 999 ÷ 1.19 = 839.496 → 839.
    assert_eq!(lines(&priced), vec![(0, 1900, 11_900), (0, 140, 2140), (0, 160, 999)]);
    assert_eq!((priced.subtotal_minor, priced.tax_minor, priced.total_minor), (15_039, 2200, 15_039));
    assert_eq!(
        priced.taxes,
        vec![
            TaxLine { tax_class: TaxClass::Standard, rate_bp: 1900, taxable_minor: 10_839, tax_minor: 2060 },
            TaxLine { tax_class: TaxClass::Reduced, rate_bp: 700, taxable_minor: 2000, tax_minor: 140 },
        ]
    );
}

#[test]
fn us_sales_tax_at_8_25_percent_is_added_to_lines_and_shipping() {
    let input = shipped(
        ShippingRate::Flat { amount_minor: 599 },
        cart(SALES_TAX, vec![line(1, 1999, 3), line(2, 200, 1)]),
    );
    let priced = price(&input).unwrap();
    // 5 997 × 8.25 % = 494.75 → 495; 200 × 8.25 % = 16.5 → 16 (half to even).
    assert_eq!(lines(&priced), vec![(0, 495, 6492), (0, 16, 216)]);
    let shipping = &priced.shipping.as_ref().unwrap().charge;
    assert_eq!((shipping.net_minor, shipping.tax_minor, shipping.total_minor), (599, 49, 648), "49.42 → 49");
    assert_eq!((priced.subtotal_minor, priced.tax_minor, priced.total_minor), (6197, 560, 7356));
}

#[test]
fn weight_bands_price_the_cart_by_its_weight() {
    let bands = ShippingRate::WeightBands {
        bands: vec![
            WeightBand { up_to_grams: 1000, amount_minor: 500 },
            WeightBand { up_to_grams: 5000, amount_minor: 900 },
        ],
    };
    let heavy = |quantity| Line { weight_grams: 400, ..line(1, 2000, quantity) };
    let priced = price(&shipped(bands.clone(), cart(VAT, vec![heavy(3)]))).unwrap();
    let shipping = priced.shipping.unwrap().charge;
    assert_eq!(
        (shipping.gross_minor, shipping.tax_minor),
        (900, 144),
        "1 200 g: the second band, 19 % inside"
    );
    assert_eq!(priced.total_minor, 6900);
    assert_eq!(
        refusal(&shipped(bands.clone(), cart(VAT, vec![heavy(13)]))),
        "shipping_method: does not take a cart of 5200 g"
    );
    let abroad = PricingInput {
        address: Address { country: "US".into(), region: Some("CA".into()), postcode: None },
        ..shipped(bands, cart(VAT, vec![heavy(1)]))
    };
    assert_eq!(refusal(&abroad), "shipping_method: does not deliver to this address");
}

#[test]
fn shipping_is_free_above_the_subtotal_before_discounts() {
    let rate = ShippingRate::FreeAbove { threshold_minor: 5000, amount_minor: 495 };
    let cost = |input: &PricingInput| price(input).unwrap().shipping.unwrap().charge.total_minor;
    assert_eq!(cost(&shipped(rate.clone(), cart(VAT, vec![line(1, 4999, 1)]))), 495);
    let reaches = shipped(rate, cart(VAT, vec![line(1, 5000, 1)]));
    assert_eq!(cost(&reaches), 0);
    let discounted = promoted(vec![promotion(1, amount_off(1000))], reaches);
    assert_eq!(cost(&discounted), 0, "the threshold looks at the subtotal before discounts");
}

#[test]
fn free_shipping_zeroes_the_shipping_and_its_tax() {
    let input = promoted(
        vec![promotion(1, Benefit::FreeShipping)],
        shipped(ShippingRate::Flat { amount_minor: 599 }, cart(SALES_TAX, vec![line(1, 1000, 1)])),
    );
    let priced = price(&input).unwrap();
    let shipping = priced.shipping.unwrap().charge;
    assert_eq!(
        (shipping.gross_minor, shipping.discount_minor, shipping.tax_minor, shipping.total_minor),
        (599, 599, 0, 0)
    );
    assert_eq!(priced.discounts[0].on, DiscountOn::Shipping);
    assert_eq!((priced.discount_minor, priced.total_minor), (599, 1082), "82.5 → 82, the even one");
}

#[test]
fn buy_one_get_one_free_gives_the_cheapest_unit() {
    let shoes = 7;
    let bogo = Benefit::BuyXGetY {
        buy: 1,
        get: 1,
        percent_bp: 10_000,
        target: Target::Categories { category_ids: vec![id(shoes)] },
    };
    let input = cart(
        VAT,
        vec![in_category(shoes, line(1, 5000, 1)), in_category(shoes, line(2, 3000, 2)), line(3, 2000, 1)],
    );
    let priced = price(&promoted(vec![promotion(1, bogo)], input)).unwrap();
    // Three shoes make one pair: the cheapest shoe (3 000) is free; the shirt is not a shoe.
    assert_eq!(priced.lines.iter().map(|l| l.charge.discount_minor).collect::<Vec<_>>(), vec![0, 3000, 0]);
    assert_eq!(priced.total_minor, 13_000 - 3000);
}

#[test]
fn buy_two_get_one_at_half_price() {
    let deal = Benefit::BuyXGetY { buy: 2, get: 1, percent_bp: 5000, target: Target::Order };
    let priced =
        price(&promoted(vec![promotion(1, deal)], cart(VAT, vec![line(1, 1000, 3), line(2, 400, 3)])))
            .unwrap();
    // Six units make two groups: the two cheapest (400 each) at half price.
    assert_eq!(priced.lines.iter().map(|l| l.charge.discount_minor).collect::<Vec<_>>(), vec![0, 400]);
}

#[test]
fn ten_percent_off_a_category_is_spread_by_largest_remainder() {
    let books = 5;
    let input = promoted(
        vec![promotion(1, percent_off(1000, Target::Categories { category_ids: vec![id(books)] }))],
        cart(
            SALES_TAX,
            vec![
                in_category(books, line(1, 2500, 1)),
                in_category(books, line(2, 1333, 1)),
                line(3, 4000, 1),
            ],
        ),
    );
    let priced = price(&input).unwrap();
    // 10 % of 3 833 = 383.3 → 383; quotas 249.80 and 133.19: the larger remainder gets the unit.
    // Tax after discount: 2 250 → 185.625 → 186, 1 200 → 99, 4 000 → 330.
    assert_eq!(lines(&priced), vec![(250, 186, 2436), (133, 99, 1299), (0, 330, 4330)]);
    let shares = vec![
        LineShare { variant_id: id(1), amount_minor: 250 },
        LineShare { variant_id: id(2), amount_minor: 133 },
    ];
    assert_eq!(
        priced.discounts,
        vec![AppliedDiscount {
            promotion_id: id(1),
            code: None,
            amount_minor: 383,
            on: DiscountOn::Lines { shares }
        }]
    );
}

#[test]
fn a_tie_in_the_spread_goes_to_the_lower_variant_id_whatever_the_cart_order() {
    let lines_in = |order: [u128; 3]| order.map(|variant| line(variant, 1000, 1)).to_vec();
    let off = |lines| promoted(vec![promotion(1, amount_off(100))], cart(VAT, lines));
    let priced = price(&off(lines_in([3, 1, 2]))).unwrap();
    assert_eq!(priced.lines.iter().map(|l| l.charge.discount_minor).collect::<Vec<_>>(), vec![34, 33, 33]);
    assert_eq!(priced.lines[0].variant_id, id(1));
    assert_eq!(priced, price(&off(lines_in([2, 3, 1]))).unwrap());
}

#[test]
fn a_merchants_promotion_discounts_only_that_merchants_lines() {
    let (ours, theirs) = (50, 60);
    let everything = [7];
    let input = cart(
        VAT,
        vec![
            sold_by(ours, in_category(7, line(1, 1000, 1))),
            sold_by(theirs, in_category(7, line(2, 1000, 1))),
            in_category(7, line(3, 1000, 1)),
        ],
    );
    let merchants = Promotion {
        owner: Some(id(ours)),
        ..promotion(1, percent_off(2000, Target::Categories { category_ids: everything.map(id).to_vec() }))
    };
    let priced = price(&promoted(vec![merchants], input.clone())).unwrap();
    assert_eq!(priced.lines.iter().map(|l| l.charge.discount_minor).collect::<Vec<_>>(), vec![200, 0, 0]);
    let shops = promotion(1, percent_off(2000, Target::Order));
    let priced = price(&promoted(vec![shops], input)).unwrap();
    assert_eq!(priced.lines.iter().map(|l| l.charge.discount_minor).collect::<Vec<_>>(), vec![200, 200, 200]);
}

#[test]
fn only_the_shop_gives_free_shipping() {
    let input = promoted(
        vec![Promotion { owner: Some(id(50)), ..promotion(1, Benefit::FreeShipping) }],
        cart(VAT, vec![line(1, 1000, 1)]),
    );
    assert!(refusal(&input).starts_with("promotions[0].benefit: free shipping is the shop's to give"));
}

#[test]
fn the_shopper_gets_the_combination_or_the_single_best_whichever_is_larger() {
    let exclusive = |n, benefit| Promotion { combinable: false, ..promotion(n, benefit) };
    let priced = |promotions| price(&promoted(promotions, cart(VAT, vec![line(1, 10_000, 1)]))).unwrap();
    let quarter = exclusive(9, percent_off(2500, Target::Order));
    let small = priced(vec![
        promotion(1, percent_off(1000, Target::Order)),
        promotion(2, amount_off(500)),
        quarter.clone(),
    ]);
    assert_eq!(
        small.discounts.iter().map(|d| d.promotion_id).collect::<Vec<_>>(),
        vec![id(9)],
        "2 500 beats 1 500"
    );
    let large = priced(vec![
        promotion(1, percent_off(1000, Target::Order)),
        promotion(2, amount_off(2000)),
        quarter.clone(),
    ]);
    assert_eq!(large.discount_minor, 3000, "10 % first (1 000), then 2 000 off the rest");
    assert_eq!(large.discounts.iter().map(|d| d.promotion_id).collect::<Vec<_>>(), vec![id(1), id(2)]);
    let tie = priced(vec![quarter.clone(), promotion(2, amount_off(2500))]);
    assert_eq!(tie.discounts[0].promotion_id, id(2), "a tie goes to the combinable set");
    let two_alone = priced(vec![exclusive(8, amount_off(2500)), quarter]);
    assert_eq!(two_alone.discounts[0].promotion_id, id(9), "then to the first in application order");
}

#[test]
fn a_promotion_below_its_minimum_is_not_applied() {
    let needs = Promotion { min_subtotal_minor: 20_000, ..promotion(1, amount_off(500)) };
    let priced = price(&promoted(vec![needs.clone()], cart(VAT, vec![line(1, 19_999, 1)]))).unwrap();
    assert_eq!((priced.discount_minor, priced.discounts.len()), (0, 0));
    let priced = price(&promoted(vec![needs], cart(VAT, vec![line(1, 20_000, 1)]))).unwrap();
    assert_eq!(priced.discount_minor, 500);
}

#[test]
fn a_discount_never_exceeds_what_it_discounts() {
    let input = promoted(vec![promotion(1, amount_off(5000))], cart(SALES_TAX, vec![line(1, 3000, 1)]));
    let priced = price(&input).unwrap();
    assert_eq!(lines(&priced), vec![(3000, 0, 0)]);
    assert_eq!((priced.discount_minor, priced.total_minor), (3000, 0));
}

#[test]
fn an_empty_cart_costs_nothing() {
    let priced = price(&cart(VAT, vec![])).unwrap();
    assert_eq!((priced.subtotal_minor, priced.total_minor, priced.taxes.len()), (0, 0, 0));
}

#[test]
fn invalid_input_names_the_field() {
    assert!(refusal(&cart(VAT, vec![line(1, 100, 0)])).starts_with("lines[0].quantity:"));
    assert!(refusal(&cart(VAT, vec![line(1, 100, 1), line(1, 200, 1)])).starts_with("lines[1].variant_id:"));
    assert!(refusal(&cart(VAT, vec![line(1, -1, 1)])).starts_with("lines[0].unit_price_minor:"));
    let two = vec![promotion(1, amount_off(100)), promotion(1, amount_off(200))];
    assert!(refusal(&promoted(two, cart(VAT, vec![]))).starts_with("promotions[1].id:"));
    let none = vec![promotion(1, percent_off(0, Target::Order))];
    assert!(refusal(&promoted(none, cart(VAT, vec![]))).starts_with("promotions[0].benefit.percent_bp:"));
    let nothing = vec![promotion(1, percent_off(10, Target::Products { product_ids: vec![] }))];
    assert!(refusal(&promoted(nothing, cart(VAT, vec![])))
        .starts_with("promotions[0].benefit.target.product_ids:"));
    let bad_tax = TaxConfig { standard_bp: 20_000, ..VAT };
    assert!(refusal(&cart(bad_tax, vec![])).starts_with("tax.standard_bp:"));
}

#[test]
fn overflow_is_refused_naming_the_field_never_a_panic() {
    assert!(refusal(&cart(VAT, vec![line(1, i64::MAX, 2)])).starts_with("lines[0]:"));
    let halves = vec![line(1, i64::MAX / 2 + 1, 1), line(2, i64::MAX / 2 + 1, 1)];
    assert!(refusal(&cart(VAT, halves)).starts_with("lines:"));
    assert!(refusal(&cart(SALES_TAX, vec![line(1, i64::MAX, 1)])).starts_with(&format!("lines.{}:", id(1))));
    let shipping = shipped(ShippingRate::Flat { amount_minor: i64::MAX }, cart(VAT, vec![line(1, 1, 1)]));
    assert!(refusal(&shipping).starts_with("total:"));
}

#[test]
fn refunds_give_back_tax_in_proportion_and_the_last_one_the_rest() {
    let paid = price(&cart(VAT, vec![line(1, 11_900, 1)])).unwrap();
    let mut refunded = Refund::default();
    let mut taxes = Vec::new();
    for amount in [3967, 3967, 3966] {
        let refund = refund_tax(&paid, refunded, amount).unwrap();
        taxes.push(refund.tax_minor);
        refunded = Refund {
            amount_minor: refunded.amount_minor + refund.amount_minor,
            tax_minor: refunded.tax_minor + refund.tax_minor,
        };
    }
    // 1 900 × 3 967 ÷ 11 900 = 633.4 → 633; × 7 934 → 1 266.8 → 1 267; the last carries 633.
    assert_eq!(taxes, vec![633, 634, 633]);
    assert_eq!(refunded, Refund { amount_minor: 11_900, tax_minor: 1900 });
    match refund_tax(&paid, Refund { amount_minor: 11_000, tax_minor: 1756 }, 901) {
        Err(DomainError::Conflict { code: "refund_exceeds_total", detail }) => {
            assert_eq!(detail, "901 asked but only 900 of the order's 11900 is left to refund");
        }
        other => panic!("{other:?}"),
    }
    assert!(refund_tax(&paid, Refund::default(), 0).unwrap_err().to_string().starts_with("amount_minor:"));
    let too_much = Refund { amount_minor: 100, tax_minor: 1901 };
    assert!(refund_tax(&paid, too_much, 1).unwrap_err().to_string().starts_with("refunded:"));
}

#[test]
fn the_input_and_breakdown_travel_as_json() {
    let input: PricingInput = serde_json::from_value(serde_json::json!({
        "lines": [{
            "variant_id": id(1), "product_id": id(2), "merchant_id": null,
            "unit_price_minor": 1190, "quantity": 2, "tax_class": "standard"
        }],
        "address": { "country": "DE", "region": null, "postcode": "10115" },
        "tax": { "mode": "inclusive", "standard_bp": 1900, "reduced_bp": 700 },
        "shipping_method": {
            "id": id(9), "zone": { "countries": ["DE"] }, "tax_class": "standard",
            "rate": { "kind": "free_above", "threshold_minor": 5000, "amount_minor": 490 }
        },
        "promotions": [{
            "id": id(3), "code": "SPRING", "combinable": true, "owner": null,
            "benefit": { "kind": "percent_off", "percent_bp": 1000, "target": { "scope": "order" } },
            "starts_at": null, "ends_at": null, "usage_limit": 100, "per_customer_limit": 1
        }]
    }))
    .unwrap();
    let priced = price(&input).unwrap();
    assert_eq!((priced.discount_minor, priced.total_minor), (238, 2380 - 238 + 490));
    let json = serde_json::to_value(&priced).unwrap();
    assert_eq!(json["lines"][0]["net_minor"], 2142, "a line's charge is flattened into it");
    assert_eq!(json["discounts"][0]["on"]["kind"], "lines");
    assert_eq!(serde_json::from_value::<Breakdown>(json).unwrap(), priced, "the snapshot round-trips");
}
