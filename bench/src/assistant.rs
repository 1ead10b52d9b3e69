//! Shopping-assistant load scenarios for goose, one per run, chosen by `BENCH_SCENARIO`:
//!
//! - `recommend`: `POST /api/v1/assistant/recommend` over shopper queries (every request
//!   embeds its query, searches the vector index and full text, fuses and explains).
//! - `search`: `GET /api/v1/search?q=<term>`, the full-text search alone on the same
//!   catalog, measured in the same run as the baseline.
//!
//! Goose options come from the command line; see `summary` for the result.

#[path = "summary.rs"]
mod summary;

use goose::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};

const QUERIES: &[&str] = &[
    "wool rain jacket",
    "headphones for listening to music",
    "a pan for searing steak",
    "something to stay dry when it pours",
    "leather hiking boots",
    "gift for a coffee lover",
    "green yoga mat",
    "notebook for bullet journaling",
];
const TERMS: &[&str] = &["jacket", "headphones", "pan", "boots", "coffee", "yoga", "notebook", "wool"];

static NEXT: AtomicUsize = AtomicUsize::new(0);

fn next(len: usize) -> usize {
    NEXT.fetch_add(1, Ordering::Relaxed) % len
}

async fn recommend(user: &mut GooseUser) -> TransactionResult {
    let body = serde_json::json!({"query": QUERIES[next(QUERIES.len())], "limit": 10});
    let builder = user.get_request_builder(&GooseMethod::Post, "/api/v1/assistant/recommend")?.json(&body);
    let request = GooseRequest::builder().method(GooseMethod::Post).name("recommend").set_request_builder(builder).build();
    user.request(request).await?;
    Ok(())
}

async fn search(user: &mut GooseUser) -> TransactionResult {
    let path = format!("/api/v1/search?q={}&limit=10", TERMS[next(TERMS.len())]);
    let request = GooseRequest::builder().path(path.as_str()).name("search").build();
    user.request(request).await?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), GooseError> {
    let scenario_name = std::env::var("BENCH_SCENARIO").expect("BENCH_SCENARIO must be set");
    let (scenario, measured) = match scenario_name.as_str() {
        "recommend" => (scenario!("recommend").register_transaction(transaction!(recommend)), "POST recommend"),
        "search" => (scenario!("search").register_transaction(transaction!(search)), "GET search"),
        other => panic!("BENCH_SCENARIO must be recommend or search, not {other}"),
    };
    let metrics = GooseAttack::initialize()?.register_scenario(scenario).execute().await?;
    summary::report(&metrics, &scenario_name, measured);
    Ok(())
}
