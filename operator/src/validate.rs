//! Semantic checks of a shop before anything is built, producing the `ValidatedShop` that
//! the builders (`desired`) and `status` read instead of the raw spec. The CRD's CEL rules
//! catch most mistakes at admission; these repeat the ones that would make the operator
//! build broken objects (clusters can run without the rules, e.g. objects stored before an
//! upgrade) and add limits that CEL cannot express, such as child name lengths.

use kube::ResourceExt;
use shopfleet_crds::{
    AiSpec, AutoscalingSpec, DeletionPolicy, ImagesSpec, IngressSpec, MediaSpec, NetworkSpec, PaymentsSpec,
    ResourcesSpec, ShopInstance, SmtpSpec,
};

use crate::backing::kafka::Kafka;
use crate::backing::meilisearch::Search;
use crate::backing::postgres::Postgres;
use crate::backing::qdrant::Vectors;
use crate::backing::redis::Redis;
use crate::backing::Backing;
use crate::images::Registry;
use crate::objects::meta::Owner;

/// Longest shop name: `<name>-meilisearch` must stay a valid StatefulSet name (52 chars).
pub const MAX_NAME_LEN: usize = 40;

/// A shop whose spec passed every check, with each backing service in its checked form.
#[derive(Clone, Debug)]
pub struct ValidatedShop {
    pub owner: Owner,
    /// Shopfleet release the API, worker and migration Job run.
    pub version: String,
    pub images: ImagesSpec,
    /// Where official images are pulled from (`--image-registry`).
    pub registry: Registry,
    pub resources: ResourcesSpec,
    pub api_replicas: ApiReplicas,
    pub worker_replicas: i32,
    pub ingress: Option<IngressSpec>,
    pub postgres: Postgres,
    pub redis: Redis,
    pub search: Search,
    pub vectors: Vectors,
    pub kafka: Kafka,
    pub ai: AiSpec,
    pub payments: PaymentsSpec,
    pub smtp: Option<SmtpSpec>,
    pub media: MediaSpec,
    pub deletion_policy: DeletionPolicy,
    pub network: NetworkSpec,
}

/// How many API pods run.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiReplicas {
    /// `replicas` of the API Deployment; `None` when the autoscaler owns it.
    pub fixed: Option<i32>,
    /// The fewest API replicas the shop should run: the autoscaler's minimum when
    /// autoscaling is on, else `replicas`. Status counts the API ready only at this many,
    /// and it sizes the disruption budget.
    pub floor: i32,
    pub autoscaling: Option<AutoscalingSpec>,
}

impl ValidatedShop {
    /// Every backing service, in the order of their status conditions.
    pub fn backing(&self) -> [&dyn Backing; 5] {
        [&self.postgres, &self.redis, &self.search, &self.vectors, &self.kafka]
    }
}

/// The value of a check, or `None` with its problem added to `problems`.
fn checked<T>(problems: &mut Vec<String>, result: Result<T, String>) -> Option<T> {
    result.map_err(|problem| problems.push(problem)).ok()
}

/// The checked shop, or every problem that keeps it from being built.
/// Images the spec leaves to the operator come from `registry`.
pub fn validate(shop: &ShopInstance, registry: &Registry) -> Result<ValidatedShop, Vec<String>> {
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
    let postgres = checked(&mut problems, Postgres::check(&spec.postgres, registry));
    let redis = checked(&mut problems, Redis::check(&spec.redis, registry));
    let search = checked(&mut problems, Search::check(&spec.search, registry));
    let vectors = checked(&mut problems, Vectors::check(&spec.vector, registry));
    let kafka = checked(&mut problems, Kafka::check(&spec.kafka, registry));
    if let Some(a) = &spec.autoscaling {
        if a.min_replicas > a.max_replicas {
            problems.push("spec.autoscaling.minReplicas must not exceed maxReplicas".to_owned());
        }
    }
    for (i, rule) in spec.network.egress.iter().enumerate() {
        if !is_cidr(&rule.cidr) {
            problems.push(format!(
                "spec.network.egress[{i}].cidr {:?} is not an IP block like 10.0.0.0/8",
                rule.cidr
            ));
        }
        if rule.ports.contains(&0) {
            problems.push(format!("spec.network.egress[{i}].ports must be 1 to 65535"));
        }
    }
    for namespace in &spec.network.metrics_namespaces {
        let label = !namespace.is_empty()
            && namespace.len() <= 63
            && namespace.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !label {
            problems.push(format!("spec.network.metricsNamespaces: {namespace:?} is not a namespace name"));
        }
    }
    if spec.replicas < 0 || spec.worker_replicas < 0 {
        problems.push("spec.replicas and spec.workerReplicas must not be negative".to_owned());
    }
    let (Some(postgres), Some(redis), Some(search), Some(vectors), Some(kafka), true) =
        (postgres, redis, search, vectors, kafka, problems.is_empty())
    else {
        return Err(problems);
    };
    Ok(ValidatedShop {
        owner: Owner::of(shop),
        version: spec.version.clone(),
        images: spec.images.clone(),
        registry: registry.clone(),
        resources: spec.resources.clone(),
        api_replicas: ApiReplicas {
            fixed: spec.autoscaling.is_none().then_some(spec.replicas),
            floor: spec.autoscaling.as_ref().map_or(spec.replicas, |a| a.min_replicas),
            autoscaling: spec.autoscaling.clone(),
        },
        worker_replicas: spec.worker_replicas,
        ingress: spec.ingress.clone(),
        postgres,
        redis,
        search,
        vectors,
        kafka,
        ai: spec.ai.clone(),
        payments: spec.payments.clone(),
        smtp: spec.smtp.clone(),
        media: spec.media.clone(),
        deletion_policy: spec.deletion_policy,
        network: spec.network.clone(),
    })
}

/// Whether `cidr` is an IPv4 or IPv6 address block (`address/prefix`).
fn is_cidr(cidr: &str) -> bool {
    let Some((address, prefix)) = cidr.split_once('/') else { return false };
    let Ok(prefix) = prefix.parse::<u8>() else { return false };
    match address.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(_)) => prefix <= 32,
        Ok(std::net::IpAddr::V6(_)) => prefix <= 128,
        Err(_) => false,
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
        assert!(validate(&shop("demo", "{}"), &Registry::default()).is_ok());
        let too_long = "s".repeat(MAX_NAME_LEN + 1);
        for (name, spec, expected) in [
            (too_long.as_str(), "{}", "metadata.name"),
            ("9lives", "{}", "metadata.name"),
            ("demo", "{postgres: {mode: External}}", "spec.postgres.external is required"),
            ("demo", "{vector: {mode: External}}", "spec.vector.external is required"),
            ("demo", "{kafka: {mode: External}}", "spec.kafka.bootstrapServers is required"),
            ("demo", "{autoscaling: {minReplicas: 4, maxReplicas: 2}}", "minReplicas"),
            // Refused by the CRD's rules too: the operator would run one server and point
            // the shop at another.
            (
                "demo",
                "{redis: {external: {host: cache.example.com, credentialsSecret: c}}}",
                "spec.redis.external is only allowed",
            ),
            ("demo", "{kafka: {bootstrapServers: 'k:9092'}}", "spec.kafka.bootstrapServers is only allowed"),
            ("demo", "{network: {egress: [{cidr: 10.0.0.0}]}}", "spec.network.egress[0].cidr"),
            ("demo", "{network: {egress: [{cidr: 10.0.0.0/33}]}}", "spec.network.egress[0].cidr"),
            ("demo", "{network: {egress: [{cidr: 'mail.example.com/32'}]}}", "spec.network.egress[0].cidr"),
            ("demo", "{network: {egress: [{cidr: 'fd00::/8', ports: [0]}]}}", "egress[0].ports"),
            ("demo", "{network: {metricsNamespaces: [Monitoring]}}", "spec.network.metricsNamespaces"),
        ] {
            let problems = validate(&shop(name, spec), &Registry::default()).unwrap_err();
            assert!(problems.iter().any(|p| p.contains(expected)), "{name} {spec}: {problems:?}");
        }
    }

    #[test]
    fn the_api_floor_is_the_autoscaler_minimum_when_autoscaling() {
        let fixed = validate(&shop("demo", "{replicas: 3}"), &Registry::default()).unwrap().api_replicas;
        assert_eq!((fixed.fixed, fixed.floor), (Some(3), 3));
        let scaled = validate(
            &shop("demo", "{replicas: 3, autoscaling: {minReplicas: 2, maxReplicas: 5}}"),
            &Registry::default(),
        )
        .unwrap()
        .api_replicas;
        assert_eq!((scaled.fixed, scaled.floor), (None, 2));
    }
}
