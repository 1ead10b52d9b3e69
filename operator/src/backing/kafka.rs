//! Kafka, the shop's event log: a single-node KRaft broker the operator runs, external
//! brokers, or none (the worker then reads the Postgres outbox directly). The API and
//! worker get `KAFKA_BROKERS` when there are brokers.

use shopfleet_crds::{ConditionType, KafkaMode, KafkaSpec};
use shopfleet_env_names as var;

use super::{embedded_readiness, Backing, Embedded};
use crate::objects::data::DataService;
use crate::objects::meta::Owner;
use crate::objects::pod::{env, resources, Check};
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
    /// External brokers: a comma-separated `host:port` list.
    External(String),
    /// No broker: the Postgres outbox only.
    Disabled,
}

impl Kafka {
    /// `spec.kafka`, or why it cannot be built.
    pub fn check(spec: &KafkaSpec) -> Result<Kafka, String> {
        let servers = spec.bootstrap_servers.as_deref().filter(|s| !s.is_empty());
        match (spec.mode, servers) {
            (KafkaMode::External, Some(servers)) => Ok(Kafka::External(servers.to_owned())),
            (KafkaMode::External, None) => {
                Err("spec.kafka.bootstrapServers is required when mode is External".to_owned())
            }
            // The CRD's rule too: brokers listed here would not be used.
            (_, Some(_)) => {
                Err("spec.kafka.bootstrapServers is only allowed when mode is External".to_owned())
            }
            (KafkaMode::Embedded, None) => Ok(Kafka::Embedded(Embedded {
                storage: spec.storage.clone(),
                resources: spec.resources.clone(),
            })),
            (KafkaMode::Disabled, None) => Ok(Kafka::Disabled),
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
            image: "docker.io/apache/kafka:4.0.0".to_owned(),
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
            Kafka::External(servers) => vec![(var::KAFKA_BROKERS, servers.clone())],
            Kafka::Disabled => vec![],
        }
    }

    fn readiness(&self, owner: &Owner, observed: &Observed) -> Verdict {
        match self {
            Kafka::Embedded(_) => embedded_readiness(owner, observed, COMPONENT, "Kafka"),
            Kafka::External(_) => verdict(true, "External", "using the external Kafka brokers"),
            Kafka::Disabled => verdict(true, "OutboxMode", "events are read from the Postgres outbox"),
        }
    }

    /// Each bootstrap server; the brokers they lead to are reached on the same ports.
    fn external_endpoints(&self) -> Vec<(String, i32)> {
        match self {
            Kafka::External(servers) => servers
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
