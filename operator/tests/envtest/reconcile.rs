//! Whole reconciles against the real API server: create, converge, idempotence, update,
//! drift, pause, deletion with the finalizer and garbage collection, failing children.
//! The tests call `reconcile` themselves (no controller), so each step is deterministic.

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::core::v1::{PersistentVolumeClaim, ResourceQuota};
use k8s_openapi::api::storage::v1::StorageClass;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::runtime::controller::Action;
use kube::ResourceExt;
use serde_json::json;
use shopfleet_crds::{ConditionType, Phase, ShopInstance};
use shopfleet_operator::children::Kind;
use shopfleet_operator::context::Context;
use shopfleet_operator::error::Error;
use shopfleet_operator::objects::meta::Owner;
use shopfleet_operator::reconcile::{error_policy, reconcile, FINALIZER};

use crate::support::Env;

/// A test namespace and an operator context talking to the API server.
struct Harness {
    env: Env,
    ctx: Arc<Context>,
}

impl Harness {
    async fn new(test: &str) -> Harness {
        let env = Env::new(test).await;
        let ctx = Arc::new(Context::new(env.client.clone(), Some("test".to_owned())));
        Harness { env, ctx }
    }

    async fn reconcile(&self, name: &str) -> Result<Action, Error> {
        reconcile(Arc::new(self.env.shop(name).await), self.ctx.clone()).await
    }

    async fn phase(&self, name: &str) -> Option<Phase> {
        self.env.shop(name).await.status.and_then(|s| s.phase)
    }

    /// Reconciles and plays the workload controllers until the shop is Ready; returns the
    /// number of reconciles it took.
    async fn converge(&self, name: &str) -> usize {
        for round in 1..=8 {
            self.reconcile(name).await.expect("reconcile succeeds");
            if self.phase(name).await == Some(Phase::Ready) {
                return round;
            }
            self.env.simulate_cluster().await;
        }
        panic!("shop {name} did not become Ready: {:#?}", self.env.shop(name).await.status);
    }

    async fn condition(&self, name: &str, type_: ConditionType) -> (String, String) {
        let status = self.env.shop(name).await.status.expect("status written");
        let c = status.conditions.iter().find(|c| c.type_ == type_.as_str()).expect("condition present");
        (c.status.clone(), c.reason.clone())
    }

    async fn replicas(&self, kind: Kind, name: &str) -> Option<i64> {
        self.env.child(kind, name).await.expect("child exists").data["spec"]["replicas"].as_i64()
    }
}

#[tokio::test]
async fn a_new_shop_is_created_and_converges_to_ready() {
    let h = Harness::new("create").await;
    h.env.create_shop("demo", "{}").await;

    h.reconcile("demo").await.unwrap();
    assert_eq!(h.env.shop("demo").await.metadata.finalizers, Some(vec![FINALIZER.to_owned()]));

    h.reconcile("demo").await.unwrap();
    assert_eq!(h.env.names(Kind::StatefulSet).await.len(), 5);
    assert_eq!(h.env.names(Kind::Job).await.len(), 1);
    assert!(h.env.names(Kind::Deployment).await.is_empty(), "API waits for its migration");
    assert_eq!(h.phase("demo").await, Some(Phase::Progressing));
    assert_eq!(h.condition("demo", ConditionType::ApiReady).await.1, "Migrating");
    let secrets = h.env.names(Kind::Secret).await;
    for secret in
        ["demo-postgres", "demo-redis", "demo-meilisearch", "demo-qdrant", "demo-jwt", "demo-payments"]
    {
        assert!(secrets.contains(&secret.to_owned()), "{secret} in {secrets:?}");
    }
    let owners = h.env.child(Kind::StatefulSet, "demo-postgres").await.unwrap().metadata.owner_references;
    assert_eq!(
        owners.unwrap()[0].uid,
        h.env.shop("demo").await.uid().unwrap(),
        "children are owned by the shop"
    );

    let rounds = h.converge("demo").await;
    assert!(rounds <= 3, "took {rounds} reconciles after creation");
    let status = h.env.shop("demo").await.status.unwrap();
    assert_eq!(status.phase, Some(Phase::Ready));
    assert_eq!(status.version.as_deref(), Some("0.1.0"));
    assert_eq!(status.endpoint, Some(format!("http://demo-api.{}.svc:80", h.env.ns)));
    assert_eq!(status.observed_generation, Some(1));
    assert_eq!(status.replicas, Some(1));
    let types: Vec<&str> = status.conditions.iter().map(|c| c.type_.as_str()).collect();
    assert_eq!(types, ConditionType::ALL.map(ConditionType::as_str));
    assert_eq!(h.condition("demo", ConditionType::Ready).await.0, "True");
    assert_eq!(h.condition("demo", ConditionType::Progressing).await.0, "False");
    let reasons = h.env.event_reasons().await;
    assert!(reasons.contains(&"Ready".to_owned()), "{reasons:?}");
}

#[tokio::test]
async fn a_converged_shop_costs_no_writes_and_keeps_transition_times() {
    let h = Harness::new("no-writes").await;
    h.env.create_shop("demo", "{}").await;
    h.converge("demo").await;
    let before = h.env.shop("demo").await;
    let secret_before = h.env.child(Kind::Secret, "demo-postgres").await.unwrap().data["data"].clone();

    h.env.requests.clear();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    h.reconcile("demo").await.unwrap();
    assert_eq!(h.env.requests.writes(), Vec::<String>::new());
    let after = h.env.shop("demo").await;
    assert_eq!(after.status, before.status, "status, including lastTransitionTime, is unchanged");
    assert_eq!(after.resource_version(), before.resource_version(), "the stored shop is untouched");
    assert_eq!(
        h.env.child(Kind::Secret, "demo-postgres").await.unwrap().data["data"],
        secret_before,
        "passwords are never rotated"
    );
}

#[tokio::test]
async fn a_spec_change_updates_children_and_prunes_what_is_no_longer_wanted() {
    let h = Harness::new("update").await;
    h.env.create_shop("demo", "{}").await;
    h.converge("demo").await;
    let old_job = h.env.names(Kind::Job).await;

    h.env
        .edit_shop("demo", json!({"spec": {"replicas": 3, "kafka": {"mode": "Disabled", "storage": null}}}))
        .await;
    h.reconcile("demo").await.unwrap();
    assert!(!h.env.names(Kind::StatefulSet).await.contains(&"demo-kafka".to_owned()));
    assert!(!h.env.names(Kind::Service).await.contains(&"demo-kafka".to_owned()));
    assert!(!h.env.names(Kind::NetworkPolicy).await.contains(&"demo-kafka".to_owned()));
    assert_eq!(h.replicas(Kind::Deployment, "demo-api").await, Some(3));
    assert!(h.env.names(Kind::PodDisruptionBudget).await.contains(&"demo-api".to_owned()));
    let config = h.env.child(Kind::ConfigMap, "demo-config").await.unwrap();
    assert!(config.data["data"].get(shopfleet_env_names::KAFKA_BROKERS).is_none());
    let new_job = h.env.names(Kind::Job).await;
    assert_eq!(new_job.len(), 1);
    assert_ne!(new_job, old_job, "a new configuration runs the migrations again");
    assert_eq!(h.env.shop("demo").await.status.unwrap().observed_generation, Some(2));

    h.converge("demo").await;
    assert_eq!(h.condition("demo", ConditionType::KafkaReady).await.1, "OutboxMode");
}

#[tokio::test]
async fn deleted_and_hand_edited_children_are_restored() {
    let h = Harness::new("drift").await;
    h.env.create_shop("demo", "{}").await;
    h.converge("demo").await;

    h.env.api(Kind::Service).delete("demo-api", &DeleteParams::default()).await.unwrap();
    let scale = json!({"spec": {"replicas": 7}});
    h.env
        .api(Kind::Deployment)
        .patch("demo-worker", &PatchParams::default(), &Patch::Merge(&scale))
        .await
        .unwrap();
    h.env.requests.clear();
    h.reconcile("demo").await.unwrap();

    assert!(h.env.child(Kind::Service, "demo-api").await.is_some());
    assert_eq!(h.replicas(Kind::Deployment, "demo-worker").await, Some(1));
    let child_writes: Vec<String> = h
        .env
        .requests
        .writes()
        .into_iter()
        .filter(|w| w.contains("/services/") || w.contains("/deployments/"))
        .collect();
    assert_eq!(child_writes.len(), 2, "only the drifted children are written: {child_writes:?}");
}

#[tokio::test]
async fn a_paused_shop_keeps_its_children_but_reports_status() {
    let h = Harness::new("pause").await;
    h.env.create_shop("demo", "{}").await;
    h.converge("demo").await;

    h.env
        .edit_shop(
            "demo",
            json!({"metadata": {"annotations": {"shopfleet.dev/paused": "true"}}, "spec": {"replicas": 5}}),
        )
        .await;
    h.env.requests.clear();
    h.reconcile("demo").await.unwrap();
    let writes = h.env.requests.writes();
    assert!(
        writes.iter().all(|w| w.ends_with("/demo/status") || w.contains("/events")),
        "paused shops change nothing but status and events: {writes:?}"
    );
    assert_eq!(h.replicas(Kind::Deployment, "demo-api").await, Some(1));
    assert_eq!(h.condition("demo", ConditionType::ReconciliationPaused).await.0, "True");
    assert_eq!(h.phase("demo").await, Some(Phase::Paused));

    h.env.edit_shop("demo", json!({"metadata": {"annotations": {"shopfleet.dev/paused": null}}})).await;
    h.reconcile("demo").await.unwrap();
    assert_eq!(h.replicas(Kind::Deployment, "demo-api").await, Some(5));
    assert_eq!(h.condition("demo", ConditionType::ReconciliationPaused).await.0, "False");
}

/// A data volume claim labelled as the shop's Postgres claims are.
pub async fn create_claim(env: &Env, name: &str, shop: &ShopInstance) {
    let claim: PersistentVolumeClaim = serde_json::from_value(json!({
        "metadata": {"name": name, "labels": Owner::of(shop).labels("postgres")},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
    }))
    .unwrap();
    let claims: Api<PersistentVolumeClaim> = Api::namespaced(env.client.clone(), &env.ns);
    claims.create(&PostParams::default(), &claim).await.expect("claim created");
}

pub async fn claim_names(env: &Env) -> Vec<String> {
    let claims: Api<PersistentVolumeClaim> = Api::namespaced(env.client.clone(), &env.ns);
    claims.list(&ListParams::default()).await.unwrap().items.iter().map(ResourceExt::name_any).collect()
}

#[tokio::test]
async fn deletion_runs_the_finalizer_and_deletes_volumes_when_asked() {
    let h = Harness::new("delete-volumes").await;
    let doomed = h.env.create_shop("doomed", "{deletionPolicy: Delete}").await;
    let kept = h.env.create_shop("kept", "{}").await;
    h.converge("doomed").await;
    create_claim(&h.env, "data-doomed-postgres-0", &doomed).await;
    create_claim(&h.env, "data-kept-postgres-0", &kept).await;
    assert_eq!(
        claim_names(&h.env).await,
        ["data-doomed-postgres-0", "data-kept-postgres-0", "doomed-media"],
        "the operator made the media volume"
    );

    h.env.shops().delete("doomed", &DeleteParams::default()).await.unwrap();
    assert!(h.env.shop("doomed").await.metadata.deletion_timestamp.is_some(), "the finalizer holds the shop");
    h.reconcile("doomed").await.unwrap();

    assert!(h.env.shops().get_opt("doomed").await.unwrap().is_none(), "finalizer removed, shop gone");
    h.env
        .eventually(20, "the garbage collector removed the children", || async {
            h.env.names(Kind::StatefulSet).await.is_empty() && h.env.names(Kind::Secret).await.is_empty()
        })
        .await;
    h.env
        .eventually(20, "only the kept shop's claim remains", || async {
            claim_names(&h.env).await == ["data-kept-postgres-0"]
        })
        .await;
}

#[tokio::test]
async fn deletion_retains_volumes_by_default() {
    let h = Harness::new("delete-retain").await;
    let retained = h.env.create_shop("retained", "{}").await;
    h.reconcile("retained").await.unwrap();
    h.reconcile("retained").await.unwrap();
    create_claim(&h.env, "data-retained-postgres-0", &retained).await;

    h.env.shops().delete("retained", &DeleteParams::default()).await.unwrap();
    h.reconcile("retained").await.unwrap();
    assert!(h.env.shops().get_opt("retained").await.unwrap().is_none());
    h.env
        .eventually(20, "the garbage collector removed the children", || async {
            h.env.names(Kind::StatefulSet).await.is_empty()
        })
        .await;
    assert_eq!(claim_names(&h.env).await, ["data-retained-postgres-0", "retained-media"]);
}

/// The quota resource counting StatefulSets.
const QUOTA: &str = "count/statefulsets.apps";

#[tokio::test]
async fn a_failing_write_degrades_the_shop_and_backs_off() {
    let h = Harness::new("failing-child").await;
    // A quota of no StatefulSets: the API server refuses to create them (the quota's
    // status, normally kept by the resource-quota controller, is set by hand).
    let quota: ResourceQuota = serde_json::from_value(
        json!({"metadata": {"name": "no-statefulsets"}, "spec": {"hard": {QUOTA: "0"}}}),
    )
    .unwrap();
    let quotas: Api<ResourceQuota> = Api::namespaced(h.env.client.clone(), &h.env.ns);
    quotas.create(&PostParams::default(), &quota).await.unwrap();
    let status = json!({"status": {"hard": {QUOTA: "0"}, "used": {QUOTA: "0"}}});
    quotas.patch_status("no-statefulsets", &PatchParams::default(), &Patch::Merge(&status)).await.unwrap();
    h.env.create_shop("demo", "{}").await;
    h.reconcile("demo").await.unwrap();

    let error = h.reconcile("demo").await.unwrap_err();
    assert_eq!(error.reason(), "ApplyFailed", "{error}");
    let (status, reason) = h.condition("demo", ConditionType::Degraded).await;
    assert_eq!((status.as_str(), reason.as_str()), ("True", "ApplyFailed"));
    let shop = Arc::new(h.env.shop("demo").await);
    let first = error_policy(shop.clone(), &error, h.ctx.clone());
    let second = error_policy(shop, &error, h.ctx.clone());
    assert_eq!(first, Action::requeue(Duration::from_secs(5)));
    assert_eq!(second, Action::requeue(Duration::from_secs(10)));

    quotas.delete("no-statefulsets", &DeleteParams::default()).await.unwrap();
    h.converge("demo").await;
    assert_eq!(h.condition("demo", ConditionType::Degraded).await.0, "False");
}

#[tokio::test]
async fn a_failed_migration_degrades_the_shop() {
    let h = Harness::new("failed-migration").await;
    h.env.create_shop("demo", "{}").await;
    h.reconcile("demo").await.unwrap();
    h.reconcile("demo").await.unwrap();
    let job = h.env.names(Kind::Job).await.remove(0);
    h.env.finish_job(&job, false).await;

    h.reconcile("demo").await.unwrap();
    let (status, reason) = h.condition("demo", ConditionType::ApiReady).await;
    assert_eq!((status.as_str(), reason.as_str()), ("False", "MigrationFailed"));
    assert_eq!(h.condition("demo", ConditionType::Degraded).await.0, "True");
    assert_eq!(h.phase("demo").await, Some(Phase::Degraded));
    let reasons = h.env.event_reasons().await;
    assert!(reasons.contains(&"MigrationFailed".to_owned()), "{reasons:?}");
    assert!(h.env.names(Kind::Deployment).await.is_empty(), "no rollout without a migration");
}

/// Defect: with autoscaling the API Deployment leaves `replicas` to the autoscaler, the API
/// server defaults it to 1, and status compared against that, so a shop whose API ran 1
/// pod of a 3-pod minimum reported Ready. Readiness must count the autoscaler's minimum.
#[tokio::test]
async fn an_autoscaled_shop_is_ready_only_at_the_autoscaler_minimum() {
    let h = Harness::new("autoscaling").await;
    h.env.create_shop("demo", "{replicas: 3, autoscaling: {minReplicas: 3, maxReplicas: 5}}").await;
    for _ in 0..4 {
        h.reconcile("demo").await.unwrap();
        h.env.simulate_cluster().await;
    }
    h.reconcile("demo").await.unwrap();
    assert_eq!(h.replicas(Kind::Deployment, "demo-api").await, Some(1), "the API server defaulted replicas");
    assert_eq!(
        h.condition("demo", ConditionType::ApiReady).await,
        ("False".to_owned(), "RollingOut".to_owned())
    );
    assert_ne!(h.phase("demo").await, Some(Phase::Ready));

    // The autoscaler raises the Deployment to its minimum, and the pods become ready.
    let scale = json!({"spec": {"replicas": 3}});
    h.env
        .api(Kind::Deployment)
        .patch("demo-api", &PatchParams::default(), &Patch::Merge(&scale))
        .await
        .unwrap();
    h.env.simulate_cluster().await;
    h.reconcile("demo").await.unwrap();
    assert_eq!(h.phase("demo").await, Some(Phase::Ready));
    assert_eq!(h.env.shop("demo").await.status.unwrap().replicas, Some(3));
    assert_eq!(
        h.replicas(Kind::Deployment, "demo-api").await,
        Some(3),
        "the operator leaves replicas to the HPA"
    );
}

/// A StorageClass of its own for test `env`, allowing volume expansion or not.
async fn storage_class(env: &Env, expandable: bool) -> String {
    let name = format!("{}-{expandable}", env.ns);
    let class: StorageClass = serde_json::from_value(json!({
        "metadata": {"name": name},
        "provisioner": "example.com/envtest",
        "allowVolumeExpansion": expandable,
    }))
    .unwrap();
    Api::<StorageClass>::all(env.client.clone()).create(&PostParams::default(), &class).await.unwrap();
    name
}

/// Plays the StatefulSet controller and the volume binder for `<shop>-postgres`: its claim
/// exists, bound, with `capacity`.
async fn bind_postgres_claim(env: &Env, shop: &ShopInstance, class: &str, capacity: &str) -> String {
    let name = postgres_claim(env, shop, class, capacity).await;
    set_capacity(env, &name, capacity).await;
    name
}

/// Plays the StatefulSet controller for `<shop>-postgres`: its claim exists, asking for
/// `size`, not bound to a volume yet.
async fn postgres_claim(env: &Env, shop: &ShopInstance, class: &str, size: &str) -> String {
    let name = format!("data-{}-postgres-0", shop.name_any());
    let claim: PersistentVolumeClaim = serde_json::from_value(json!({
        "metadata": {"name": name, "labels": Owner::of(shop).labels("postgres")},
        "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": class,
                 "resources": {"requests": {"storage": size}}},
    }))
    .unwrap();
    let claims: Api<PersistentVolumeClaim> = Api::namespaced(env.client.clone(), &env.ns);
    claims.create(&PostParams::default(), &claim).await.expect("claim created");
    name
}

async fn set_capacity(env: &Env, claim: &str, capacity: &str) {
    let claims: Api<PersistentVolumeClaim> = Api::namespaced(env.client.clone(), &env.ns);
    let status = json!({"status": {"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": capacity}}});
    claims.patch_status(claim, &PatchParams::default(), &Patch::Merge(&status)).await.expect("claim bound");
}

/// Shop `name` with a 1Gi Postgres volume of a StorageClass that is `expandable` or not,
/// converged, its claim bound; the claim's name.
async fn shop_with_bound_volume(h: &Harness, name: &str, expandable: bool) -> String {
    let class = storage_class(&h.env, expandable).await;
    let spec = format!("{{postgres: {{storage: {{size: 1Gi, storageClassName: {class}}}}}}}");
    let shop = h.env.create_shop(name, &spec).await;
    h.converge(name).await;
    bind_postgres_claim(&h.env, &shop, &class, "1Gi").await
}

/// Reconciles shop `name` until its volume claim's resize is accepted: the admission plugin
/// reads StorageClasses from its informer, so a class created a moment ago may not be seen yet.
async fn reconcile_until_expanded(h: &Harness, name: &str) {
    let mut expanded = Err(None);
    for _ in 0..50 {
        expanded = h.reconcile(name).await.map_err(Some);
        if expanded.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(expanded.is_ok(), "{expanded:?}");
}

#[tokio::test]
async fn raising_the_storage_size_expands_the_claim_and_reports_it() {
    let h = Harness::new("expand").await;
    let claim = shop_with_bound_volume(&h, "grow", true).await;
    h.reconcile("grow").await.unwrap();
    let volume = h.env.shop("grow").await.status.unwrap().volumes;
    assert_eq!(volume.len(), 1, "{volume:?}");
    assert_eq!(
        (volume[0].claim.as_str(), volume[0].capacity.as_deref(), volume[0].resizing),
        (claim.as_str(), Some("1Gi"), false)
    );

    h.env.edit_shop("grow", json!({"spec": {"postgres": {"storage": {"size": "3Gi"}}}})).await;
    reconcile_until_expanded(&h, "grow").await;
    let claims: Api<PersistentVolumeClaim> = Api::namespaced(h.env.client.clone(), &h.env.ns);
    let requested = claims.get(&claim).await.unwrap().spec.unwrap().resources.unwrap().requests.unwrap();
    assert_eq!(requested["storage"].0, "3Gi");
    let template = h.env.child(Kind::StatefulSet, "grow-postgres").await.unwrap().data["spec"]
        ["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"]
        .clone();
    assert_eq!(template, "1Gi", "a StatefulSet's claim template is immutable and stays as created");
    let volume = &h.env.shop("grow").await.status.unwrap().volumes[0];
    assert_eq!(
        (volume.requested.as_str(), volume.capacity.as_deref(), volume.resizing),
        ("3Gi", Some("1Gi"), true)
    );
    assert_eq!(h.phase("grow").await, Some(Phase::Ready), "the shop keeps serving while its volume grows");

    set_capacity(&h.env, &claim, "3Gi").await; // the resizer finished
    h.reconcile("grow").await.unwrap();
    let volume = &h.env.shop("grow").await.status.unwrap().volumes[0];
    assert_eq!(
        (volume.requested.as_str(), volume.capacity.as_deref(), volume.resizing),
        ("3Gi", Some("3Gi"), false)
    );
}

#[tokio::test]
async fn a_claim_not_bound_yet_is_left_alone_and_expanded_once_bound() {
    let h = Harness::new("expand-later").await;
    let class = storage_class(&h.env, true).await;
    let spec = format!("{{postgres: {{storage: {{size: 1Gi, storageClassName: {class}}}}}}}");
    let shop = h.env.create_shop("later", &spec).await;
    h.converge("later").await;
    let claim = postgres_claim(&h.env, &shop, &class, "1Gi").await;
    h.env.edit_shop("later", json!({"spec": {"postgres": {"storage": {"size": "3Gi"}}}})).await;
    // The API server refuses to change an unbound claim; the shop must not degrade over it.
    h.reconcile("later").await.expect("an unbound claim is not resized");
    let claims: Api<PersistentVolumeClaim> = Api::namespaced(h.env.client.clone(), &h.env.ns);
    let requested = |claim: PersistentVolumeClaim| claim.spec.unwrap().resources.unwrap().requests.unwrap();
    assert_eq!(requested(claims.get(&claim).await.unwrap())["storage"].0, "1Gi");
    assert_eq!(h.phase("later").await, Some(Phase::Ready));

    set_capacity(&h.env, &claim, "1Gi").await; // a volume is bound to it
    reconcile_until_expanded(&h, "later").await;
    assert_eq!(requested(claims.get(&claim).await.unwrap())["storage"].0, "3Gi");
}

#[tokio::test]
async fn a_storage_class_without_expansion_degrades_the_shop_with_the_reason() {
    let h = Harness::new("no-expand").await;
    shop_with_bound_volume(&h, "fixed", false).await;
    h.env.edit_shop("fixed", json!({"spec": {"postgres": {"storage": {"size": "2Gi"}}}})).await;
    let error = h.reconcile("fixed").await.unwrap_err();
    assert_eq!(error.reason(), "VolumeExpansionFailed", "{error}");
    assert_eq!(h.phase("fixed").await, Some(Phase::Degraded));
    let (status, reason) = h.condition("fixed", ConditionType::Degraded).await;
    assert_eq!((status.as_str(), reason.as_str()), ("True", "VolumeExpansionFailed"));
}

#[tokio::test]
async fn scheduled_backups_report_the_last_one_and_keep_their_jobs() {
    let h = Harness::new("backups").await;
    h.env.create_shop("kept", "{postgres: {backup: {schedule: '0 3 * * *', retention: 3}}}").await;
    h.converge("kept").await;
    let cron = h.env.child(Kind::CronJob, "kept-backup").await.expect("the backup CronJob exists");
    assert!(h.env.names(Kind::PersistentVolumeClaim).await.contains(&"kept-backups".to_owned()));
    assert_eq!(h.env.shop("kept").await.status.unwrap().backup, None, "no backup yet");

    // Play the CronJob controller: two runs, made from its template and owned by it.
    for (name, finished) in
        [("kept-backup-29000100", "2026-12-04T03:00:40Z"), ("kept-backup-29001540", "2026-12-05T03:00:35Z")]
    {
        let mut job = cron.data["spec"]["jobTemplate"].clone();
        job["metadata"]["name"] = json!(name);
        job["metadata"]["ownerReferences"] = json!([{"apiVersion": "batch/v1", "kind": "CronJob",
            "name": "kept-backup", "uid": cron.metadata.uid, "controller": true}]);
        let job: kube::api::DynamicObject = serde_json::from_value(json!({
            "apiVersion": "batch/v1", "kind": "Job", "metadata": job["metadata"], "spec": job["spec"]}))
        .unwrap();
        h.env.api(Kind::Job).create(&PostParams::default(), &job).await.expect("backup Job created");
        let condition =
            |type_: &str| json!({"type": type_, "status": "True", "lastTransitionTime": finished});
        let status = json!({"status": {"startTime": finished, "completionTime": finished, "succeeded": 1,
            "conditions": [condition("SuccessCriteriaMet"), condition("Complete")]}});
        h.env
            .api(Kind::Job)
            .patch_status(name, &PatchParams::default(), &Patch::Merge(&status))
            .await
            .unwrap();
    }
    h.reconcile("kept").await.unwrap();
    let backup = h.env.shop("kept").await.status.unwrap().backup.expect("the last backup is reported");
    assert_eq!(backup.last, "kept-backup-29001540");
    assert_eq!(backup.completed_at.as_deref(), Some("2026-12-05T03:00:35Z"));
    let jobs = h.env.names(Kind::Job).await;
    assert!(jobs.contains(&"kept-backup-29000100".to_owned()), "the CronJob's Jobs are not pruned: {jobs:?}");

    // Dropping the schedule removes the CronJob but keeps the backups volume.
    h.env.edit_shop("kept", json!({"spec": {"postgres": {"backup": null}}})).await;
    h.reconcile("kept").await.unwrap();
    assert!(h
        .env
        .child(Kind::CronJob, "kept-backup")
        .await
        .is_none_or(|c| c.metadata.deletion_timestamp.is_some()));
    assert!(h.env.names(Kind::PersistentVolumeClaim).await.contains(&"kept-backups".to_owned()));
}
