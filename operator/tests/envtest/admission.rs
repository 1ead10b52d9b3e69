//! Admission by the real API server of the CRD as generated: every sample is accepted, and
//! each CEL rule rejects its bad example with the message a user reads.

use std::collections::BTreeSet;
use std::path::Path;

use kube::api::{Patch, PatchParams, PostParams};
use serde_json::{json, Value};
use shopfleet_crds::ShopInstance;
use shopfleet_operator::images::Registry;
use shopfleet_operator::validate::validate;

use crate::support::{shop, Env};

/// The message of every CEL rule in the CRD's schema.
fn rule_messages() -> BTreeSet<String> {
    fn walk(node: &Value, messages: &mut BTreeSet<String>) {
        match node {
            Value::Object(map) => {
                for rule in
                    map.get("x-kubernetes-validations").and_then(Value::as_array).into_iter().flatten()
                {
                    messages.insert(rule["message"].as_str().expect("every rule has a message").to_owned());
                }
                map.values().for_each(|v| walk(v, messages));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, messages)),
            _ => {}
        }
    }
    let mut messages = BTreeSet::new();
    walk(&serde_json::to_value(shopfleet_crds::crd()).unwrap(), &mut messages);
    messages
}

/// What the API server says to a user creating shop `name` with `spec` (YAML).
async fn rejection(env: &Env, name: &str, spec: &str) -> String {
    match env.shops().create(&PostParams::default(), &shop(name, spec)).await {
        Ok(_) => panic!("{name} {spec} was admitted"),
        Err(kube::Error::Api(e)) => {
            assert_eq!(e.code, 422, "{e:?}");
            e.message
        }
        Err(e) => panic!("{name} {spec}: {e}"),
    }
}

#[tokio::test]
async fn every_sample_is_accepted() {
    let env = Env::new("samples").await;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../manifests/samples");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("samples dir exists") {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let mut sample: ShopInstance = serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            sample.metadata.namespace = None;
            env.shops()
                .create(&PostParams::default(), &sample)
                .await
                .unwrap_or_else(|e| panic!("{} is rejected: {e}", path.display()));
            seen += 1;
        }
    }
    assert!(seen >= 3, "expected minimal, production and no-kafka samples, found {seen}");
}

#[tokio::test]
async fn each_cel_rule_rejects_its_bad_example_with_its_message() {
    let env = Env::new("cel-rules").await;
    let messages = rule_messages();
    let mut seen = BTreeSet::new();
    for (name, spec) in [
        ("shop.v2", "{}"),
        ("demo", "{replicas: 1, autoscaling: {minReplicas: 2, maxReplicas: 4}}"),
        ("demo", "{replicas: 3, autoscaling: {minReplicas: 4, maxReplicas: 2}}"),
        ("demo", "{ingress: {host: shop.example.com, tls: {}}}"),
        (
            "demo",
            "{ingress: {host: shop.example.com, tls: {certManagerIssuer: a, certManagerClusterIssuer: b}}}",
        ),
        ("demo", "{postgres: {mode: External}}"),
        ("demo", "{redis: {mode: External}}"),
        ("demo", "{search: {mode: External}}"),
        ("demo", "{vector: {mode: External}}"),
        ("demo", "{kafka: {mode: External}}"),
        ("demo", "{kafka: {mode: Disabled, bootstrapServers: 'k:9092'}}"),
        ("demo", "{media: {objectStore: {bucket: shop-media, credentialsSecret: s3}, storage: {size: 1Gi}}}"),
        (
            "demo",
            "{postgres: {mode: External, external: {host: db.example.com, credentialsSecret: pg}, backup: {schedule: '0 3 * * *'}}}",
        ),
        ("demo", "{postgres: {cloudNativePG: {instances: 3}}}"),
        ("demo", "{kafka: {strimzi: {replicas: 3}}}"),
        ("demo", "{kafka: {mode: Disabled, sasl: {credentialsSecret: k}}}"),
        ("demo", "{search: {mode: External, external: {host: s, credentialsSecret: m, tls: {}}}}"),
        ("demo", "{postgres: {restoreFrom: {backup: old-backup-1}}}"),
        // An image only for a server the operator runs.
        (
            "demo",
            "{postgres: {mode: External, external: {host: db.example.com, credentialsSecret: pg}, image: my/postgres:17}}",
        ),
        ("demo", "{redis: {mode: External, external: {host: r, credentialsSecret: r}, image: my/redis:7}}"),
        ("demo", "{search: {mode: Postgres, image: my/meilisearch:1}}"),
        ("demo", "{vector: {mode: InProcess, image: my/qdrant:1}}"),
        ("demo", "{kafka: {mode: Disabled, image: my/kafka:4}}"),
    ] {
        let message = rejection(&env, name, spec).await;
        let matched: Vec<&String> = messages.iter().filter(|m| message.contains(m.as_str())).collect();
        assert!(!matched.is_empty(), "{name} {spec} was rejected without a rule's message: {message}");
        seen.extend(matched.into_iter().cloned());
    }

    // Rules on updates: each change below is refused with its rule's message.
    env.create_shop("stored", "{postgres: {storage: {size: 1Gi, storageClassName: fast}}}").await;
    let grow = json!({"spec": {"postgres": {"storage": {"size": "2048Mi"}}}});
    env.shops()
        .patch("stored", &PatchParams::default(), &Patch::Merge(&grow))
        .await
        .expect("a volume may grow, in any unit");
    for (change, message) in [
        // Storage classes are immutable.
        (json!({"postgres": {"storage": {"storageClassName": "slow"}}}), "storageClassName is immutable"),
        // Volumes only grow.
        (json!({"postgres": {"storage": {"size": "2000Mi"}}}), "size cannot shrink"),
        // A live shop's database never moves to another mode: its data would stay behind.
        (json!({"postgres": {"mode": "CloudNativePG"}}), "mode cannot change on a live shop"),
        // Events do not move into Strimzi on a live shop.
        (json!({"kafka": {"mode": "Strimzi"}}), "a live shop cannot move its events into or out of Strimzi"),
        // A live shop's database is never restored over.
        (
            json!({"postgres": {"restoreFrom": {"claim": "old-backups", "backup": "old-backup-1"}}}),
            "restoreFrom is set when a shop is created",
        ),
        // Images cannot move between a volume and a bucket: they would be left behind.
        (
            json!({"media": {"objectStore": {"bucket": "shop-media", "credentialsSecret": "s3"}}}),
            "a shop cannot move its images between a volume and an object store",
        ),
    ] {
        let patch = json!({ "spec": change });
        let error =
            env.shops().patch("stored", &PatchParams::default(), &Patch::Merge(&patch)).await.unwrap_err();
        let kube::Error::Api(e) = error else { panic!("{error}") };
        assert!(e.message.contains(message), "{change}: {}", e.message);
        seen.extend(messages.iter().filter(|m| m.starts_with(message)).cloned());
    }

    let untested: Vec<&String> = messages.difference(&seen).collect();
    assert!(untested.is_empty(), "CEL rules without a bad example here: {untested:#?}");
}

/// Defect: the CRD's rule let `shop.v2` in (a Kubernetes name may hold dots), then the
/// operator refused it as "not a DNS label" and reported Degraded. The rule enforced at
/// admission and the operator's own check must agree on every name.
#[tokio::test]
async fn admission_and_the_operator_agree_on_shop_names() {
    let env = Env::new("shop-names").await;
    let longest = format!("s{}", "x".repeat(39));
    let too_long = format!("{longest}x");
    for name in ["shop.v2", "a.b", "9lives", too_long.as_str()] {
        let message = rejection(&env, name, "{}").await;
        assert!(message.contains("the shop name must be a DNS label"), "{name}: {message}");
        assert!(
            validate(&shop(name, "{}"), &Registry::default()).is_err(),
            "the operator accepts {name} that admission rejects"
        );
    }
    for name in ["shop-2", "a", longest.as_str()] {
        let admitted = env.create_shop(name, "{}").await;
        assert!(
            validate(&admitted, &Registry::default()).is_ok(),
            "the operator rejects {name} that admission accepts"
        );
    }
}
