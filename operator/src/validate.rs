//! Semantic checks of a shop before anything is built. The CRD's CEL rules catch most
//! mistakes at admission; these repeat the ones that would make the operator build broken
//! objects (clusters can run without the rules, e.g. objects stored before an upgrade) and
//! add limits that CEL cannot express, such as child name lengths.

use kube::ResourceExt;
use shopfleet_crds::{KafkaMode, SearchMode, ServiceMode, ShopInstance, VectorMode};

/// Longest shop name: `<name>-meilisearch` must stay a valid StatefulSet name (52 chars).
pub const MAX_NAME_LEN: usize = 40;

/// Every problem of a shop, or `Ok` when it can be built.
pub fn validate(shop: &ShopInstance) -> Result<(), Vec<String>> {
    let spec = &shop.spec;
    let name = shop.name_any();
    let mut problems = Vec::new();
    // The same rule as the CRD's CEL rule on metadata.name (crds/src/shop.rs).
    let dns_label = name.len() <= MAX_NAME_LEN
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !dns_label {
        problems.push(format!(
            "metadata.name {name:?} must be a DNS label starting with a letter and at most {MAX_NAME_LEN} characters"
        ));
    }
    let external = [
        ("postgres", spec.postgres.mode == ServiceMode::External, spec.postgres.external.is_some()),
        ("redis", spec.redis.mode == ServiceMode::External, spec.redis.external.is_some()),
        ("search", spec.search.mode == SearchMode::External, spec.search.external.is_some()),
        ("vector", spec.vector.mode == VectorMode::External, spec.vector.external.is_some()),
    ];
    for (block, wants, has) in external {
        if wants && !has {
            problems.push(format!("spec.{block}.external is required when mode is External"));
        }
    }
    if spec.kafka.mode == KafkaMode::External
        && spec.kafka.bootstrap_servers.as_deref().unwrap_or("").is_empty()
    {
        problems.push("spec.kafka.bootstrapServers is required when mode is External".to_owned());
    }
    if let Some(a) = &spec.autoscaling {
        if a.min_replicas > a.max_replicas {
            problems.push("spec.autoscaling.minReplicas must not exceed maxReplicas".to_owned());
        }
    }
    if spec.replicas < 0 || spec.worker_replicas < 0 {
        problems.push("spec.replicas and spec.workerReplicas must not be negative".to_owned());
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shopfleet_crds::ShopInstanceSpec;

    fn shop(name: &str, spec: &str) -> ShopInstance {
        ShopInstance::new(name, serde_yaml::from_str::<ShopInstanceSpec>(spec).unwrap())
    }

    #[test]
    fn accepts_the_defaults_and_rejects_unbuildable_shops() {
        assert_eq!(validate(&shop("demo", "{}")), Ok(()));
        let too_long = "s".repeat(MAX_NAME_LEN + 1);
        for (name, spec, expected) in [
            (too_long.as_str(), "{}", "metadata.name"),
            ("9lives", "{}", "metadata.name"),
            ("demo", "{postgres: {mode: External}}", "spec.postgres.external"),
            ("demo", "{vector: {mode: External}}", "spec.vector.external"),
            ("demo", "{kafka: {mode: External}}", "spec.kafka.bootstrapServers"),
            ("demo", "{autoscaling: {minReplicas: 4, maxReplicas: 2}}", "minReplicas"),
        ] {
            let problems = validate(&shop(name, spec)).unwrap_err();
            assert!(problems.iter().any(|p| p.contains(expected)), "{name} {spec}: {problems:?}");
        }
    }
}
