//! Embedding throughput of the in-process MiniLM, with a baseline measured in the same
//! run: candle's f32 matrix multiply on this machine (GFLOP/s), so the report can say
//! what share of the machine's measured compute the model uses. Measures:
//!
//! - `batch1` / `batch32`: product texts, one pass of 1 or 32 on one embedding thread;
//! - `reindex`: pages of 256 product texts of mixed length through `embed_batch` with as
//!   many embedding threads as CPUs (what `reindex-vectors` does), with the tokens per
//!   text, so tokens/s × 21.3 MFLOP a token gives the model's GFLOP/s;
//! - `queries_one_by_one` / `queries_together`: eight shoppers' short queries, embedded
//!   one pass each or as one pass.
//!
//! `EMBEDDING_MAX_TOKENS` sets the token budget, as it does for the server. Prints one
//! JSON line.
//!
//!   cargo run --release -p shopfleet-assistant --example embed_throughput -- [seconds]

use candle_core::{Device, Tensor};
use shopfleet_assistant::{
    embed::{
        minilm::{MiniLm, MAX_TOKENS},
        Embedder,
    },
    eval,
};
use std::time::{Duration, Instant};

/// Product texts shaped like the ones the indexer embeds (title, category, attributes,
/// description), of mixed length like the demo shop's.
fn product_texts(n: usize) -> Vec<String> {
    let kinds =
        ["Rain Jacket", "Wireless Headphones", "Frying Pan", "Yoga Mat", "Fountain Pen", "Hiking Boots"];
    let materials = ["wool", "stainless steel", "bamboo", "leather", "organic cotton"];
    let colours = ["navy", "forest green", "grey", "sand", "black"];
    let adjectives = ["Everyday", "Compact", "Premium", "Lightweight", "Classic", "Rugged", "Essential"];
    (0..n)
        .map(|i| {
            let (kind, material) = (kinds[i % kinds.len()], materials[i % materials.len()]);
            let (colour, adjective) = (colours[i % colours.len()], adjectives[i % adjectives.len()]);
            format!("Acme {adjective} {kind}. Category: shop > {kind}. brand: Acme; colour: {colour}; material: {material}. The Acme {adjective} {kind} is made of {material} in {colour}. A {} choice for {} from Acme, built to last and easy to care for.", adjective.to_lowercase(), kind.to_lowercase())
        })
        .collect()
}

/// Eight shoppers' queries from the assistant's labelled evaluation set.
fn queries() -> Vec<String> {
    eval::parse(eval::QUERIES).unwrap().into_iter().take(8).map(|q| q.query).collect()
}

/// Texts per second while `round` embeds `texts` again and again for `budget`.
async fn texts_per_second(model: &MiniLm, texts: &[String], budget: Duration, one_by_one: bool) -> f64 {
    let round = || async {
        if one_by_one {
            for text in texts {
                model.embed_batch(std::slice::from_ref(text)).await.unwrap();
            }
        } else {
            model.embed_batch(texts).await.unwrap();
        }
    };
    round().await; // warm-up
    let (started, mut done) = (Instant::now(), 0usize);
    while started.elapsed() < budget {
        round().await;
        done += texts.len();
    }
    done as f64 / started.elapsed().as_secs_f64()
}

fn matmul_gflops(budget: Duration) -> f64 {
    let (m, k, n) = (512, 384, 1536);
    let a = Tensor::randn(0f32, 1.0, (m, k), &Device::Cpu).unwrap();
    let b = Tensor::randn(0f32, 1.0, (k, n), &Device::Cpu).unwrap();
    a.matmul(&b).unwrap();
    let (started, mut runs) = (Instant::now(), 0u64);
    while started.elapsed() < budget {
        a.matmul(&b).unwrap();
        runs += 1;
    }
    (2 * m * k * n) as f64 * runs as f64 / started.elapsed().as_secs_f64() / 1e9
}

#[tokio::main]
async fn main() {
    let seconds: u64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(10);
    let budget = Duration::from_secs(seconds);
    let dir = std::env::var("EMBEDDING_MODEL_DIR").expect("EMBEDDING_MODEL_DIR");
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    // The same budget as the server and the re-index of the same run.
    let max_tokens =
        std::env::var("EMBEDDING_MAX_TOKENS").ok().and_then(|s| s.parse().ok()).unwrap_or(MAX_TOKENS);
    let one_thread = MiniLm::load(dir.as_ref(), 1, max_tokens).unwrap();
    let all_cores = MiniLm::load(dir.as_ref(), cpus, max_tokens).unwrap();
    let page = product_texts(256);
    let tokens_per_text = one_thread.token_counts(&page).iter().sum::<usize>() as f64 / page.len() as f64;
    let gflops = matmul_gflops(budget);
    let batch1 = texts_per_second(&one_thread, &page[..1], budget, false).await;
    let batch32 = texts_per_second(&one_thread, &page[..32], budget, false).await;
    let reindex = texts_per_second(&all_cores, &page, budget, false).await;
    let queries = queries();
    let one_by_one = texts_per_second(&one_thread, &queries, budget, true).await;
    let together = texts_per_second(&one_thread, &queries, budget, false).await;
    println!(
        "{}",
        serde_json::json!({
            "matmul_gflops": gflops,
            "embedding_threads": cpus,
            "max_tokens": max_tokens,
            "tokens_per_text": tokens_per_text,
            "batch1_sentences_per_s": batch1,
            "batch32_sentences_per_s": batch32,
            "reindex_sentences_per_s": reindex,
            "queries_one_by_one_per_s": one_by_one,
            "queries_together_per_s": together,
        })
    );
}
