//! Test support for the operator against a real Kubernetes API server.
//!
//! The control plane (etcd, kube-apiserver with RBAC, kube-controller-manager running only
//! the garbage-collector, namespace and PVC-protection controllers) is started once per
//! nextest run by `scripts/dev/envtest.sh` (a nextest setup script, see
//! `.config/nextest.toml`), which passes its kubeconfig in `SHOPFLEET_TEST_KUBECONFIG`.
//! Every test gets its own namespace. Workloads never run: the tests play the deployment,
//! statefulset and job controllers by patching status, as envtest users do.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::api::events::v1::Event as K8sEvent;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, DynamicObject, ListParams, ObjectMeta, Patch, PatchParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::runtime::wait::{await_condition, conditions};
use kube::{Client, Config, ResourceExt};
use serde_json::{json, Value};
use shopfleet_crds::{ShopInstance, ShopInstanceSpec};
use shopfleet_operator::children::Kind;

/// Field manager of the writes the tests make as "the cluster" or "a user".
const TEST_MANAGER: &str = "envtest";

/// Path of the shared control plane's kubeconfig.
pub fn kubeconfig_path() -> String {
    std::env::var("SHOPFLEET_TEST_KUBECONFIG").unwrap_or_else(|_| {
        panic!(
            "SHOPFLEET_TEST_KUBECONFIG is unset: run these tests with `cargo nextest run -p shopfleet-operator` \
             (its setup script, scripts/dev/envtest.sh, starts the API server)"
        )
    })
}

async fn config() -> Config {
    let kubeconfig = Kubeconfig::read_from(kubeconfig_path()).expect("the envtest kubeconfig reads");
    Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .expect("the envtest kubeconfig is usable")
}

/// "METHOD /path" of every request a recording client sent.
#[derive(Clone, Default)]
pub struct Requests(Arc<Mutex<Vec<String>>>);

impl Requests {
    /// Forgets the requests recorded so far.
    pub fn clear(&self) {
        self.0.lock().unwrap().clear();
    }

    /// The requests that change state (everything but GET), in order.
    pub fn writes(&self) -> Vec<String> {
        self.0.lock().unwrap().iter().filter(|r| !r.starts_with("GET ")).cloned().collect()
    }
}

/// A client of the shared API server that records the method and path of each request.
async fn recording_client(requests: &Requests) -> Client {
    let log = requests.0.clone();
    let layer = tower::util::MapRequestLayer::new(move |req: http::Request<kube::client::Body>| {
        log.lock().unwrap().push(format!("{} {}", req.method(), req.uri().path()));
        req
    });
    kube::client::ClientBuilder::try_from(config().await).expect("client builds").with_layer(&layer).build()
}

/// Installs the ShopInstance CRD.
async fn install_crd(client: &Client) {
    apply_crd(client, &shopfleet_crds::crd()).await;
}

/// Installs another operator's CRDs for a test: every file of `../shared/crds/<project>/`
/// (they are kept beside the repository, never copied into it).
pub async fn install_third_party_crds(client: &Client, project: &str) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/crds").join(project);
    let entries = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e} (the third-party CRDs live in ../shared/crds)", dir.display()));
    for entry in entries {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let crd: CustomResourceDefinition =
            serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        apply_crd(client, &crd).await;
    }
}

/// Applies `crd` (server-side apply, idempotent) and waits until it serves.
async fn apply_crd(client: &Client, crd: &CustomResourceDefinition) {
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    let name = crd.name_any();
    crds.patch(&name, &PatchParams::apply(TEST_MANAGER).force(), &Patch::Apply(crd))
        .await
        .expect("the CRD applies");
    tokio::time::timeout(
        Duration::from_secs(30),
        await_condition(crds, &name, conditions::is_crd_established()),
    )
    .await
    .expect("the CRD is established within 30s")
    .expect("watching the CRD works");
}

/// One test's view of the cluster: an admin client and a namespace of its own.
pub struct Env {
    pub client: Client,
    pub ns: String,
    pub requests: Requests,
}

impl Env {
    /// Connects, makes sure the CRD is installed, and creates a fresh namespace named
    /// after `test`.
    pub async fn new(test: &str) -> Env {
        let requests = Requests::default();
        let client = recording_client(&requests).await;
        install_crd(&client).await;
        let slug: String =
            test.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).take(40).collect();
        let ns = format!("{}-{:06x}", slug.trim_end_matches('-'), rand::random::<u32>() & 0xff_ffff);
        let namespace = Namespace {
            metadata: ObjectMeta { name: Some(ns.clone()), ..Default::default() },
            ..Default::default()
        };
        Api::<Namespace>::all(client.clone())
            .create(&PostParams::default(), &namespace)
            .await
            .expect("the test namespace is created");
        requests.clear();
        Env { client, ns, requests }
    }

    pub fn shops(&self) -> Api<ShopInstance> {
        Api::namespaced(self.client.clone(), &self.ns)
    }

    pub fn api(&self, kind: Kind) -> Api<DynamicObject> {
        Api::namespaced_with(self.client.clone(), &self.ns, &kind.api_resource())
    }

    /// Creates shop `name` with the spec given as YAML, as a user would.
    pub async fn create_shop(&self, name: &str, spec_yaml: &str) -> ShopInstance {
        self.shops()
            .create(&PostParams::default(), &shop(name, spec_yaml))
            .await
            .expect("the shop is admitted")
    }

    pub async fn shop(&self, name: &str) -> ShopInstance {
        self.shops().get(name).await.expect("the shop exists")
    }

    /// Merge-patches shop `name` as a user editing it would.
    pub async fn edit_shop(&self, name: &str, patch: Value) {
        self.shops()
            .patch(name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
            .expect("the shop edit is admitted");
    }

    pub async fn names(&self, kind: Kind) -> Vec<String> {
        let list = self.api(kind).list(&ListParams::default()).await.expect("list works");
        list.items.iter().map(ResourceExt::name_any).collect()
    }

    pub async fn child(&self, kind: Kind, name: &str) -> Option<DynamicObject> {
        self.api(kind).get_opt(name).await.expect("get works")
    }

    /// Reasons of the Events recorded in the namespace.
    pub async fn event_reasons(&self) -> Vec<String> {
        let events: Api<K8sEvent> = Api::namespaced(self.client.clone(), &self.ns);
        let list = events.list(&ListParams::default()).await.expect("list events");
        list.items.into_iter().filter_map(|e| e.reason).collect()
    }

    /// Plays the cluster's workload controllers once: every StatefulSet and Deployment
    /// reports all of its `spec.replicas` (as defaulted by the API server) ready on its
    /// current generation, and every unfinished Job completes.
    pub async fn simulate_cluster(&self) {
        for kind in [Kind::StatefulSet, Kind::Deployment] {
            for object in self.api(kind).list(&ListParams::default()).await.expect("list").items {
                let replicas = object.data["spec"]["replicas"].as_i64().unwrap_or(1);
                self.set_workload_status(kind, &object.name_any(), replicas, object.metadata.generation)
                    .await;
            }
        }
        for job in self.api(Kind::Job).list(&ListParams::default()).await.expect("list").items {
            if job.data["status"]["conditions"].as_array().is_none_or(Vec::is_empty) {
                self.finish_job(&job.name_any(), true).await;
            }
        }
    }

    /// Reports `ready` replicas of a StatefulSet or Deployment, up to date with `generation`.
    pub async fn set_workload_status(&self, kind: Kind, name: &str, ready: i64, generation: Option<i64>) {
        let status = match kind {
            Kind::StatefulSet => json!({"replicas": ready, "readyReplicas": ready, "currentReplicas": ready,
                "updatedReplicas": ready, "availableReplicas": ready, "observedGeneration": generation}),
            _ => json!({"replicas": ready, "readyReplicas": ready, "updatedReplicas": ready,
                "availableReplicas": ready, "observedGeneration": generation}),
        };
        self.patch_status(kind, name, json!({ "status": status })).await;
    }

    /// Ends Job `name` the way the job controller does: succeeded or failed.
    pub async fn finish_job(&self, name: &str, succeeded: bool) {
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let condition = |type_: &str| json!({"type": type_, "status": "True", "lastTransitionTime": now});
        let status = if succeeded {
            json!({"startTime": now, "completionTime": now, "succeeded": 1,
                "conditions": [condition("SuccessCriteriaMet"), condition("Complete")]})
        } else {
            json!({"startTime": now, "failed": 1,
                "conditions": [condition("FailureTarget"), condition("Failed")]})
        };
        self.patch_status(Kind::Job, name, json!({ "status": status })).await;
    }

    /// Patches the status of `name`. An object deleted since it was listed (the operator
    /// prunes and garbage collection runs meanwhile) is gone, as for the real workload
    /// controllers this plays; any other error fails the test.
    async fn patch_status(&self, kind: Kind, name: &str, patch: Value) {
        match self.api(kind).patch_status(name, &PatchParams::default(), &Patch::Merge(&patch)).await {
            Ok(_) | Err(kube::Error::Api(kube::core::ErrorResponse { code: 404, .. })) => {}
            Err(e) => panic!("status of {kind:?} {name} patches: {e}"),
        }
    }

    /// Polls `check` every 100 ms for up to `secs` seconds.
    pub async fn eventually<F, Fut>(&self, secs: u64, what: &str, mut check: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        while tokio::time::Instant::now() < deadline {
            if check().await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("timed out after {secs}s waiting until {what}");
    }
}

/// A shop named `name` with the spec given as YAML.
pub fn shop(name: &str, spec_yaml: &str) -> ShopInstance {
    let spec: ShopInstanceSpec = serde_yaml::from_str(spec_yaml).expect("test spec parses");
    ShopInstance::new(name, spec)
}
