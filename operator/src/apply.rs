//! Writing desired children with server-side apply, only when they differ from what the
//! cluster holds (so a converged shop costs no writes), expanding data volume claims, and
//! deleting managed children that are no longer desired.

use std::collections::BTreeSet;

use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams, PropagationPolicy};
use kube::Client;
use serde_json::Value;

use k8s_openapi::api::core::v1::PersistentVolumeClaim;

use crate::children::{Child, Kind};
use crate::desired::volumes::Resize;
use crate::error::Error;
use crate::objects::meta::{Owner, MANAGER};
use crate::observe::Observed;

/// What one apply pass changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    pub applied: usize,
    pub pruned: usize,
}

/// True when every field of `desired` is present with the same value in `observed`.
/// Fields the server or other controllers add (defaults, status) are ignored; lists must
/// match element by element.
pub fn is_subset(desired: &Value, observed: &Value) -> bool {
    match (desired, observed) {
        (Value::Object(d), Value::Object(o)) => d
            .iter()
            .all(|(k, v)| o.get(k).is_some_and(|ov| is_subset(v, ov)) || (v.is_null() && !o.contains_key(k))),
        (Value::Array(d), Value::Array(o)) => {
            d.len() == o.len() && d.iter().zip(o).all(|(d, o)| is_subset(d, o))
        }
        (Value::Number(d), Value::Number(o)) => d.as_f64() == o.as_f64(),
        _ => desired == observed,
    }
}

/// True when `observed` is missing, was applied from a different desired object (its
/// applied-hash annotation differs), or has drifted from `desired`.
pub fn needs_apply(desired: &DynamicObject, observed: Option<&DynamicObject>) -> bool {
    let Some(observed) = observed else {
        return true;
    };
    let meta = |o: &DynamicObject| {
        serde_json::json!({
            "labels": o.metadata.labels,
            "annotations": o.metadata.annotations,
            "ownerReferences": o.metadata.owner_references,
        })
    };
    !(is_subset(&meta(desired), &meta(observed)) && is_subset(&desired.data, &observed.data))
}

/// Applies every drifted or missing child, in order.
pub async fn apply(
    client: &Client,
    namespace: &str,
    desired: &[Child],
    observed: &Observed,
) -> Result<usize, Error> {
    let params = PatchParams::apply(MANAGER).force();
    let mut applied = 0;
    for child in desired {
        if !needs_apply(&child.object, observed.get(child.kind, child.name())) {
            continue;
        }
        let api: Api<DynamicObject> =
            Api::namespaced_with(client.clone(), namespace, &child.kind.api_resource());
        api.patch(child.name(), &params, &Patch::Apply(&child.object))
            .await
            .map_err(|source| Error::Apply { kind: child.kind, name: child.name().to_owned(), source })?;
        applied += 1;
    }
    Ok(applied)
}

/// Asks for the storage of each claim in `resizes` (claims the StatefulSets made, so they
/// are patched, not applied). The API server refuses it unless the claim is bound and its
/// StorageClass allows expansion.
pub async fn expand(client: &Client, namespace: &str, resizes: &[Resize]) -> Result<usize, Error> {
    let api: Api<PersistentVolumeClaim> = Api::namespaced(client.clone(), namespace);
    for resize in resizes {
        let patch = serde_json::json!({"spec": {"resources": {"requests": {"storage": resize.size}}}});
        api.patch(&resize.claim, &PatchParams::default(), &Patch::Merge(&patch))
            .await
            .map_err(|source| Error::Expand { claim: resize.claim.clone(), source })?;
    }
    Ok(resizes.len())
}

/// Deletes observed children that are not desired (and not already being deleted), except
/// volume claims.
pub async fn prune(
    client: &Client,
    owner: &Owner,
    desired: &[Child],
    observed: &Observed,
) -> Result<usize, Error> {
    let namespace = owner.namespace.as_str();
    let wanted: BTreeSet<(Kind, &str)> = desired.iter().map(|c| (c.kind, c.name())).collect();
    let params =
        DeleteParams { propagation_policy: Some(PropagationPolicy::Background), ..Default::default() };
    let mut pruned = 0;
    for (kind, object) in observed.iter() {
        let name = object.metadata.name.as_deref().unwrap_or_default();
        // Volumes hold data: only the finalizer deletes them (`deletionPolicy: Delete`).
        // Objects another controller made from a child (a CronJob's Jobs, what Strimzi makes
        // from a Kafka that carries the shop's labels) are that controller's to delete.
        let made_by_another =
            object.metadata.owner_references.iter().flatten().any(|reference| reference.uid != owner.uid());
        if kind == Kind::PersistentVolumeClaim
            || made_by_another
            || wanted.contains(&(kind, name))
            || object.metadata.deletion_timestamp.is_some()
        {
            continue;
        }
        let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), namespace, &kind.api_resource());
        match api.delete(name, &params).await {
            Ok(_) => pruned += 1,
            Err(kube::Error::Api(e)) if e.code == 404 => {}
            Err(source) => return Err(Error::Prune { kind, name: name.to_owned(), source }),
        }
    }
    Ok(pruned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> DynamicObject {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn server_additions_are_not_drift_but_changed_or_missing_fields_are() {
        let desired = object(json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "s", "labels": {"a": "1"}},
            "spec": {"ports": [{"port": 80}], "selector": {"app": "x"}}}));
        let defaulted = object(json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "s", "labels": {"a": "1", "extra": "y"}, "resourceVersion": "7"},
            "spec": {"ports": [{"port": 80, "protocol": "TCP"}], "selector": {"app": "x"}, "clusterIP": "10.0.0.1"},
            "status": {}}));
        assert!(!needs_apply(&desired, Some(&defaulted)));
        assert!(needs_apply(&desired, None));
        let mut edited = defaulted.clone();
        edited.data["spec"]["selector"]["app"] = json!("hijacked");
        assert!(needs_apply(&desired, Some(&edited)));
        let mut relabelled = defaulted.clone();
        relabelled.metadata.labels.as_mut().unwrap().remove("a");
        assert!(needs_apply(&desired, Some(&relabelled)));
        let mut extra_port = defaulted;
        extra_port.data["spec"]["ports"] = json!([{"port": 80}, {"port": 81}]);
        assert!(needs_apply(&desired, Some(&extra_port)), "lists must match element by element");
    }
}
