//! Volume claims the operator creates itself (the media and backups volumes; the data
//! services' claims come from their StatefulSets). They carry no owner reference: like the
//! data volumes they outlive the shop under `deletionPolicy: Retain`, and the finalizer
//! deletes them under `Delete`.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    PersistentVolumeClaim, PersistentVolumeClaimSpec, PersistentVolumeClaimVolumeSource, Volume,
    VolumeResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

use super::meta::Owner;

/// The claim `<shop>-<component>` of `size`, in `storage_class` (the cluster default when
/// `None`), mountable as `access_mode`.
pub fn claim(
    owner: &Owner,
    component: &str,
    size: &str,
    storage_class: Option<String>,
    access_mode: &str,
) -> PersistentVolumeClaim {
    let mut metadata = owner.meta(owner.child_name(component), component);
    metadata.owner_references = None;
    PersistentVolumeClaim {
        metadata,
        spec: Some(PersistentVolumeClaimSpec {
            access_modes: Some(vec![access_mode.to_owned()]),
            storage_class_name: storage_class,
            resources: Some(VolumeResourceRequirements {
                requests: Some(BTreeMap::from([("storage".to_owned(), Quantity(size.to_owned()))])),
                limits: None,
            }),
            ..Default::default()
        }),
        status: None,
    }
}

/// A pod volume `name` backed by the claim `claim_name`.
pub fn volume(name: &str, claim_name: String, read_only: bool) -> Volume {
    Volume {
        name: name.to_owned(),
        persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
            claim_name,
            read_only: read_only.then_some(true),
        }),
        ..Default::default()
    }
}
