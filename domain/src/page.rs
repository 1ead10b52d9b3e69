//! Page sizes: one rule for every list the shop serves by page.

use crate::DomainError;

/// How many rows a page holds: checked once, then trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageLimit(u32);

impl PageLimit {
    /// `requested` (or `default` when absent); a 422 naming `limit` unless it is 1 to `max`.
    pub fn new(requested: Option<u32>, default: u32, max: u32) -> Result<Self, DomainError> {
        let limit = requested.unwrap_or(default);
        if !(1..=max).contains(&limit) {
            return Err(DomainError::invalid("limit", format!("must be between 1 and {max}")));
        }
        Ok(Self(limit))
    }

    /// `limit` (already defaulted by the caller); a 422 naming `limit` unless it is 1 to `max`.
    pub fn within(limit: u32, max: u32) -> Result<Self, DomainError> {
        Self::new(Some(limit), limit, max)
    }

    /// The limit as SQL binds it.
    pub fn rows(self) -> i64 {
        i64::from(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::PageLimit;

    #[test]
    fn absent_takes_the_default() {
        assert_eq!(PageLimit::new(None, 50, 100).unwrap().rows(), 50);
    }

    #[test]
    fn a_given_limit_is_checked_the_same_way() {
        assert_eq!(PageLimit::within(7, 10).unwrap().rows(), 7);
        assert!(PageLimit::within(11, 10).is_err() && PageLimit::within(0, 10).is_err());
    }

    #[test]
    fn bounds_are_inclusive() {
        assert_eq!(PageLimit::new(Some(1), 50, 100).unwrap().rows(), 1);
        assert_eq!(PageLimit::new(Some(100), 50, 100).unwrap().rows(), 100);
    }

    #[test]
    fn zero_and_too_many_name_the_field() {
        for bad in [0, 101] {
            let err = PageLimit::new(Some(bad), 50, 100).unwrap_err().to_string();
            assert!(err.contains("limit") && err.contains("between 1 and 100"), "{err}");
        }
    }
}
