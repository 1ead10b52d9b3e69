//! Wires the reconciler into kube-runtime controllers: one per watched namespace (or one for
//! all), each watching ShopInstances, the children it owns and the user Secrets shops
//! reference (so rotating one rolls the pods at once), with bounded concurrency and
//! graceful shutdown. The concurrency limit applies to each controller: with all namespaces
//! watched it is the operator's total; with N namespaces listed, up to N times it in all.

use std::sync::Arc;

use futures::future::join_all;
use futures::StreamExt;
use k8s_openapi::api::{
    apps::v1 as apps, autoscaling::v2 as autoscaling, batch::v1 as batch, core::v1 as core,
};
use k8s_openapi::api::{networking::v1 as networking, policy::v1 as policy};
use kube::api::Api;
use kube::runtime::controller::{Config, Controller, Error as ControllerError};
use kube::runtime::reflector::{ObjectRef, Store};
use kube::runtime::watcher;
use kube::{Client, Resource, ResourceExt};
use shopfleet_crds::ShopInstance;

use crate::children::Kind;
use crate::context::Context;
use crate::decide::{decide, Delegates};
use crate::desired::config;
use crate::images::Registry;
use crate::objects::meta::{MANAGED_BY_LABEL, MANAGER};
use crate::observe::Observed;
use crate::reconcile::{error_policy, reconcile};
use crate::validate::validate;

/// An Api for `K` in one namespace, or in all.
fn api<K>(client: &Client, namespace: Option<&str>) -> Api<K>
where
    K: Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>,
{
    match namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    }
}

/// The shops in `secret`'s namespace whose pods read it (see `config::user_secrets`; an
/// `Auto` mode is taken as a new shop's decision).
fn readers(
    shops: &Store<ShopInstance>,
    delegates: Delegates,
    secret: &core::Secret,
) -> Vec<ObjectRef<ShopInstance>> {
    let name = secret.name_any();
    shops
        .state()
        .iter()
        .filter(|shop| shop.namespace() == secret.namespace())
        .map(|shop| decide(shop, &Observed::default(), delegates))
        .filter(|shop| {
            validate(shop, &Registry::default())
                .is_ok_and(|valid| config::user_secrets(&valid).contains(&name))
        })
        .map(|shop| ObjectRef::from_obj(&shop))
        .collect()
}

/// Runs one controller over `namespace` (or all) until `shutdown` resolves.
async fn run_one(
    ctx: Arc<Context>,
    namespace: Option<String>,
    concurrency: u16,
    shutdown: impl std::future::Future<Output = ()> + Send + Sync + 'static,
) {
    let client = ctx.client.clone();
    let ns = namespace.as_deref();
    let owned = watcher::Config::default().labels(&format!("{MANAGED_BY_LABEL}={MANAGER}"));
    let mut controller =
        Controller::new(api::<ShopInstance>(&client, ns), watcher::Config::default().any_semantic());
    let shops = controller.store();
    let delegated = [(ctx.cloudnative_pg, Kind::CnpgCluster), (ctx.strimzi, Kind::StrimziKafka)];
    for kind in delegated.into_iter().filter_map(|(enabled, kind)| enabled.then_some(kind)) {
        let resource = kind.api_resource();
        let api: Api<kube::api::DynamicObject> = match ns {
            Some(ns) => Api::namespaced_with(client.clone(), ns, &resource),
            None => Api::all_with(client.clone(), &resource),
        };
        controller = controller.owns_with(api, resource, owned.clone());
    }
    let user_secrets = watcher::Config::default().fields("type!=kubernetes.io/service-account-token");
    let delegates = ctx.delegates();
    controller
        .with_config(Config::default().concurrency(concurrency))
        .watches(api::<core::Secret>(&client, ns), user_secrets, move |secret| {
            readers(&shops, delegates, &secret)
        })
        .owns(api::<core::Secret>(&client, ns), owned.clone())
        .owns(api::<core::ConfigMap>(&client, ns), owned.clone())
        .owns(api::<core::ServiceAccount>(&client, ns), owned.clone())
        .owns(api::<core::Service>(&client, ns), owned.clone())
        .owns(api::<apps::StatefulSet>(&client, ns), owned.clone())
        .owns(api::<apps::Deployment>(&client, ns), owned.clone())
        .owns(api::<batch::Job>(&client, ns), owned.clone())
        .owns(api::<batch::CronJob>(&client, ns), owned.clone())
        .owns(api::<networking::Ingress>(&client, ns), owned.clone())
        .owns(api::<networking::NetworkPolicy>(&client, ns), owned.clone())
        .owns(api::<autoscaling::HorizontalPodAutoscaler>(&client, ns), owned.clone())
        .owns(api::<policy::PodDisruptionBudget>(&client, ns), owned)
        .graceful_shutdown_on(shutdown)
        .run(reconcile, error_policy, ctx)
        .for_each(|result| async move {
            match result {
                Ok((shop, _)) => tracing::debug!(shop = %shop.name, "reconciled"),
                // Changes to a deleted shop's children (the garbage collector removing them)
                // still queue the shop; it is gone, which is the expected end of a deletion.
                Err(ControllerError::ObjectNotFound(shop)) => {
                    tracing::debug!(shop = %shop.name, "shop already deleted")
                }
                // Already logged with its reason by `error_policy`.
                Err(ControllerError::ReconcilerFailed(e, shop)) => {
                    tracing::debug!(shop = %shop.name, error = %e, "reconcile failed")
                }
                Err(e) => tracing::warn!(error = ?e, "controller error"),
            }
        })
        .await;
}

/// Runs controllers for `namespaces` (`None`: all) until `shutdown` resolves.
pub async fn run(
    ctx: Arc<Context>,
    namespaces: Option<Vec<String>>,
    concurrency: u16,
    shutdown: impl std::future::Future<Output = ()> + Send + Sync + 'static,
) {
    let shutdown = futures::FutureExt::shared(shutdown);
    let scopes: Vec<Option<String>> = match namespaces {
        Some(list) => list.into_iter().map(Some).collect(),
        None => vec![None],
    };
    join_all(scopes.into_iter().map(|ns| run_one(ctx.clone(), ns, concurrency, shutdown.clone()))).await;
}
