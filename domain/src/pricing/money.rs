//! Amounts in integer minor units (cents): checked sums that name the field that
//! overflowed, half-even rounding of a ratio, and the largest-remainder spread.

use crate::DomainError;
use std::cmp::Ordering;

/// Basis points in a whole: 10 000 bp = 100 %.
pub(crate) const WHOLE_BP: i128 = 10_000;

/// The error for an amount that does not fit in an `i64`, naming `field`.
pub(crate) fn overflow(field: &str) -> DomainError {
    DomainError::invalid(field, "is too large: the amounts overflow")
}

/// `a + b`, or an invalid `field` when the sum overflows.
pub(crate) fn add(a: i64, b: i64, field: &str) -> Result<i64, DomainError> {
    a.checked_add(b).ok_or_else(|| overflow(field))
}

/// The sum of `amounts`, or an invalid `field` when it overflows.
pub(crate) fn sum(amounts: impl IntoIterator<Item = i64>, field: &str) -> Result<i64, DomainError> {
    amounts.into_iter().try_fold(0, |total, amount| add(total, amount, field))
}

/// `value` as minor units, or an invalid `field` when it does not fit.
pub(crate) fn to_minor(value: i128, field: &str) -> Result<i64, DomainError> {
    i64::try_from(value).map_err(|_| overflow(field))
}

/// `numerator ÷ denominator` rounded to the nearest integer, a tie to the even one.
/// `denominator` is positive.
pub(crate) fn round_half_even(numerator: i128, denominator: i128) -> i128 {
    let (quotient, remainder) = (numerator.div_euclid(denominator), numerator.rem_euclid(denominator));
    match (2 * remainder).cmp(&denominator) {
        Ordering::Less => quotient,
        Ordering::Greater => quotient + 1,
        Ordering::Equal => quotient + (quotient & 1),
    }
}

/// `rate_bp` basis points of `amount`, rounded half-even.
pub(crate) fn basis_points_of(amount: i128, rate_bp: u32) -> i128 {
    round_half_even(amount * i128::from(rate_bp), WHOLE_BP)
}

/// Spreads `total` over `weights` in proportion, by the largest-remainder method: each
/// share is the floor of its exact quota, and the units left over go one each to the
/// largest remainders, a tie to the earlier weight (callers pass weights in line-key
/// order). With `0 ≤ total ≤ Σ weights` and no negative weight, the shares add up to
/// `total` exactly and none exceeds its weight.
pub(crate) fn spread(total: i64, weights: &[i64]) -> Vec<i64> {
    let whole: i128 = weights.iter().map(|&weight| i128::from(weight)).sum();
    if whole == 0 {
        return vec![0; weights.len()];
    }
    let quotas: Vec<(i128, i128)> = weights
        .iter()
        .map(|&weight| {
            let exact = i128::from(total) * i128::from(weight);
            (exact / whole, exact % whole)
        })
        .collect();
    let left = i128::from(total) - quotas.iter().map(|(floor, _)| floor).sum::<i128>();
    let mut largest_first: Vec<usize> = (0..weights.len()).collect();
    largest_first.sort_by(|&a, &b| quotas[b].1.cmp(&quotas[a].1).then(a.cmp(&b)));
    let mut shares: Vec<i128> = quotas.iter().map(|(floor, _)| *floor).collect();
    for &index in largest_first.iter().take(usize::try_from(left).unwrap_or(0)) {
        shares[index] += 1;
    }
    // Each share is at most its weight (an i64), so it fits.
    shares.into_iter().zip(weights).map(|(share, &weight)| i64::try_from(share).unwrap_or(weight)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_half_to_even() {
        let cases =
            [(5, 2, 2), (7, 2, 4), (1, 2, 0), (3, 2, 2), (-5, 2, -2), (-7, 2, -4), (10, 3, 3), (11, 3, 4)];
        for (numerator, denominator, expected) in cases {
            assert_eq!(round_half_even(numerator, denominator), expected, "{numerator}/{denominator}");
        }
        assert_eq!(basis_points_of(200, 825), 16, "16.5 rounds to 16");
        assert_eq!(basis_points_of(600, 825), 50, "49.5 rounds to 50");
    }

    #[test]
    fn spreads_by_largest_remainder_ties_to_the_earlier_weight() {
        assert_eq!(spread(383, &[2500, 1333]), vec![250, 133], "249.80 and 133.19: the .80 gets the unit");
        assert_eq!(spread(100, &[1000, 1000, 1000]), vec![34, 33, 33], "a tie goes to the first");
        assert_eq!(spread(3, &[1, 1, 1]), vec![1, 1, 1], "never more than the weight");
        assert_eq!(spread(5, &[0, 10, 0]), vec![0, 5, 0]);
        assert_eq!(spread(0, &[]), Vec::<i64>::new());
        assert_eq!(spread(i64::MAX, &[i64::MAX, 0]), vec![i64::MAX, 0], "no overflow at the limit");
    }

    #[test]
    fn overflow_names_the_field() {
        assert!(add(i64::MAX, 1, "lines[0]").unwrap_err().to_string().starts_with("lines[0]:"));
        assert!(to_minor(i128::from(i64::MAX) + 1, "total").unwrap_err().to_string().starts_with("total:"));
        assert_eq!(sum([1, 2, 3], "x").unwrap(), 6);
    }
}
