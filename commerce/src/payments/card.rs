//! Cards as the shopper submits them, checked like a card form does (Luhn, expiry, CVC),
//! and the simulator's test cards, whose numbers decide the outcome as Stripe's do.
//! Only the brand and last four digits are ever kept.

use chrono::{Datelike, Utc};
use serde::Deserialize;
use shopfleet_domain::DomainError;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CardInput {
    /// Card number; spaces allowed. See the test cards in the README.
    pub number: String,
    pub exp_month: u32,
    /// Four-digit year.
    pub exp_year: i32,
    pub cvc: String,
}

impl std::fmt::Debug for CardInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CardInput(…{})", last4(&self.number))
    }
}

/// What the simulated provider does with a test card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestCard {
    /// Captured at once.
    Succeeds,
    /// Declined at once (`card_declined`).
    Declined,
    /// Needs a 3-D Secure check first.
    RequiresAction,
    /// Accepted as `processing`, then fails a moment later (`processing_error`).
    FailsLate,
}

/// The test cards: number, outcome.
pub const TEST_CARDS: &[(&str, TestCard)] = &[
    ("4242424242424242", TestCard::Succeeds),
    ("4000000000000002", TestCard::Declined),
    ("4000002760003184", TestCard::RequiresAction),
    ("4000000000000341", TestCard::FailsLate),
];

/// A card that passed the form checks: what the provider needs and what the shop keeps.
#[derive(Debug, Clone)]
pub struct Card {
    pub behaviour: TestCard,
    pub brand: &'static str,
    pub last4: String,
}

impl CardInput {
    /// Checks the card like a payment form would, naming the field at fault.
    pub fn parse(&self, field: &str) -> Result<Card, DomainError> {
        let digits: String = self.number.chars().filter(|c| !c.is_whitespace()).collect();
        if !(12..=19).contains(&digits.len()) || !digits.chars().all(|c| c.is_ascii_digit()) || !luhn(&digits)
        {
            return Err(DomainError::invalid(format!("{field}.number"), "is not a valid card number"));
        }
        if !(1..=12).contains(&self.exp_month) {
            return Err(DomainError::invalid(format!("{field}.exp_month"), "must be 1 to 12"));
        }
        let today = Utc::now();
        if (self.exp_year, self.exp_month) < (today.year(), today.month())
            || self.exp_year > today.year() + 50
        {
            return Err(DomainError::invalid(
                format!("{field}.exp_year"),
                "the card has expired or the year is absurd",
            ));
        }
        if !(3..=4).contains(&self.cvc.len()) || !self.cvc.chars().all(|c| c.is_ascii_digit()) {
            return Err(DomainError::invalid(format!("{field}.cvc"), "must be 3 or 4 digits"));
        }
        let behaviour = TEST_CARDS.iter().find(|(number, _)| *number == digits).map(|(_, b)| *b).ok_or_else(|| {
            DomainError::invalid(
                format!("{field}.number"),
                "the simulated provider accepts only its test cards: 4242 4242 4242 4242 (succeeds), \
                 4000 0000 0000 0002 (declined), 4000 0027 6000 3184 (3-D Secure), 4000 0000 0000 0341 (fails late)",
            )
        })?;
        let brand = if digits.starts_with('4') { "visa" } else { "card" };
        Ok(Card { behaviour, brand, last4: last4(&digits) })
    }
}

fn last4(number: &str) -> String {
    let digits: Vec<char> = number.chars().filter(char::is_ascii_digit).collect();
    digits[digits.len().saturating_sub(4)..].iter().collect()
}

fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .chars()
        .rev()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 1 {
                if d * 2 > 9 {
                    d * 2 - 9
                } else {
                    d * 2
                }
            } else {
                d
            }
        })
        .sum();
    sum % 10 == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(number: &str, month: u32, year: i32, cvc: &str) -> CardInput {
        CardInput { number: number.into(), exp_month: month, exp_year: year, cvc: cvc.into() }
    }

    #[test]
    fn test_cards_decide_the_outcome_and_bad_cards_name_the_field() {
        let year = Utc::now().year() + 2;
        let ok = card("4242 4242 4242 4242", 12, year, "123").parse("card").unwrap();
        assert_eq!((ok.behaviour, ok.last4.as_str()), (TestCard::Succeeds, "4242"));
        assert_eq!(
            card("4000000000000341", 1, year, "1234").parse("card").unwrap().behaviour,
            TestCard::FailsLate
        );
        let field = |input: CardInput| match input.parse("card") {
            Err(DomainError::Invalid { field, .. }) => field,
            other => panic!("expected a field error, got {other:?}"),
        };
        assert_eq!(field(card("4242424242424241", 12, year, "123")), "card.number", "Luhn");
        assert_eq!(field(card("5555555555554444", 12, year, "123")), "card.number", "not a test card");
        assert_eq!(field(card("4242424242424242", 13, year, "123")), "card.exp_month");
        assert_eq!(field(card("4242424242424242", 1, 2020, "123")), "card.exp_year");
        assert_eq!(field(card("4242424242424242", 1, year, "12a")), "card.cvc");
        assert_eq!(format!("{:?}", card("4242424242424242", 1, year, "123")), "CardInput(…4242)");
    }
}
