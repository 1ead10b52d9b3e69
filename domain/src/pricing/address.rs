//! Where an order goes ([`Address`]) and the zones that group addresses ([`Zone`]): a
//! shipping method serves one zone, and the caller picks the tax rates of the zone the
//! address lies in.

use super::field;
use crate::DomainError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A delivery address, as far as pricing cares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Address {
    /// ISO 3166-1 alpha-2 code, upper case (`DE`, `US`).
    pub country: String,
    /// A state or province code (`CA`, `BY`).
    pub region: Option<String>,
    pub postcode: Option<String>,
}

impl Address {
    /// Refuses a country that is not two upper-case letters, naming `{at}.country`.
    pub fn validate(&self, at: &str) -> Result<(), DomainError> {
        check_country(&self.country, &field(at, "country"))
    }
}

fn check_country(country: &str, field: &str) -> Result<(), DomainError> {
    if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(DomainError::invalid(field, "must be an ISO 3166-1 alpha-2 code such as DE or US"));
    }
    Ok(())
}

/// A set of countries, optionally narrowed to regions and postcode prefixes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Zone {
    pub countries: Vec<String>,
    /// When not empty, only these regions of the countries.
    #[serde(default)]
    pub regions: Vec<String>,
    /// When not empty, only postcodes starting with one of these (case and spaces ignored).
    #[serde(default)]
    pub postcode_prefixes: Vec<String>,
}

impl Zone {
    /// Refuses a zone without countries or with a malformed one, naming `{at}.countries`.
    pub fn validate(&self, at: &str) -> Result<(), DomainError> {
        let countries = field(at, "countries");
        if self.countries.is_empty() {
            return Err(DomainError::invalid(countries, "must list at least one country"));
        }
        self.countries
            .iter()
            .enumerate()
            .try_for_each(|(i, c)| check_country(c, &format!("{countries}[{i}]")))
    }

    /// Whether `address` lies in the zone: its country is listed and, when the zone
    /// names regions or postcode prefixes, its region and postcode match one of them.
    pub fn contains(&self, address: &Address) -> bool {
        let region_ok = self.regions.is_empty()
            || address
                .region
                .as_ref()
                .is_some_and(|r| self.regions.iter().any(|z| z.eq_ignore_ascii_case(r)));
        let postcode_ok = self.postcode_prefixes.is_empty()
            || address.postcode.as_deref().map(normalise).is_some_and(|postcode| {
                self.postcode_prefixes.iter().any(|prefix| postcode.starts_with(&normalise(prefix)))
            });
        self.countries.contains(&address.country) && region_ok && postcode_ok
    }
}

fn normalise(postcode: &str) -> String {
    postcode.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(country: &str, region: Option<&str>, postcode: Option<&str>) -> Address {
        Address {
            country: country.into(),
            region: region.map(Into::into),
            postcode: postcode.map(Into::into),
        }
    }

    #[test]
    fn a_zone_matches_country_then_region_and_postcode() {
        let eu =
            Zone { countries: vec!["DE".into(), "FR".into()], regions: vec![], postcode_prefixes: vec![] };
        assert!(eu.contains(&address("DE", None, None)));
        assert!(!eu.contains(&address("US", None, None)));
        let california = Zone { countries: vec!["US".into()], regions: vec!["CA".into()], ..eu.clone() };
        assert!(california.contains(&address("US", Some("ca"), None)));
        assert!(!california.contains(&address("US", Some("NY"), None)));
        assert!(!california.contains(&address("US", None, None)));
        let london = Zone { countries: vec!["GB".into()], postcode_prefixes: vec!["sw1".into()], ..eu };
        assert!(london.contains(&address("GB", None, Some("SW1A 1AA"))));
        assert!(!london.contains(&address("GB", None, Some("M1 1AE"))));
    }

    #[test]
    fn countries_are_two_upper_case_letters() {
        assert!(address("DE", None, None).validate("address").is_ok());
        for bad in ["de", "DEU", "", "D1"] {
            let err = address(bad, None, None).validate("address").unwrap_err();
            assert!(err.to_string().starts_with("address.country:"), "{bad}: {err}");
        }
        let empty = Zone { countries: vec![], regions: vec![], postcode_prefixes: vec![] };
        assert!(empty.validate("zone").unwrap_err().to_string().starts_with("zone.countries:"));
        let bad = Zone { countries: vec!["DE".into(), "x".into()], ..empty };
        assert!(bad.validate("zone").unwrap_err().to_string().starts_with("zone.countries[1]:"));
    }
}
