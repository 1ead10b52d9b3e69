//! The kinds of object a shop owns, and a child object in kind-erased form so that apply,
//! prune and observation treat every kind alike.

use kube::api::{ApiResource, DynamicObject};
use kube::Resource;
use serde::Serialize;
use sha2::{Digest, Sha256};

use k8s_openapi::api::{
    apps::v1 as apps, autoscaling::v2 as autoscaling, batch::v1 as batch, core::v1 as core,
};
use k8s_openapi::api::{networking::v1 as networking, policy::v1 as policy};

/// Annotation with the hash of the desired object as last applied.
pub const APPLIED_HASH_ANNOTATION: &str = "shopfleet.dev/applied-hash";

/// A kind of child object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Secret,
    ConfigMap,
    ServiceAccount,
    PersistentVolumeClaim,
    Service,
    StatefulSet,
    Deployment,
    Job,
    CronJob,
    Ingress,
    NetworkPolicy,
    HorizontalPodAutoscaler,
    PodDisruptionBudget,
    /// CloudNativePG's `postgresql.cnpg.io/v1` Cluster (only served where it is installed).
    CnpgCluster,
    /// CloudNativePG's `postgresql.cnpg.io/v1` ScheduledBackup.
    CnpgScheduledBackup,
    /// Strimzi's `kafka.strimzi.io/v1` Kafka.
    StrimziKafka,
    /// Strimzi's KafkaNodePool.
    StrimziNodePool,
    /// Strimzi's KafkaTopic.
    StrimziTopic,
    /// Strimzi's KafkaUser.
    StrimziUser,
}

impl Kind {
    /// Every kind, in the order objects are applied (dependencies first).
    pub const ALL: [Kind; 19] = [
        Self::Secret,
        Self::ConfigMap,
        Self::ServiceAccount,
        Self::PersistentVolumeClaim,
        Self::Service,
        Self::NetworkPolicy,
        Self::StatefulSet,
        Self::CnpgCluster,
        Self::CnpgScheduledBackup,
        Self::StrimziNodePool,
        Self::StrimziKafka,
        Self::StrimziTopic,
        Self::StrimziUser,
        Self::Job,
        Self::CronJob,
        Self::Deployment,
        Self::HorizontalPodAutoscaler,
        Self::PodDisruptionBudget,
        Self::Ingress,
    ];

    /// The API resource (group, version, plural) of this kind.
    pub fn api_resource(self) -> ApiResource {
        match self {
            Self::Secret => ApiResource::erase::<core::Secret>(&()),
            Self::ConfigMap => ApiResource::erase::<core::ConfigMap>(&()),
            Self::ServiceAccount => ApiResource::erase::<core::ServiceAccount>(&()),
            Self::PersistentVolumeClaim => ApiResource::erase::<core::PersistentVolumeClaim>(&()),
            Self::Service => ApiResource::erase::<core::Service>(&()),
            Self::StatefulSet => ApiResource::erase::<apps::StatefulSet>(&()),
            Self::Deployment => ApiResource::erase::<apps::Deployment>(&()),
            Self::Job => ApiResource::erase::<batch::Job>(&()),
            Self::CronJob => ApiResource::erase::<batch::CronJob>(&()),
            Self::Ingress => ApiResource::erase::<networking::Ingress>(&()),
            Self::NetworkPolicy => ApiResource::erase::<networking::NetworkPolicy>(&()),
            Self::HorizontalPodAutoscaler => ApiResource::erase::<autoscaling::HorizontalPodAutoscaler>(&()),
            Self::PodDisruptionBudget => ApiResource::erase::<policy::PodDisruptionBudget>(&()),
            Self::CnpgCluster => third_party("postgresql.cnpg.io", "Cluster", "clusters"),
            Self::CnpgScheduledBackup => {
                third_party("postgresql.cnpg.io", "ScheduledBackup", "scheduledbackups")
            }
            Self::StrimziKafka => third_party("kafka.strimzi.io", "Kafka", "kafkas"),
            Self::StrimziNodePool => third_party("kafka.strimzi.io", "KafkaNodePool", "kafkanodepools"),
            Self::StrimziTopic => third_party("kafka.strimzi.io", "KafkaTopic", "kafkatopics"),
            Self::StrimziUser => third_party("kafka.strimzi.io", "KafkaUser", "kafkausers"),
        }
    }

    /// Whether the kind belongs to another operator, whose CRDs a cluster may lack.
    pub fn is_optional(self) -> bool {
        matches!(
            self,
            Self::CnpgCluster
                | Self::CnpgScheduledBackup
                | Self::StrimziKafka
                | Self::StrimziNodePool
                | Self::StrimziTopic
                | Self::StrimziUser
        )
    }

    fn of(kind: &str) -> Option<Kind> {
        Self::ALL.into_iter().find(|k| k.api_resource().kind == kind)
    }
}

/// A resource of another operator (`v1` of `group`).
fn third_party(group: &str, kind: &str, plural: &str) -> ApiResource {
    ApiResource {
        group: group.to_owned(),
        version: "v1".to_owned(),
        api_version: format!("{group}/v1"),
        kind: kind.to_owned(),
        plural: plural.to_owned(),
    }
}

/// One desired child object.
#[derive(Clone, Debug)]
pub struct Child {
    pub kind: Kind,
    pub object: DynamicObject,
}

impl Child {
    /// Erases a typed object built by `build` and stamps it with a hash of its content
    /// (`shopfleet.dev/applied-hash`), so that removing a field from the desired object
    /// is seen as a change even though the old object still contains the new one.
    pub fn new<K: Resource<DynamicType = ()> + Serialize>(object: &K) -> Child {
        let kind = Kind::of(&K::kind(&())).expect("build only makes kinds listed in Kind");
        Child::of(kind, serde_json::to_value(object).expect("Kubernetes objects serialise"))
    }

    /// A child of another operator's kind, given as JSON (`apiVersion`, `kind`, `metadata`
    /// and the rest).
    pub fn of(kind: Kind, value: serde_json::Value) -> Child {
        let hash = hex::encode(&Sha256::digest(value.to_string().as_bytes())[..8]);
        let mut object: DynamicObject =
            serde_json::from_value(value).expect("a serialised object is a DynamicObject");
        object
            .metadata
            .annotations
            .get_or_insert_with(Default::default)
            .insert(APPLIED_HASH_ANNOTATION.to_owned(), hash);
        Child { kind, object }
    }

    /// The object's name.
    pub fn name(&self) -> &str {
        self.object.metadata.name.as_deref().unwrap_or_default()
    }
}
