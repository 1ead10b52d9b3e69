//! The desired state of a shop: every object it needs, built from the validated shop and
//! what the cluster already holds (generated secret values, migration progress). No I/O
//! happens here, so the result is snapshot-tested.

mod app;
mod backup;
mod cloudnative_pg;
pub mod config;
mod egress;
mod media;
mod strimzi;
pub mod volumes;

use k8s_openapi::api::core::v1::ServiceAccount;

use app::AppInput;
pub use app::VERSION_ANNOTATION;
pub use backup::status as backup_status;

use crate::children::{Child, Kind};
use crate::objects::meta::Owner;
use crate::objects::secrets::{self, Fresh, Randomness, SecretValues};
use crate::objects::{data, network, scaling};
use crate::observe::Observed;
use crate::validate::ValidatedShop;

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
    /// Data claims to expand to the spec's size.
    pub resizes: Vec<volumes::Resize>,
}

fn service_account(owner: &Owner, component: &str) -> ServiceAccount {
    ServiceAccount {
        metadata: owner.meta(owner.child_name(component), component),
        automount_service_account_token: Some(false),
        ..Default::default()
    }
}

/// The values of every Secret the operator generates for `shop`: read back from the
/// cluster, fresh from `random` only where missing.
pub fn secret_values(shop: &ValidatedShop, observed: &Observed, random: &mut dyn Randomness) -> SecretValues {
    config::generated(shop)
        .into_iter()
        .map(|generated| {
            let name = generated.name(&shop.owner);
            let values = generated
                .keys
                .iter()
                .map(|(key, fresh)| {
                    let value = observed.secret_value(&name, key).unwrap_or_else(|| match fresh {
                        Fresh::Fixed(value) => (*value).to_owned(),
                        Fresh::Random(prefix, len) => format!("{prefix}{}", random.alphanumeric(*len)),
                    });
                    ((*key).to_owned(), value)
                })
                .collect();
            (name, values)
        })
        .collect()
}

/// Builds every child of `shop`. `observed` is read only for migration progress, the
/// version currently rolled out and the user Secrets' digests; `secrets` are the resolved
/// generated credentials.
pub fn build(shop: &ValidatedShop, observed: &Observed, secrets: &SecretValues) -> Desired {
    let owner = &shop.owner;
    let mut children = Vec::new();

    children.extend(secrets::objects(owner, secrets).iter().map(Child::new));
    children.push(Child::new(&config::config_map(shop)));
    let app_sa = service_account(owner, "app");
    children.push(Child::new(&app_sa));

    let data_services: Vec<_> = shop.backing().into_iter().filter_map(|b| b.data_service(owner)).collect();
    if !data_services.is_empty() {
        let data_sa = service_account(owner, "data");
        children.push(Child::new(&data_sa));
        let data = data::objects(owner, shop.deletion_policy, &owner.child_name("data"), &data_services);
        children.extend(data.services.iter().map(Child::new));
        children.extend(data.network_policies.iter().map(Child::new));
        for mut statefulset in data.statefulsets {
            volumes::keep_claim_template(&mut statefulset, observed);
            children.push(Child::new(&statefulset));
        }
    }

    children.extend(cloudnative_pg::objects(shop));
    children.extend(strimzi::objects(shop));
    children.extend(media::claim(shop).as_ref().map(Child::new));
    children.push(Child::new(&network::api_service(owner)));
    children.push(Child::new(&network::default_deny(owner)));
    children.push(Child::new(&network::api_ingress_policy(owner)));
    children.extend(
        network::worker_metrics_policy(owner, &shop.network.metrics_namespaces, app::WORKER_PORT)
            .as_ref()
            .map(Child::new),
    );
    children.push(Child::new(&network::app_egress_policy(owner, &egress::destinations(shop))));
    if !data_services.is_empty() {
        let components: Vec<&str> = data_services.iter().map(|service| service.component).collect();
        children.push(Child::new(&network::data_egress_policy(owner, &components)));
    }

    let env = config::secret_env(shop);
    let config_hash = config::hash(shop, &env, secrets, observed.user_secrets());
    let input =
        AppInput { shop, service_account: &owner.child_name("app"), env: &env, config_hash: &config_hash };
    children.extend(backup::claim(shop).as_ref().map(Child::new));
    if shop.postgres.backup.is_some() || shop.postgres.restore_from.is_some() {
        let policy = network::backup_egress_policy(owner, &egress::backup_destinations(shop));
        children.push(Child::new(&policy));
    }
    children.extend(backup::cron_job(shop, &owner.child_name("data")).as_ref().map(Child::new));
    let restore = backup::restore_job(shop, &owner.child_name("data"));
    children.extend(restore.as_ref().map(Child::new));
    // A restored database is migrated once its data is in.
    let restored = restore.is_none() || observed.job_succeeded(&backup::restore_job_name(owner));
    let job = Child::new(&app::migration_job(&input));
    let migration_job = job.name().to_owned();
    let migrated = observed.job_succeeded(&migration_job);
    if restored {
        children.push(job);
    }

    let rolled_version = if migrated {
        Some(shop.version.clone())
    } else {
        observed.annotation(Kind::Deployment, &owner.child_name("api"), VERSION_ANNOTATION)
    };
    if let Some(version) = &rolled_version {
        children.push(Child::new(&app::api(&input, version)));
        children.push(Child::new(&app::worker(&input, version)));
    }

    if let Some(autoscaling) = &shop.api_replicas.autoscaling {
        children.push(Child::new(&scaling::api_autoscaler(owner, autoscaling)));
    }
    children
        .extend(scaling::disruption_budget(owner, "api", shop.api_replicas.floor).as_ref().map(Child::new));
    children
        .extend(scaling::disruption_budget(owner, "worker", shop.worker_replicas).as_ref().map(Child::new));
    if let Some(ingress) = &shop.ingress {
        children.push(Child::new(&network::ingress(owner, ingress)));
    }

    children.sort_by_key(|c| Kind::ALL.iter().position(|k| *k == c.kind));
    let api_selector =
        owner.selector_labels("api").iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",");
    Desired {
        children,
        rolled_version,
        migration_job,
        endpoint: network::endpoint(owner, shop.ingress.as_ref()),
        api_selector,
        resizes: volumes::resizes(shop, observed),
    }
}
