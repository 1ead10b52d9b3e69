//! The demo shop's pricing: EU-style prices with VAT included, two zones with their VAT
//! rates, standard and express shipping, and a first-order code, so that `make dev`
//! prices a cart the way a real European shop would.

use serde_json::json;
use shopfleet_domain::pricing::{Benefit, ShippingRate, Target};
use shopfleet_domain::DomainError;
use sqlx::{types::Json, PgConnection};
use uuid::Uuid;

/// The demo's first-order code: 10 % off the order, once per customer.
pub const WELCOME_CODE: &str = "WELCOME10";

/// A demo zone: its countries, VAT rates and shipping prices.
struct DemoZone {
    name: &'static str,
    countries: &'static [&'static str],
    standard_bp: i32,
    reduced_bp: i32,
    standard_minor: i64,
    express_minor: i64,
}

const ZONES: &[DemoZone] = &[
    DemoZone {
        name: "Germany",
        countries: &["DE"],
        standard_bp: 1900,
        reduced_bp: 700,
        standard_minor: 495,
        express_minor: 1290,
    },
    DemoZone {
        name: "European Union",
        countries: &["AT", "BE", "DK", "ES", "FI", "FR", "IE", "IT", "LU", "NL", "PL", "PT", "SE"],
        standard_bp: 2100,
        reduced_bp: 1000,
        standard_minor: 995,
        express_minor: 2490,
    },
];

/// Standard shipping is free from this subtotal (EUR 50).
const FREE_SHIPPING_FROM: i64 = 5000;

/// Loads the demo pricing in the demo shop's transaction; ids come from `next_id`, so
/// the shop stays deterministic.
pub(crate) async fn load(
    conn: &mut PgConnection,
    mut next_id: impl FnMut() -> Uuid,
) -> Result<(), DomainError> {
    sqlx::query("UPDATE shop_pricing SET prices_include_tax = true").execute(&mut *conn).await?;
    for DemoZone { name, countries, standard_bp, reduced_bp, standard_minor, express_minor } in ZONES {
        let zone = next_id();
        sqlx::query(
            "INSERT INTO shipping_zones (id, name, countries, standard_rate_bp, reduced_rate_bp) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(zone)
        .bind(name)
        .bind(countries)
        .bind(standard_bp)
        .bind(reduced_bp)
        .execute(&mut *conn)
        .await?;
        let methods = [
            (
                "Standard",
                "2–4 working days",
                ShippingRate::FreeAbove {
                    threshold_minor: FREE_SHIPPING_FROM,
                    amount_minor: *standard_minor,
                },
            ),
            ("Express", "next working day", ShippingRate::Flat { amount_minor: *express_minor }),
        ];
        for (method, delivery_time, rate) in methods {
            sqlx::query(
                "INSERT INTO shipping_methods (id, zone_id, name, delivery_time, currency, rate) VALUES ($1, $2, $3, $4, 'EUR', $5)",
            )
            .bind(next_id())
            .bind(zone)
            .bind(method)
            .bind(delivery_time)
            .bind(Json(rate))
            .execute(&mut *conn)
            .await?;
        }
    }
    let welcome = Benefit::PercentOff { percent_bp: 1000, target: Target::Order };
    sqlx::query(
        "INSERT INTO promotions (id, code, name, currency, benefit, per_customer_limit) VALUES ($1, $2, $3, 'EUR', $4, 1)",
    )
    .bind(next_id())
    .bind(WELCOME_CODE)
    .bind("10 % off your first order")
    .bind(Json(json!(welcome)))
    .execute(&mut *conn)
    .await?;
    Ok(())
}
