//! The `ShopInstance` resource and the spec blocks for the shop's own workloads.

use k8s_openapi::api::core::v1::ResourceRequirements;
use kube::{CustomResource, KubeSchema};
use serde::{Deserialize, Serialize};

use crate::dependency::{
    KafkaSpec, ObjectStoreSpec, PostgresSpec, RedisSpec, SearchSpec, SecretKeyRef, StorageSpec, VectorSpec,
};
use crate::status::ShopInstanceStatus;

/// A shop: its API and worker plus the services they need.
///
/// `kubectl wait --for=condition=Ready shop/<name>` returns once every part is ready.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq, KubeSchema)]
#[kube(
    group = "shopfleet.dev",
    version = "v1alpha1",
    kind = "ShopInstance",
    plural = "shopinstances",
    shortname = "shop",
    category = "shopfleet",
    namespaced,
    status = "ShopInstanceStatus",
    scale = r#"{"specReplicasPath":".spec.replicas","statusReplicasPath":".status.replicas","labelSelectorPath":".status.selector"}"#,
    printcolumn = r#"{"name":"Ready","type":"string","jsonPath":".status.conditions[?(@.type==\"Ready\")].status"}"#,
    printcolumn = r#"{"name":"Phase","type":"string","jsonPath":".status.phase"}"#,
    printcolumn = r#"{"name":"Version","type":"string","jsonPath":".status.version"}"#,
    printcolumn = r#"{"name":"Endpoint","type":"string","jsonPath":".status.endpoint"}"#,
    printcolumn = r#"{"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}"#,
    doc = "A Shopfleet shop: API, worker and their backing services, run by shopfleet-operator.",
    validation = Rule::new("self.metadata.name.size() <= 40 && self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')").message("the shop name must be a DNS label (lowercase letters, digits and '-') starting with a letter, at most 40 characters: it prefixes the names of its Services and StatefulSets")
)]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("!has(self.autoscaling) || (self.replicas >= self.autoscaling.minReplicas && self.replicas <= self.autoscaling.maxReplicas)").message("replicas must lie within autoscaling.minReplicas..maxReplicas"))]
pub struct ShopInstanceSpec {
    /// Shopfleet release run by the API, worker and migration Job (image tag).
    #[serde(default = "ShopInstanceSpec::default_version")]
    #[schemars(regex(pattern = r"^v?[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.\-]+)?$"))]
    pub version: String,
    /// Image overrides; by default `ghcr.io/shopfleet/shopfleet-{api,worker}:<version>`.
    #[serde(default)]
    pub images: ImagesSpec,
    /// API replicas (the scale subresource). Ignored while autoscaling is set.
    #[serde(default = "ShopInstanceSpec::default_replicas")]
    #[schemars(range(min = 0, max = 100))]
    pub replicas: i32,
    /// Worker replicas.
    #[serde(default = "ShopInstanceSpec::default_replicas")]
    #[schemars(range(min = 0, max = 100))]
    pub worker_replicas: i32,
    /// Requests and limits of the API and worker containers.
    #[serde(default)]
    pub resources: ResourcesSpec,
    /// Horizontal autoscaling of the API on CPU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autoscaling: Option<AutoscalingSpec>,
    /// Public HTTP(S) entry to the API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress: Option<IngressSpec>,
    /// Relational database.
    #[serde(default)]
    pub postgres: PostgresSpec,
    /// Cache, rate limits and token denylist.
    #[serde(default)]
    pub redis: RedisSpec,
    /// Product search.
    #[serde(default)]
    pub search: SearchSpec,
    /// Vector search for the shopping assistant.
    #[serde(default)]
    pub vector: VectorSpec,
    /// Event log.
    #[serde(default)]
    pub kafka: KafkaSpec,
    /// Shopping assistant models.
    #[serde(default)]
    pub ai: AiSpec,
    /// Payment provider webhooks.
    #[serde(default)]
    pub payments: PaymentsSpec,
    /// Outgoing e-mail; e-mails are logged and dropped when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smtp: Option<SmtpSpec>,
    /// Where product images are kept: a volume by default, or an S3-compatible bucket.
    #[serde(default)]
    pub media: MediaSpec,
    /// What happens to data volumes when the shop is deleted.
    #[serde(default)]
    pub deletion_policy: DeletionPolicy,
    /// What the shop's NetworkPolicies let in and out beyond the shop itself.
    #[serde(default)]
    pub network: NetworkSpec,
}

/// Traffic the shop's NetworkPolicies admit beyond its own pods. Ingress is denied except
/// to the API port; egress is limited to the shop's own pods, DNS, the external services
/// the spec names (on their ports) and `egress`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkSpec {
    /// Namespaces whose pods may scrape the worker's metrics port (the API's metrics share
    /// its public port). `monitoring` when omitted.
    #[serde(default = "NetworkSpec::default_metrics_namespaces")]
    #[schemars(length(max = 20))]
    pub metrics_namespaces: Vec<String>,
    /// Further destinations the API and worker may reach, such as the SMTP relay when its
    /// address (which lives in a Secret) is not on a usual mail port.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 50))]
    pub egress: Vec<EgressRule>,
}

impl Default for NetworkSpec {
    fn default() -> Self {
        Self { metrics_namespaces: Self::default_metrics_namespaces(), egress: Vec::new() }
    }
}

impl NetworkSpec {
    fn default_metrics_namespaces() -> Vec<String> {
        vec!["monitoring".to_owned()]
    }
}

/// One destination the API and worker may reach: an address block and TCP ports.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct EgressRule {
    /// An IPv4 or IPv6 block in CIDR notation, such as `10.20.0.0/16`.
    #[schemars(length(min = 3, max = 43))]
    pub cidr: String,
    /// TCP ports; every port when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 20))]
    pub ports: Vec<u16>,
}

impl ShopInstanceSpec {
    fn default_version() -> String {
        env!("CARGO_PKG_VERSION").to_owned()
    }
    fn default_replicas() -> i32 {
        1
    }
}

/// Container images of the shop's own workloads.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImagesSpec {
    /// API image (also runs migrations); defaults to the official image at `version`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api: Option<String>,
    /// Worker image; defaults to the official image at `version`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker: Option<String>,
}

/// Requests and limits of the shop's own containers.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResourcesSpec {
    /// API container; small defaults when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api: Option<ResourceRequirements>,
    /// Worker container; small defaults when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker: Option<ResourceRequirements>,
}

/// CPU-based autoscaling of the API.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("self.minReplicas <= self.maxReplicas").message("minReplicas must not exceed maxReplicas"))]
pub struct AutoscalingSpec {
    /// Lower bound of API replicas.
    #[schemars(range(min = 1, max = 100))]
    pub min_replicas: i32,
    /// Upper bound of API replicas.
    #[schemars(range(min = 1, max = 100))]
    pub max_replicas: i32,
    /// Average CPU utilisation (percent of requests) the autoscaler aims for.
    #[serde(default = "AutoscalingSpec::default_cpu", rename = "targetCPUUtilizationPercentage")]
    #[schemars(range(min = 1, max = 100))]
    pub target_cpu_utilization_percentage: i32,
}

impl AutoscalingSpec {
    fn default_cpu() -> i32 {
        70
    }
}

/// Ingress to the API.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct IngressSpec {
    /// Public host name.
    #[schemars(regex(pattern = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"))]
    pub host: String,
    /// IngressClass; the cluster default when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class_name: Option<String>,
    /// TLS termination; plain HTTP when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<IngressTlsSpec>,
}

/// Where the Ingress certificate comes from.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("has(self.secretName) || has(self.certManagerIssuer) || has(self.certManagerClusterIssuer)").message("tls needs a secretName or a cert-manager issuer"))]
#[x_kube(validation = Rule::new("!(has(self.certManagerIssuer) && has(self.certManagerClusterIssuer))").message("set at most one of certManagerIssuer and certManagerClusterIssuer"))]
pub struct IngressTlsSpec {
    /// Secret holding the certificate; `<shop>-tls` when a cert-manager issuer fills it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_name: Option<String>,
    /// cert-manager Issuer in the shop's namespace that issues the certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cert_manager_issuer: Option<String>,
    /// cert-manager ClusterIssuer that issues the certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cert_manager_cluster_issuer: Option<String>,
}

/// Models behind the shopping assistant.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct AiSpec {
    /// Directory of the in-process embedding model inside the image (`EMBEDDING_MODEL_DIR`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embedding_model_dir: Option<String>,
    /// OpenAI-compatible endpoint for embeddings and grounded explanations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub llm: Option<LlmSpec>,
}

/// An OpenAI-compatible chat and embedding endpoint.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct LlmSpec {
    /// Secret key with the API key (`OPENAI_API_KEY`).
    pub api_key_secret: SecretKeyRef,
    /// Base URL (`OPENAI_BASE_URL`); the provider's default when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^https?://"))]
    pub base_url: Option<String>,
    /// Chat model name (`OPENAI_MODEL`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
}

/// Payment provider webhook verification.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentsSpec {
    /// Secret key with the comma-separated webhook signing secrets; generated when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_secret: Option<SecretKeyRef>,
}

/// Outgoing e-mail.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct SmtpSpec {
    /// Secret key with the full `smtp://user:pass@host:port` URL (`SMTP_URL`).
    pub url_secret: SecretKeyRef,
}

/// Where product images (uploaded originals and their renditions) are kept. The API stores
/// uploads and the worker renders them, so both must reach the same store.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("!(has(self.objectStore) && has(self.storage))").message("set objectStore or storage, not both: a shop with an object store gets no media volume"))]
#[x_kube(validation = Rule::new("has(self.objectStore) == has(oldSelf.objectStore)").message("a shop cannot move its images between a volume and an object store: the stored images would be left behind; copy them and create a new shop"))]
pub struct MediaSpec {
    /// An S3-compatible bucket. When omitted, the operator creates a volume `<shop>-media`
    /// mounted by the API and worker pods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_store: Option<ObjectStoreSpec>,
    /// The media volume; `5Gi` of the default StorageClass when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage: Option<StorageSpec>,
    /// Access mode of the media volume. With `ReadWriteOnce` (the default) every API and
    /// worker pod of the shop is scheduled on the node that mounts it; `ReadWriteMany` (a
    /// StorageClass that offers it, such as NFS or CephFS) lets them spread.
    #[serde(default)]
    pub access_mode: MediaAccessMode,
}

/// How the media volume may be mounted.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, schemars::JsonSchema)]
pub enum MediaAccessMode {
    /// One node mounts it; the shop's pods are kept on that node.
    #[default]
    ReadWriteOnce,
    /// Every node may mount it.
    ReadWriteMany,
}

/// Fate of data volumes when the shop is deleted.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, schemars::JsonSchema)]
pub enum DeletionPolicy {
    /// Keep the PersistentVolumeClaims (and so the data) after deletion.
    #[default]
    Retain,
    /// Delete the PersistentVolumeClaims with the shop.
    Delete,
}
