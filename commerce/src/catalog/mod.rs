//! Catalog: categories (an admin-managed tree), products owned by merchants, their
//! variants with prices in minor units, stock per variant, and the demo catalog.

pub mod cache;
pub mod categories;
pub mod demo;
pub mod events;
pub mod images;
pub mod inventory;
pub mod listing;
pub mod products;
pub mod reservations;
pub mod search;
pub mod service;

pub use service::Catalog;

use serde::{Deserialize, Serialize};
use shopfleet_domain::DomainError;

/// Lifecycle of a product. Shoppers see `published` products only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, sqlx::Type)]
#[serde(rename_all = "lowercase")]
#[sqlx(type_name = "text", rename_all = "lowercase")]
pub enum ProductStatus {
    Draft,
    Published,
    Archived,
}

/// Largest price accepted, in minor units (one billion in major units of a 2-decimal currency).
pub const MAX_PRICE_MINOR: i64 = 100_000_000_000;

/// Checks an ISO 4217 currency code (upper case, e.g. `EUR`).
pub fn check_currency(field: &str, code: &str) -> Result<(), DomainError> {
    if iso_currency::Currency::from_code(code).is_none() {
        return Err(DomainError::invalid(
            field,
            format!("`{code}` is not an ISO 4217 currency code such as EUR or USD"),
        ));
    }
    Ok(())
}

/// Checks a URL slug: lower-case letters, digits and single dashes.
pub fn check_slug(field: &str, slug: &str) -> Result<(), DomainError> {
    let ok = !slug.is_empty()
        && slug.len() <= 120
        && slug.split('-').all(|part| {
            !part.is_empty() && part.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        });
    if !ok {
        return Err(DomainError::invalid(
            field,
            "must be lower-case letters and digits separated by single dashes",
        ));
    }
    Ok(())
}

/// Turns a title into a slug candidate.
pub fn slugify(text: &str) -> String {
    let mut slug = String::new();
    for c in text.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').chars().take(100).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currencies_and_slugs() {
        check_currency("currency", "EUR").unwrap();
        assert!(check_currency("currency", "EURO").is_err());
        assert!(check_currency("currency", "XYZ").is_err());
        assert_eq!(slugify("  Noise-Cancelling Headphones (Pro) "), "noise-cancelling-headphones-pro");
        check_slug("slug", "noise-cancelling-headphones-pro").unwrap();
        assert!(check_slug("slug", "Bad Slug").is_err());
        assert!(check_slug("slug", "double--dash").is_err());
    }
}
