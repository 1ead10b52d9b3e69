//! What the cluster holds for a shop: every child carrying the shop's labels, listed once
//! per kind at the start of a reconcile and then read by the pure steps.

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use kube::api::{Api, DynamicObject, ListParams};
use kube::Client;

use crate::children::Kind;
use crate::objects::meta::children_selector;

/// The children of one shop found in the cluster.
#[derive(Clone, Debug, Default)]
pub struct Observed {
    objects: BTreeMap<(Kind, String), DynamicObject>,
}

impl Observed {
    /// Lists every managed kind in `namespace` with the labels of shop `name`.
    pub async fn fetch(client: &Client, namespace: &str, name: &str) -> Result<Observed, kube::Error> {
        let params = ListParams::default().labels(&children_selector(name));
        let mut objects = BTreeMap::new();
        for kind in Kind::ALL {
            let api: Api<DynamicObject> =
                Api::namespaced_with(client.clone(), namespace, &kind.api_resource());
            for object in api.list(&params).await?.items {
                let name = object.metadata.name.clone().unwrap_or_default();
                objects.insert((kind, name), object);
            }
        }
        Ok(Observed { objects })
    }

    /// An observation made of the given objects (for pure tests).
    pub fn from_objects(objects: impl IntoIterator<Item = (Kind, DynamicObject)>) -> Observed {
        let objects = objects
            .into_iter()
            .map(|(kind, object)| ((kind, object.metadata.name.clone().unwrap_or_default()), object))
            .collect();
        Observed { objects }
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
