//! The `ShopInstance` custom resource (`shopfleet.dev/v1alpha1`): its spec, status and the
//! generated CustomResourceDefinition that the Helm chart installs.
//!
//! The committed YAML at `crds/shopinstances.shopfleet.dev.yaml` is produced by
//! `cargo run -p shopfleet-crds --bin crdgen`; a test fails when it is stale.

mod dependency;
mod shop;
mod status;

pub use dependency::{
    quantity_bytes, BackupSpec, CloudNativePgBackupSpec, CloudNativePgSpec, ExternalService, KafkaMode,
    KafkaSasl, KafkaSpec, ObjectStoreSpec, PostgresMode, PostgresSpec, RedisSpec, RestoreSpec, SearchMode,
    SearchSpec, SecretKeyRef, ServerTls, ServiceMode, StorageSpec, StrimziSpec, VectorMode, VectorSpec,
};
pub use shop::{
    AiSpec, AutoscalingSpec, DeletionPolicy, EgressRule, ImagesSpec, IngressSpec, IngressTlsSpec, LlmSpec,
    MediaAccessMode, MediaSpec, NetworkSpec, PaymentsSpec, ResourcesSpec, ShopInstance, ShopInstanceSpec,
    SmtpSpec,
};
pub use status::{BackupStatus, ConditionType, Phase, ShopInstanceStatus, VolumeStatus};

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::CustomResourceExt;

/// API group of every Shopfleet resource.
pub const GROUP: &str = "shopfleet.dev";
/// Annotation that, set to `"true"`, stops the operator from changing a shop's children.
pub const PAUSED_ANNOTATION: &str = "shopfleet.dev/paused";
/// Label carrying the owning shop's name on every child object.
pub const SHOP_LABEL: &str = "shopfleet.dev/shop";

/// The CustomResourceDefinition for `ShopInstance`.
pub fn crd() -> CustomResourceDefinition {
    ShopInstance::crd()
}

/// The CRD rendered as the YAML document committed under `crds/`.
pub fn crd_yaml() -> String {
    serde_yaml::to_string(&crd()).expect("a CRD always serialises to YAML")
}
