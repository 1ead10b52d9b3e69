//! Embedding throughput of the in-process MiniLM (sentences/s at batch 1 and batch 32),
//! with a baseline measured in the same run: candle's f32 matrix multiply on this
//! machine (GFLOP/s), so the report can say what share of the machine's measured
//! compute the model uses. Prints one JSON line.
//!
//!   cargo run --release -p shopfleet-commerce --example embed_throughput -- [seconds]

use candle_core::{Device, Tensor};
use shopfleet_assistant::embed::{minilm::MiniLm, Embedder};
use std::time::{Duration, Instant};

/// Product texts shaped like the ones the indexer embeds.
fn texts(n: usize) -> Vec<String> {
    let kinds =
        ["Rain Jacket", "Wireless Headphones", "Frying Pan", "Yoga Mat", "Fountain Pen", "Hiking Boots"];
    let materials = ["wool", "steel", "bamboo", "leather", "cotton"];
    (0..n)
        .map(|i| {
            let (kind, material) = (kinds[i % kinds.len()], materials[i % materials.len()]);
            format!("Acme {kind} {i}. Category: shop > {kind}. brand: Acme; material: {material}. The Acme {kind} is made of {material}, built to last and easy to care for.")
        })
        .collect()
}

async fn sentences_per_second(model: &MiniLm, batch: usize, budget: Duration) -> f64 {
    let inputs = texts(batch);
    model.embed_batch(&inputs).await.unwrap(); // warm-up
    let (started, mut done) = (Instant::now(), 0usize);
    while started.elapsed() < budget {
        model.embed_batch(&inputs).await.unwrap();
        done += batch;
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
    let model = MiniLm::load(dir.as_ref(), 1).unwrap();
    let gflops = matmul_gflops(budget);
    let batch1 = sentences_per_second(&model, 1, budget).await;
    let batch32 = sentences_per_second(&model, 32, budget).await;
    println!(
        "{}",
        serde_json::json!({"matmul_gflops": gflops, "batch1_sentences_per_s": batch1, "batch32_sentences_per_s": batch32})
    );
}
