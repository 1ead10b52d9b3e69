//! Where the shop's product images live. The API stores uploads and the worker renders
//! them, so both reach one store: an S3-compatible bucket (settings in the ConfigMap,
//! credentials from the user's Secret), or else the `<shop>-media` volume both mount. A
//! ReadWriteOnce volume mounts on one node only, so then every API and worker pod is
//! scheduled beside the others (required pod affinity on the node).
//! The claim follows `deletionPolicy` (see `crate::objects::claims`).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Affinity, EnvVar, PersistentVolumeClaim, PodAffinity, PodAffinityTerm, PodSpec, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use shopfleet_crds::{MediaAccessMode, ObjectStoreSpec};
use shopfleet_env_names as var;

use crate::objects::claims;
use crate::objects::meta::Owner;
use crate::objects::pod::env_secret;
use crate::validate::ValidatedShop;

/// Where the API and worker mount the media volume.
pub const MEDIA_DIR: &str = "/var/lib/shopfleet-media";
/// Size of the media volume when the spec names none.
const DEFAULT_SIZE: &str = "5Gi";
const VOLUME: &str = "media";
/// Label on API and worker pods that share a ReadWriteOnce media volume.
const MEDIA_LABEL: &str = "shopfleet.dev/media-volume";

fn bucket(shop: &ValidatedShop) -> Option<&ObjectStoreSpec> {
    shop.media.object_store.as_ref()
}

/// ConfigMap settings: the bucket, or the mounted directory.
pub fn settings(shop: &ValidatedShop) -> Vec<(&'static str, String)> {
    let Some(store) = bucket(shop) else { return vec![(var::MEDIA_DIR, MEDIA_DIR.to_owned())] };
    let mut settings = vec![(var::MEDIA_S3_BUCKET, store.bucket.clone())];
    settings.extend(store.endpoint.clone().map(|endpoint| (var::MEDIA_S3_ENDPOINT, endpoint)));
    settings.extend(store.region.clone().map(|region| (var::MEDIA_S3_REGION, region)));
    settings
}

/// The bucket's credentials, from the user's Secret.
pub fn secret_env(shop: &ValidatedShop) -> Vec<EnvVar> {
    bucket(shop).map_or_else(Vec::new, |store| {
        vec![
            env_secret(var::MEDIA_S3_ACCESS_KEY_ID, &store.credentials_secret, "access-key-id"),
            env_secret(var::MEDIA_S3_SECRET_ACCESS_KEY, &store.credentials_secret, "secret-access-key"),
        ]
    })
}

/// The media volume's claim, unless the images live in a bucket.
pub fn claim(shop: &ValidatedShop) -> Option<PersistentVolumeClaim> {
    if bucket(shop).is_some() {
        return None;
    }
    let storage = shop.media.storage.as_ref();
    let size = storage.map_or(DEFAULT_SIZE, |s| s.size.as_str());
    let class = storage.and_then(|s| s.storage_class_name.clone());
    Some(claims::claim(&shop.owner, VOLUME, size, class, access_mode(shop.media.access_mode)))
}

fn access_mode(mode: MediaAccessMode) -> &'static str {
    match mode {
        MediaAccessMode::ReadWriteOnce => "ReadWriteOnce",
        MediaAccessMode::ReadWriteMany => "ReadWriteMany",
    }
}

/// Labels the API and worker pod templates carry so that a ReadWriteOnce volume's pods can
/// find each other.
pub fn pod_labels(shop: &ValidatedShop) -> Option<(String, String)> {
    shares_one_node(shop).then(|| (MEDIA_LABEL.to_owned(), shop.owner.name.clone()))
}

fn shares_one_node(shop: &ValidatedShop) -> bool {
    bucket(shop).is_none() && shop.media.access_mode == MediaAccessMode::ReadWriteOnce
}

/// Mounts the media volume into the pod's container, and on a ReadWriteOnce volume keeps
/// the pod on the node of the shop's other API and worker pods.
pub fn mount(shop: &ValidatedShop, pod: &mut PodSpec) {
    if bucket(shop).is_some() {
        return;
    }
    let owner: &Owner = &shop.owner;
    pod.volumes.get_or_insert_with(Vec::new).push(claims::volume(VOLUME, owner.child_name(VOLUME), false));
    for container in &mut pod.containers {
        container.volume_mounts.get_or_insert_with(Vec::new).push(VolumeMount {
            name: VOLUME.to_owned(),
            mount_path: MEDIA_DIR.to_owned(),
            ..Default::default()
        });
    }
    if shares_one_node(shop) {
        let selector = LabelSelector {
            match_labels: Some(BTreeMap::from([(MEDIA_LABEL.to_owned(), owner.name.clone())])),
            ..Default::default()
        };
        pod.affinity = Some(Affinity {
            pod_affinity: Some(PodAffinity {
                required_during_scheduling_ignored_during_execution: Some(vec![PodAffinityTerm {
                    label_selector: Some(selector),
                    topology_key: "kubernetes.io/hostname".to_owned(),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            ..Default::default()
        });
    }
}
