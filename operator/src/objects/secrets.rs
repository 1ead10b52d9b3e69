//! Credentials the operator generates for a shop. Each is created once and then read back
//! from the cluster, so a value never changes once issued (unless its Secret is deleted).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::ByteString;
use shopfleet_crds::{SearchMode, ServiceMode, ShopInstanceSpec, VectorMode};

use super::meta::Owner;
use crate::observe::Observed;

/// User name of the embedded Postgres.
pub const POSTGRES_USER: &str = "shopfleet";

/// A generated Secret of a shop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Generated {
    Postgres,
    Redis,
    Meilisearch,
    Qdrant,
    Jwt,
    Payments,
}

impl Generated {
    /// Suffix of the Secret name, `<shop>-<suffix>`.
    pub fn suffix(self) -> &'static str {
        match self {
            Self::Postgres => "postgres",
            Self::Redis => "redis",
            Self::Meilisearch => "meilisearch",
            Self::Qdrant => "qdrant",
            Self::Jwt => "jwt",
            Self::Payments => "payments",
        }
    }

    /// The keys of the Secret and how to make a fresh value for each.
    fn keys(self) -> &'static [(&'static str, Fresh)] {
        match self {
            Self::Postgres => {
                &[("username", Fresh::Fixed(POSTGRES_USER)), ("password", Fresh::Random("", 32))]
            }
            Self::Redis => &[("password", Fresh::Random("", 32))],
            Self::Meilisearch | Self::Qdrant => &[("api-key", Fresh::Random("", 32))],
            Self::Jwt => &[("jwt-secret", Fresh::Random("", 48))],
            Self::Payments => &[("webhook-secrets", Fresh::Random("whsec_", 32))],
        }
    }

    /// The Secrets a spec needs generated.
    pub fn wanted(spec: &ShopInstanceSpec) -> Vec<Generated> {
        let mut wanted = Vec::new();
        if spec.postgres.mode == ServiceMode::Embedded {
            wanted.push(Self::Postgres);
        }
        if spec.redis.mode == ServiceMode::Embedded {
            wanted.push(Self::Redis);
        }
        if spec.search.mode == SearchMode::Embedded {
            wanted.push(Self::Meilisearch);
        }
        if spec.vector.mode == VectorMode::Embedded {
            wanted.push(Self::Qdrant);
        }
        wanted.push(Self::Jwt);
        if spec.payments.webhook_secret.is_none() {
            wanted.push(Self::Payments);
        }
        wanted
    }
}

/// How a fresh value for a key is made.
#[derive(Clone, Copy, Debug)]
enum Fresh {
    Fixed(&'static str),
    /// Prefix plus that many URL-safe alphanumeric characters.
    Random(&'static str, usize),
}

/// A source of random URL-safe alphanumeric strings of a given length.
pub trait Randomness {
    fn alphanumeric(&mut self, len: usize) -> String;
}

/// Cryptographically secure randomness from the operating system.
pub struct OsRandomness;

impl Randomness for OsRandomness {
    fn alphanumeric(&mut self, len: usize) -> String {
        use rand::Rng;
        rand::rngs::OsRng.sample_iter(&rand::distributions::Alphanumeric).take(len).map(char::from).collect()
    }
}

/// The values of every generated Secret of a shop, keyed by Secret name then key.
pub type SecretValues = BTreeMap<String, BTreeMap<String, String>>;

/// Reads existing generated values from the cluster and makes fresh ones only where missing.
pub fn resolve(
    owner: &Owner,
    spec: &ShopInstanceSpec,
    observed: &Observed,
    random: &mut dyn Randomness,
) -> SecretValues {
    Generated::wanted(spec)
        .into_iter()
        .map(|generated| {
            let name = owner.child_name(generated.suffix());
            let values = generated
                .keys()
                .iter()
                .map(|(key, fresh)| {
                    let value = observed.secret_value(&name, key).unwrap_or_else(|| match fresh {
                        Fresh::Fixed(value) => (*value).to_owned(),
                        Fresh::Random(prefix, len) => {
                            format!("{prefix}{}", random.alphanumeric(*len))
                        }
                    });
                    ((*key).to_owned(), value)
                })
                .collect();
            (name, values)
        })
        .collect()
}

/// The Secret objects holding `values`.
pub fn objects(owner: &Owner, values: &SecretValues) -> Vec<Secret> {
    values
        .iter()
        .map(|(name, data)| Secret {
            metadata: owner.meta(name.clone(), "credentials"),
            type_: Some("Opaque".to_owned()),
            data: Some(data.iter().map(|(k, v)| (k.clone(), ByteString(v.as_bytes().to_vec()))).collect()),
            ..Default::default()
        })
        .collect()
}
