//! Ranking metrics with binary relevance.

use std::collections::HashSet;
use uuid::Uuid;

/// Normalised discounted cumulative gain of the first `k` results.
pub fn ndcg_at(ranked: &[Uuid], relevant: &HashSet<Uuid>, k: usize) -> f64 {
    let dcg: f64 = ranked
        .iter()
        .take(k)
        .enumerate()
        .filter(|(_, id)| relevant.contains(id))
        .map(|(i, _)| 1.0 / ((i + 2) as f64).log2())
        .sum();
    let ideal: f64 = (0..relevant.len().min(k)).map(|i| 1.0 / ((i + 2) as f64).log2()).sum();
    if ideal == 0.0 {
        0.0
    } else {
        dcg / ideal
    }
}

/// Share of the relevant products found in the first `k` results.
pub fn recall_at(ranked: &[Uuid], relevant: &HashSet<Uuid>, k: usize) -> f64 {
    if relevant.is_empty() {
        return 0.0;
    }
    let found = ranked.iter().take(k).filter(|id| relevant.contains(id)).count();
    found as f64 / relevant.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    #[test]
    fn perfect_partial_and_empty_rankings() {
        let relevant: HashSet<Uuid> = [id(1), id(2)].into();
        assert!((ndcg_at(&[id(1), id(2), id(3)], &relevant, 10) - 1.0).abs() < 1e-12);
        assert!((recall_at(&[id(1), id(3)], &relevant, 10) - 0.5).abs() < 1e-12);
        // One hit at rank 2 of an ideal two: (1/log2 3) / (1 + 1/log2 3).
        let expected = (1.0 / 3f64.log2()) / (1.0 + 1.0 / 3f64.log2());
        assert!((ndcg_at(&[id(3), id(1)], &relevant, 10) - expected).abs() < 1e-12);
        assert_eq!(ndcg_at(&[], &relevant, 10), 0.0);
        assert_eq!(recall_at(&[id(1)], &relevant, 0), 0.0);
    }
}
