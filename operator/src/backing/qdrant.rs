//! Vectors for the shopping assistant: a Qdrant server, as the StatefulSet the operator runs
//! or an external one, or Qdrant's engine inside each API and worker pod (no server). The
//! API and worker get `VECTOR_BACKEND` and, with a server, its gRPC URL, key and this
//! shop's collection.

use k8s_openapi::api::core::v1::EnvVar;
use shopfleet_crds::{ConditionType, VectorMode, VectorSpec};
use shopfleet_env_names as var;

use super::{shop_key, Backing, Embedded, Server};
use crate::images::{self, Registry};
use crate::objects::data::DataService;
use crate::objects::meta::Owner;
use crate::objects::pod::{env, env_secret, resources, Check};
use crate::objects::secrets::{Fresh, GeneratedSecret};
use crate::observe::Observed;
use crate::readiness::{verdict, Verdict};

/// HTTP port of the Qdrant server (probes).
pub const HTTP_PORT: i32 = 6333;
/// gRPC port of the Qdrant server (what the API and worker use).
pub const GRPC_PORT: i32 = 6334;
const COMPONENT: &str = "qdrant";
/// API key of the embedded server (an external one names its own Secret, same key).
static SECRET: GeneratedSecret =
    GeneratedSecret { suffix: COMPONENT, keys: &[("api-key", Fresh::Random("", 32))] };

/// Where the shop's product vectors live, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct Vectors {
    /// The Qdrant server; `None`: Qdrant's embedded engine in each API and worker pod,
    /// under `DATA_DIR`.
    pub qdrant: Option<Server>,
}

impl Vectors {
    /// `spec.vector`, or why it cannot be built.
    pub fn check(spec: &VectorSpec, registry: &Registry) -> Result<Vectors, String> {
        let external = spec.mode == VectorMode::External;
        let embedded = Embedded {
            storage: spec.storage.clone(),
            resources: spec.resources.clone(),
            image: registry.choose(&spec.image, images::QDRANT),
        };
        let server = Server::check("vector", external, &spec.external, embedded)?;
        Ok(Vectors { qdrant: (spec.mode != VectorMode::InProcess).then_some(server) })
    }
}

impl Backing for Vectors {
    fn condition(&self) -> ConditionType {
        ConditionType::VectorReady
    }

    fn data_service(&self, owner: &Owner) -> Option<DataService<'_>> {
        let embedded = self.qdrant.as_ref()?.embedded()?;
        Some(DataService {
            component: COMPONENT,
            image: embedded.image.clone(),
            uid: 1000,
            ports: vec![("http", HTTP_PORT), ("grpc", GRPC_PORT)],
            env: vec![
                env_secret("QDRANT__SERVICE__API_KEY", &SECRET.name(owner), "api-key"),
                env("QDRANT__TELEMETRY_DISABLED", "true"),
            ],
            args: vec![],
            data_path: "/qdrant/storage",
            scratch: vec![("snapshots", "/qdrant/snapshots"), ("tmp", "/tmp")],
            check: Check::Http { live: "/livez", ready: "/readyz", port: HTTP_PORT },
            storage: &embedded.storage,
            resources: embedded.resources(|| resources("100m", "256Mi", "1", "1Gi")),
        })
    }

    fn secret(&self) -> Option<&'static GeneratedSecret> {
        self.qdrant.as_ref()?.generated(&SECRET)
    }

    fn settings(&self, owner: &Owner) -> Vec<(&'static str, String)> {
        let Some(server) = &self.qdrant else {
            return vec![(var::VECTOR_BACKEND, "embedded".to_owned())];
        };
        vec![
            (var::VECTOR_BACKEND, "qdrant".to_owned()),
            // One Qdrant may serve several shops (external): each has its own collection.
            (var::VECTOR_COLLECTION, shop_key(owner)),
            (var::QDRANT_URL, format!("http://{}", server.address(owner, &SECRET, GRPC_PORT))),
        ]
    }

    fn env(&self, owner: &Owner) -> Vec<EnvVar> {
        let key =
            |server: &Server| env_secret(var::QDRANT_API_KEY, &server.credentials(owner, &SECRET), "api-key");
        self.qdrant.iter().map(key).collect()
    }

    fn readiness(&self, owner: &Owner, observed: &Observed) -> Verdict {
        match &self.qdrant {
            Some(server) => server.readiness(owner, observed, COMPONENT, "Qdrant"),
            None => verdict(true, "InProcess", "vectors are kept in-process"),
        }
    }

    fn external_endpoints(&self) -> Vec<(String, i32)> {
        self.qdrant.as_ref().map(|server| server.external_endpoint(GRPC_PORT)).unwrap_or_default()
    }
}
