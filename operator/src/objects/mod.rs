//! Pure construction of every object a shop needs, from its spec and what the cluster
//! already holds (generated secret values, migration progress). No I/O happens here, so
//! the result is snapshot-tested.

mod app;
mod config;
mod data;
pub mod meta;
mod network;
mod pod;
mod scaling;
pub mod secrets;

use k8s_openapi::api::core::v1::ServiceAccount;
use shopfleet_crds::ShopInstance;

use app::AppInput;
pub use app::VERSION_ANNOTATION;
use meta::Owner;
pub use scaling::api_replicas;
use secrets::SecretValues;

use crate::children::{Child, Kind};
use crate::observe::Observed;

/// The desired state of one shop.
#[derive(Debug)]
pub struct Desired {
    /// Objects to apply, in apply order.
    pub children: Vec<Child>,
    /// Version the API and worker run (the new one only after its migration finished).
    pub rolled_version: Option<String>,
    /// Name of the migration Job of the spec's version.
    pub migration_job: String,
    /// URL of the API.
    pub endpoint: String,
    /// Label selector of the API pods (scale subresource).
    pub api_selector: String,
}

fn service_account(owner: &Owner, component: &str) -> ServiceAccount {
    ServiceAccount {
        metadata: owner.meta(owner.child_name(component), component),
        automount_service_account_token: Some(false),
        ..Default::default()
    }
}

/// Builds every child of `shop`. `observed` is read only for migration progress and the
/// version currently rolled out; `secrets` are the resolved generated credentials.
pub fn build(shop: &ShopInstance, observed: &Observed, secrets: &SecretValues) -> Desired {
    let owner = Owner::of(shop);
    let spec = &shop.spec;
    let mut children = Vec::new();

    children.extend(secrets::objects(&owner, secrets).iter().map(Child::new));
    children.push(Child::new(&config::config_map(&owner, spec)));
    let app_sa = service_account(&owner, "app");
    children.push(Child::new(&app_sa));

    if config::embeds_anything(spec) {
        let data_sa = service_account(&owner, "data");
        children.push(Child::new(&data_sa));
        let data = data::objects(&owner, spec, &owner.child_name("data"));
        children.extend(data.services.iter().map(Child::new));
        children.extend(data.network_policies.iter().map(Child::new));
        children.extend(data.statefulsets.iter().map(Child::new));
    }

    children.push(Child::new(&network::api_service(&owner)));
    children.push(Child::new(&network::default_deny(&owner)));
    children.push(Child::new(&network::api_ingress_policy(&owner)));

    let config_hash = config::hash(&owner, spec, secrets);
    let input = AppInput {
        owner: &owner,
        spec,
        service_account: &owner.child_name("app"),
        config_hash: &config_hash,
    };
    let job = Child::new(&app::migration_job(&input));
    let migration_job = job.name().to_owned();
    let migrated = observed.job_succeeded(&migration_job);
    children.push(job);

    let rolled_version = if migrated {
        Some(spec.version.clone())
    } else {
        observed.annotation(Kind::Deployment, &owner.child_name("api"), VERSION_ANNOTATION)
    };
    if let Some(version) = &rolled_version {
        children.push(Child::new(&app::api(&input, version)));
        children.push(Child::new(&app::worker(&input, version)));
    }

    if let Some(autoscaling) = &spec.autoscaling {
        children.push(Child::new(&scaling::api_autoscaler(&owner, autoscaling)));
    }
    let api_replicas = scaling::api_replicas(spec);
    children.extend(scaling::disruption_budget(&owner, "api", api_replicas).as_ref().map(Child::new));
    children
        .extend(scaling::disruption_budget(&owner, "worker", spec.worker_replicas).as_ref().map(Child::new));
    if let Some(ingress) = &spec.ingress {
        children.push(Child::new(&network::ingress(&owner, ingress)));
    }

    children.sort_by_key(|c| Kind::ALL.iter().position(|k| *k == c.kind));
    let api_selector =
        owner.selector_labels("api").iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",");
    Desired {
        children,
        rolled_version,
        migration_job,
        endpoint: network::endpoint(&owner, spec.ingress.as_ref()),
        api_selector,
    }
}
