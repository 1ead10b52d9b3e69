//! The configuration the API, worker and migration Job read: non-secret settings in a
//! ConfigMap, secrets only through `secretKeyRef`, and connection URLs assembled in the pod
//! with `$(VAR)` interpolation. Also the hash that rolls pods when any of it changes.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{ConfigMap, EnvVar};
use sha2::{Digest, Sha256};
use shopfleet_crds::{ExternalService, KafkaMode, SearchMode, ServiceMode, ShopInstanceSpec, VectorMode};

use super::meta::Owner;
use super::pod::{env, env_secret};
use super::secrets::{Generated, SecretValues};

/// Port of the API container.
pub const API_PORT: i32 = 8000;
/// Port of the worker's health and metrics server.
pub const WORKER_PORT: i32 = 9090;
/// Writable directory of the API and worker (the embedded vector engine keeps its data here).
pub const DATA_DIR: &str = "/var/lib/shopfleet";

pub const POSTGRES_PORT: i32 = 5432;
pub const REDIS_PORT: i32 = 6379;
pub const MEILI_PORT: i32 = 7700;
pub const QDRANT_HTTP_PORT: i32 = 6333;
pub const QDRANT_GRPC_PORT: i32 = 6334;
pub const KAFKA_PORT: i32 = 9092;
pub const KAFKA_CONTROLLER_PORT: i32 = 9093;

/// Host, port and credentials Secret of a service: the embedded one or the external one.
struct Target {
    host: String,
    port: i32,
    secret: String,
}

fn target(owner: &Owner, generated: Generated, external: Option<&ExternalService>, port: i32) -> Target {
    match external {
        Some(ext) => Target {
            host: ext.host.clone(),
            port: ext.port.unwrap_or(port),
            secret: ext.credentials_secret.clone(),
        },
        None => Target {
            host: owner.child_name(generated.suffix()),
            port,
            secret: owner.child_name(generated.suffix()),
        },
    }
}

/// `<namespace>_<name>` as a name Meilisearch indexes and Qdrant collections accept
/// (letters, digits, `-` and `_`, at most 100 characters). Namespaces hold no `.` or `_`,
/// so it is unique per shop; a longer one keeps a hash of the whole to stay unique.
fn shop_key(owner: &Owner) -> String {
    const MAX: usize = 100;
    let whole = format!("{}_{}", owner.namespace, owner.name);
    let key: String =
        whole.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
    if key.len() <= MAX {
        return key;
    }
    let digest = hex::encode(&Sha256::digest(whole.as_bytes())[..4]);
    format!("{}_{digest}", &key[..MAX - digest.len() - 1])
}

/// Settings that are not secret: the data of the `<shop>-config` ConfigMap.
fn settings(owner: &Owner, spec: &ShopInstanceSpec) -> BTreeMap<String, String> {
    let mut data = BTreeMap::from([
        ("LOG_FORMAT".to_owned(), "json".to_owned()),
        ("API_PORT".to_owned(), API_PORT.to_string()),
        ("WORKER_PORT".to_owned(), WORKER_PORT.to_string()),
        ("DATA_DIR".to_owned(), DATA_DIR.to_owned()),
        // The simulated payment provider (in the worker) delivers its webhooks to the API.
        (
            "PAYMENTS_WEBHOOK_URL".to_owned(),
            format!(
                "http://{}:{}/api/v1/payments/webhook",
                owner.child_name("api"),
                super::network::SERVICE_PORT
            ),
        ),
    ]);
    let mut set = |key: &str, value: String| data.insert(key.to_owned(), value);
    match spec.search.mode {
        SearchMode::Postgres => set("SEARCH_BACKEND", "postgres".to_owned()),
        SearchMode::Embedded | SearchMode::External => {
            let t = target(owner, Generated::Meilisearch, spec.search.external.as_ref(), MEILI_PORT);
            set("SEARCH_BACKEND", "meilisearch".to_owned());
            // One Meilisearch may serve several shops (external): each keeps its own indexes.
            set("MEILI_INDEX_PREFIX", shop_key(owner));
            set("MEILI_URL", format!("http://{}:{}", t.host, t.port))
        }
    };
    match spec.vector.mode {
        VectorMode::InProcess => set("VECTOR_BACKEND", "embedded".to_owned()),
        VectorMode::Embedded | VectorMode::External => {
            let t = target(owner, Generated::Qdrant, spec.vector.external.as_ref(), QDRANT_GRPC_PORT);
            set("VECTOR_BACKEND", "qdrant".to_owned());
            // Likewise one Qdrant may serve several shops: each has its own collection.
            set("VECTOR_COLLECTION", shop_key(owner));
            set("QDRANT_URL", format!("http://{}:{}", t.host, t.port))
        }
    };
    match (&spec.kafka.mode, &spec.kafka.bootstrap_servers) {
        (KafkaMode::Embedded, _) => {
            set("KAFKA_BROKERS", format!("{}:{KAFKA_PORT}", owner.child_name("kafka")))
        }
        (KafkaMode::External, Some(servers)) => set("KAFKA_BROKERS", servers.clone()),
        (KafkaMode::External, None) | (KafkaMode::Disabled, _) => None,
    };
    if let Some(dir) = &spec.ai.embedding_model_dir {
        set("EMBEDDING_MODEL_DIR", dir.clone());
    }
    if let Some(llm) = &spec.ai.llm {
        if let Some(url) = &llm.base_url {
            set("OPENAI_BASE_URL", url.clone());
        }
        if let Some(model) = &llm.model {
            set("OPENAI_MODEL", model.clone());
        }
    }
    data
}

/// The `<shop>-config` ConfigMap.
pub fn config_map(owner: &Owner, spec: &ShopInstanceSpec) -> ConfigMap {
    ConfigMap {
        metadata: owner.meta(owner.child_name("config"), "config"),
        data: Some(settings(owner, spec)),
        ..Default::default()
    }
}

/// Secret-backed environment of the API, worker and migration Job, in interpolation order.
pub fn secret_env(owner: &Owner, spec: &ShopInstanceSpec) -> Vec<EnvVar> {
    let pg = target(owner, Generated::Postgres, spec.postgres.external.as_ref(), POSTGRES_PORT);
    let redis = target(owner, Generated::Redis, spec.redis.external.as_ref(), REDIS_PORT);
    let mut vars = vec![
        env_secret("DB_USERNAME", &pg.secret, "username"),
        env_secret("DB_PASSWORD", &pg.secret, "password"),
        env(
            "DATABASE_URL",
            format!(
                "postgres://$(DB_USERNAME):$(DB_PASSWORD)@{}:{}/{}",
                pg.host, pg.port, spec.postgres.database
            ),
        ),
        env_secret("REDIS_PASSWORD", &redis.secret, "password"),
        env("REDIS_URL", format!("redis://:$(REDIS_PASSWORD)@{}:{}/0", redis.host, redis.port)),
        env_secret("JWT_SECRET", &owner.child_name(Generated::Jwt.suffix()), "jwt-secret"),
    ];
    vars.push(match &spec.payments.webhook_secret {
        Some(r) => env_secret("PAYMENTS_WEBHOOK_SECRETS", &r.name, &r.key),
        None => env_secret(
            "PAYMENTS_WEBHOOK_SECRETS",
            &owner.child_name(Generated::Payments.suffix()),
            "webhook-secrets",
        ),
    });
    if spec.search.mode != SearchMode::Postgres {
        let t = target(owner, Generated::Meilisearch, spec.search.external.as_ref(), MEILI_PORT);
        vars.push(env_secret("MEILI_API_KEY", &t.secret, "api-key"));
    }
    if spec.vector.mode != VectorMode::InProcess {
        let t = target(owner, Generated::Qdrant, spec.vector.external.as_ref(), QDRANT_GRPC_PORT);
        vars.push(env_secret("QDRANT_API_KEY", &t.secret, "api-key"));
    }
    if let Some(smtp) = &spec.smtp {
        vars.push(env_secret("SMTP_URL", &smtp.url_secret.name, &smtp.url_secret.key));
    }
    if let Some(llm) = &spec.ai.llm {
        vars.push(env_secret("OPENAI_API_KEY", &llm.api_key_secret.name, &llm.api_key_secret.key));
    }
    vars
}

/// A short hash of everything the shop's pods read, put in their template so any change
/// rolls them. Values of user-owned Secrets are not read, so only their references count.
pub fn hash(owner: &Owner, spec: &ShopInstanceSpec, secrets: &SecretValues) -> String {
    let mut hasher = Sha256::new();
    let input = serde_json::json!({
        "settings": settings(owner, spec),
        "env": secret_env(owner, spec),
        "generated": secrets,
    });
    hasher.update(input.to_string().as_bytes());
    hex::encode(&hasher.finalize()[..8])
}

/// True when the spec runs any service itself (so data services exist at all).
pub fn embeds_anything(spec: &ShopInstanceSpec) -> bool {
    spec.postgres.mode == ServiceMode::Embedded
        || spec.redis.mode == ServiceMode::Embedded
        || spec.search.mode == SearchMode::Embedded
        || spec.vector.mode == VectorMode::Embedded
        || spec.kafka.mode == KafkaMode::Embedded
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::fixtures;

    fn key_of(name: &str) -> String {
        shop_key(&Owner::of(&fixtures::shop(name, "{}")))
    }

    #[test]
    fn shop_keys_are_valid_names_and_stay_distinct_when_long() {
        assert_eq!(key_of("demo.eu"), format!("{}_demo_eu", fixtures::NAMESPACE));
        let (a, b) = (key_of(&format!("{}-a", "x".repeat(120))), key_of(&format!("{}-b", "x".repeat(120))));
        assert_ne!(a, b);
        for key in [&a, &b] {
            assert_eq!(key.len(), 100);
            assert!(key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'), "{key}");
        }
    }
}
