//! Postgres, the shop's database: the `postgres:<version>-alpine` StatefulSet the operator
//! runs, or an external server. The API and worker get `DATABASE_URL`, assembled in the pod
//! from the credentials Secret so the password never leaves it.

use k8s_openapi::api::core::v1::EnvVar;
use shopfleet_crds::{BackupSpec, ConditionType, PostgresMode, PostgresSpec, RestoreSpec, SecretKeyRef};
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

/// Port of the Postgres server.
pub const PORT: i32 = 5432;
/// User name of the embedded Postgres.
pub const USER: &str = "shopfleet";
const COMPONENT: &str = "postgres";
/// Credentials of the embedded server (an external one names its own Secret, same keys).
static SECRET: GeneratedSecret = GeneratedSecret {
    suffix: COMPONENT,
    keys: &[("username", Fresh::Fixed(USER)), ("password", Fresh::Random("", 32))],
};
/// Host of the embedded server (its Service).
pub fn host(owner: &Owner) -> String {
    SECRET.name(owner)
}

/// `PGUSER` and `PGPASSWORD` of the embedded server, for its own tools (`pg_dump`,
/// `pg_restore`).
pub fn client_credentials(owner: &Owner) -> Vec<EnvVar> {
    let secret = SECRET.name(owner);
    vec![env_secret("PGUSER", &secret, "username"), env_secret("PGPASSWORD", &secret, "password")]
}

/// Variables only the pod's own `$(…)` interpolation reads, to build `DATABASE_URL`.
const USERNAME_VAR: &str = "DB_USERNAME";
const PASSWORD_VAR: &str = "DB_PASSWORD";

/// The shop's Postgres, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct Postgres {
    pub server: Server,
    /// Major version of the embedded server.
    pub version: String,
    /// The shop's database.
    pub database: String,
    /// Scheduled backups of the embedded server.
    pub backup: Option<BackupSpec>,
    /// The backup a new shop's database starts from.
    pub restore_from: Option<RestoreSpec>,
}

impl Postgres {
    /// `spec.postgres`, or why it cannot be built.
    pub fn check(spec: &PostgresSpec, registry: &Registry) -> Result<Postgres, String> {
        // The CRD's rules too.
        if spec.mode != PostgresMode::Embedded && (spec.backup.is_some() || spec.restore_from.is_some()) {
            return Err("spec.postgres.backup and restoreFrom are for the embedded Postgres".to_owned());
        }
        let delegable = matches!(spec.mode, PostgresMode::CloudNativePg | PostgresMode::Auto);
        if !delegable && spec.cloud_native_pg.is_some() {
            return Err(
                "spec.postgres.cloudNativePG is only allowed when mode is CloudNativePG or Auto".to_owned()
            );
        }
        if let Some(restore) = &spec.restore_from {
            // The CRD's rule too.
            if restore.claim.is_some() == restore.object_store.is_some() {
                return Err("spec.postgres.restoreFrom needs exactly one of claim and objectStore".to_owned());
            }
        }
        let embedded = Embedded {
            storage: spec.storage.clone(),
            resources: spec.resources.clone(),
            image: registry.choose(&spec.image, &images::postgres(&spec.version)),
        };
        // `Auto` is decided before validation (`crate::decide`); undecided, it is Embedded.
        let server = match spec.mode {
            PostgresMode::CloudNativePg if spec.external.is_some() => {
                return Err("spec.postgres.external is only allowed when mode is External".to_owned())
            }
            PostgresMode::CloudNativePg => {
                Server::CloudNativePg(spec.cloud_native_pg.clone().unwrap_or_default(), embedded)
            }
            mode @ (PostgresMode::Embedded | PostgresMode::External | PostgresMode::Auto) => {
                let external = mode == PostgresMode::External;
                Server::check("postgres", external, &spec.external, embedded)?
            }
        };
        Ok(Postgres {
            server,
            version: spec.version.clone(),
            database: spec.database.clone(),
            backup: spec.backup.clone(),
            restore_from: spec.restore_from.clone(),
        })
    }
}

impl Postgres {
    /// The URL's query for TLS to an external server: certificate and name verified, against
    /// the mounted CA when the spec names one.
    fn tls_query(&self) -> String {
        match self.server.tls() {
            None => String::new(),
            Some(tls) if tls.ca_secret.is_some() => {
                format!("?sslmode=verify-full&sslrootcert={}", tls::ca_file(COMPONENT))
            }
            Some(_) => "?sslmode=verify-full".to_owned(),
        }
    }
}

impl Postgres {
    /// The embedded server's image, which its backup and restore Jobs run too; `None` for
    /// a server the operator does not run.
    pub fn image(&self) -> Option<&str> {
        self.server.embedded().map(|embedded| embedded.image.as_str())
    }
}

impl Backing for Postgres {
    fn condition(&self) -> ConditionType {
        ConditionType::PostgresReady
    }

    fn data_service(&self, owner: &Owner) -> Option<DataService<'_>> {
        let embedded = self.server.embedded()?;
        let secret = SECRET.name(owner);
        Some(DataService {
            component: COMPONENT,
            image: embedded.image.clone(),
            uid: 70,
            ports: vec![("postgres", PORT)],
            env: vec![
                env_secret("POSTGRES_USER", &secret, "username"),
                env_secret("POSTGRES_PASSWORD", &secret, "password"),
                env("POSTGRES_DB", self.database.clone()),
                env("PGDATA", "/var/lib/postgresql/data/pgdata"),
            ],
            args: vec![],
            data_path: "/var/lib/postgresql/data",
            scratch: vec![("run", "/var/run/postgresql"), ("tmp", "/tmp")],
            check: Check::TcpThenExec {
                port: PORT,
                ready: ["pg_isready", "-h", "127.0.0.1", "-U", USER, "-d", &self.database]
                    .map(str::to_owned)
                    .to_vec(),
            },
            storage: &embedded.storage,
            resources: embedded.resources(|| resources("250m", "256Mi", "1", "1Gi")),
        })
    }

    fn secret(&self) -> Option<&'static GeneratedSecret> {
        self.server.generated(&SECRET)
    }

    fn env(&self, owner: &Owner) -> Vec<EnvVar> {
        let credentials = self.server.credentials(owner, &SECRET);
        let address = self.server.address(owner, &SECRET, PORT);
        vec![
            env_secret(USERNAME_VAR, &credentials, "username"),
            env_secret(PASSWORD_VAR, &credentials, "password"),
            env(
                var::DATABASE_URL,
                format!(
                    "postgres://$({USERNAME_VAR}):$({PASSWORD_VAR})@{address}/{}{}",
                    self.database,
                    self.tls_query()
                ),
            ),
        ]
    }

    fn readiness(&self, owner: &Owner, observed: &Observed) -> Verdict {
        self.server.readiness(owner, observed, COMPONENT, "Postgres")
    }

    fn external_endpoints(&self) -> Vec<(String, i32)> {
        self.server.external_endpoint(PORT)
    }

    fn ca_secrets(&self) -> Vec<(&'static str, SecretKeyRef)> {
        self.server.ca_secret(COMPONENT)
    }
}
