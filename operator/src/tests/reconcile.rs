//! Whole reconciles against the in-memory API server: create, converge, idempotence,
//! update, drift, pause, deletion, invalid specs and failing children.

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::core::v1::PersistentVolumeClaim;
use k8s_openapi::api::events::v1::Event as K8sEvent;
use kube::api::{Api, ApiResource, DeleteParams};
use kube::runtime::controller::Action;
use serde_json::{json, Value};
use shopfleet_crds::{ConditionType, Phase, ShopInstance};

use crate::build::meta::Owner;
use crate::children::Kind;
use crate::context::Context;
use crate::error::Error;
use crate::fake_api::FakeApi;
use crate::reconcile::{error_policy, reconcile, FINALIZER};

use super::fixtures::{shop, NAMESPACE};

/// A fake cluster and an operator context talking to it.
struct Harness {
    fake: FakeApi,
    ctx: Arc<Context>,
}

fn shops() -> ApiResource {
    ApiResource::erase::<ShopInstance>(&())
}

impl Harness {
    fn new() -> Harness {
        let fake = FakeApi::new();
        let ctx = Arc::new(Context::new(fake.client(), Some("test".to_owned())));
        Harness { fake, ctx }
    }

    fn shop(&self, name: &str) -> ShopInstance {
        serde_json::from_value(self.fake.get(&shops(), NAMESPACE, name).expect("shop exists"))
            .expect("shop parses")
    }

    async fn reconcile(&self, name: &str) -> Result<Action, Error> {
        reconcile(Arc::new(self.shop(name)), self.ctx.clone()).await
    }

    /// Reconciles and lets the cluster catch up until the shop is Ready; returns the
    /// number of reconciles it took.
    async fn converge(&self, name: &str) -> usize {
        for round in 1..=8 {
            self.reconcile(name).await.expect("reconcile succeeds");
            if self.shop(name).status.and_then(|s| s.phase) == Some(Phase::Ready) {
                return round;
            }
            self.fake.simulate_cluster();
        }
        panic!("shop {name} did not become Ready: {:#?}", self.shop(name).status);
    }

    fn names(&self, kind: Kind) -> Vec<String> {
        self.fake.names(&kind.api_resource(), NAMESPACE)
    }

    fn child(&self, kind: Kind, name: &str) -> Option<Value> {
        self.fake.get(&kind.api_resource(), NAMESPACE, name)
    }

    fn condition(&self, name: &str, type_: ConditionType) -> (String, String, String) {
        let status = self.shop(name).status.expect("status written");
        let c = status.conditions.iter().find(|c| c.type_ == type_.as_str()).expect("condition present");
        (c.status.clone(), c.reason.clone(), c.last_transition_time.0.to_rfc3339())
    }

    /// Paths of the writes since the last `clear_requests`.
    fn writes(&self) -> Vec<String> {
        self.fake
            .requests()
            .into_iter()
            .filter(|r| r.is_write())
            .map(|r| format!("{} {}", r.method, r.path))
            .collect()
    }

    fn event_reasons(&self) -> Vec<String> {
        let events = ApiResource::erase::<K8sEvent>(&());
        self.fake
            .names(&events, NAMESPACE)
            .iter()
            .filter_map(|n| self.fake.get(&events, NAMESPACE, n))
            .map(|e| e["reason"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    fn edit_shop(&self, name: &str, change: impl FnOnce(&mut Value)) {
        self.fake.edit(&shops(), NAMESPACE, name, change);
    }
}

#[tokio::test]
async fn a_new_shop_is_created_and_converges_to_ready() {
    let h = Harness::new();
    h.fake.insert(&shop("demo", "{}"));

    h.reconcile("demo").await.unwrap();
    assert_eq!(h.shop("demo").metadata.finalizers, Some(vec![FINALIZER.to_owned()]));

    h.reconcile("demo").await.unwrap();
    assert_eq!(h.names(Kind::StatefulSet).len(), 5);
    assert_eq!(h.names(Kind::Job).len(), 1);
    assert!(h.names(Kind::Deployment).is_empty(), "API waits for its migration");
    assert_eq!(h.shop("demo").status.unwrap().phase, Some(Phase::Progressing));
    assert_eq!(h.condition("demo", ConditionType::ApiReady).1, "Migrating");
    for secret in
        ["demo-postgres", "demo-redis", "demo-meilisearch", "demo-qdrant", "demo-jwt", "demo-payments"]
    {
        assert!(h.names(Kind::Secret).contains(&secret.to_owned()), "{secret}");
    }

    let rounds = h.converge("demo").await;
    assert!(rounds <= 3, "took {rounds} reconciles after creation");
    let status = h.shop("demo").status.unwrap();
    assert_eq!(status.phase, Some(Phase::Ready));
    assert_eq!(status.version.as_deref(), Some("0.1.0"));
    assert_eq!(status.endpoint.as_deref(), Some("http://demo-api.shops.svc:80"));
    assert_eq!(status.observed_generation, Some(1));
    assert_eq!(status.replicas, Some(1));
    let types: Vec<&str> = status.conditions.iter().map(|c| c.type_.as_str()).collect();
    assert_eq!(types, ConditionType::ALL.map(ConditionType::as_str));
    assert_eq!(h.condition("demo", ConditionType::Ready).0, "True");
    assert_eq!(h.condition("demo", ConditionType::Progressing).0, "False");
    assert!(h.event_reasons().contains(&"Ready".to_owned()), "{:?}", h.event_reasons());
}

#[tokio::test]
async fn a_converged_shop_costs_no_writes_and_keeps_transition_times() {
    let h = Harness::new();
    h.fake.insert(&shop("demo", "{}"));
    h.reconcile("demo").await.unwrap();
    h.converge("demo").await;
    let before = h.shop("demo").status;
    let secret_before = h.child(Kind::Secret, "demo-postgres").unwrap()["data"].clone();

    h.fake.clear_requests();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    h.reconcile("demo").await.unwrap();
    assert_eq!(h.writes(), Vec::<String>::new());
    assert_eq!(h.shop("demo").status, before, "status, including lastTransitionTime, is unchanged");
    assert_eq!(
        h.child(Kind::Secret, "demo-postgres").unwrap()["data"],
        secret_before,
        "passwords are never rotated"
    );
}

#[tokio::test]
async fn a_spec_change_updates_children_and_prunes_what_is_no_longer_wanted() {
    let h = Harness::new();
    h.fake.insert(&shop("demo", "{}"));
    h.reconcile("demo").await.unwrap();
    h.converge("demo").await;
    let old_job = h.names(Kind::Job);

    h.edit_shop("demo", |s| {
        s["spec"]["replicas"] = json!(3);
        s["spec"]["kafka"] = json!({"mode": "Disabled"});
    });
    h.reconcile("demo").await.unwrap();
    assert!(!h.names(Kind::StatefulSet).contains(&"demo-kafka".to_owned()));
    assert!(!h.names(Kind::Service).contains(&"demo-kafka".to_owned()));
    assert!(!h.names(Kind::NetworkPolicy).contains(&"demo-kafka".to_owned()));
    assert_eq!(h.child(Kind::Deployment, "demo-api").unwrap()["spec"]["replicas"], 3);
    assert!(h.names(Kind::PodDisruptionBudget).contains(&"demo-api".to_owned()));
    assert!(h.child(Kind::ConfigMap, "demo-config").unwrap()["data"].get("KAFKA_BROKERS").is_none());
    let new_job = h.names(Kind::Job);
    assert_eq!(new_job.len(), 1);
    assert_ne!(new_job, old_job, "a new configuration runs the migrations again");
    assert_eq!(h.shop("demo").status.unwrap().observed_generation, Some(2));

    h.converge("demo").await;
    assert_eq!(h.condition("demo", ConditionType::KafkaReady).1, "OutboxMode");
}

#[tokio::test]
async fn deleted_and_hand_edited_children_are_restored() {
    let h = Harness::new();
    h.fake.insert(&shop("demo", "{}"));
    h.reconcile("demo").await.unwrap();
    h.converge("demo").await;

    h.fake.remove(&Kind::Service.api_resource(), NAMESPACE, "demo-api");
    h.fake.edit(&Kind::Deployment.api_resource(), NAMESPACE, "demo-worker", |d| {
        d["spec"]["replicas"] = json!(7)
    });
    h.fake.clear_requests();
    h.reconcile("demo").await.unwrap();

    assert!(h.child(Kind::Service, "demo-api").is_some());
    assert_eq!(h.child(Kind::Deployment, "demo-worker").unwrap()["spec"]["replicas"], 1);
    let child_writes: Vec<String> =
        h.writes().into_iter().filter(|w| w.contains("/services/") || w.contains("/deployments/")).collect();
    assert_eq!(child_writes.len(), 2, "only the drifted children are written: {child_writes:?}");
}

#[tokio::test]
async fn a_paused_shop_keeps_its_children_but_reports_status() {
    let h = Harness::new();
    h.fake.insert(&shop("demo", "{}"));
    h.reconcile("demo").await.unwrap();
    h.converge("demo").await;

    h.edit_shop("demo", |s| {
        s["metadata"]["annotations"] = json!({"shopfleet.dev/paused": "true"});
        s["spec"]["replicas"] = json!(5);
    });
    h.fake.clear_requests();
    h.reconcile("demo").await.unwrap();
    let writes = h.writes();
    assert!(
        writes.iter().all(|w| w.ends_with("/demo/status") || w.contains("/events")),
        "paused shops change nothing but status and events: {writes:?}"
    );
    assert_eq!(h.child(Kind::Deployment, "demo-api").unwrap()["spec"]["replicas"], 1);
    assert_eq!(h.condition("demo", ConditionType::ReconciliationPaused).0, "True");
    assert_eq!(h.shop("demo").status.unwrap().phase, Some(Phase::Paused));

    h.edit_shop("demo", |s| s["metadata"]["annotations"] = json!({}));
    h.reconcile("demo").await.unwrap();
    assert_eq!(h.child(Kind::Deployment, "demo-api").unwrap()["spec"]["replicas"], 5);
    assert_eq!(h.condition("demo", ConditionType::ReconciliationPaused).0, "False");
}

fn claim(name: &str, shop: &ShopInstance) -> PersistentVolumeClaim {
    let owner = Owner::of(shop);
    PersistentVolumeClaim {
        metadata: kube::api::ObjectMeta {
            name: Some(name.to_owned()),
            namespace: Some(NAMESPACE.to_owned()),
            labels: Some(owner.labels("postgres")),
            ..Default::default()
        },
        ..Default::default()
    }
}

async fn delete_shop(h: &Harness, name: &str) {
    let api: Api<ShopInstance> = Api::namespaced(h.fake.client(), NAMESPACE);
    api.delete(name, &DeleteParams::default()).await.unwrap();
}

#[tokio::test]
async fn deletion_runs_the_finalizer_and_deletes_volumes_when_asked() {
    let h = Harness::new();
    let doomed = shop("doomed", "{deletionPolicy: Delete}");
    let kept = shop("kept", "{}");
    h.fake.insert(&doomed);
    h.fake.insert(&kept);
    h.reconcile("doomed").await.unwrap();
    h.converge("doomed").await;
    h.fake.insert(&claim("data-doomed-postgres-0", &doomed));
    h.fake.insert(&claim("data-kept-postgres-0", &kept));

    delete_shop(&h, "doomed").await;
    assert!(h.shop("doomed").metadata.deletion_timestamp.is_some(), "the finalizer holds the shop");
    h.reconcile("doomed").await.unwrap();

    assert!(h.fake.get(&shops(), NAMESPACE, "doomed").is_none(), "finalizer removed, shop gone");
    assert!(h.names(Kind::StatefulSet).is_empty(), "children go with their owner");
    let claims = h.fake.names(&ApiResource::erase::<PersistentVolumeClaim>(&()), NAMESPACE);
    assert_eq!(claims, ["data-kept-postgres-0"]);
}

#[tokio::test]
async fn deletion_retains_volumes_by_default() {
    let h = Harness::new();
    let retained = shop("retained", "{}");
    h.fake.insert(&retained);
    h.reconcile("retained").await.unwrap();
    h.fake.insert(&claim("data-retained-postgres-0", &retained));

    delete_shop(&h, "retained").await;
    h.reconcile("retained").await.unwrap();
    assert!(h.fake.get(&shops(), NAMESPACE, "retained").is_none());
    let claims = h.fake.names(&ApiResource::erase::<PersistentVolumeClaim>(&()), NAMESPACE);
    assert_eq!(claims, ["data-retained-postgres-0"]);
}

#[tokio::test]
async fn an_invalid_spec_is_reported_and_does_not_stop_other_shops() {
    let h = Harness::new();
    // Bypasses the CRD's CEL rules, as an object stored before they existed would.
    h.fake.insert(&shop("broken", "{postgres: {mode: External}}"));
    h.fake.insert(&shop("fine", "{}"));

    h.reconcile("broken").await.unwrap();
    let action = h.reconcile("broken").await.unwrap();
    assert_eq!(action, Action::await_change());
    assert!(h.names(Kind::Secret).is_empty(), "nothing is built for an invalid spec");
    let (status, reason, _) = h.condition("broken", ConditionType::Degraded);
    assert_eq!((status.as_str(), reason.as_str()), ("True", "InvalidSpec"));
    assert_eq!(h.condition("broken", ConditionType::Ready).0, "False");
    assert_eq!(h.shop("broken").status.unwrap().phase, Some(Phase::Degraded));
    assert!(h.event_reasons().contains(&"InvalidSpec".to_owned()), "{:?}", h.event_reasons());

    h.reconcile("fine").await.unwrap();
    h.converge("fine").await;
}

#[tokio::test]
async fn a_failing_write_degrades_the_shop_and_backs_off() {
    let h = Harness::new();
    h.fake.insert(&shop("demo", "{}"));
    h.reconcile("demo").await.unwrap();
    h.fake.fail("PATCH", "statefulsets", 500);

    let error = h.reconcile("demo").await.unwrap_err();
    assert_eq!(error.reason(), "ApplyFailed");
    let (status, reason, _) = h.condition("demo", ConditionType::Degraded);
    assert_eq!((status.as_str(), reason.as_str()), ("True", "ApplyFailed"));
    let shop = Arc::new(h.shop("demo"));
    let first = error_policy(shop.clone(), &error, h.ctx.clone());
    let second = error_policy(shop, &error, h.ctx.clone());
    assert_eq!(first, Action::requeue(Duration::from_secs(5)));
    assert_eq!(second, Action::requeue(Duration::from_secs(10)));

    h.fake.heal();
    h.converge("demo").await;
    assert_eq!(h.condition("demo", ConditionType::Degraded).0, "False");
}

#[tokio::test]
async fn a_failed_migration_degrades_the_shop() {
    let h = Harness::new();
    h.fake.insert(&shop("demo", "{}"));
    h.reconcile("demo").await.unwrap();
    h.reconcile("demo").await.unwrap();
    let job = h.names(Kind::Job).remove(0);
    h.fake.edit(&Kind::Job.api_resource(), NAMESPACE, &job, |j| {
        j["status"] = json!({"failed": 5, "conditions": [{"type": "Failed", "status": "True"}]});
    });

    h.reconcile("demo").await.unwrap();
    let (status, reason, _) = h.condition("demo", ConditionType::ApiReady);
    assert_eq!((status.as_str(), reason.as_str()), ("False", "MigrationFailed"));
    assert_eq!(h.condition("demo", ConditionType::Degraded).0, "True");
    assert_eq!(h.shop("demo").status.unwrap().phase, Some(Phase::Degraded));
    assert!(h.event_reasons().contains(&"MigrationFailed".to_owned()), "{:?}", h.event_reasons());
    assert!(h.names(Kind::Deployment).is_empty(), "no rollout without a migration");
}
