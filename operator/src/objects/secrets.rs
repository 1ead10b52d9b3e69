//! Credentials the operator generates for a shop. Each is created once and then read back
//! from the cluster (`crate::desired::secret_values`), so a value never changes once issued
//! (unless its Secret is deleted).
//! Which Secrets a shop needs is said by the parts that use them: each backing service
//! (`crate::backing`) and the shop's own configuration (`crate::desired`).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::ByteString;

use super::meta::Owner;

/// A Secret the operator generates: `<shop>-<suffix>`, with the keys it holds.
#[derive(Debug)]
pub struct GeneratedSecret {
    /// Suffix of the Secret name, `<shop>-<suffix>`.
    pub suffix: &'static str,
    /// The keys of the Secret and how to make a fresh value for each.
    pub keys: &'static [(&'static str, Fresh)],
}

impl GeneratedSecret {
    /// The name of this Secret of the shop `owner`.
    pub fn name(&self, owner: &Owner) -> String {
        owner.child_name(self.suffix)
    }
}

/// How a fresh value for a key is made.
#[derive(Clone, Copy, Debug)]
pub enum Fresh {
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
