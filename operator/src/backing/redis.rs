//! Redis, the shop's cache, rate limiter and token denylist: the `redis:7.4-alpine`
//! StatefulSet the operator runs (append-only file on its volume), or an external server.
//! The API and worker get `REDIS_URL`, assembled in the pod from the credentials Secret
//! (`rediss://` and `REDIS_CA_FILE` for an external server reached over TLS).

use k8s_openapi::api::core::v1::EnvVar;
use shopfleet_crds::{ConditionType, RedisSpec, SecretKeyRef, ServiceMode};
use shopfleet_env_names as var;

use super::{Backing, Embedded, Server};
use crate::images::{self, Registry};
use crate::objects::data::DataService;
use crate::objects::meta::Owner;
use crate::objects::pod::{env, env_secret, resources, Check};
use crate::objects::secrets::{Fresh, GeneratedSecret};
use crate::objects::tls;
use crate::observe::Observed;
use crate::readiness::Verdict;

/// Port of the Redis server.
pub const PORT: i32 = 6379;
const COMPONENT: &str = "redis";
/// Password of the embedded server (an external one names its own Secret, same key).
static SECRET: GeneratedSecret =
    GeneratedSecret { suffix: COMPONENT, keys: &[("password", Fresh::Random("", 32))] };
/// Holds the password for `$(…)` interpolation: in the server's pod (its `--requirepass`)
/// and in the API's and worker's (their `REDIS_URL`).
const PASSWORD_VAR: &str = "REDIS_PASSWORD";

/// The shop's Redis, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct Redis {
    pub server: Server,
}

impl Redis {
    /// `spec.redis`, or why it cannot be built.
    pub fn check(spec: &RedisSpec, registry: &Registry) -> Result<Redis, String> {
        let external = spec.mode == ServiceMode::External;
        let embedded = Embedded {
            storage: spec.storage.clone(),
            resources: spec.resources.clone(),
            image: registry.choose(&spec.image, images::REDIS),
        };
        let server = Server::check("redis", external, &spec.external, embedded)?;
        Ok(Redis { server })
    }
}

impl Backing for Redis {
    fn condition(&self) -> ConditionType {
        ConditionType::RedisReady
    }

    fn data_service(&self, owner: &Owner) -> Option<DataService<'_>> {
        let embedded = self.server.embedded()?;
        Some(DataService {
            component: COMPONENT,
            image: embedded.image.clone(),
            uid: 999,
            ports: vec![("redis", PORT)],
            env: vec![env_secret(PASSWORD_VAR, &SECRET.name(owner), "password")],
            args: ["--requirepass", &format!("$({PASSWORD_VAR})"), "--appendonly", "yes", "--dir", "/data"]
                .map(str::to_owned)
                .to_vec(),
            data_path: "/data",
            scratch: vec![("tmp", "/tmp")],
            check: Check::Tcp { port: PORT },
            storage: &embedded.storage,
            resources: embedded.resources(|| resources("100m", "128Mi", "500m", "512Mi")),
        })
    }

    fn secret(&self) -> Option<&'static GeneratedSecret> {
        self.server.generated(&SECRET)
    }

    fn env(&self, owner: &Owner) -> Vec<EnvVar> {
        let address = self.server.address(owner, &SECRET, PORT);
        let scheme = if self.server.tls().is_some() { "rediss" } else { "redis" };
        vec![
            env_secret(PASSWORD_VAR, &self.server.credentials(owner, &SECRET), "password"),
            env(var::REDIS_URL, format!("{scheme}://:$({PASSWORD_VAR})@{address}/0")),
        ]
    }

    fn settings(&self, _owner: &Owner) -> Vec<(&'static str, String)> {
        self.ca_secrets()
            .into_iter()
            .map(|(service, _)| (var::REDIS_CA_FILE, tls::ca_file(service)))
            .collect()
    }

    fn ca_secrets(&self) -> Vec<(&'static str, SecretKeyRef)> {
        self.server.ca_secret(COMPONENT)
    }

    fn readiness(&self, owner: &Owner, observed: &Observed) -> Verdict {
        self.server.readiness(owner, observed, COMPONENT, "Redis")
    }

    fn external_endpoints(&self) -> Vec<(String, i32)> {
        self.server.external_endpoint(PORT)
    }
}
