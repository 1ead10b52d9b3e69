//! What the operator reports about a shop: phase, endpoint and conditions.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;
use serde::{Deserialize, Serialize};

/// Observed state of a `ShopInstance`, written only by the operator.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ShopInstanceStatus {
    /// Summary of the conditions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<Phase>,
    /// `metadata.generation` of the spec this status describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// URL of the API (the Ingress when configured, else the in-cluster Service).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// Version currently rolled out to the API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Ready API replicas (scale subresource).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i32>,
    /// Label selector of the API pods (scale subresource).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,
    /// Latest observations, one per `ConditionType`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    /// The data services' volume claims: requested size and capacity.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<VolumeStatus>,
    /// The last successful backup of the embedded database, when backups are scheduled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup: Option<BackupStatus>,
}

/// A finished backup.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BackupStatus {
    /// Name of the last successful backup (its file on the backups volume is `<last>.dump`;
    /// `spec.postgres.restoreFrom.backup` of a new shop takes it).
    pub last: String,
    /// When it completed (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<String>,
}

/// One data volume claim of the shop.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct VolumeStatus {
    /// The PersistentVolumeClaim.
    pub claim: String,
    /// The size asked for (the spec's, once an expansion is requested).
    pub requested: String,
    /// The size the volume has, once bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<String>,
    /// True while the volume is smaller than requested (an expansion is under way).
    #[serde(default)]
    pub resizing: bool,
}

/// One-word summary of a shop.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, schemars::JsonSchema)]
pub enum Phase {
    /// Children are being created or rolled out.
    Progressing,
    /// Everything is ready.
    Ready,
    /// Something that was ready is not, or the spec cannot be applied.
    Degraded,
    /// The `shopfleet.dev/paused` annotation is set.
    Paused,
    /// The shop is being deleted.
    Deleting,
}

/// The condition types the operator maintains.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConditionType {
    PostgresReady,
    RedisReady,
    SearchReady,
    VectorReady,
    KafkaReady,
    ApiReady,
    WorkerReady,
    Ready,
    Progressing,
    Degraded,
    ReconciliationPaused,
}

impl ConditionType {
    /// Every condition type, in the order they appear in the status.
    pub const ALL: [ConditionType; 11] = [
        Self::PostgresReady,
        Self::RedisReady,
        Self::SearchReady,
        Self::VectorReady,
        Self::KafkaReady,
        Self::ApiReady,
        Self::WorkerReady,
        Self::Ready,
        Self::Progressing,
        Self::Degraded,
        Self::ReconciliationPaused,
    ];

    /// The `type` string in the status.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PostgresReady => "PostgresReady",
            Self::RedisReady => "RedisReady",
            Self::SearchReady => "SearchReady",
            Self::VectorReady => "VectorReady",
            Self::KafkaReady => "KafkaReady",
            Self::ApiReady => "ApiReady",
            Self::WorkerReady => "WorkerReady",
            Self::Ready => "Ready",
            Self::Progressing => "Progressing",
            Self::Degraded => "Degraded",
            Self::ReconciliationPaused => "ReconciliationPaused",
        }
    }
}
