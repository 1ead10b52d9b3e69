//! Passwords: the policy new passwords must meet, and argon2id hashing and verification
//! (CPU-bound, so both run on the blocking thread pool).

use super::settings::AuthSettings;
use anyhow::Context;
use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Algorithm, Argon2, Params, Version,
};
use shopfleet_domain::DomainError;
use std::{collections::HashSet, sync::OnceLock};

pub const MIN_LENGTH: usize = 12;
/// Upper bound so that hashing cost cannot be abused with huge inputs.
pub const MAX_LENGTH: usize = 128;

fn common_passwords() -> &'static HashSet<&'static str> {
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| include_str!("../../data/common-passwords.txt").lines().collect())
}

/// Checks a new password against the policy; the error names the field and the rule.
pub fn check_policy(field: &'static str, password: &str, email: &str) -> Result<(), DomainError> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(DomainError::invalid(field, format!("must be at least {MIN_LENGTH} characters")));
    }
    if length > MAX_LENGTH {
        return Err(DomainError::invalid(field, format!("must be at most {MAX_LENGTH} characters")));
    }
    let lower = password.to_lowercase();
    let stem = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
    let list = common_passwords();
    if list.contains(lower.as_str()) || (stem.len() >= 4 && list.contains(stem)) {
        return Err(DomainError::invalid(
            field,
            "is too common; choose a password that is not on lists of common passwords",
        ));
    }
    let first = lower.chars().next().unwrap_or_default();
    if lower.chars().all(|c| c == first) {
        return Err(DomainError::invalid(field, "must not repeat a single character"));
    }
    let local_part = email.split('@').next().unwrap_or_default();
    if local_part.len() >= 4 && lower.contains(local_part) {
        return Err(DomainError::invalid(field, "must not contain your e-mail address"));
    }
    Ok(())
}

/// Hashes and verifies passwords with argon2id at the configured cost.
#[derive(Clone)]
pub struct PasswordHasherService {
    params: Params,
    /// Verified against when the account does not exist, so both cases take the same time.
    dummy_hash: std::sync::Arc<String>,
}

impl PasswordHasherService {
    pub fn new(settings: &AuthSettings) -> anyhow::Result<Self> {
        let params = Params::new(
            settings.argon2_memory_kib,
            settings.argon2_iterations,
            settings.argon2_parallelism,
            None,
        )
        .map_err(|err| anyhow::anyhow!("invalid setting ARGON2_*: {err}"))?;
        let dummy_hash = hash_with(&params, "dummy password for unknown accounts")?;
        Ok(Self { params, dummy_hash: std::sync::Arc::new(dummy_hash) })
    }

    pub async fn hash(&self, password: &str) -> anyhow::Result<String> {
        let params = self.params.clone();
        let password = password.to_owned();
        tokio::task::spawn_blocking(move || hash_with(&params, &password)).await?
    }

    /// Verifies `password` against `hash`, or against a dummy hash when `hash` is `None`
    /// (unknown account) so that the answer takes the same time either way.
    pub async fn verify(&self, password: &str, hash: Option<&str>) -> anyhow::Result<bool> {
        let known = hash.is_some();
        let hash = hash.map_or_else(|| self.dummy_hash.as_str().to_owned(), str::to_owned);
        let password = password.to_owned();
        let matches = tokio::task::spawn_blocking(move || {
            let parsed =
                PasswordHash::new(&hash).map_err(|err| anyhow::anyhow!("stored hash unreadable: {err}"))?;
            // The hash carries its own parameters, so older costs keep verifying.
            anyhow::Ok(Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        })
        .await??;
        Ok(known && matches)
    }
}

fn hash_with(params: &Params, password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    Ok(argon
        .hash_password(password.as_bytes(), &salt)
        .map_err(|err| anyhow::anyhow!("{err}"))
        .context("hashing a password")?
        .to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(password: &str) -> String {
        check_policy("password", password, "ada@example.com").unwrap_err().to_string()
    }

    #[test]
    fn policy_names_the_rule() {
        assert!(rule("short").contains("at least 12"));
        assert!(rule(&"x".repeat(129)).contains("at most 128"));
        assert!(rule("qwerty123456").contains("too common"));
        assert!(rule("Password2024!").contains("too common"), "common word padded with digits");
        assert!(rule("aaaaaaaaaaaaaa").contains("single character"));
        assert!(check_policy("password", "i-am-lovelace-42!", "lovelace@example.com")
            .unwrap_err()
            .to_string()
            .contains("e-mail"));
        check_policy("password", "correct horse battery staple", "ada@example.com").unwrap();
    }

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let settings = <crate::accounts::settings::AuthSettings as clap::FromArgMatches>::from_arg_matches(
            &<crate::accounts::settings::AuthSettings as clap::Args>::augment_args(clap::Command::new("t"))
                .get_matches_from(["t", "--argon2-memory-kib=64", "--argon2-iterations=1"]),
        )
        .unwrap();
        let hasher = PasswordHasherService::new(&settings).unwrap();
        let hash = hasher.hash("correct horse battery staple").await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{hash}");
        assert!(hasher.verify("correct horse battery staple", Some(&hash)).await.unwrap());
        assert!(!hasher.verify("wrong horse battery staple", Some(&hash)).await.unwrap());
        assert!(!hasher.verify("correct horse battery staple", None).await.unwrap());
    }
}
