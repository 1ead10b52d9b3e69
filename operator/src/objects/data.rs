//! The StatefulSet, headless Service and NetworkPolicy of an embedded data service: each
//! backing service (`crate::backing`) describes itself as one `DataService`, and this turns
//! every description into a StatefulSet with a volume claim, a headless Service and a
//! NetworkPolicy that admits only the shop's own pods.

use k8s_openapi::api::apps::v1::{
    StatefulSet, StatefulSetPersistentVolumeClaimRetentionPolicy, StatefulSetSpec,
};
use k8s_openapi::api::core::v1::{
    EnvVar, PersistentVolumeClaim, PersistentVolumeClaimSpec, PodTemplateSpec, ResourceRequirements, Service,
    ServicePort, ServiceSpec, VolumeResourceRequirements,
};
use k8s_openapi::api::networking::v1::{
    NetworkPolicy, NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicyPort, NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use shopfleet_crds::{DeletionPolicy, StorageSpec, SHOP_LABEL};
use std::collections::BTreeMap;

use super::meta::Owner;
use super::pod::{container_parts_default, pod_spec, Check, ContainerParts};

/// Name of the data volume in every data service.
const DATA_VOLUME: &str = "data";

/// What differs between the embedded data services.
pub struct DataService<'a> {
    /// Component label and child name suffix, `<shop>-<component>`.
    pub component: &'static str,
    pub image: String,
    /// User and group the server runs as.
    pub uid: i64,
    /// Named container ports; the Service and NetworkPolicy expose all of them.
    pub ports: Vec<(&'static str, i32)>,
    pub env: Vec<EnvVar>,
    pub args: Vec<String>,
    /// Where the data volume is mounted.
    pub data_path: &'static str,
    /// Writable scratch directories: (volume name, path).
    pub scratch: Vec<(&'static str, &'static str)>,
    pub check: Check,
    pub storage: &'a StorageSpec,
    pub resources: ResourceRequirements,
}

fn statefulset(
    owner: &Owner,
    deletion_policy: DeletionPolicy,
    service_account: &str,
    svc: &DataService,
) -> StatefulSet {
    let name = owner.child_name(svc.component);
    let parts = ContainerParts {
        name: svc.component,
        image: svc.image.clone(),
        args: svc.args.clone(),
        env: svc.env.clone(),
        ports: svc.ports.clone(),
        check: Some(svc.check.clone()),
        resources: svc.resources.clone(),
        mounts: vec![(DATA_VOLUME, svc.data_path)],
        scratch: svc.scratch.clone(),
        ..container_parts_default()
    };
    let when_deleted = match deletion_policy {
        DeletionPolicy::Retain => "Retain",
        DeletionPolicy::Delete => "Delete",
    };
    let claim = PersistentVolumeClaim {
        metadata: ObjectMeta {
            name: Some(DATA_VOLUME.to_owned()),
            labels: Some(owner.labels(svc.component)),
            ..Default::default()
        },
        spec: Some(PersistentVolumeClaimSpec {
            access_modes: Some(vec!["ReadWriteOnce".to_owned()]),
            storage_class_name: svc.storage.storage_class_name.clone(),
            resources: Some(VolumeResourceRequirements {
                requests: Some(BTreeMap::from([("storage".to_owned(), Quantity(svc.storage.size.clone()))])),
                limits: None,
            }),
            ..Default::default()
        }),
        status: None,
    };
    StatefulSet {
        metadata: owner.meta(name.clone(), svc.component),
        spec: Some(StatefulSetSpec {
            replicas: Some(1),
            service_name: Some(name),
            selector: owner.selector(svc.component),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(owner.labels(svc.component)),
                    ..Default::default()
                }),
                spec: Some(pod_spec(service_account.to_owned(), svc.uid, parts, None)),
            },
            volume_claim_templates: Some(vec![claim]),
            persistent_volume_claim_retention_policy: Some(StatefulSetPersistentVolumeClaimRetentionPolicy {
                when_deleted: Some(when_deleted.to_owned()),
                when_scaled: Some("Retain".to_owned()),
            }),
            ..Default::default()
        }),
        status: None,
    }
}

fn service(owner: &Owner, svc: &DataService) -> Service {
    Service {
        metadata: owner.meta(owner.child_name(svc.component), svc.component),
        spec: Some(ServiceSpec {
            cluster_ip: Some("None".to_owned()),
            selector: Some(owner.selector_labels(svc.component)),
            ports: Some(
                svc.ports
                    .iter()
                    .map(|(name, port)| ServicePort {
                        name: Some((*name).to_owned()),
                        port: *port,
                        target_port: Some(IntOrString::String((*name).to_owned())),
                        protocol: Some("TCP".to_owned()),
                        ..Default::default()
                    })
                    .collect(),
            ),
            publish_not_ready_addresses: Some(true),
            ..Default::default()
        }),
        status: None,
    }
}

/// Admits traffic to a data service only from pods of the same shop.
fn network_policy(owner: &Owner, svc: &DataService) -> NetworkPolicy {
    NetworkPolicy {
        metadata: owner.meta(owner.child_name(svc.component), svc.component),
        spec: Some(NetworkPolicySpec {
            pod_selector: owner.selector(svc.component),
            policy_types: Some(vec!["Ingress".to_owned()]),
            ingress: Some(vec![NetworkPolicyIngressRule {
                from: Some(vec![NetworkPolicyPeer {
                    pod_selector: Some(LabelSelector {
                        match_labels: Some(BTreeMap::from([(SHOP_LABEL.to_owned(), owner.name.clone())])),
                        ..Default::default()
                    }),
                    ..Default::default()
                }]),
                ports: Some(
                    svc.ports
                        .iter()
                        .map(|(_, port)| NetworkPolicyPort {
                            port: Some(IntOrString::Int(*port)),
                            protocol: Some("TCP".to_owned()),
                            end_port: None,
                        })
                        .collect(),
                ),
            }]),
            egress: None,
        }),
    }
}

/// StatefulSets, headless Services and NetworkPolicies of every embedded data service.
pub struct DataObjects {
    pub statefulsets: Vec<StatefulSet>,
    pub services: Vec<Service>,
    pub network_policies: Vec<NetworkPolicy>,
}

/// Builds the objects of the data services `services`, run as `service_account`; their
/// volume claims go or stay with the StatefulSet as `deletion_policy` says.
pub fn objects(
    owner: &Owner,
    deletion_policy: DeletionPolicy,
    service_account: &str,
    services: &[DataService],
) -> DataObjects {
    DataObjects {
        statefulsets: services
            .iter()
            .map(|s| statefulset(owner, deletion_policy, service_account, s))
            .collect(),
        services: services.iter().map(|s| service(owner, s)).collect(),
        network_policies: services.iter().map(|s| network_policy(owner, s)).collect(),
    }
}
