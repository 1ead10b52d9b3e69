//! Data volumes that grow. A StatefulSet's claim template cannot change once created, so
//! the template keeps the size the cluster holds, and each claim the StatefulSet made is
//! expanded in place to the spec's size (Kubernetes does it when the claim's StorageClass
//! allows expansion). Volumes never shrink: the CRD refuses a smaller size.

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use serde_json::Value;
use shopfleet_crds::{quantity_bytes as bytes, VolumeStatus};

use crate::children::Kind;
use crate::objects::meta::Owner;
use crate::observe::Observed;
use crate::validate::ValidatedShop;

/// A claim to expand to `size`.
#[derive(Clone, Debug, PartialEq)]
pub struct Resize {
    pub claim: String,
    pub size: String,
}

/// The storage request of a claim (or claim template) as the cluster holds it.
fn requested(claim: &Value) -> Option<&str> {
    claim["spec"]["resources"]["requests"]["storage"].as_str()
}

/// Name of the claim StatefulSet `<shop>-<component>` made for its only pod.
fn claim_name(owner: &Owner, component: &str) -> String {
    format!("data-{}-0", owner.child_name(component))
}

/// Keeps `statefulset`'s claim template at the size the cluster already has for it.
pub fn keep_claim_template(statefulset: &mut StatefulSet, observed: &Observed) {
    let name = statefulset.metadata.name.clone().unwrap_or_default();
    let Some(existing) = observed.get(Kind::StatefulSet, &name) else { return };
    let Some(size) = requested(&existing.data["spec"]["volumeClaimTemplates"][0]) else { return };
    let template = statefulset.spec.as_mut().and_then(|spec| spec.volume_claim_templates.as_mut());
    if let Some(resources) = template
        .and_then(|claims| claims.first_mut())
        .and_then(|claim| claim.spec.as_mut())
        .and_then(|spec| spec.resources.as_mut())
    {
        resources.requests.get_or_insert_default().insert("storage".to_owned(), Quantity(size.to_owned()));
    }
}

/// The bound data claims that request less than the spec's size for their service. A claim
/// not bound yet cannot be changed (the API server refuses it); it is expanded once bound.
pub fn resizes(shop: &ValidatedShop, observed: &Observed) -> Vec<Resize> {
    shop.backing()
        .iter()
        .filter_map(|backing| backing.data_service(&shop.owner))
        .filter_map(|service| {
            let claim = claim_name(&shop.owner, service.component);
            let found = &observed.get(Kind::PersistentVolumeClaim, &claim)?.data;
            if found["status"]["phase"] != "Bound" {
                return None;
            }
            let current = requested(found)?;
            let grows = bytes(&service.storage.size)? > bytes(current)?;
            grows.then(|| Resize { claim, size: service.storage.size.clone() })
        })
        .collect()
}

/// What the status says about each data claim: its request (the new size while a resize
/// is asked for) and the capacity it has.
pub fn status(shop: &ValidatedShop, observed: &Observed, resizes: &[Resize]) -> Vec<VolumeStatus> {
    shop.backing()
        .iter()
        .filter_map(|backing| backing.data_service(&shop.owner))
        .filter_map(|service| {
            let claim = claim_name(&shop.owner, service.component);
            let found = &observed.get(Kind::PersistentVolumeClaim, &claim)?.data;
            let asked = resizes.iter().find(|r| r.claim == claim).map(|r| r.size.as_str());
            let requested = asked.or(requested(found))?.to_owned();
            let capacity = found["status"]["capacity"]["storage"].as_str().map(str::to_owned);
            let resizing = match (bytes(&requested), capacity.as_deref().and_then(bytes)) {
                (Some(want), Some(have)) => want > have,
                _ => false,
            };
            Some(VolumeStatus { claim, requested, capacity, resizing })
        })
        .collect()
}
