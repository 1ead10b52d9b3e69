//! Shops used across the tests, and helpers to build them deterministically.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::Value;
use shopfleet_crds::{ShopInstance, ShopInstanceSpec};

use crate::children::{Child, Kind};
use crate::desired::{build, secret_values, Desired};
use crate::images::Registry;
use crate::objects::secrets::Randomness;
use crate::observe::Observed;
use crate::validate::{validate, ValidatedShop};

/// Namespace of every test shop.
pub const NAMESPACE: &str = "shops";

/// Predictable "random" strings: the letter `x` repeated.
pub struct Fixed;

impl Randomness for Fixed {
    fn alphanumeric(&mut self, len: usize) -> String {
        "x".repeat(len)
    }
}

/// A shop named `name` with the spec given as YAML (as a user would write it).
pub fn shop(name: &str, spec_yaml: &str) -> ShopInstance {
    let spec: ShopInstanceSpec = serde_yaml::from_str(spec_yaml).expect("test spec parses");
    let mut shop = ShopInstance::new(name, spec);
    shop.metadata = ObjectMeta {
        name: Some(name.to_owned()),
        namespace: Some(NAMESPACE.to_owned()),
        uid: Some(format!("{name}-uid")),
        generation: Some(1),
        ..Default::default()
    };
    shop
}

/// The specs the snapshot and Pod Security tests cover, by name.
pub fn specs() -> Vec<(&'static str, &'static str)> {
    vec![
        ("minimal", "{}"),
        (
            "all_external",
            r#"
postgres: {mode: External, external: {host: db.example.com, credentialsSecret: pg-creds, tls: {caSecret: {name: db-ca, key: ca.crt}}}}
redis: {mode: External, external: {host: cache.example.com, port: 6380, credentialsSecret: redis-creds, tls: {caSecret: {name: cache-ca, key: ca.pem}}}}
search: {mode: External, external: {host: search.example.com, credentialsSecret: meili-creds}}
vector: {mode: External, external: {host: qdrant.example.com, credentialsSecret: qdrant-creds}}
kafka: {mode: External, bootstrapServers: "k1.example.com:9093,k2.example.com:9093", tls: {caSecret: {name: kafka-ca, key: ca.crt}}, sasl: {credentialsSecret: kafka-user}}
payments: {webhookSecret: {name: payments, key: secrets}}
smtp: {urlSecret: {name: smtp, key: url}}
ai: {llm: {apiKeySecret: {name: llm, key: api-key}, model: gpt-4o-mini}}
media: {objectStore: {bucket: shop-media, endpoint: "https://s3.example.com", region: eu-central-1, credentialsSecret: media-creds}}
"#,
        ),
        ("kafka_disabled", "{kafka: {mode: Disabled}, search: {mode: Postgres}, vector: {mode: InProcess}}"),
        (
            "autoscaling",
            "{replicas: 3, workerReplicas: 2, autoscaling: {minReplicas: 2, maxReplicas: 10}, deletionPolicy: Delete, media: {accessMode: ReadWriteMany, storage: {size: 20Gi, storageClassName: nfs}}}",
        ),
        (
            "day_two",
            "{postgres: {backup: {schedule: '0 3 * * *', timeZone: Europe/Berlin, retention: 5}}, network: {metricsNamespaces: [monitoring, observability], egress: [{cidr: 10.0.0.0/8, ports: [2525]}]}}",
        ),
        (
            "cloudnative_pg",
            "{postgres: {mode: CloudNativePG, storage: {size: 50Gi, storageClassName: fast}, cloudNativePG: {instances: 3, backup: {schedule: '0 0 3 * * *', destinationPath: 's3://shop-backups/shop', endpointURL: 'https://s3.example.com', credentialsSecret: backup-creds}}}, deletionPolicy: Delete}",
        ),
        (
            "strimzi",
            "{kafka: {mode: Strimzi, storage: {size: 20Gi}, strimzi: {replicas: 3, version: 4.1.0, partitions: 8}}}",
        ),
        (
            "ingress_tls",
            "{ingress: {host: shop.example.com, className: nginx, tls: {certManagerClusterIssuer: letsencrypt}}}",
        ),
    ]
}

/// `shop` validated, for shops the tests know to be valid.
pub fn valid(shop: &ShopInstance) -> ValidatedShop {
    validate(shop, &Registry::default()).expect("test shop is valid")
}

/// The children of `shop` once its migration has completed, with fixed secret values.
pub fn converged(shop: &ShopInstance) -> Desired {
    converged_valid(&valid(shop))
}

/// The children of a validated shop once its migration has completed.
pub fn converged_valid(shop: &ValidatedShop) -> Desired {
    let secrets = secret_values(shop, &Observed::default(), &mut Fixed);
    let first = build(shop, &Observed::default(), &secrets);
    let mut job = first
        .children
        .iter()
        .find(|c| c.kind == Kind::Job)
        .expect("a migration Job is always built")
        .object
        .clone();
    job.data["status"] = serde_json::json!({"conditions": [{"type": "Complete", "status": "True"}]});
    build(shop, &Observed::from_objects([(Kind::Job, job)]), &secrets)
}

/// The pod templates of the workload children: (kind, name, pod spec).
pub fn pod_specs(children: &[Child]) -> Vec<(Kind, String, Value)> {
    children
        .iter()
        .filter(|c| matches!(c.kind, Kind::StatefulSet | Kind::Deployment | Kind::Job | Kind::CronJob))
        .map(|c| {
            let spec = &c.object.data["spec"];
            let template = if c.kind == Kind::CronJob {
                &spec["jobTemplate"]["spec"]["template"]
            } else {
                &spec["template"]
            };
            (c.kind, c.name().to_owned(), template["spec"].clone())
        })
        .collect()
}
