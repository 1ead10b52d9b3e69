//! The shop's backing services, one module each: Postgres, Redis, Meilisearch (search),
//! Qdrant (vectors) and Kafka. A module holds everything about its service: the check of
//! its spec block (`check`, run by `validate`), the data service the operator runs when it
//! is embedded, the settings and secret references it gives the API and worker, the
//! credentials the operator generates for it, and its readiness verdict. Their spec blocks,
//! the API users write, are in `shopfleet_crds`.

pub mod kafka;
pub mod meilisearch;
pub mod postgres;
pub mod qdrant;
pub mod redis;

use k8s_openapi::api::core::v1::{EnvVar, ResourceRequirements};
use sha2::{Digest, Sha256};
use shopfleet_crds::{
    CloudNativePgSpec, ConditionType, ExternalService, SecretKeyRef, ServerTls, StorageSpec,
};

use crate::children::Kind;
use crate::objects::data::DataService;
use crate::objects::meta::Owner;
use crate::objects::secrets::GeneratedSecret;
use crate::observe::Observed;
use crate::readiness::{verdict, workload, Verdict};

/// What a validated backing service contributes to its shop.
pub trait Backing {
    /// The status condition reporting it.
    fn condition(&self) -> ConditionType;
    /// The server the operator runs for it, when it runs one.
    fn data_service(&self, owner: &Owner) -> Option<DataService<'_>>;
    /// The credentials the operator generates for it, when it needs any.
    fn secret(&self) -> Option<&'static GeneratedSecret> {
        None
    }
    /// Settings it gives the API and worker that are not secret (the shop's ConfigMap).
    fn settings(&self, _owner: &Owner) -> Vec<(&'static str, String)> {
        vec![]
    }
    /// Environment it gives the API and worker from Secrets, in interpolation order.
    fn env(&self, _owner: &Owner) -> Vec<EnvVar> {
        vec![]
    }
    /// Whether it is ready, from what the cluster holds.
    fn readiness(&self, owner: &Owner, observed: &Observed) -> Verdict;
    /// The Secret keys with the CA certificates the API and worker verify its external
    /// server with, by service name (`crate::objects::tls` mounts them).
    fn ca_secrets(&self) -> Vec<(&'static str, SecretKeyRef)> {
        vec![]
    }
    /// The servers outside the shop the API and worker reach for it (its NetworkPolicy
    /// egress): `(host, port)` of each.
    fn external_endpoints(&self) -> Vec<(String, i32)> {
        vec![]
    }
}

/// A server the operator runs next to the shop.
#[derive(Clone, Debug, PartialEq)]
pub struct Embedded {
    pub storage: StorageSpec,
    /// Requests and limits; the service's defaults when `None`.
    pub resources: Option<ResourceRequirements>,
    /// The server's image (`crate::images`).
    pub image: String,
}

impl Embedded {
    /// The requests and limits of the server: the spec's, else `default`.
    fn resources(&self, default: impl FnOnce() -> ResourceRequirements) -> ResourceRequirements {
        self.resources.clone().unwrap_or_else(default)
    }
}

/// Where a service with a server runs.
#[derive(Clone, Debug, PartialEq)]
pub enum Server {
    /// The operator runs it (`<shop>-<component>`).
    Embedded(Embedded),
    /// An existing server outside the shop.
    External(ExternalService),
    /// CloudNativePG runs it (Postgres only): the Cluster `<shop>-postgres` the operator
    /// creates, reached through its `-rw` Service with the `-app` Secret CloudNativePG makes.
    CloudNativePg(CloudNativePgSpec, Embedded),
}

impl Server {
    /// The server of spec block `spec.<block>`: embedded unless `external_mode`, which
    /// needs `external`; `external` is refused otherwise (the CRD's rule too), as the
    /// operator would run one server and point the shop at another.
    fn check(
        block: &str,
        external_mode: bool,
        external: &Option<ExternalService>,
        embedded: Embedded,
    ) -> Result<Server, String> {
        match (external_mode, external) {
            (true, Some(external)) => Ok(Server::External(external.clone())),
            (true, None) => Err(format!("spec.{block}.external is required when mode is External")),
            (false, None) => Ok(Server::Embedded(embedded)),
            (false, Some(_)) => Err(format!("spec.{block}.external is only allowed when mode is External")),
        }
    }

    /// The embedded server, if the operator runs it.
    fn embedded(&self) -> Option<&Embedded> {
        match self {
            Server::Embedded(embedded) => Some(embedded),
            Server::External(_) | Server::CloudNativePg(..) => None,
        }
    }

    /// `(host, port)` of an external server, `port` being the service's usual one.
    fn external_endpoint(&self, port: i32) -> Vec<(String, i32)> {
        match self {
            Server::External(ext) => vec![(ext.host.clone(), ext.port.unwrap_or(port))],
            Server::Embedded(_) | Server::CloudNativePg(..) => vec![],
        }
    }

    /// How an external server's certificate is verified, when it is reached over TLS.
    fn tls(&self) -> Option<&ServerTls> {
        match self {
            Server::External(ext) => ext.tls.as_ref(),
            _ => None,
        }
    }

    /// `(service, CA Secret key)` of an external server verified against a CA of its own.
    fn ca_secret(&self, service: &'static str) -> Vec<(&'static str, SecretKeyRef)> {
        self.tls().and_then(|tls| tls.ca_secret.clone()).map(|ca| (service, ca)).into_iter().collect()
    }

    /// `secret`, when the operator runs the server and so generates its credentials.
    fn generated(&self, secret: &'static GeneratedSecret) -> Option<&'static GeneratedSecret> {
        self.embedded().map(|_| secret)
    }

    /// `host:port` where the API and worker reach the server: the embedded one is
    /// `<shop>-<suffix of its secret>` on `port`; an external one has its own host, and
    /// its own port if it names one.
    fn address(&self, owner: &Owner, secret: &GeneratedSecret, port: i32) -> String {
        match self {
            Server::External(ext) => format!("{}:{}", ext.host, ext.port.unwrap_or(port)),
            Server::Embedded(_) => format!("{}:{port}", secret.name(owner)),
            Server::CloudNativePg(..) => format!("{}-rw:{port}", secret.name(owner)),
        }
    }

    /// The Secret with the server's credentials: the generated `secret` of an embedded
    /// server, the one the spec names for an external one.
    fn credentials(&self, owner: &Owner, secret: &GeneratedSecret) -> String {
        match self {
            Server::External(ext) => ext.credentials_secret.clone(),
            Server::Embedded(_) => secret.name(owner),
            Server::CloudNativePg(..) => format!("{}-app", secret.name(owner)),
        }
    }

    /// The StatefulSet `<shop>-<component>` when embedded; an external server counts as
    /// ready (the API's and worker's own readiness checks reach it).
    fn readiness(&self, owner: &Owner, observed: &Observed, component: &str, what: &str) -> Verdict {
        match self {
            Server::Embedded(_) => embedded_readiness(owner, observed, component, what),
            Server::External(_) => verdict(true, "External", format!("using the external {what}")),
            Server::CloudNativePg(..) => cluster_readiness(observed, &owner.child_name(component)),
        }
    }
}

/// Readiness of the CloudNativePG Cluster `name`, from its own `Ready` condition.
fn cluster_readiness(observed: &Observed, name: &str) -> Verdict {
    let Some(cluster) = observed.get(Kind::CnpgCluster, name) else {
        return verdict(
            false,
            "ClusterMissing",
            format!("the CloudNativePG Cluster {name} does not exist yet"),
        );
    };
    let status = &cluster.data["status"];
    let ready = status["conditions"]
        .as_array()
        .is_some_and(|conditions| conditions.iter().any(|c| c["type"] == "Ready" && c["status"] == "True"));
    let phase = status["phase"].as_str().unwrap_or("not reported yet");
    let counts = format!(
        "{}/{} instances ready",
        status["readyInstances"].as_i64().unwrap_or(0),
        status["instances"].as_i64().unwrap_or(0)
    );
    if ready {
        verdict(true, "ClusterReady", format!("CloudNativePG: {phase}, {counts}"))
    } else {
        verdict(false, "ClusterNotReady", format!("CloudNativePG: {phase}, {counts}"))
    }
}

/// Readiness of the StatefulSet `<shop>-<component>` the operator runs.
fn embedded_readiness(owner: &Owner, observed: &Observed, component: &str, what: &str) -> Verdict {
    workload(observed, Kind::StatefulSet, &owner.child_name(component), what, 1)
}

/// `<namespace>_<name>` as a name Meilisearch indexes and Qdrant collections accept
/// (letters, digits, `-` and `_`, at most 100 characters). Namespaces hold no `.` or `_`,
/// so it is unique per shop; a longer one keeps a hash of the whole to stay unique.
fn shop_key(owner: &Owner) -> String {
    const MAX: usize = 100;
    let whole = format!("{}_{}", owner.namespace, owner.name);
    let key: String =
        whole.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
    if key.len() <= MAX {
        return key;
    }
    let digest = hex::encode(&Sha256::digest(whole.as_bytes())[..4]);
    format!("{}_{digest}", &key[..MAX - digest.len() - 1])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::fixtures;

    fn key_of(name: &str) -> String {
        shop_key(&Owner::of(&fixtures::shop(name, "{}")))
    }

    #[test]
    fn shop_keys_are_valid_names_and_stay_distinct_when_long() {
        assert_eq!(key_of("demo.eu"), format!("{}_demo_eu", fixtures::NAMESPACE));
        let (a, b) = (key_of(&format!("{}-a", "x".repeat(120))), key_of(&format!("{}-b", "x".repeat(120))));
        assert_ne!(a, b);
        for key in [&a, &b] {
            assert_eq!(key.len(), 100);
            assert!(key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'), "{key}");
        }
    }
}
