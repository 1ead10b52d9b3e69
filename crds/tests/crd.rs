//! The committed CRD is current, structural, accepts every sample and its CEL rules reject
//! the mistakes they exist for.

mod support;

use serde_json::{json, Value};
use std::path::{Path, PathBuf};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("crds/ has a parent").to_path_buf()
}

fn schema() -> Value {
    let crd = serde_json::to_value(shopfleet_crds::crd()).expect("CRD serialises");
    crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"].clone()
}

/// Defaults and validates a ShopInstance manifest (its `spec`), as the API server would.
fn admit(manifest: &Value, old: Option<&Value>) -> Vec<String> {
    let schema = schema();
    let name = manifest["metadata"]["name"].as_str().unwrap_or("demo");
    let mut object = json!({ "metadata": { "name": name }, "spec": manifest["spec"].clone() });
    support::apply_defaults(&schema, &mut object);
    let old = old.map(|old| {
        let mut old = json!({ "metadata": { "name": "demo" }, "spec": old["spec"].clone() });
        support::apply_defaults(&schema, &mut old);
        old
    });
    support::validate(&schema, &object, old.as_ref())
}

fn yaml(text: &str) -> Value {
    serde_yaml::from_str(text).expect("test YAML parses")
}

#[test]
fn committed_crd_yaml_is_current() {
    let path = repo_root().join("crds/shopinstances.shopfleet.dev.yaml");
    let committed = std::fs::read_to_string(&path).expect("committed CRD exists");
    assert!(
        committed == shopfleet_crds::crd_yaml(),
        "{} is stale; run `cargo run -p shopfleet-crds --bin crdgen > crds/shopinstances.shopfleet.dev.yaml`",
        path.display()
    );
}

#[test]
fn crd_names_and_subresources_follow_the_contract() {
    let crd = serde_json::to_value(shopfleet_crds::crd()).unwrap();
    assert_eq!(crd["metadata"]["name"], "shopinstances.shopfleet.dev");
    assert_eq!(crd["spec"]["scope"], "Namespaced");
    assert_eq!(crd["spec"]["names"]["shortNames"], json!(["shop"]));
    assert_eq!(crd["spec"]["names"]["categories"], json!(["shopfleet"]));
    let version = &crd["spec"]["versions"][0];
    assert_eq!(version["name"], "v1alpha1");
    assert_eq!(version["subresources"]["status"], json!({}));
    assert_eq!(version["subresources"]["scale"]["specReplicasPath"], ".spec.replicas");
    let columns: Vec<&str> = version["additionalPrinterColumns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(columns, ["Ready", "Phase", "Version", "Endpoint", "Age"]);
}

/// A structural schema has a `type` on every node (or an explicit int-or-string /
/// preserve-unknown-fields escape) and no `$ref`.
#[test]
fn schema_is_structural() {
    fn walk(node: &Value, path: &str, problems: &mut Vec<String>) {
        let Some(obj) = node.as_object() else { return };
        let escaped = obj.contains_key("x-kubernetes-int-or-string")
            || obj.contains_key("x-kubernetes-preserve-unknown-fields");
        if !obj.contains_key("type") && !escaped {
            problems.push(format!("{path}: no type"));
        }
        for banned in ["$ref", "definitions", "oneOf", "anyOf"] {
            if obj.contains_key(banned) {
                problems.push(format!("{path}: {banned}"));
            }
        }
        for (key, child) in obj.get("properties").and_then(Value::as_object).into_iter().flatten() {
            walk(child, &format!("{path}.{key}"), problems);
        }
        for key in ["items", "additionalProperties"] {
            if let Some(child) = obj.get(key) {
                walk(child, &format!("{path}.{key}"), problems);
            }
        }
    }
    let mut problems = Vec::new();
    walk(&schema(), "", &mut problems);
    assert!(problems.is_empty(), "not structural: {problems:#?}");
}

#[test]
fn every_sample_validates() {
    let dir = repo_root().join("manifests/samples");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("samples dir exists") {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let manifest = yaml(&std::fs::read_to_string(&path).unwrap());
            assert_eq!(manifest["apiVersion"], "shopfleet.dev/v1alpha1", "{}", path.display());
            assert_eq!(manifest["kind"], "ShopInstance", "{}", path.display());
            let errors = admit(&manifest, None);
            assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
            let typed: shopfleet_crds::ShopInstance =
                serde_json::from_value(manifest).expect("sample deserialises");
            assert!(typed.metadata.name.is_some());
            seen += 1;
        }
    }
    assert!(seen >= 3, "expected minimal, production and no-kafka samples, found {seen}");
}

#[test]
fn validator_rejects_unknown_fields_and_bad_types() {
    let errors = admit(&yaml("spec: {replicas: many, postgress: {}}"), None);
    assert!(errors.iter().any(|e| e.contains(".spec.replicas: expected integer")), "{errors:?}");
    assert!(errors.iter().any(|e| e.contains(".spec.postgress: unknown field")), "{errors:?}");
}

/// Each bad spec and the CEL (or schema) message it must produce.
#[test]
fn cel_rules_reject_bad_specs() {
    let cases = [
        ("spec: {postgres: {mode: External}}", "external is required when mode is External"),
        (
            "spec: {redis: {external: {host: r, credentialsSecret: s}}}",
            "external is required when mode is External",
        ),
        ("spec: {search: {mode: External}}", "external is required when mode is External"),
        (
            "spec: {vector: {mode: InProcess, external: {host: q, credentialsSecret: s}}}",
            "not allowed otherwise",
        ),
        ("spec: {kafka: {mode: External}}", "bootstrapServers is required"),
        ("spec: {kafka: {bootstrapServers: 'k:9092'}}", "bootstrapServers is required"),
        (
            "spec: {postgres: {mode: External, external: {host: db}}}",
            ".spec.postgres.external.credentialsSecret: required",
        ),
        (
            "spec: {postgres: {mode: External, external: {host: '', credentialsSecret: s}}}",
            "shorter than minLength",
        ),
        (
            "spec: {autoscaling: {minReplicas: 5, maxReplicas: 2}, replicas: 2}",
            "minReplicas must not exceed maxReplicas",
        ),
        ("spec: {autoscaling: {minReplicas: 2, maxReplicas: 5}, replicas: 1}", "replicas must lie within"),
        (
            "spec: {ingress: {host: shop.example.com, tls: {}}}",
            "tls needs a secretName or a cert-manager issuer",
        ),
        (
            "spec: {ingress: {host: a.b, tls: {certManagerIssuer: x, certManagerClusterIssuer: y}}}",
            "set at most one of certManagerIssuer",
        ),
        ("spec: {ingress: {host: 'Not A Host'}}", "does not match"),
        ("spec: {deletionPolicy: Shred}", "is not one of"),
        ("spec: {version: latest}", "does not match"),
        ("metadata: {name: 7eleven}\nspec: {}", "the shop name must be a DNS label"),
        ("metadata: {name: shop.v2}\nspec: {}", "the shop name must be a DNS label"),
        (
            "metadata: {name: a-shop-name-that-is-far-too-long-for-its-children}\nspec: {}",
            "at most 40 characters",
        ),
    ];
    for (spec, expected) in cases {
        let errors = admit(&yaml(spec), None);
        assert!(
            errors.iter().any(|e| e.contains(expected)),
            "{spec}: expected {expected:?}, got {errors:#?}"
        );
    }
}

#[test]
fn good_variants_pass_the_cel_rules() {
    let cases = [
        "spec: {postgres: {mode: External, external: {host: db, credentialsSecret: s}}}",
        "spec: {kafka: {mode: External, bootstrapServers: 'a:9092,b:9092'}}",
        "spec: {autoscaling: {minReplicas: 2, maxReplicas: 5}, replicas: 2}",
        "spec: {ingress: {host: shop.example.com, tls: {certManagerIssuer: le}}}",
        "spec: {search: {mode: Postgres}, vector: {mode: InProcess}, kafka: {mode: Disabled}}",
    ];
    for spec in cases {
        let errors = admit(&yaml(spec), None);
        assert!(errors.is_empty(), "{spec}: {errors:#?}");
    }
}

#[test]
fn storage_class_is_immutable_on_update() {
    let old = yaml("spec: {postgres: {storage: {size: 10Gi, storageClassName: standard}}}");
    let resized = yaml("spec: {postgres: {storage: {size: 20Gi, storageClassName: standard}}}");
    assert!(admit(&resized, Some(&old)).is_empty());
    for new in [
        "spec: {postgres: {storage: {size: 10Gi, storageClassName: fast}}}",
        "spec: {postgres: {storage: {size: 10Gi}}}",
    ] {
        let errors = admit(&yaml(new), Some(&old));
        assert!(errors.iter().any(|e| e.contains("storageClassName is immutable")), "{new}: {errors:#?}");
    }
    // Volumes grow, in any unit, and never shrink.
    let bigger = yaml("spec: {postgres: {storage: {size: 10240Mi, storageClassName: standard}}}");
    assert!(admit(&bigger, Some(&old)).is_empty());
    let smaller = yaml("spec: {postgres: {storage: {size: 9Gi, storageClassName: standard}}}");
    let errors = admit(&smaller, Some(&old));
    assert!(errors.iter().any(|e| e.contains("size cannot shrink")), "{errors:#?}");
    // On create there is no old object, so the transition rule does not apply.
    assert!(admit(&yaml("spec: {postgres: {storage: {size: 1Gi, storageClassName: fast}}}"), None).is_empty());
}
