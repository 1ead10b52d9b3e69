//! Shop fixtures shared by the checkout, payment and fulfilment tests: merchants'
//! variants, shoppers with a cart and an address, checkout, stock and counts.

use super::{spawn_app_with, TestApp};
use serde_json::{json, Value};

/// A bigger pool, and a login throttle that lets a hundred test shoppers log in from
/// one loopback address.
pub async fn big_app() -> TestApp {
    spawn_app_with(&["--database-max-connections=40", "--login-max-attempts-per-ip=100000"], |r| r).await
}

/// A published variant with `on_hand` units; returns its id.
pub async fn variant(app: &TestApp, sku: &str, price: i64, on_hand: i32) -> String {
    let merchant =
        app.user_with_role(&format!("{}@merchants.example.com", sku.to_lowercase()), "merchant").await;
    let body = json!({"title": format!("Product {sku}"), "status": "published",
        "variants": [{"sku": sku, "price_minor": price, "currency": "EUR", "on_hand": on_hand}]});
    let product: Value =
        app.post_as("/api/v1/products", &merchant.access_token, &body).await.json().await.unwrap();
    product["variants"][0]["id"].as_str().unwrap().to_owned()
}

/// A shopper with a saved address and `lines` (variant, quantity) in the cart:
/// (access token, address id).
pub async fn shopper(app: &TestApp, email: &str, lines: &[(&str, i32)]) -> (String, String) {
    let token = app.register_and_login(email).await.access_token;
    let address = json!({"full_name": "Sam Shopper", "line1": "1 Main St", "city": "Berlin", "postal_code": "10115", "country": "DE"});
    let address: Value =
        app.post_as("/api/v1/users/me/addresses", &token, &address).await.json().await.unwrap();
    for (variant, quantity) in lines {
        let added = app
            .post_as("/api/v1/cart/lines", &token, &json!({"variant_id": variant, "quantity": quantity}))
            .await;
        assert_eq!(added.status(), 200);
    }
    (token, address["id"].as_str().unwrap().to_owned())
}

pub async fn checkout_as(app: &TestApp, token: &str, key: &str, address: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/checkout"))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(&json!({"address_id": address}))
        .send()
        .await
        .unwrap()
}

pub async fn stock(app: &TestApp, sku: &str) -> (i32, i32) {
    sqlx::query_as("SELECT on_hand, reserved FROM variants WHERE sku = $1")
        .bind(sku)
        .fetch_one(&app.ctx.db)
        .await
        .unwrap()
}

pub async fn scalar(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.ctx.db).await.unwrap()
}

/// A card form with `number` that expires in two years.
pub fn test_card(number: &str) -> shopfleet_commerce::payments::card::CardInput {
    use chrono::Datelike;
    serde_json::from_value(
        json!({"number": number, "exp_month": 12, "exp_year": chrono::Utc::now().year() + 2, "cvc": "123"}),
    )
    .unwrap()
}
