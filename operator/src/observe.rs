//! What the cluster holds for a shop: every child carrying the shop's labels, listed once
//! per kind at the start of a reconcile, and a digest of each user Secret its pods read;
//! then read by the pure steps.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::ByteString;
use kube::api::{Api, DynamicObject, ListParams};
use kube::Client;
use sha2::{Digest, Sha256};

use crate::children::Kind;
use crate::objects::meta::children_selector;

/// The children of one shop found in the cluster.
#[derive(Clone, Debug, Default)]
pub struct Observed {
    objects: BTreeMap<(Kind, String), DynamicObject>,
    /// Name → digest of the content of each user Secret the shop's pods read (`absent` for
    /// one that does not exist). Values are never kept, only their digest.
    user_secrets: BTreeMap<String, String>,
}

impl Observed {
    /// Lists every managed kind in `namespace` with the labels of shop `name` (another
    /// operator's kinds only where their CRDs are installed).
    pub async fn fetch(client: &Client, namespace: &str, name: &str) -> Result<Observed, kube::Error> {
        let params = ListParams::default().labels(&children_selector(name));
        let mut objects = BTreeMap::new();
        for kind in Kind::ALL {
            let api: Api<DynamicObject> =
                Api::namespaced_with(client.clone(), namespace, &kind.api_resource());
            let listed = match api.list(&params).await {
                // Another operator's kind whose CRD this cluster lacks, or which this
                // operator was not granted (the chart's RBAC for it is opt-in): none here.
                Err(kube::Error::Api(e)) if [403, 404].contains(&e.code) && kind.is_optional() => continue,
                listed => listed?,
            };
            for object in listed.items {
                let name = object.metadata.name.clone().unwrap_or_default();
                objects.insert((kind, name), object);
            }
        }
        Ok(Observed { objects, user_secrets: BTreeMap::new() })
    }

    /// Reads the user Secrets `names` in `namespace` and keeps a digest of each one's content.
    pub async fn read_user_secrets(
        &mut self,
        client: &Client,
        namespace: &str,
        names: impl IntoIterator<Item = String>,
    ) -> Result<(), kube::Error> {
        let api: Api<Secret> = Api::namespaced(client.clone(), namespace);
        for name in names {
            let secret = api.get_opt(&name).await?;
            self.user_secrets.insert(name, secret.as_ref().map_or_else(|| "absent".to_owned(), digest));
        }
        Ok(())
    }

    /// The digests of the user Secrets read by [`Observed::read_user_secrets`].
    pub fn user_secrets(&self) -> &BTreeMap<String, String> {
        &self.user_secrets
    }

    /// An observation made of the given objects (for pure tests).
    pub fn from_objects(objects: impl IntoIterator<Item = (Kind, DynamicObject)>) -> Observed {
        let objects = objects
            .into_iter()
            .map(|(kind, object)| ((kind, object.metadata.name.clone().unwrap_or_default()), object))
            .collect();
        Observed { objects, user_secrets: BTreeMap::new() }
    }

    /// The same observation with user Secrets of the given content digests (for pure tests).
    pub fn with_user_secrets(mut self, digests: impl IntoIterator<Item = (String, String)>) -> Observed {
        self.user_secrets.extend(digests);
        self
    }

    /// The observed object of a kind and name.
    pub fn get(&self, kind: Kind, name: &str) -> Option<&DynamicObject> {
        self.objects.get(&(kind, name.to_owned()))
    }

    /// Every observed object.
    pub fn iter(&self) -> impl Iterator<Item = (Kind, &DynamicObject)> {
        self.objects.iter().map(|((kind, _), object)| (*kind, object))
    }

    /// A decoded value of an observed Secret.
    pub fn secret_value(&self, name: &str, key: &str) -> Option<String> {
        let encoded = self.get(Kind::Secret, name)?.data.get("data")?.get(key)?.clone();
        let bytes: ByteString = serde_json::from_value(encoded).ok()?;
        String::from_utf8(bytes.0).ok()
    }

    /// An annotation of an observed object.
    pub fn annotation(&self, kind: Kind, name: &str, key: &str) -> Option<String> {
        self.get(kind, name)?.metadata.annotations.as_ref()?.get(key).cloned()
    }

    /// A field of an observed object's `status`, as an integer.
    pub fn status_int(&self, kind: Kind, name: &str, field: &str) -> Option<i64> {
        self.get(kind, name)?.data.get("status")?.get(field)?.as_i64()
    }

    /// True when the named Job has a `type` condition with status True.
    pub fn job_condition(&self, name: &str, type_: &str) -> bool {
        self.get(Kind::Job, name)
            .and_then(|job| job.data.get("status")?.get("conditions")?.as_array().cloned())
            .unwrap_or_default()
            .iter()
            .any(|c| c["type"] == type_ && c["status"] == "True")
    }

    /// True when the named Job completed successfully.
    pub fn job_succeeded(&self, name: &str) -> bool {
        self.job_condition(name, "Complete")
    }
}

/// A short digest of a Secret's content (its data and string data, keys in order).
fn digest(secret: &Secret) -> String {
    let content = serde_json::json!({ "data": secret.data, "stringData": secret.string_data });
    hex::encode(&Sha256::digest(content.to_string().as_bytes())[..8])
}
