//! Serving one file, for goose: `GET $BENCH_PATH` (a product image rendition, or a static
//! file of the same size from the same server), recorded under the name in
//! `BENCH_SCENARIO`. `bench/images.sh` runs it once for each and compares the two.
//!
//! Goose options (`--host`, `--users`, `--run-time`, ...) come from the command line; see
//! `summary` for the result written to `BENCH_RESULT`.

#[path = "summary.rs"]
mod summary;

use goose::prelude::*;
use std::sync::OnceLock;

static TARGET: OnceLock<(String, String)> = OnceLock::new();

fn target() -> &'static (String, String) {
    TARGET.get_or_init(|| {
        let path = std::env::var("BENCH_PATH").expect("BENCH_PATH must be set");
        let name = std::env::var("BENCH_SCENARIO").expect("BENCH_SCENARIO must be set");
        (path, name)
    })
}

async fn fetch(user: &mut GooseUser) -> TransactionResult {
    let (path, name) = target();
    let request = GooseRequest::builder().path(path.as_str()).name(name.as_str()).build();
    user.request(request).await?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), GooseError> {
    let (_, name) = target();
    let scenario = scenario!("file").register_transaction(transaction!(fetch));
    let metrics = GooseAttack::initialize()?.register_scenario(scenario).execute().await?;
    summary::report(&metrics, name, &format!("GET {name}"));
    Ok(())
}
