//! Command-line flags of `shopfleet-operator`; each is also an environment variable.

use std::net::SocketAddr;

use clap::{Parser, ValueEnum};

/// Log output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Json,
    Text,
}

/// The Shopfleet operator: turns ShopInstances into running shops.
#[derive(Clone, Debug, Parser)]
#[command(name = "shopfleet-operator", version)]
pub struct Cli {
    /// Namespaces to watch, comma-separated; empty watches all.
    #[arg(long, env = "WATCH_NAMESPACES", value_delimiter = ',', default_value = "")]
    pub watch_namespaces: Vec<String>,
    /// Address of the /metrics, /healthz and /readyz server.
    #[arg(long, env = "METRICS_ADDR", default_value = "0.0.0.0:8080")]
    pub metrics_addr: SocketAddr,
    /// Take a Lease before reconciling, so several replicas can run safely.
    #[arg(long, env = "LEADER_ELECTION", default_value_t = false, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub leader_election: bool,
    /// Namespace of the `shopfleet-operator` Lease; defaults to POD_NAMESPACE.
    #[arg(long, env = "LEADER_ELECTION_NAMESPACE")]
    pub leader_election_namespace: Option<String>,
    /// Shops reconciled at the same time: in total when watching all namespaces, and per
    /// namespace when --watch-namespaces lists several (one controller runs per namespace).
    #[arg(long, env = "CONCURRENCY", default_value_t = 4)]
    pub concurrency: u16,
    /// Log format.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value = "json")]
    pub log_format: LogFormat,
    /// CloudNativePG is installed: watch the Clusters of shops with
    /// `spec.postgres.mode: CloudNativePG` (the chart's `cloudNativePG.enabled` sets it and
    /// grants the RBAC).
    #[arg(long, env = "CLOUDNATIVE_PG", default_value_t = false, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub cloudnative_pg: bool,
    /// Strimzi is installed: watch the Kafkas of shops with `spec.kafka.mode: Strimzi` (the
    /// chart's `strimzi.enabled` sets it and grants the RBAC).
    #[arg(long, env = "STRIMZI", default_value_t = false, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub strimzi: bool,
    /// Registry every official image is pulled from instead of its own (docker.io,
    /// ghcr.io): a mirror or an air-gapped registry, such as `registry.internal:5000/upstream`.
    /// Images a shop names itself are used as named.
    #[arg(long, env = "IMAGE_REGISTRY", default_value = "")]
    pub image_registry: String,
}

impl Cli {
    /// The namespaces to watch, `None` meaning all.
    pub fn namespaces(&self) -> Option<Vec<String>> {
        let list: Vec<String> =
            self.watch_namespaces.iter().map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()).collect();
        (!list.is_empty()).then_some(list)
    }

    /// Namespace of the Lease.
    pub fn lease_namespace(&self) -> String {
        self.leader_election_namespace
            .clone()
            .or_else(|| std::env::var("POD_NAMESPACE").ok())
            .unwrap_or_else(|| "default".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_watch_everything_without_leader_election() {
        let cli = Cli::try_parse_from(["shopfleet-operator"]).unwrap();
        assert_eq!(cli.namespaces(), None);
        assert!(!cli.leader_election);
        assert_eq!(cli.metrics_addr.to_string(), "0.0.0.0:8080");
    }

    #[test]
    fn namespaces_are_a_comma_separated_list() {
        let cli = Cli::try_parse_from([
            "shopfleet-operator",
            "--watch-namespaces",
            "shop-a, shop-b",
            "--leader-election",
        ])
        .unwrap();
        assert_eq!(cli.namespaces(), Some(vec!["shop-a".to_owned(), "shop-b".to_owned()]));
        assert!(cli.leader_election);
    }
}
