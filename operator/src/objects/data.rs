//! The embedded data services (Postgres, Redis, Meilisearch, Qdrant, Kafka): each is one
//! description turned into a StatefulSet with a volume claim, a headless Service and a
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
use shopfleet_crds::{
    DeletionPolicy, KafkaMode, SearchMode, ServiceMode, ShopInstanceSpec, StorageSpec, VectorMode, SHOP_LABEL,
};
use std::collections::BTreeMap;

use super::config::{
    KAFKA_CONTROLLER_PORT, KAFKA_PORT, MEILI_PORT, POSTGRES_PORT, QDRANT_GRPC_PORT, QDRANT_HTTP_PORT,
    REDIS_PORT,
};
use super::meta::Owner;
use super::pod::{container_parts_default, env, env_secret, pod_spec, resources, Check, ContainerParts};
use super::secrets::{Generated, POSTGRES_USER};

/// Name of the data volume in every data service.
const DATA_VOLUME: &str = "data";

/// What differs between the embedded data services.
struct DataService<'a> {
    component: &'static str,
    image: String,
    uid: i64,
    ports: Vec<(&'static str, i32)>,
    env: Vec<EnvVar>,
    args: Vec<String>,
    data_path: &'static str,
    scratch: Vec<(&'static str, &'static str)>,
    check: Check,
    storage: &'a StorageSpec,
    resources: ResourceRequirements,
}

/// The data services a spec embeds.
fn services<'a>(owner: &Owner, spec: &'a ShopInstanceSpec) -> Vec<DataService<'a>> {
    let secret = |g: Generated| owner.child_name(g.suffix());
    let mut out = Vec::new();
    if spec.postgres.mode == ServiceMode::Embedded {
        out.push(DataService {
            component: "postgres",
            image: format!("docker.io/library/postgres:{}-alpine", spec.postgres.version),
            uid: 70,
            ports: vec![("postgres", POSTGRES_PORT)],
            env: vec![
                env_secret("POSTGRES_USER", &secret(Generated::Postgres), "username"),
                env_secret("POSTGRES_PASSWORD", &secret(Generated::Postgres), "password"),
                env("POSTGRES_DB", spec.postgres.database.clone()),
                env("PGDATA", "/var/lib/postgresql/data/pgdata"),
            ],
            args: vec![],
            data_path: "/var/lib/postgresql/data",
            scratch: vec![("run", "/var/run/postgresql"), ("tmp", "/tmp")],
            check: Check::TcpThenExec {
                port: POSTGRES_PORT,
                ready: ["pg_isready", "-h", "127.0.0.1", "-U", POSTGRES_USER, "-d", &spec.postgres.database]
                    .map(str::to_owned)
                    .to_vec(),
            },
            storage: &spec.postgres.storage,
            resources: spec
                .postgres
                .resources
                .clone()
                .unwrap_or_else(|| resources("250m", "256Mi", "1", "1Gi")),
        });
    }
    if spec.redis.mode == ServiceMode::Embedded {
        out.push(DataService {
            component: "redis",
            image: "docker.io/library/redis:7.4-alpine".to_owned(),
            uid: 999,
            ports: vec![("redis", REDIS_PORT)],
            env: vec![env_secret("REDIS_PASSWORD", &secret(Generated::Redis), "password")],
            args: ["--requirepass", "$(REDIS_PASSWORD)", "--appendonly", "yes", "--dir", "/data"]
                .map(str::to_owned)
                .to_vec(),
            data_path: "/data",
            scratch: vec![("tmp", "/tmp")],
            check: Check::Tcp { port: REDIS_PORT },
            storage: &spec.redis.storage,
            resources: spec
                .redis
                .resources
                .clone()
                .unwrap_or_else(|| resources("100m", "128Mi", "500m", "512Mi")),
        });
    }
    if spec.search.mode == SearchMode::Embedded {
        out.push(DataService {
            component: "meilisearch",
            image: "docker.io/getmeili/meilisearch:v1.15".to_owned(),
            uid: 1000,
            ports: vec![("http", MEILI_PORT)],
            env: vec![
                env_secret("MEILI_MASTER_KEY", &secret(Generated::Meilisearch), "api-key"),
                env("MEILI_ENV", "production"),
                env("MEILI_NO_ANALYTICS", "true"),
                env("MEILI_DB_PATH", "/meili_data/data.ms"),
                env("MEILI_DUMP_DIR", "/meili_data/dumps"),
                env("MEILI_SNAPSHOT_DIR", "/meili_data/snapshots"),
            ],
            args: vec![],
            data_path: "/meili_data",
            scratch: vec![("tmp", "/tmp")],
            check: Check::Http { live: "/health", ready: "/health", port: MEILI_PORT },
            storage: &spec.search.storage,
            resources: spec
                .search
                .resources
                .clone()
                .unwrap_or_else(|| resources("100m", "256Mi", "1", "1Gi")),
        });
    }
    if spec.vector.mode == VectorMode::Embedded {
        out.push(DataService {
            component: "qdrant",
            image: "docker.io/qdrant/qdrant:v1.15.1-unprivileged".to_owned(),
            uid: 1000,
            ports: vec![("http", QDRANT_HTTP_PORT), ("grpc", QDRANT_GRPC_PORT)],
            env: vec![
                env_secret("QDRANT__SERVICE__API_KEY", &secret(Generated::Qdrant), "api-key"),
                env("QDRANT__TELEMETRY_DISABLED", "true"),
            ],
            args: vec![],
            data_path: "/qdrant/storage",
            scratch: vec![("snapshots", "/qdrant/snapshots"), ("tmp", "/tmp")],
            check: Check::Http { live: "/livez", ready: "/readyz", port: QDRANT_HTTP_PORT },
            storage: &spec.vector.storage,
            resources: spec
                .vector
                .resources
                .clone()
                .unwrap_or_else(|| resources("100m", "256Mi", "1", "1Gi")),
        });
    }
    if spec.kafka.mode == KafkaMode::Embedded {
        let host = owner.child_name("kafka");
        out.push(DataService {
            component: "kafka",
            image: "docker.io/apache/kafka:4.0.0".to_owned(),
            uid: 1000,
            ports: vec![("kafka", KAFKA_PORT), ("controller", KAFKA_CONTROLLER_PORT)],
            env: vec![
                env("KAFKA_NODE_ID", "1"),
                env("KAFKA_PROCESS_ROLES", "broker,controller"),
                env(
                    "KAFKA_LISTENERS",
                    format!("PLAINTEXT://:{KAFKA_PORT},CONTROLLER://:{KAFKA_CONTROLLER_PORT}"),
                ),
                env("KAFKA_ADVERTISED_LISTENERS", format!("PLAINTEXT://{host}:{KAFKA_PORT}")),
                env("KAFKA_CONTROLLER_LISTENER_NAMES", "CONTROLLER"),
                env("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"),
                env("KAFKA_CONTROLLER_QUORUM_VOTERS", format!("1@localhost:{KAFKA_CONTROLLER_PORT}")),
                env("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1"),
                env("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1"),
                env("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1"),
                env("KAFKA_LOG_DIRS", "/var/lib/kafka/data/logs"),
            ],
            args: vec![],
            data_path: "/var/lib/kafka/data",
            scratch: vec![("config", "/mnt/shared/config"), ("tmp", "/tmp")],
            check: Check::Tcp { port: KAFKA_PORT },
            storage: &spec.kafka.storage,
            resources: spec
                .kafka
                .resources
                .clone()
                .unwrap_or_else(|| resources("250m", "512Mi", "1", "1536Mi")),
        });
    }
    out
}

fn statefulset(
    owner: &Owner,
    spec: &ShopInstanceSpec,
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
    let when_deleted = match spec.deletion_policy {
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

/// Builds the objects of every data service the spec embeds, run as `service_account`.
pub fn objects(owner: &Owner, spec: &ShopInstanceSpec, service_account: &str) -> DataObjects {
    let services = services(owner, spec);
    DataObjects {
        statefulsets: services.iter().map(|s| statefulset(owner, spec, service_account, s)).collect(),
        services: services.iter().map(|s| service(owner, s)).collect(),
        network_policies: services.iter().map(|s| network_policy(owner, s)).collect(),
    }
}
