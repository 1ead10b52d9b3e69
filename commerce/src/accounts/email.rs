//! E-mail addresses, normalised (trimmed, lower-cased) so that uniqueness is case-insensitive.

use shopfleet_domain::DomainError;

/// A syntactically plausible, normalised e-mail address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Parses `raw`; the error names the `email` field.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let email = raw.trim().to_lowercase();
        let invalid = |why: &str| DomainError::invalid("email", why.to_owned());
        if email.len() > 254 {
            return Err(invalid("must be at most 254 characters"));
        }
        let Some((local, domain)) = email.rsplit_once('@') else {
            return Err(invalid("must look like name@example.com"));
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && domain.split('.').all(|label| !label.is_empty());
        if local.is_empty() || local.len() > 64 || !domain_ok || email.chars().any(char::is_whitespace) {
            return Err(invalid("must look like name@example.com"));
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_and_whitespace() {
        assert_eq!(Email::parse("  Ada.Lovelace@Example.COM ").unwrap().as_str(), "ada.lovelace@example.com");
    }

    #[test]
    fn rejects_malformed_addresses() {
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "ada@.com",
            "a da@example.com",
            "ada@example..com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} accepted");
        }
    }
}
