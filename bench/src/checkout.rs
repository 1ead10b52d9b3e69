//! Checkout load scenario for goose (issue 5): each goose user logs in once (accounts
//! `bench-<n>@bench.shopfleet.test`, password `BENCH_PASSWORD`, each with a saved
//! address, made by `bench/checkout.sh`), then loops: add a line to the cart, check out
//! (a fresh `Idempotency-Key`), confirm the payment with the success test card. Variants
//! come from `BENCH_VARIANTS` (comma-separated ids, stock large enough never to run out).
//! With `BENCH_SHIPPING_METHOD` the checkout names that shipping method, and with
//! `BENCH_CODE` each round applies that promotion code to the cart first, so checkout
//! prices shipping, tax and a discount. The summary reports the `confirm` request: one
//! paid order each.

#[path = "summary.rs"]
mod summary;

use goose::prelude::*;
use serde_json::{json, Value};

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} must be set"))
}

#[derive(Clone)]
struct Shopper {
    token: String,
    address: String,
    variants: Vec<String>,
    round: usize,
}

/// Sends `body` as JSON to `path` under `name`; returns the JSON answer of a 2xx.
async fn post(
    user: &mut GooseUser,
    name: &str,
    path: &str,
    token: Option<&str>,
    key: Option<&str>,
    body: &Value,
) -> Result<Option<Value>, Box<TransactionError>> {
    let mut builder = user.get_request_builder(&GooseMethod::Post, path)?.json(body);
    if let Some(token) = token {
        builder = builder.bearer_auth(token);
    }
    if let Some(key) = key {
        builder = builder.header("Idempotency-Key", key);
    }
    let request =
        GooseRequest::builder().method(GooseMethod::Post).path(path).name(name).set_request_builder(builder).build();
    let goose = user.request(request).await?;
    match goose.response {
        Ok(response) if response.status().is_success() => Ok(response.json().await.ok()),
        _ => Ok(None),
    }
}

/// On start: log in and find the account's address.
async fn start(user: &mut GooseUser) -> TransactionResult {
    let accounts: usize = env("BENCH_ACCOUNTS").parse().expect("BENCH_ACCOUNTS is a number");
    let email = format!("bench-{}@bench.shopfleet.test", user.weighted_users_index % accounts);
    let builder = user.get_request_builder(&GooseMethod::Post, "/api/v1/auth/token")?.form(&[
        ("grant_type", "password"),
        ("username", email.as_str()),
        ("password", env("BENCH_PASSWORD").as_str()),
    ]);
    let request = GooseRequest::builder()
        .method(GooseMethod::Post)
        .path("/api/v1/auth/token")
        .name("setup-login")
        .set_request_builder(builder)
        .build();
    let goose = user.request(request).await?;
    let token: Value = goose.response.expect("login").json().await.expect("token JSON");
    let token = token["access_token"].as_str().expect("access token").to_owned();
    let builder = user.get_request_builder(&GooseMethod::Get, "/api/v1/users/me/addresses")?.bearer_auth(&token);
    let request = GooseRequest::builder().path("/api/v1/users/me/addresses").name("setup-address").set_request_builder(builder).build();
    let goose = user.request(request).await?;
    let addresses: Value = goose.response.expect("addresses").json().await.expect("addresses JSON");
    let address = addresses[0]["id"].as_str().expect("a saved address").to_owned();
    let variants = env("BENCH_VARIANTS").split(',').map(str::to_owned).collect();
    user.set_session_data(Shopper { token, address, variants, round: 0 });
    Ok(())
}

/// One order: add to cart, check out, pay.
async fn order(user: &mut GooseUser) -> TransactionResult {
    let mut shopper = user.get_session_data::<Shopper>().expect("started").clone();
    shopper.round += 1;
    let variant = &shopper.variants[(user.weighted_users_index * 7919 + shopper.round) % shopper.variants.len()];
    let line = json!({"variant_id": variant, "quantity": 1});
    let token = shopper.token.clone();
    post(user, "add-to-cart", "/api/v1/cart/lines", Some(&token), None, &line).await?;
    if let Ok(code) = std::env::var("BENCH_CODE") {
        post(user, "apply-code", "/api/v1/cart/code", Some(&token), None, &json!({"code": code})).await?;
    }
    // Keys live a day: each run's rounds need their own (`BENCH_ROUND`), or a later round
    // would replay an earlier round's key with another body and be refused.
    let run = std::env::var("BENCH_ROUND").unwrap_or_default();
    let key = format!("bench-{run}-{}-{}", user.weighted_users_index, shopper.round);
    let method = std::env::var("BENCH_SHIPPING_METHOD").ok();
    let checkout = json!({"address_id": shopper.address, "shipping_method_id": method});
    let placed = post(user, "checkout", "/api/v1/checkout", Some(&token), Some(&key), &checkout).await?;
    if let Some(order) = placed.as_ref().and_then(|o| o["id"].as_str()) {
        let card = json!({"card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2040, "cvc": "123"}});
        let path = format!("/api/v1/orders/{order}/payment/confirm");
        // Keys are per account across routes (Stripe): the payment needs its own.
        post(user, "confirm", &path, Some(&token), Some(&format!("{key}-pay")), &card).await?;
    }
    user.set_session_data(shopper);
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), GooseError> {
    let scenario = scenario!("checkout")
        .register_transaction(transaction!(start).set_on_start())
        .register_transaction(transaction!(order));
    let metrics = GooseAttack::initialize()?.register_scenario(scenario).execute().await?;
    summary::report(&metrics, "checkout", "POST confirm");
    summary::report_also(&metrics, "checkout", &["POST add-to-cart", "POST checkout"]);
    Ok(())
}
