//! Retrieval quality over a labelled query set: nDCG@10 and recall@10 for full text
//! alone, vectors alone and hybrid. `queries.json` is built from the deterministic demo
//! shop (`seed-demo`, 1,000 products, seed 42) by `scripts/assistant/label_queries.sh`:
//! each query's relevant products are those of one category with one attribute value
//! (`rules.tsv`), judged by the catalog's facts, not by any of the rankings measured.

pub mod metrics;

use super::retrieval::{Filters, Mode, Retriever};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use uuid::Uuid;

/// Cut-off of both metrics.
pub const K: usize = 10;

/// The committed labelled query set.
pub const QUERIES: &str = include_str!("queries.json");

#[derive(Debug, Clone, Deserialize)]
pub struct LabelledQuery {
    pub query: String,
    /// What makes a product relevant, e.g. `jackets, material = wool`.
    pub rule: String,
    /// Slugs of the relevant demo products.
    pub relevant: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ModeScore {
    pub mode: &'static str,
    pub ndcg: f64,
    pub recall: f64,
}

pub fn parse(json: &str) -> anyhow::Result<Vec<LabelledQuery>> {
    Ok(serde_json::from_str(json)?)
}

/// Mean nDCG@10 and recall@10 of each mode over `queries`.
pub async fn run(retriever: &Retriever, queries: &[LabelledQuery]) -> anyhow::Result<Vec<ModeScore>> {
    let mut scores = Vec::new();
    for (mode, name) in [(Mode::FullText, "full-text"), (Mode::Vector, "vectors"), (Mode::Hybrid, "hybrid")] {
        let (mut ndcg, mut recall) = (0.0, 0.0);
        for labelled in queries {
            let relevant: HashSet<Uuid> = sqlx::query_scalar("SELECT id FROM products WHERE slug = ANY($1)")
                .bind(&labelled.relevant)
                .fetch_all(&retriever.db)
                .await?
                .into_iter()
                .collect();
            anyhow::ensure!(
                relevant.len() == labelled.relevant.len(),
                "`{}`: some judged products are missing; load the demo shop with seed-demo (1,000 products, seed 42)",
                labelled.query
            );
            let ranked: Vec<Uuid> = retriever
                .retrieve(&labelled.query, &Filters::default(), K as u32, mode)
                .await
                .map_err(|err| anyhow::anyhow!("`{}`: {err}", labelled.query))?
                .into_iter()
                .map(|item| item.product.id)
                .collect();
            ndcg += metrics::ndcg_at(&ranked, &relevant, K);
            recall += metrics::recall_at(&ranked, &relevant, K);
        }
        let n = queries.len().max(1) as f64;
        scores.push(ModeScore { mode: name, ndcg: ndcg / n, recall: recall / n });
    }
    Ok(scores)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_committed_set_has_at_least_60_judged_queries() {
        let queries = super::parse(super::QUERIES).unwrap();
        assert!(queries.len() >= 60, "{} queries", queries.len());
        assert!(queries.iter().all(|q| !q.relevant.is_empty() && !q.query.is_empty()));
    }
}
