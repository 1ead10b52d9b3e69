//! Spec blocks for the shop's backing services: each is run by the operator (`Embedded`),
//! referenced by host and a credentials Secret (`External`), or replaced by an alternative
//! that needs no server (Postgres full-text search, the in-process vector engine, the
//! Postgres outbox instead of Kafka).

use k8s_openapi::api::core::v1::ResourceRequirements;
use kube::KubeSchema;
use serde::{Deserialize, Serialize};

/// Who runs a service that has no server-less alternative.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, schemars::JsonSchema)]
pub enum ServiceMode {
    /// The operator runs it as a StatefulSet next to the shop.
    #[default]
    Embedded,
    /// An existing server, reached through `external`.
    External,
}

/// Who runs the shop's Postgres.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, schemars::JsonSchema)]
pub enum PostgresMode {
    /// The operator runs one Postgres pod (StatefulSet) next to the shop.
    #[default]
    Embedded,
    /// An existing server, reached through `external`.
    External,
    /// CloudNativePG runs it: the operator creates a `postgresql.cnpg.io` Cluster
    /// `<shop>-postgres` (its CRDs must be installed and the chart's `cloudNativePG.enabled`
    /// set).
    #[serde(rename = "CloudNativePG")]
    CloudNativePg,
    /// CloudNativePG when the operator manages it (`--cloudnative-pg`), else Embedded;
    /// decided when the shop is first reconciled and kept from then on.
    Auto,
}

/// Where product search runs.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, schemars::JsonSchema)]
pub enum SearchMode {
    /// The operator runs Meilisearch.
    #[default]
    Embedded,
    /// An existing Meilisearch server.
    External,
    /// Postgres full-text search and pg_trgm; no search server.
    Postgres,
}

/// Where product vectors live.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, schemars::JsonSchema)]
pub enum VectorMode {
    /// The operator runs a Qdrant server.
    #[default]
    Embedded,
    /// An existing Qdrant server.
    External,
    /// Qdrant's embedded engine inside each API and worker pod (data in `DATA_DIR`).
    InProcess,
}

/// Where domain events go.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, schemars::JsonSchema)]
pub enum KafkaMode {
    /// The operator runs a single-node KRaft Kafka.
    #[default]
    Embedded,
    /// Existing brokers listed in `bootstrapServers`.
    External,
    /// No broker: the worker reads the Postgres outbox directly.
    Disabled,
    /// Strimzi runs it: the operator creates a `kafka.strimzi.io` Kafka `<shop>-kafka` (KRaft,
    /// one node pool), the shop's KafkaTopics and a SCRAM KafkaUser (its CRDs must be
    /// installed and the chart's `strimzi.enabled` set).
    Strimzi,
    /// Strimzi when the operator manages it (`--strimzi`), else Embedded; decided when the
    /// shop is first reconciled and kept from then on.
    Auto,
}

/// An existing server outside the shop. The password never appears in the spec.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExternalService {
    /// DNS name or IP address of the server.
    #[schemars(length(min = 1))]
    pub host: String,
    /// TCP port; the service's usual port when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 65535))]
    pub port: Option<i32>,
    /// Name of a Secret in the shop's namespace with the credentials: keys `username` and
    /// `password` for Postgres, `password` for Redis, `api-key` for Meilisearch and Qdrant.
    #[schemars(length(min = 1))]
    pub credentials_secret: String,
    /// Connect over TLS and verify the server's certificate and name (Postgres
    /// `sslmode=verify-full`, Redis `rediss://`). Postgres and Redis only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<ServerTls>,
}

/// How a server's certificate is verified.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServerTls {
    /// Secret key with the PEM certificate of the CA that signed the server's certificate;
    /// the system's roots when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_secret: Option<SecretKeyRef>,
}

/// SASL login to external Kafka brokers.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct KafkaSasl {
    /// `SCRAM-SHA-512` (default), `SCRAM-SHA-256` or `PLAIN`.
    #[serde(default = "KafkaSasl::default_mechanism")]
    #[schemars(regex(pattern = r"^(SCRAM-SHA-512|SCRAM-SHA-256|PLAIN)$"))]
    pub mechanism: String,
    /// Secret in the shop's namespace with keys `username` and `password`.
    #[schemars(length(min = 1, max = 253))]
    pub credentials_secret: String,
}

impl KafkaSasl {
    fn default_mechanism() -> String {
        "SCRAM-SHA-512".to_owned()
    }
}

/// Persistent volume of an embedded service.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("has(self.storageClassName) == has(oldSelf.storageClassName) && (!has(self.storageClassName) || self.storageClassName == oldSelf.storageClassName)").message("storageClassName is immutable"))]
#[x_kube(validation = Rule::new("quantity(self.size).compareTo(quantity(oldSelf.size)) >= 0").message("size cannot shrink: Kubernetes only expands volumes; to shrink, back up, create a smaller shop and restore"))]
pub struct StorageSpec {
    /// Requested size, a Kubernetes quantity such as `10Gi`. Raising it expands the claim
    /// (when its StorageClass allows expansion); lowering it is refused.
    #[schemars(regex(pattern = r"^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$"))]
    pub size: String,
    /// StorageClass of the claim; the cluster default when omitted. Immutable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_class_name: Option<String>,
}

/// Bytes of a Kubernetes quantity in the form the CRD admits for sizes (`^[0-9]+(\.[0-9]+)?` and an
/// optional binary or decimal suffix), or `None` for any other form.
pub fn quantity_bytes(quantity: &str) -> Option<f64> {
    let split = quantity.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(quantity.len());
    let (number, suffix) = quantity.split_at(split);
    let scale = match suffix {
        "" => 1.0,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        binary => {
            let power = ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"].iter().position(|s| *s == binary)?;
            1024f64.powi(power as i32 + 1)
        }
    };
    Some(number.parse::<f64>().ok()? * scale)
}

impl StorageSpec {
    fn sized(size: &str) -> Self {
        Self { size: size.to_owned(), storage_class_name: None }
    }
}

/// The relational database.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("self.mode == 'External' ? has(self.external) : !has(self.external)").message("external is required when mode is External and not allowed otherwise"))]
#[x_kube(validation = Rule::new("self.mode == 'Embedded' || (!has(self.backup) && !has(self.restoreFrom))").message("backup and restoreFrom are for the embedded Postgres; an external server is backed up by whoever runs it, a CloudNativePG one by cloudNativePG.backup"))]
#[x_kube(validation = Rule::new("self.mode in ['CloudNativePG', 'Auto'] || !has(self.cloudNativePG)").message("cloudNativePG is only allowed when mode is CloudNativePG or Auto"))]
#[x_kube(validation = Rule::new("self.mode in ['Embedded', 'Auto'] || !has(self.image)").message("image is for the embedded server; an external or delegated one runs whatever image its owner chose"))]
#[x_kube(validation = Rule::new("self.mode == oldSelf.mode").message("mode cannot change on a live shop: the data would stay behind in the old database; back it up, create a new shop in the new mode and restore it there"))]
#[x_kube(validation = Rule::new("has(self.restoreFrom) == has(oldSelf.restoreFrom) && (!has(self.restoreFrom) || self.restoreFrom == oldSelf.restoreFrom)").message("restoreFrom is set when a shop is created and never changed: restoring over a live database would lose its data; create a new shop from the backup instead"))]
pub struct PostgresSpec {
    /// Embedded, External, CloudNativePG or Auto. Fixed once the shop exists.
    #[serde(default)]
    pub mode: PostgresMode,
    /// Major version of the embedded server (image `postgres:<version>-alpine`).
    #[serde(default = "PostgresSpec::default_version")]
    #[schemars(regex(pattern = r"^[0-9]+(\.[0-9]+)?$"))]
    pub version: String,
    /// Image of the embedded server and its backup and restore Jobs (`pg_dump`, `pg_restore`,
    /// the official image's environment contract); when unset,
    /// `docker.io/library/postgres:<version>-alpine`, under the operator's
    /// `--image-registry` when that is set (a mirror, an air-gapped registry).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512), regex(pattern = r"^[^\s]+$"))]
    pub image: Option<String>,
    /// Database the shop uses (created in the embedded server; must exist on an external one).
    #[serde(default = "PostgresSpec::default_database")]
    #[schemars(regex(pattern = r"^[a-z_][a-z0-9_]{0,62}$"))]
    pub database: String,
    /// Volume of the embedded server.
    #[serde(default = "PostgresSpec::default_storage")]
    pub storage: StorageSpec,
    /// The server to use in External mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external: Option<ExternalService>,
    /// Requests and limits of the embedded server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourceRequirements>,
    /// Scheduled logical backups of the embedded database (`pg_dump --format=custom`) to the
    /// `<shop>-backups` volume.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup: Option<BackupSpec>,
    /// Fills a new shop's embedded database from a backup before its first migration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restore_from: Option<RestoreSpec>,
    /// The CloudNativePG Cluster, in mode CloudNativePG or Auto (`storage` and `resources`
    /// apply to each of its instances).
    #[serde(default, rename = "cloudNativePG", skip_serializing_if = "Option::is_none")]
    pub cloud_native_pg: Option<CloudNativePgSpec>,
}

/// What the shop asks of CloudNativePG.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct CloudNativePgSpec {
    /// Postgres instances: one primary, the rest streaming replicas it fails over to.
    #[serde(default = "CloudNativePgSpec::default_instances")]
    #[schemars(range(min = 1, max = 9))]
    pub instances: i32,
    /// The operand image (the Cluster's `imageName`); CloudNativePG's default when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 255))]
    pub image_name: Option<String>,
    /// Scheduled base backups and WAL archiving to an S3-compatible bucket (Barman).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup: Option<CloudNativePgBackupSpec>,
}

impl Default for CloudNativePgSpec {
    fn default() -> Self {
        Self { instances: Self::default_instances(), image_name: None, backup: None }
    }
}

impl CloudNativePgSpec {
    fn default_instances() -> i32 {
        1
    }
}

/// Where and when CloudNativePG backs the shop's Cluster up.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct CloudNativePgBackupSpec {
    /// Six-field cron schedule, seconds first, as CloudNativePG's ScheduledBackup takes it:
    /// `0 0 3 * * *` is daily at 03:00.
    #[schemars(length(min = 11, max = 100))]
    pub schedule: String,
    /// Bucket and path, such as `s3://shop-backups/demo`.
    #[schemars(length(min = 6, max = 1024), regex(pattern = r"^s3://"))]
    pub destination_path: String,
    /// Endpoint URL of an S3-compatible service; AWS S3 when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 1024), regex(pattern = r"^https?://"))]
    pub endpoint_url: Option<String>,
    /// Secret with keys `access-key-id` and `secret-access-key`.
    #[schemars(length(min = 1, max = 253))]
    pub credentials_secret: String,
    /// How long backups and WAL are kept: a number and `d`, `w` or `m`.
    #[serde(default = "CloudNativePgBackupSpec::default_retention")]
    #[schemars(regex(pattern = r"^[1-9][0-9]*[dwm]$"))]
    pub retention_policy: String,
}

impl CloudNativePgBackupSpec {
    fn default_retention() -> String {
        "30d".to_owned()
    }
}

/// A key in a Secret of the shop's namespace.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct SecretKeyRef {
    /// Secret name.
    #[schemars(length(min = 1))]
    pub name: String,
    /// Key inside the Secret.
    #[schemars(length(min = 1))]
    pub key: String,
}

/// An S3-compatible bucket (AWS S3, MinIO, Ceph RGW, R2...). Credentials never appear in the spec.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct ObjectStoreSpec {
    /// Bucket name; it must exist.
    #[schemars(regex(pattern = r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"))]
    pub bucket: String,
    /// Endpoint URL of an S3-compatible service (path-style requests); AWS S3 when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^https?://"))]
    pub endpoint: Option<String>,
    /// Region; `us-east-1` when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[a-z0-9-]{1,32}$"))]
    pub region: Option<String>,
    /// Secret in the shop's namespace with keys `access-key-id` and `secret-access-key`.
    #[schemars(length(min = 1))]
    pub credentials_secret: String,
}

/// When and where the embedded database is backed up.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct BackupSpec {
    /// Cron schedule (the controller manager's time zone unless `timeZone` is set), such as
    /// `0 3 * * *`.
    #[schemars(length(min = 9, max = 100))]
    pub schedule: String,
    /// IANA time zone of the schedule, such as `Europe/Berlin`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 64))]
    pub time_zone: Option<String>,
    /// How many backups are kept (on the volume, or of this shop in the bucket); the oldest
    /// go first.
    #[serde(default = "BackupSpec::default_retention")]
    #[schemars(range(min = 1, max = 1000))]
    pub retention: u32,
    /// The backups volume `<shop>-backups`, unless `objectStore` is set.
    #[serde(default = "BackupSpec::default_storage")]
    pub storage: StorageSpec,
    /// An S3-compatible bucket to keep the backups in instead of a volume: each is the
    /// object `<namespace>/<backup name>.dump`, and `retention` counts this shop's only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_store: Option<ObjectStoreSpec>,
}

impl BackupSpec {
    fn default_retention() -> u32 {
        7
    }
    fn default_storage() -> StorageSpec {
        StorageSpec::sized("10Gi")
    }
}

/// A backup to start a new shop's database from.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("has(self.claim) != has(self.objectStore)").message("restoreFrom names where the backup is: a claim or an objectStore, exactly one"))]
pub struct RestoreSpec {
    /// The volume claim holding the backup, in this namespace: another shop's
    /// `<shop>-backups` (kept after that shop is deleted under `deletionPolicy: Retain`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253))]
    pub claim: Option<String>,
    /// The bucket a shop of this namespace backed up to (`backup.objectStore`); the backup is
    /// its object `<namespace>/<backup>.dump`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_store: Option<ObjectStoreSpec>,
    /// The backup's name as that shop's `status.backup.last` gives it (its file is
    /// `<name>.dump` on the volume).
    #[schemars(length(min = 1, max = 253), regex(pattern = r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$"))]
    pub backup: String,
}

impl PostgresSpec {
    fn default_version() -> String {
        "17".to_owned()
    }
    fn default_database() -> String {
        "shopfleet".to_owned()
    }
    fn default_storage() -> StorageSpec {
        StorageSpec::sized("10Gi")
    }
}

impl Default for PostgresSpec {
    fn default() -> Self {
        Self {
            mode: PostgresMode::default(),
            version: Self::default_version(),
            image: None,
            database: Self::default_database(),
            storage: Self::default_storage(),
            external: None,
            resources: None,
            backup: None,
            restore_from: None,
            cloud_native_pg: None,
        }
    }
}

/// The cache, rate limiter and token denylist.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("self.mode == 'External' ? has(self.external) : !has(self.external)").message("external is required when mode is External and not allowed otherwise"))]
#[x_kube(validation = Rule::new("self.mode == 'Embedded' || !has(self.image)").message("image is for the embedded server; an external or delegated one runs whatever image its owner chose"))]
pub struct RedisSpec {
    /// Embedded or External.
    #[serde(default)]
    pub mode: ServiceMode,
    /// Image of the embedded server; when unset, `docker.io/library/redis:7.4-alpine`, under the operator's
    /// `--image-registry` when that is set (a mirror, an air-gapped registry).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512), regex(pattern = r"^[^\s]+$"))]
    pub image: Option<String>,
    /// Volume of the embedded server (append-only file).
    #[serde(default = "RedisSpec::default_storage")]
    pub storage: StorageSpec,
    /// The server to use in External mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external: Option<ExternalService>,
    /// Requests and limits of the embedded server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourceRequirements>,
}

impl RedisSpec {
    fn default_storage() -> StorageSpec {
        StorageSpec::sized("1Gi")
    }
}

impl Default for RedisSpec {
    fn default() -> Self {
        Self {
            mode: ServiceMode::default(),
            image: None,
            storage: Self::default_storage(),
            external: None,
            resources: None,
        }
    }
}

/// Product search.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("self.mode == 'External' ? has(self.external) : !has(self.external)").message("external is required when mode is External and not allowed otherwise"))]
#[x_kube(validation = Rule::new("!has(self.external) || !has(self.external.tls)").message("external.tls is for Postgres and Redis; reach this server over TLS through its own https URL support when it gains it"))]
#[x_kube(validation = Rule::new("self.mode == 'Embedded' || !has(self.image)").message("image is for the embedded Meilisearch; an external or delegated one runs whatever image its owner chose"))]
pub struct SearchSpec {
    /// Embedded (Meilisearch), External (Meilisearch) or Postgres (full-text in the database).
    #[serde(default)]
    pub mode: SearchMode,
    /// Image of the embedded server; when unset, `docker.io/getmeili/meilisearch:v1.50.0`, under the operator's
    /// `--image-registry` when that is set (a mirror, an air-gapped registry).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512), regex(pattern = r"^[^\s]+$"))]
    pub image: Option<String>,
    /// Volume of the embedded Meilisearch.
    #[serde(default = "SearchSpec::default_storage")]
    pub storage: StorageSpec,
    /// The server to use in External mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external: Option<ExternalService>,
    /// Requests and limits of the embedded server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourceRequirements>,
}

impl SearchSpec {
    fn default_storage() -> StorageSpec {
        StorageSpec::sized("5Gi")
    }
}

impl Default for SearchSpec {
    fn default() -> Self {
        Self {
            mode: SearchMode::default(),
            image: None,
            storage: Self::default_storage(),
            external: None,
            resources: None,
        }
    }
}

/// Vector search for the shopping assistant.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("self.mode == 'External' ? has(self.external) : !has(self.external)").message("external is required when mode is External and not allowed otherwise"))]
#[x_kube(validation = Rule::new("!has(self.external) || !has(self.external.tls)").message("external.tls is for Postgres and Redis; reach this server over TLS through its own https URL support when it gains it"))]
#[x_kube(validation = Rule::new("self.mode == 'Embedded' || !has(self.image)").message("image is for the embedded Qdrant; an external or delegated one runs whatever image its owner chose"))]
pub struct VectorSpec {
    /// Embedded (Qdrant server), External (Qdrant server) or InProcess (embedded engine).
    #[serde(default)]
    pub mode: VectorMode,
    /// Image of the embedded server; when unset, `docker.io/qdrant/qdrant:v1.15.1-unprivileged`, under the operator's
    /// `--image-registry` when that is set (a mirror, an air-gapped registry).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512), regex(pattern = r"^[^\s]+$"))]
    pub image: Option<String>,
    /// Volume of the embedded Qdrant.
    #[serde(default = "VectorSpec::default_storage")]
    pub storage: StorageSpec,
    /// The server to use in External mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external: Option<ExternalService>,
    /// Requests and limits of the embedded server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourceRequirements>,
}

impl VectorSpec {
    fn default_storage() -> StorageSpec {
        StorageSpec::sized("5Gi")
    }
}

impl Default for VectorSpec {
    fn default() -> Self {
        Self {
            mode: VectorMode::default(),
            image: None,
            storage: Self::default_storage(),
            external: None,
            resources: None,
        }
    }
}

/// The event log.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("self.mode == 'External' ? has(self.bootstrapServers) : !has(self.bootstrapServers)").message("bootstrapServers is required when mode is External and not allowed otherwise"))]
#[x_kube(validation = Rule::new("self.mode == 'External' || (!has(self.tls) && !has(self.sasl))").message("tls and sasl are for external brokers; Strimzi's are reached with the user it makes"))]
#[x_kube(validation = Rule::new("self.mode in ['Strimzi', 'Auto'] || !has(self.strimzi)").message("strimzi is only allowed when mode is Strimzi or Auto"))]
#[x_kube(validation = Rule::new("self.mode == oldSelf.mode || !(self.mode in ['Strimzi', 'Auto'] || oldSelf.mode in ['Strimzi', 'Auto'])").message("a live shop cannot move its events into or out of Strimzi: the topics and consumer offsets would stay behind; create a new shop instead"))]
#[x_kube(validation = Rule::new("self.mode in ['Embedded', 'Auto'] || !has(self.image)").message("image is for the embedded broker; an external or delegated one runs whatever image its owner chose"))]
pub struct KafkaSpec {
    /// Embedded (single-node KRaft), External, Disabled (Postgres outbox), Strimzi or Auto.
    #[serde(default)]
    pub mode: KafkaMode,
    /// Image of the embedded server; when unset, `docker.io/apache/kafka:4.0.0`, under the operator's
    /// `--image-registry` when that is set (a mirror, an air-gapped registry).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 512), regex(pattern = r"^[^\s]+$"))]
    pub image: Option<String>,
    /// Comma-separated `host:port` list of external brokers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[A-Za-z0-9.\-]+:[0-9]+(,[A-Za-z0-9.\-]+:[0-9]+)*$"))]
    pub bootstrap_servers: Option<String>,
    /// Volume of the embedded broker.
    #[serde(default = "KafkaSpec::default_storage")]
    pub storage: StorageSpec,
    /// Requests and limits of the embedded broker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourceRequirements>,
    /// TLS to the external brokers (`SSL`, or `SASL_SSL` with `sasl`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<ServerTls>,
    /// SASL login to the external brokers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sasl: Option<KafkaSasl>,
    /// The Strimzi Kafka, in mode Strimzi or Auto (`storage` and `resources` apply to each
    /// node).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strimzi: Option<StrimziSpec>,
}

/// What the shop asks of Strimzi.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct StrimziSpec {
    /// Kafka nodes, each both KRaft controller and broker (use 3 for a quorum that survives
    /// one loss).
    #[serde(default = "StrimziSpec::default_replicas")]
    #[schemars(range(min = 1, max = 9))]
    pub replicas: i32,
    /// Kafka version; Strimzi's default when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[0-9]+\.[0-9]+\.[0-9]+$"))]
    pub version: Option<String>,
    /// Partitions of each of the shop's topics, and the worker's outbox partitions (so events
    /// of one aggregate keep their order); 4 when omitted.
    #[serde(default = "StrimziSpec::default_partitions")]
    #[schemars(range(min = 1, max = 256))]
    pub partitions: i32,
}

impl Default for StrimziSpec {
    fn default() -> Self {
        Self { replicas: Self::default_replicas(), version: None, partitions: Self::default_partitions() }
    }
}

impl StrimziSpec {
    fn default_replicas() -> i32 {
        1
    }
    fn default_partitions() -> i32 {
        4
    }
}

impl KafkaSpec {
    fn default_storage() -> StorageSpec {
        StorageSpec::sized("10Gi")
    }
}

impl Default for KafkaSpec {
    fn default() -> Self {
        Self {
            mode: KafkaMode::default(),
            image: None,
            bootstrap_servers: None,
            storage: Self::default_storage(),
            resources: None,
            tls: None,
            sasl: None,
            strimzi: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::quantity_bytes;

    #[test]
    fn sizes_compare_across_units() {
        assert_eq!(quantity_bytes("1Gi"), Some(1073741824.0));
        assert_eq!(quantity_bytes("2048Mi"), quantity_bytes("2Gi"));
        assert!(quantity_bytes("1.5G").unwrap() > quantity_bytes("1Gi").unwrap());
        assert_eq!(quantity_bytes("10"), Some(10.0));
        assert_eq!(quantity_bytes("10Zi"), None);
        assert_eq!(quantity_bytes("Gi"), None);
    }
}
