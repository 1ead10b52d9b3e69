//! Catalog load scenarios for goose, one per run, chosen by `BENCH_SCENARIO`:
//!
//! - `list`: `GET /api/v1/products?limit=24`, cycling through the sorts and a category
//!   filter (cache on, as in production).
//! - `detail`: `GET /api/v1/products/{id}` over the ids of the first 500 listed products
//!   (each goose user reads them on start).
//! - `search`: `GET /api/v1/search?q=<term>` over a fixed list of terms found in the
//!   demo catalog (brands, product kinds, materials).
//!
//! Goose options (`--host`, `--users`, `--run-time`, ...) come from the command line;
//! see `summary` for the result written to `BENCH_RESULT`.

#[path = "summary.rs"]
mod summary;

use goose::prelude::*;
use serde::Deserialize;
use std::sync::atomic::{AtomicUsize, Ordering};

const LISTINGS: &[&str] = &[
    "/api/v1/products?limit=24",
    "/api/v1/products?limit=24&sort=price_asc",
    "/api/v1/products?limit=24&sort=title",
    "/api/v1/products?limit=24&category=electronics",
    "/api/v1/products?limit=24&in_stock=true&sort=price_desc",
];
const TERMS: &[&str] =
    &["acme", "headphones", "jacket", "wool", "laptop", "coffee", "northwind", "running", "lamp", "cotton"];

static NEXT: AtomicUsize = AtomicUsize::new(0);

fn next(len: usize) -> usize {
    NEXT.fetch_add(1, Ordering::Relaxed) % len
}

#[derive(Deserialize)]
struct Page {
    items: Vec<Item>,
    next_cursor: Option<String>,
}

#[derive(Deserialize)]
struct Item {
    id: String,
}

/// Product ids this goose user reads in the `detail` scenario.
#[derive(Clone)]
struct Ids(Vec<String>);

async fn get_named(user: &mut GooseUser, path: &str, name: &str) -> TransactionResult {
    let request = GooseRequest::builder().path(path).name(name).build();
    user.request(request).await?;
    Ok(())
}

async fn list(user: &mut GooseUser) -> TransactionResult {
    get_named(user, LISTINGS[next(LISTINGS.len())], "list").await
}

async fn search(user: &mut GooseUser) -> TransactionResult {
    let path = format!("/api/v1/search?q={}", TERMS[next(TERMS.len())]);
    get_named(user, &path, "search").await
}

async fn collect_ids(user: &mut GooseUser) -> TransactionResult {
    let mut ids = Vec::new();
    let mut path = "/api/v1/products?limit=100".to_owned();
    while ids.len() < 500 {
        let request = GooseRequest::builder().path(path.as_str()).name("setup list").build();
        let response = user.request(request).await?.response.map_err(|err| Box::new(err.into()))?;
        let page: Page = response.json().await.map_err(|err| Box::new(err.into()))?;
        ids.extend(page.items.into_iter().map(|item| item.id));
        match page.next_cursor {
            Some(cursor) => path = format!("/api/v1/products?limit=100&cursor={cursor}"),
            None => break,
        }
    }
    user.set_session_data(Ids(ids));
    Ok(())
}

async fn detail(user: &mut GooseUser) -> TransactionResult {
    let path = {
        let ids = &user.get_session_data_unchecked::<Ids>().0;
        format!("/api/v1/products/{}", ids[next(ids.len())])
    };
    get_named(user, &path, "detail").await
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
        other => panic!("BENCH_SCENARIO must be list, detail or search, not {other}"),
    };
    let metrics = GooseAttack::initialize()?.register_scenario(scenario).execute().await?;
    summary::report(&metrics, &scenario_name, measured);
    Ok(())
}
