//! The configuration the API, worker and migration Job read: non-secret settings in a
//! ConfigMap, secrets only through `secretKeyRef`, and connection URLs assembled in the pod
//! with `$(VAR)` interpolation. Each backing service gives its own part (`crate::backing`);
//! the shop's own settings and Secrets are here. Also the hash that rolls pods when any of
//! it changes.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{ConfigMap, EnvVar};
use sha2::{Digest, Sha256};
use shopfleet_env_names as var;

use super::app::{DATA_DIR, WORKER_PORT};
use super::media;
use crate::backing::Backing;
use crate::objects::network::{API_PORT, SERVICE_PORT};
use crate::objects::pod::env_secret;
use crate::objects::secrets::{Fresh, GeneratedSecret, SecretValues};
use crate::validate::ValidatedShop;

/// The key that signs the API's tokens.
static JWT_SECRET: GeneratedSecret =
    GeneratedSecret { suffix: "jwt", keys: &[("jwt-secret", Fresh::Random("", 48))] };
/// The payment webhook secrets, unless the spec names its own Secret.
static PAYMENTS_SECRET: GeneratedSecret =
    GeneratedSecret { suffix: "payments", keys: &[("webhook-secrets", Fresh::Random("whsec_", 32))] };

/// The Secrets the operator generates for `shop`.
pub fn generated(shop: &ValidatedShop) -> Vec<&'static GeneratedSecret> {
    let mut wanted: Vec<_> = shop.backing().iter().filter_map(|b| b.secret()).collect();
    wanted.push(&JWT_SECRET);
    if shop.payments.webhook_secret.is_none() {
        wanted.push(&PAYMENTS_SECRET);
    }
    wanted
}

/// Settings that are not secret: the data of the `<shop>-config` ConfigMap.
fn settings(shop: &ValidatedShop) -> BTreeMap<String, String> {
    let owner = &shop.owner;
    let mut data: BTreeMap<String, String> = [
        (var::LOG_FORMAT, "json".to_owned()),
        (var::API_PORT, API_PORT.to_string()),
        (var::WORKER_PORT, WORKER_PORT.to_string()),
        (var::DATA_DIR, DATA_DIR.to_owned()),
        // The simulated payment provider (in the worker) delivers its webhooks to the API.
        (
            var::PAYMENTS_WEBHOOK_URL,
            format!("http://{}:{SERVICE_PORT}/api/v1/payments/webhook", owner.child_name("api")),
        ),
    ]
    .into_iter()
    .chain(shop.backing().iter().flat_map(|b| b.settings(owner)))
    .chain(media::settings(shop))
    .map(|(key, value)| (key.to_owned(), value))
    .collect();
    let mut set = |key: &str, value: &String| data.insert(key.to_owned(), value.clone());
    if let Some(dir) = &shop.ai.embedding_model_dir {
        set(var::EMBEDDING_MODEL_DIR, dir);
    }
    if let Some(llm) = &shop.ai.llm {
        if let Some(url) = &llm.base_url {
            set(var::OPENAI_BASE_URL, url);
        }
        if let Some(model) = &llm.model {
            set(var::OPENAI_MODEL, model);
        }
    }
    data
}

/// The `<shop>-config` ConfigMap.
pub fn config_map(shop: &ValidatedShop) -> ConfigMap {
    ConfigMap {
        metadata: shop.owner.meta(shop.owner.child_name("config"), "config"),
        data: Some(settings(shop)),
        ..Default::default()
    }
}

/// Secret-backed environment of the API, worker and migration Job, in interpolation order.
/// (The shop's own secrets sit between Redis's and search's: a changed order would change
/// the configuration hash and roll every shop's pods.)
pub fn secret_env(shop: &ValidatedShop) -> Vec<EnvVar> {
    let owner = &shop.owner;
    let mut vars = shop.postgres.env(owner);
    vars.extend(shop.redis.env(owner));
    vars.push(env_secret(var::JWT_SECRET, &JWT_SECRET.name(owner), "jwt-secret"));
    vars.push(match &shop.payments.webhook_secret {
        Some(r) => env_secret(var::PAYMENTS_WEBHOOK_SECRETS, &r.name, &r.key),
        None => env_secret(var::PAYMENTS_WEBHOOK_SECRETS, &PAYMENTS_SECRET.name(owner), "webhook-secrets"),
    });
    vars.extend(shop.search.env(owner));
    vars.extend(shop.vectors.env(owner));
    vars.extend(shop.kafka.env(owner));
    if let Some(smtp) = &shop.smtp {
        vars.push(env_secret(var::SMTP_URL, &smtp.url_secret.name, &smtp.url_secret.key));
    }
    if let Some(llm) = &shop.ai.llm {
        vars.push(env_secret(var::OPENAI_API_KEY, &llm.api_key_secret.name, &llm.api_key_secret.key));
    }
    vars.extend(media::secret_env(shop));
    vars
}

/// The user's Secrets the shop's pods read (SMTP, LLM key, payment webhook secret, external
/// services' credentials and CA certificates, the object store): every Secret of
/// [`secret_env`] the operator does not generate, and the mounted CA Secrets.
pub fn user_secrets(shop: &ValidatedShop) -> BTreeSet<String> {
    let generated: BTreeSet<String> = generated(shop).iter().map(|g| g.name(&shop.owner)).collect();
    let cas = shop.backing().into_iter().flat_map(|backing| backing.ca_secrets()).map(|(_, ca)| ca.name);
    secret_env(shop)
        .iter()
        .filter_map(|var| var.value_from.as_ref()?.secret_key_ref.as_ref())
        .map(|reference| reference.name.clone())
        .chain(cas)
        .filter(|name| !generated.contains(name))
        .collect()
}

/// A short hash of everything the shop's pods read, put in their template so any change
/// rolls them: settings, the environment's references, generated secret values and the
/// content digests of the user Secrets (`user_secrets`), so rotating one rolls the pods.
pub fn hash(
    shop: &ValidatedShop,
    env: &[EnvVar],
    secrets: &SecretValues,
    user_secrets: &BTreeMap<String, String>,
) -> String {
    let mut hasher = Sha256::new();
    let mut input = serde_json::json!({
        "settings": settings(shop),
        "env": env,
        "generated": secrets,
    });
    // Only when there are any, so shops without user Secrets keep their hash (and pods).
    if !user_secrets.is_empty() {
        input["user_secrets"] = serde_json::json!(user_secrets);
    }
    hasher.update(input.to_string().as_bytes());
    hex::encode(&hasher.finalize()[..8])
}
