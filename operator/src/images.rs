//! Which image each of a shop's containers runs: the spec's own choice (`spec.images.*`,
//! `spec.<service>.image`) verbatim, else the official image, moved under the operator's
//! `--image-registry` when one is set, so a mirror or an air-gapped registry serves every
//! shop without each spec naming it.

/// The embedded Redis.
pub const REDIS: &str = "docker.io/library/redis:7.4-alpine";
/// The embedded Meilisearch.
pub const MEILISEARCH: &str = "docker.io/getmeili/meilisearch:v1.50.0";
/// The embedded Qdrant.
pub const QDRANT: &str = "docker.io/qdrant/qdrant:v1.15.1-unprivileged";
/// The embedded Kafka broker.
pub const KAFKA: &str = "docker.io/apache/kafka:4.0.0";

/// The embedded Postgres of major `version`.
pub fn postgres(version: &str) -> String {
    format!("docker.io/library/postgres:{version}-alpine")
}

/// Shopfleet's own `binary` (`shopfleet-api`, `shopfleet-worker`) at `version`.
pub fn shopfleet(binary: &str, version: &str) -> String {
    format!("ghcr.io/shopfleet/{binary}:{version}")
}

/// The registry official images are pulled from: their own (docker.io, ghcr.io) by
/// default, or one prefix for all of them, such as `mirror.example.com` or
/// `registry.internal:5000/upstream`; the image's path and tag follow it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Registry {
    prefix: Option<String>,
}

impl Registry {
    /// The registry at `prefix`, or why it cannot be one (`--image-registry`).
    pub fn new(prefix: &str) -> Result<Registry, String> {
        let prefix = prefix.trim().trim_end_matches('/');
        if prefix.is_empty() {
            return Ok(Registry::default());
        }
        if prefix.contains("://") || prefix.contains(char::is_whitespace) || prefix.contains('@') {
            return Err(format!("--image-registry {prefix:?} must be a registry host with an optional path (mirror.example.com/upstream), without a scheme"));
        }
        Ok(Registry { prefix: Some(prefix.to_owned()) })
    }

    /// `official` pulled from this registry: its registry host replaced by the prefix.
    pub fn place(&self, official: &str) -> String {
        match &self.prefix {
            None => official.to_owned(),
            Some(prefix) => {
                let path = official.split_once('/').map_or(official, |(_, path)| path);
                format!("{prefix}/{path}")
            }
        }
    }

    /// The image a spec field names: `chosen` verbatim when set, else `official` here.
    pub fn choose(&self, chosen: &Option<String>, official: &str) -> String {
        chosen.clone().unwrap_or_else(|| self.place(official))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn official_images_stay_where_they_are_without_a_registry() {
        let registry = Registry::default();
        assert_eq!(registry.place(REDIS), REDIS);
        assert_eq!(registry.choose(&None, &postgres("17")), "docker.io/library/postgres:17-alpine");
    }

    #[test]
    fn a_registry_takes_the_place_of_every_official_host() {
        let registry = Registry::new("mirror.example.com/upstream/").unwrap();
        assert_eq!(registry.place(REDIS), "mirror.example.com/upstream/library/redis:7.4-alpine");
        assert_eq!(
            registry.place(&shopfleet("shopfleet-api", "1.2.3")),
            "mirror.example.com/upstream/shopfleet/shopfleet-api:1.2.3"
        );
        assert_eq!(
            Registry::new("localhost:5000").unwrap().place(MEILISEARCH),
            "localhost:5000/getmeili/meilisearch:v1.50.0"
        );
    }

    #[test]
    fn a_spec_choice_is_kept_verbatim_under_a_registry() {
        let registry = Registry::new("mirror.example.com").unwrap();
        let chosen = Some("quay.io/me/redis:7".to_owned());
        assert_eq!(registry.choose(&chosen, REDIS), "quay.io/me/redis:7");
    }

    #[test]
    fn a_url_is_not_a_registry() {
        let err = Registry::new("https://mirror.example.com").unwrap_err();
        assert!(err.contains("without a scheme"), "{err}");
        assert!(Registry::new("mirror example").is_err());
        assert_eq!(Registry::new("  ").unwrap(), Registry::default());
    }
}
