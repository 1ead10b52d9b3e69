//! The shop's own workloads: the API and worker Deployments and the migration Job that must
//! finish before either rolls out a new version.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec, DeploymentStrategy, RollingUpdateDeployment};
use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::{EnvVar, PodSpec, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use sha2::{Digest, Sha256};

use super::media;
use crate::images;
use crate::objects::meta::Owner;
use crate::objects::network::API_PORT;
use crate::objects::pod::{container_parts_default, pod_spec, resources, Check, ContainerParts};
use crate::objects::tls;
use crate::validate::ValidatedShop;

/// Annotation on the API and worker Deployments naming the version they run.
pub const VERSION_ANNOTATION: &str = "shopfleet.dev/version";
/// Annotation on pod templates with the configuration hash.
pub const CONFIG_HASH_ANNOTATION: &str = "shopfleet.dev/config-hash";
/// User and group id of the API and worker.
const APP_UID: i64 = 10001;
/// Port of the worker's health and metrics server.
pub const WORKER_PORT: i32 = 9090;
/// Writable directory of the API and worker (the embedded vector engine keeps its data here).
pub const DATA_DIR: &str = "/var/lib/shopfleet";

/// Images of the API (also used by the migration Job) and the worker at `version`.
fn images(shop: &ValidatedShop, version: &str) -> (String, String) {
    (
        shop.registry.choose(&shop.images.api, &images::shopfleet("shopfleet-api", version)),
        shop.registry.choose(&shop.images.worker, &images::shopfleet("shopfleet-worker", version)),
    )
}

/// The API image at the spec's version: it also runs the backup Jobs' bucket transfers.
pub fn api_image(shop: &ValidatedShop) -> String {
    images(shop, &shop.version).0
}

/// Container parts shared by every app container: config, secrets, scratch and data dirs.
fn app_parts(input: &AppInput, name: &'static str, image: String) -> ContainerParts {
    ContainerParts {
        name,
        image,
        env: input.env.to_vec(),
        env_from_config_map: Some(input.shop.owner.child_name("config")),
        scratch: vec![("tmp", "/tmp"), ("data", DATA_DIR)],
        resources: resources("100m", "256Mi", "1", "1Gi"),
        ..container_parts_default()
    }
}

/// The hardened pod of an app container, with the external servers' CA certificates.
fn app_pod(input: &AppInput, parts: ContainerParts, restart_policy: Option<&str>) -> PodSpec {
    let mut pod = pod_spec(input.service_account.to_owned(), APP_UID, parts, restart_policy);
    let cas: Vec<_> = input.shop.backing().iter().flat_map(|backing| backing.ca_secrets()).collect();
    tls::mount(&mut pod, &cas);
    pod
}

fn template(
    owner: &Owner,
    component: &str,
    config_hash: &str,
    spec: PodSpec,
    extra_label: Option<(String, String)>,
) -> PodTemplateSpec {
    let mut labels = owner.labels(component);
    labels.extend(extra_label);
    PodTemplateSpec {
        metadata: Some(ObjectMeta {
            labels: Some(labels),
            annotations: Some(BTreeMap::from([(CONFIG_HASH_ANNOTATION.to_owned(), config_hash.to_owned())])),
            ..Default::default()
        }),
        spec: Some(spec),
    }
}

/// Inputs every app object shares.
pub struct AppInput<'a> {
    pub shop: &'a ValidatedShop,
    pub service_account: &'a str,
    /// Secret-backed environment (`config::secret_env`).
    pub env: &'a [EnvVar],
    pub config_hash: &'a str,
}

/// The migration Job for the spec's version and configuration. Its name carries a hash of
/// both, so a new version or configuration runs the migrations again.
pub fn migration_job(input: &AppInput) -> Job {
    let owner = &input.shop.owner;
    let (api_image, _) = images(input.shop, &input.shop.version);
    let mut hasher = Sha256::new();
    hasher.update(format!("{}\n{api_image}\n{}", input.shop.version, input.config_hash));
    let name = owner.child_name(&format!("migrate-{}", hex::encode(&hasher.finalize()[..5])));
    let parts = ContainerParts { args: vec!["migrate".to_owned()], ..app_parts(input, "migrate", api_image) };
    Job {
        metadata: owner.meta(name, "migrate"),
        spec: Some(JobSpec {
            backoff_limit: Some(4),
            active_deadline_seconds: Some(1800),
            template: template(
                owner,
                "migrate",
                input.config_hash,
                app_pod(input, parts, Some("Never")),
                None,
            ),
            ..Default::default()
        }),
        status: None,
    }
}

fn deployment(
    input: &AppInput,
    component: &str,
    version: &str,
    replicas: Option<i32>,
    parts: ContainerParts,
) -> Deployment {
    let owner = &input.shop.owner;
    let mut metadata = owner.meta(owner.child_name(component), component);
    let mut pod = app_pod(input, parts, None);
    media::mount(input.shop, &mut pod);
    metadata.annotations = Some(BTreeMap::from([(VERSION_ANNOTATION.to_owned(), version.to_owned())]));
    Deployment {
        metadata,
        spec: Some(DeploymentSpec {
            replicas,
            selector: owner.selector(component),
            revision_history_limit: Some(5),
            strategy: Some(DeploymentStrategy {
                type_: Some("RollingUpdate".to_owned()),
                rolling_update: Some(RollingUpdateDeployment {
                    max_surge: Some(IntOrString::String("25%".to_owned())),
                    max_unavailable: Some(IntOrString::Int(0)),
                }),
            }),
            template: template(owner, component, input.config_hash, pod, media::pod_labels(input.shop)),
            ..Default::default()
        }),
        status: None,
    }
}

/// The API Deployment at `version`. Replicas are left to the autoscaler when one is set.
pub fn api(input: &AppInput, version: &str) -> Deployment {
    let shop = input.shop;
    let (image, _) = images(shop, version);
    let parts = ContainerParts {
        ports: vec![("http", API_PORT)],
        check: Some(Check::Http { live: "/health", ready: "/ready", port: API_PORT }),
        resources: shop.resources.api.clone().unwrap_or_else(|| resources("100m", "256Mi", "1", "1Gi")),
        ..app_parts(input, "api", image)
    };
    deployment(input, "api", version, shop.api_replicas.fixed, parts)
}

/// The worker Deployment at `version`.
pub fn worker(input: &AppInput, version: &str) -> Deployment {
    let shop = input.shop;
    let (_, image) = images(shop, version);
    let parts = ContainerParts {
        ports: vec![("http", WORKER_PORT)],
        check: Some(Check::Http { live: "/health", ready: "/ready", port: WORKER_PORT }),
        resources: shop.resources.worker.clone().unwrap_or_else(|| resources("100m", "256Mi", "1", "1Gi")),
        ..app_parts(input, "worker", image)
    };
    deployment(input, "worker", version, Some(shop.worker_replicas), parts)
}
