//! Kafka, the shop's event log: a single-node KRaft broker the operator runs, external
//! brokers, a Strimzi Kafka (`crate::desired::strimzi` builds it), or none (the worker then
//! reads the Postgres outbox directly). The API and worker get `KAFKA_BROKERS` when there
//! are brokers, and with Strimzi the SCRAM user Strimzi makes for the shop.

use k8s_openapi::api::core::v1::EnvVar;
use shopfleet_crds::{ConditionType, KafkaMode, KafkaSasl, KafkaSpec, SecretKeyRef, ServerTls, StrimziSpec};
use shopfleet_env_names as var;

use super::{embedded_readiness, Backing, Embedded};
use crate::children::Kind;
use crate::images::{self, Registry};
use crate::objects::data::DataService;
use crate::objects::meta::Owner;
use crate::objects::pod::{env, env_secret, resources, Check};
use crate::objects::tls;
use crate::observe::Observed;
use crate::readiness::{verdict, Verdict};

/// Port of the broker's listener.
pub const PORT: i32 = 9092;
/// Port of the KRaft controller's listener.
pub const CONTROLLER_PORT: i32 = 9093;
const COMPONENT: &str = "kafka";

/// Where the shop's events go, validated.
#[derive(Clone, Debug, PartialEq)]
pub enum Kafka {
    /// The broker the operator runs (`<shop>-kafka`).
    Embedded(Embedded),
    /// External brokers: a comma-separated `host:port` list, reached over TLS and with a
    /// SASL login when the spec asks.
    External { servers: String, tls: Option<ServerTls>, sasl: Option<KafkaSasl> },
    /// No broker: the Postgres outbox only.
    Disabled,
    /// Strimzi's Kafka `<shop>-kafka`; `Embedded` holds each node's storage and resources.
    Strimzi(StrimziSpec, Embedded),
}

/// Name of the Strimzi Kafka (and the prefix of what Strimzi names after it).
pub fn strimzi_cluster(owner: &Owner) -> String {
    owner.child_name(COMPONENT)
}

/// Name of the shop's KafkaUser, and of the Secret Strimzi makes with its password.
pub fn strimzi_user(owner: &Owner) -> String {
    owner.child_name("events")
}

impl Kafka {
    /// `spec.kafka`, or why it cannot be built.
    pub fn check(spec: &KafkaSpec, registry: &Registry) -> Result<Kafka, String> {
        if spec.strimzi.is_some() && !matches!(spec.mode, KafkaMode::Strimzi | KafkaMode::Auto) {
            // The CRD's rule too.
            return Err("spec.kafka.strimzi is only allowed when mode is Strimzi or Auto".to_owned());
        }
        let servers = spec.bootstrap_servers.as_deref().filter(|s| !s.is_empty());
        let embedded = || Embedded {
            storage: spec.storage.clone(),
            resources: spec.resources.clone(),
            image: registry.choose(&spec.image, images::KAFKA),
        };
        match (spec.mode, servers) {
            (KafkaMode::External, Some(servers)) => Ok(Kafka::External {
                servers: servers.to_owned(),
                tls: spec.tls.clone(),
                sasl: spec.sasl.clone(),
            }),
            (KafkaMode::External, None) => {
                Err("spec.kafka.bootstrapServers is required when mode is External".to_owned())
            }
            // The CRD's rule too: brokers listed here would not be used.
            (_, Some(_)) => {
                Err("spec.kafka.bootstrapServers is only allowed when mode is External".to_owned())
            }
            // `Auto` is decided before validation (`crate::decide`); undecided, it is Embedded.
            (KafkaMode::Embedded | KafkaMode::Auto, None) => Ok(Kafka::Embedded(embedded())),
            (KafkaMode::Disabled, None) => Ok(Kafka::Disabled),
            (KafkaMode::Strimzi, None) => {
                Ok(Kafka::Strimzi(spec.strimzi.clone().unwrap_or_default(), embedded()))
            }
        }
    }
}

impl Backing for Kafka {
    fn condition(&self) -> ConditionType {
        ConditionType::KafkaReady
    }

    fn data_service(&self, owner: &Owner) -> Option<DataService<'_>> {
        let Kafka::Embedded(embedded) = self else { return None };
        let host = owner.child_name(COMPONENT);
        Some(DataService {
            component: COMPONENT,
            image: embedded.image.clone(),
            uid: 1000,
            ports: vec![("kafka", PORT), ("controller", CONTROLLER_PORT)],
            env: vec![
                env("KAFKA_NODE_ID", "1"),
                env("KAFKA_PROCESS_ROLES", "broker,controller"),
                env("KAFKA_LISTENERS", format!("PLAINTEXT://:{PORT},CONTROLLER://:{CONTROLLER_PORT}")),
                env("KAFKA_ADVERTISED_LISTENERS", format!("PLAINTEXT://{host}:{PORT}")),
                env("KAFKA_CONTROLLER_LISTENER_NAMES", "CONTROLLER"),
                env("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"),
                env("KAFKA_CONTROLLER_QUORUM_VOTERS", format!("1@localhost:{CONTROLLER_PORT}")),
                env("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1"),
                env("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1"),
                env("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1"),
                env("KAFKA_LOG_DIRS", "/var/lib/kafka/data/logs"),
            ],
            args: vec![],
            data_path: "/var/lib/kafka/data",
            scratch: vec![("config", "/mnt/shared/config"), ("tmp", "/tmp")],
            check: Check::Tcp { port: PORT },
            storage: &embedded.storage,
            resources: embedded.resources(|| resources("250m", "512Mi", "1", "1536Mi")),
        })
    }

    fn settings(&self, owner: &Owner) -> Vec<(&'static str, String)> {
        match self {
            Kafka::Embedded(_) => {
                vec![(var::KAFKA_BROKERS, format!("{}:{PORT}", owner.child_name(COMPONENT)))]
            }
            Kafka::External { servers, tls, sasl } => {
                let protocol = match (tls.is_some(), sasl.is_some()) {
                    (false, false) => None,
                    (true, false) => Some("SSL"),
                    (false, true) => Some("SASL_PLAINTEXT"),
                    (true, true) => Some("SASL_SSL"),
                };
                let mut settings = vec![(var::KAFKA_BROKERS, servers.clone())];
                settings.extend(protocol.map(|p| (var::KAFKA_SECURITY_PROTOCOL, p.to_owned())));
                settings.extend(
                    self.ca_secrets()
                        .into_iter()
                        .map(|(service, _)| (var::KAFKA_SSL_CA_LOCATION, tls::ca_file(service))),
                );
                settings
                    .extend(sasl.as_ref().map(|sasl| (var::KAFKA_SASL_MECHANISM, sasl.mechanism.clone())));
                settings
            }
            Kafka::Disabled => vec![],
            Kafka::Strimzi(spec, _) => vec![
                (var::KAFKA_BROKERS, format!("{}-kafka-bootstrap:{PORT}", strimzi_cluster(owner))),
                // The worker's outbox partitions match the topics' partitions.
                (var::OUTBOX_PARTITIONS, spec.partitions.to_string()),
                (var::KAFKA_SECURITY_PROTOCOL, "SASL_PLAINTEXT".to_owned()),
                (var::KAFKA_SASL_MECHANISM, "SCRAM-SHA-512".to_owned()),
                (var::KAFKA_SASL_USERNAME, strimzi_user(owner)),
            ],
        }
    }

    fn env(&self, owner: &Owner) -> Vec<EnvVar> {
        match self {
            Kafka::Strimzi(..) => {
                vec![env_secret(var::KAFKA_SASL_PASSWORD, &strimzi_user(owner), "password")]
            }
            Kafka::External { sasl: Some(sasl), .. } => vec![
                env_secret(var::KAFKA_SASL_USERNAME, &sasl.credentials_secret, "username"),
                env_secret(var::KAFKA_SASL_PASSWORD, &sasl.credentials_secret, "password"),
            ],
            _ => vec![],
        }
    }

    fn readiness(&self, owner: &Owner, observed: &Observed) -> Verdict {
        match self {
            Kafka::Embedded(_) => embedded_readiness(owner, observed, COMPONENT, "Kafka"),
            Kafka::External { .. } => verdict(true, "External", "using the external Kafka brokers"),
            Kafka::Disabled => verdict(true, "OutboxMode", "events are read from the Postgres outbox"),
            Kafka::Strimzi(..) => strimzi_readiness(owner, observed),
        }
    }

    fn ca_secrets(&self) -> Vec<(&'static str, SecretKeyRef)> {
        match self {
            Kafka::External { tls: Some(ServerTls { ca_secret: Some(ca) }), .. } => {
                vec![(COMPONENT, ca.clone())]
            }
            _ => vec![],
        }
    }

    /// Each bootstrap server; the brokers they lead to are reached on the same ports.
    fn external_endpoints(&self) -> Vec<(String, i32)> {
        match self {
            Kafka::External { servers, .. } => servers
                .split(',')
                .filter_map(|server| {
                    let (host, port) = server.trim().rsplit_once(':')?;
                    Some((host.trim_matches(['[', ']']).to_owned(), port.parse().ok()?))
                })
                .collect(),
            _ => vec![],
        }
    }
}

/// Whether Strimzi reports the Kafka and the shop's user `Ready`.
fn strimzi_readiness(owner: &Owner, observed: &Observed) -> Verdict {
    let ready = |kind: Kind, name: &str| {
        observed.get(kind, name).is_some_and(|object| {
            object.data["status"]["conditions"].as_array().is_some_and(|conditions| {
                conditions.iter().any(|c| c["type"] == "Ready" && c["status"] == "True")
            })
        })
    };
    let (cluster, user) = (strimzi_cluster(owner), strimzi_user(owner));
    match (ready(Kind::StrimziKafka, &cluster), ready(Kind::StrimziUser, &user)) {
        (true, true) => {
            verdict(true, "StrimziReady", format!("Strimzi reports Kafka {cluster} and user {user} ready"))
        }
        (false, _) => {
            verdict(false, "KafkaNotReady", format!("Strimzi has not reported Kafka {cluster} ready"))
        }
        (true, false) => {
            verdict(false, "KafkaUserNotReady", format!("Strimzi has not reported user {user} ready"))
        }
    }
}
