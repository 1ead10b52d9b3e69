//! Product search: Meilisearch, as the StatefulSet the operator runs or an external server,
//! or Postgres full-text search in the shop's database (no server). The API and worker get
//! `SEARCH_BACKEND` and, with Meilisearch, its URL, key and this shop's index prefix.

use k8s_openapi::api::core::v1::EnvVar;
use shopfleet_crds::{ConditionType, SearchMode, SearchSpec};
use shopfleet_env_names as var;

use super::{shop_key, Backing, Embedded, Server};
use crate::images::{self, Registry};
use crate::objects::data::DataService;
use crate::objects::meta::Owner;
use crate::objects::pod::{env, env_secret, resources, Check};
use crate::objects::secrets::{Fresh, GeneratedSecret};
use crate::observe::Observed;
use crate::readiness::{verdict, Verdict};

/// Port of the Meilisearch server.
pub const PORT: i32 = 7700;
const COMPONENT: &str = "meilisearch";
/// Master key of the embedded server (an external one names its own Secret, same key).
static SECRET: GeneratedSecret =
    GeneratedSecret { suffix: COMPONENT, keys: &[("api-key", Fresh::Random("", 32))] };

/// Where the shop's product search runs, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct Search {
    /// The Meilisearch server; `None`: Postgres full-text search, no search server.
    pub meilisearch: Option<Server>,
}

impl Search {
    /// `spec.search`, or why it cannot be built.
    pub fn check(spec: &SearchSpec, registry: &Registry) -> Result<Search, String> {
        let external = spec.mode == SearchMode::External;
        let embedded = Embedded {
            storage: spec.storage.clone(),
            resources: spec.resources.clone(),
            image: registry.choose(&spec.image, images::MEILISEARCH),
        };
        let server = Server::check("search", external, &spec.external, embedded)?;
        Ok(Search { meilisearch: (spec.mode != SearchMode::Postgres).then_some(server) })
    }
}

impl Backing for Search {
    fn condition(&self) -> ConditionType {
        ConditionType::SearchReady
    }

    fn data_service(&self, owner: &Owner) -> Option<DataService<'_>> {
        let embedded = self.meilisearch.as_ref()?.embedded()?;
        Some(DataService {
            component: COMPONENT,
            image: embedded.image.clone(),
            uid: 1000,
            ports: vec![("http", PORT)],
            env: vec![
                env_secret("MEILI_MASTER_KEY", &SECRET.name(owner), "api-key"),
                env("MEILI_ENV", "production"),
                env("MEILI_NO_ANALYTICS", "true"),
                env("MEILI_DB_PATH", "/meili_data/data.ms"),
                env("MEILI_DUMP_DIR", "/meili_data/dumps"),
                env("MEILI_SNAPSHOT_DIR", "/meili_data/snapshots"),
            ],
            args: vec![],
            data_path: "/meili_data",
            scratch: vec![("tmp", "/tmp")],
            check: Check::Http { live: "/health", ready: "/health", port: PORT },
            storage: &embedded.storage,
            resources: embedded.resources(|| resources("100m", "256Mi", "1", "1Gi")),
        })
    }

    fn secret(&self) -> Option<&'static GeneratedSecret> {
        self.meilisearch.as_ref()?.generated(&SECRET)
    }

    fn settings(&self, owner: &Owner) -> Vec<(&'static str, String)> {
        let Some(server) = &self.meilisearch else {
            return vec![(var::SEARCH_BACKEND, "postgres".to_owned())];
        };
        vec![
            (var::SEARCH_BACKEND, "meilisearch".to_owned()),
            // One Meilisearch may serve several shops (external): each keeps its own indexes.
            (var::MEILI_INDEX_PREFIX, shop_key(owner)),
            (var::MEILI_URL, format!("http://{}", server.address(owner, &SECRET, PORT))),
        ]
    }

    fn env(&self, owner: &Owner) -> Vec<EnvVar> {
        let key =
            |server: &Server| env_secret(var::MEILI_API_KEY, &server.credentials(owner, &SECRET), "api-key");
        self.meilisearch.iter().map(key).collect()
    }

    fn readiness(&self, owner: &Owner, observed: &Observed) -> Verdict {
        match &self.meilisearch {
            Some(server) => server.readiness(owner, observed, COMPONENT, "Meilisearch"),
            None => verdict(true, "PostgresFullText", "search runs in Postgres"),
        }
    }

    fn external_endpoints(&self) -> Vec<(String, i32)> {
        self.meilisearch.as_ref().map(|server| server.external_endpoint(PORT)).unwrap_or_default()
    }
}
