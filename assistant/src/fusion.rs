//! Reciprocal rank fusion: each ranked list gives an item `1 / (k + rank)`; items are
//! ordered by the sum. It needs no score calibration between full text and vectors.

use std::collections::HashMap;
use uuid::Uuid;

/// The usual constant (Cormack et al., 2009): damps the weight of the very first ranks.
pub const RRF_K: f64 = 60.0;

/// A fused item with its 1-based rank in each source, if it appeared there.
#[derive(Debug, Clone, PartialEq)]
pub struct Fused {
    pub product_id: Uuid,
    pub score: f64,
    pub vector_rank: Option<usize>,
    pub text_rank: Option<usize>,
}

/// Fuses the vector ranking and the full-text ranking, best first (ties: better best rank, then id).
pub fn fuse(vector: &[Uuid], text: &[Uuid]) -> Vec<Fused> {
    let mut items: HashMap<Uuid, Fused> = HashMap::new();
    for (list, is_vector) in [(vector, true), (text, false)] {
        for (index, id) in list.iter().enumerate() {
            let rank = index + 1;
            let item = items.entry(*id).or_insert(Fused {
                product_id: *id,
                score: 0.0,
                vector_rank: None,
                text_rank: None,
            });
            let slot = if is_vector { &mut item.vector_rank } else { &mut item.text_rank };
            if slot.is_none() {
                *slot = Some(rank);
                item.score += 1.0 / (RRF_K + rank as f64);
            }
        }
    }
    let mut fused: Vec<Fused> = items.into_values().collect();
    let best = |f: &Fused| f.vector_rank.into_iter().chain(f.text_rank).min().unwrap_or(usize::MAX);
    fused.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| best(a).cmp(&best(b)))
            .then_with(|| a.product_id.cmp(&b.product_id))
    });
    fused
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    #[test]
    fn items_in_both_lists_rise_and_ranks_are_kept() {
        let fused = fuse(&[id(1), id(2), id(3)], &[id(3), id(4)]);
        assert_eq!(fused[0].product_id, id(3), "{fused:?}");
        assert_eq!((fused[0].vector_rank, fused[0].text_rank), (Some(3), Some(1)));
        assert!((fused[0].score - (1.0 / 63.0 + 1.0 / 61.0)).abs() < 1e-12);
        // id(1) (vector rank 1) and id(4) (text rank 2): rank 1 wins.
        assert_eq!(fused[1].product_id, id(1));
        assert_eq!(fused.len(), 4);
    }

    #[test]
    fn one_empty_list_keeps_the_other_order() {
        let fused: Vec<Uuid> = fuse(&[], &[id(9), id(8)]).into_iter().map(|f| f.product_id).collect();
        assert_eq!(fused, vec![id(9), id(8)]);
    }
}
