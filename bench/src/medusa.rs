//! Load scenarios for goose against Medusa 2's store API (`bench/medusa.sh` sets Medusa up
//! on Shopfleet's demo catalog), one per run, chosen by `BENCH_SCENARIO`, the peers of
//! `catalog.rs` (and of `checkout.rs` for `checkout`):
//!
//! - `list`: `GET /store/products?limit=24`, cycling through the orders Medusa's store API
//!   offers (default, newest, title A–Z and Z–A) and the category filter (`electronics` and
//!   its subcategories, as Shopfleet's `category=electronics` includes them). Medusa's store
//!   API sorts neither by price nor filters by stock, so those two of catalog.rs's five
//!   listings become title Z–A and the default order.
//! - `detail`: `GET /store/products/{id}` over the ids of the first 500 listed products
//!   (each goose user reads them on start).
//! - `search`: `GET /store/products?q=<term>&limit=24` over catalog.rs's ten terms.
//! - `checkout`: one completed order per iteration: create a cart in the EUR region with the
//!   email and a German shipping address, add a line, choose the standard shipping option,
//!   create the payment collection, start a payment session with the system provider
//!   `pp_system_default`, complete the cart. The summary reports `POST complete` (one order
//!   each) and the other steps beside it.
//!
//! Every request sends the publishable key (`MEDUSA_PUBLISHABLE_KEY`), and reads ask for
//! what a storefront shows, as Medusa's Next.js starter does: prices in the region
//! (`region_id`, `MEDUSA_REGION_ID`) and stock (`+variants.inventory_quantity`).
//! `MEDUSA_CATEGORY_IDS` (comma-separated) is the category filter of `list`; `checkout`
//! needs `MEDUSA_VARIANT_IDS` (comma-separated, stock large enough never to run out) and
//! `MEDUSA_SHIPPING_OPTION_ID`.
//!
//! Goose options (`--host`, `--users`, `--run-time`, ...) come from the command line;
//! see `summary` for the result written to `BENCH_RESULT`.

#[path = "summary.rs"]
mod summary;

use goose::goose::GooseResponse;
use goose::prelude::*;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

const TERMS: &[&str] =
    &["acme", "headphones", "jacket", "wool", "laptop", "coffee", "northwind", "running", "lamp", "cotton"];
/// What a storefront's product card and page show: prices in the region, and stock.
const FIELDS: &str = "fields=*variants.calculated_price,+variants.inventory_quantity";

static NEXT: AtomicUsize = AtomicUsize::new(0);

fn next(len: usize) -> usize {
    NEXT.fetch_add(1, Ordering::Relaxed) % len
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} must be set"))
}

/// The publishable key and region, read once.
struct Store {
    key: String,
    region: String,
}

fn store() -> &'static Store {
    static STORE: OnceLock<Store> = OnceLock::new();
    STORE.get_or_init(|| Store { key: env("MEDUSA_PUBLISHABLE_KEY"), region: env("MEDUSA_REGION_ID") })
}

/// The five listings of `list`.
fn listings() -> &'static [String] {
    static LISTINGS: OnceLock<Vec<String>> = OnceLock::new();
    LISTINGS.get_or_init(|| {
        let base = format!("/store/products?limit=24&region_id={}&{FIELDS}", store().region);
        let categories: String =
            env("MEDUSA_CATEGORY_IDS").split(',').map(|id| format!("&category_id[]={id}")).collect();
        vec![
            base.clone(),
            format!("{base}&order=-created_at"),
            format!("{base}&order=title"),
            format!("{base}{categories}"),
            format!("{base}&order=-title"),
        ]
    })
}

#[derive(Deserialize)]
struct Page {
    products: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    id: String,
}

/// Product ids this goose user reads in the `detail` scenario.
#[derive(Clone)]
struct Ids(Vec<String>);

/// A request to Medusa's store API under `name`, with the publishable key and, for a
/// POST, `body` as JSON.
async fn send(
    user: &mut GooseUser,
    method: GooseMethod,
    path: &str,
    name: &str,
    body: Option<&Value>,
) -> Result<GooseResponse, Box<TransactionError>> {
    let mut builder = user.get_request_builder(&method, path)?.header("x-publishable-api-key", &store().key);
    if let Some(body) = body {
        builder = builder.json(body);
    }
    let request =
        GooseRequest::builder().method(method).path(path).name(name).set_request_builder(builder).build();
    Ok(user.request(request).await?)
}

async fn get_named(user: &mut GooseUser, path: &str, name: &str) -> TransactionResult {
    send(user, GooseMethod::Get, path, name, None).await?;
    Ok(())
}

async fn list(user: &mut GooseUser) -> TransactionResult {
    let listings = listings();
    get_named(user, &listings[next(listings.len())], "list").await
}

async fn search(user: &mut GooseUser) -> TransactionResult {
    let path = format!(
        "/store/products?q={}&limit=24&region_id={}&{FIELDS}",
        TERMS[next(TERMS.len())],
        store().region
    );
    get_named(user, &path, "search").await
}

async fn collect_ids(user: &mut GooseUser) -> TransactionResult {
    let mut ids = Vec::new();
    while ids.len() < 500 {
        let path = format!("/store/products?limit=100&offset={}&fields=id", ids.len());
        let goose = send(user, GooseMethod::Get, &path, "setup list", None).await?;
        let response = goose.response.map_err(|err| Box::new(err.into()))?;
        let page: Page = response.json().await.map_err(|err| Box::new(err.into()))?;
        let found = page.products.len();
        ids.extend(page.products.into_iter().map(|item| item.id));
        if found < 100 {
            break;
        }
    }
    assert!(!ids.is_empty(), "the store lists no products");
    user.set_session_data(Ids(ids));
    Ok(())
}

async fn detail(user: &mut GooseUser) -> TransactionResult {
    let path = {
        let ids = &user.get_session_data_unchecked::<Ids>().0;
        format!("/store/products/{}?region_id={}&{FIELDS}", ids[next(ids.len())], store().region)
    };
    get_named(user, &path, "detail").await
}

/// What a checkout iteration needs, read once per goose user.
#[derive(Clone)]
struct Shopper {
    variants: Vec<String>,
    shipping_option: String,
    round: usize,
}

async fn start_checkout(user: &mut GooseUser) -> TransactionResult {
    let variants = env("MEDUSA_VARIANT_IDS").split(',').map(str::to_owned).collect();
    user.set_session_data(Shopper { variants, shipping_option: env("MEDUSA_SHIPPING_OPTION_ID"), round: 0 });
    Ok(())
}

/// POSTs `body` to `path` under `name`; the JSON answer of a 2xx, else `None` (goose has
/// counted the failure).
async fn post(
    user: &mut GooseUser,
    name: &str,
    path: &str,
    body: &Value,
) -> Result<Option<Value>, Box<TransactionError>> {
    let goose = send(user, GooseMethod::Post, path, name, Some(body)).await?;
    match goose.response {
        Ok(response) if response.status().is_success() => Ok(response.json().await.ok()),
        _ => Ok(None),
    }
}

/// One order: cart, line, shipping, payment session, complete. Stops at the first step
/// that fails.
async fn order(user: &mut GooseUser) -> TransactionResult {
    let mut shopper = user.get_session_data::<Shopper>().expect("started").clone();
    shopper.round += 1;
    let variant =
        shopper.variants[(user.weighted_users_index * 7919 + shopper.round) % shopper.variants.len()].clone();
    user.set_session_data(shopper.clone());
    let cart = json!({
        "region_id": store().region,
        "email": format!("bench-{}@bench.shopfleet.test", user.weighted_users_index),
        "shipping_address": {"first_name": "Bench", "last_name": "Shopper", "address_1": "1 Load St",
                             "city": "Berlin", "postal_code": "10115", "country_code": "de"},
    });
    let Some(cart) = post(user, "create-cart", "/store/carts", &cart).await? else { return Ok(()) };
    let Some(cart) = cart["cart"]["id"].as_str().map(str::to_owned) else { return Ok(()) };
    let line = json!({"variant_id": variant, "quantity": 1});
    if post(user, "add-line", &format!("/store/carts/{cart}/line-items"), &line).await?.is_none() {
        return Ok(());
    }
    let shipping = json!({"option_id": shopper.shipping_option});
    if post(user, "shipping-method", &format!("/store/carts/{cart}/shipping-methods"), &shipping)
        .await?
        .is_none()
    {
        return Ok(());
    }
    let Some(collection) =
        post(user, "payment-collection", "/store/payment-collections", &json!({"cart_id": cart})).await?
    else {
        return Ok(());
    };
    let Some(collection) = collection["payment_collection"]["id"].as_str().map(str::to_owned) else {
        return Ok(());
    };
    let session = json!({"provider_id": "pp_system_default"});
    let path = format!("/store/payment-collections/{collection}/payment-sessions");
    if post(user, "payment-session", &path, &session).await?.is_none() {
        return Ok(());
    }
    post(user, "complete", &format!("/store/carts/{cart}/complete"), &json!({})).await?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), GooseError> {
    let scenario_name = std::env::var("BENCH_SCENARIO").expect("BENCH_SCENARIO must be set");
    let (scenario, measured) = match scenario_name.as_str() {
        "list" => (scenario!("list").register_transaction(transaction!(list)), "GET list"),
        "detail" => (
            scenario!("detail")
                .register_transaction(transaction!(collect_ids).set_on_start())
                .register_transaction(transaction!(detail)),
            "GET detail",
        ),
        "search" => (scenario!("search").register_transaction(transaction!(search)), "GET search"),
        "checkout" => (
            scenario!("checkout")
                .register_transaction(transaction!(start_checkout).set_on_start())
                .register_transaction(transaction!(order)),
            "POST complete",
        ),
        other => panic!("BENCH_SCENARIO must be list, detail, search or checkout, not {other}"),
    };
    let metrics = GooseAttack::initialize()?.register_scenario(scenario).execute().await?;
    summary::report(&metrics, &scenario_name, measured);
    if scenario_name == "checkout" {
        summary::report_also(
            &metrics,
            "checkout",
            &[
                "POST create-cart",
                "POST add-line",
                "POST shipping-method",
                "POST payment-collection",
                "POST payment-session",
            ],
        );
    }
    Ok(())
}
