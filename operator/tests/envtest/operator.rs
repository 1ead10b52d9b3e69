//! The built `shopfleet-operator` binary: two replicas with leader election on a real Lease
//! (one reconciles, both are ready, the standby takes over within a second of the leader's
//! SIGTERM, and a deletion logs no errors, in plain text without colour codes, to a file);
//! and one replica with only the chart's RBAC through a whole shop lifecycle.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use k8s_openapi::api::authentication::v1::{TokenRequest, TokenRequestSpec};
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::ServiceAccount;
use k8s_openapi::api::events::v1::Event as K8sEvent;
use kube::api::PostParams;
use kube::api::{
    Api, ApiResource, DeleteParams, DynamicObject, GroupVersionKind, ListParams, Patch, PatchParams,
};
use serde::Deserialize;
use serde_json::json;
use shopfleet_crds::Phase;
use shopfleet_operator::children::Kind;

use crate::reconcile::{claim_names, create_claim};
use crate::support::{kubeconfig_path, Env};

/// One operator process, its health port and its log file.
struct Operator {
    identity: String,
    process: Child,
    port: u16,
    log: PathBuf,
}

impl Operator {
    /// Starts the operator for `env`'s namespace as `identity`, with the credentials of
    /// `kubeconfig` and the given extra flags.
    fn start(env: &Env, identity: &str, kubeconfig: &str, flags: &[&str]) -> Operator {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let log = std::env::temp_dir().join(format!("{}-{identity}.log", env.ns));
        let file = std::fs::File::create(&log).unwrap();
        let process = Command::new(env!("CARGO_BIN_EXE_shopfleet-operator"))
            .args(["--log-format", "text", "--watch-namespaces", &env.ns])
            .args(["--metrics-addr", &format!("127.0.0.1:{port}")])
            .args(flags)
            .env("KUBECONFIG", kubeconfig)
            .env("POD_NAME", identity)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .expect("the operator binary starts");
        Operator { identity: identity.to_owned(), process, port, log }
    }

    /// The status code of `/readyz`, or `None` while nothing listens.
    fn readyz(&self) -> Option<u16> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
        stream.write_all(b"GET /readyz HTTP/1.0\r\nHost: localhost\r\n\r\n").ok()?;
        let mut response = String::new();
        stream.read_to_string(&mut response).ok()?;
        response.split_whitespace().nth(1)?.parse().ok()
    }

    fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn terminate(&self) {
        let status = Command::new("kill").args(["-TERM", &self.process.id().to_string()]).status().unwrap();
        assert!(status.success());
    }
}

impl Drop for Operator {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

async fn holder(env: &Env) -> Option<String> {
    let leases: Api<Lease> = Api::namespaced(env.client.clone(), &env.ns);
    leases.get_opt("shopfleet-operator").await.unwrap().and_then(|l| l.spec?.holder_identity)
}

/// Which operator instances recorded Events for the shops of the namespace.
async fn reporters(env: &Env) -> Vec<String> {
    let events: Api<K8sEvent> = Api::namespaced(env.client.clone(), &env.ns);
    let mut instances: Vec<String> = events
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .filter_map(|e| e.reporting_instance)
        .collect();
    instances.sort();
    instances.dedup();
    instances
}

#[tokio::test]
async fn two_replicas_one_leads_both_are_ready_and_the_standby_takes_over_on_sigterm() {
    let env = Env::new("leader-election").await;
    let elect = ["--leader-election", "--leader-election-namespace", env.ns.as_str()];
    let leader = Operator::start(&env, "operator-a", &kubeconfig_path(), &elect);
    env.eventually(20, "operator-a holds the Lease", || async {
        holder(&env).await.as_deref() == Some("operator-a")
    })
    .await;
    let standby = Operator::start(&env, "operator-b", &kubeconfig_path(), &elect);
    env.eventually(20, "both replicas are ready", || async {
        leader.readyz() == Some(200) && standby.readyz() == Some(200)
    })
    .await;

    env.create_shop("first", "{}").await;
    env.eventually(60, "the leader brings the shop to Ready", || async {
        env.simulate_cluster().await;
        env.shop("first").await.status.and_then(|s| s.phase) == Some(Phase::Ready)
    })
    .await;
    assert_eq!(reporters(&env).await, ["operator-a"], "only the leader reconciles");

    // A finished deletion is no error: the garbage collector removing the children still
    // queues the deleted shop, which must not be logged as a failure.
    env.shops().delete("first", &DeleteParams::default()).await.unwrap();
    env.eventually(20, "the shop and its children are gone", || async {
        env.shops().get_opt("first").await.unwrap().is_none() && env.names(Kind::StatefulSet).await.is_empty()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let logs = leader.logs();
    assert!(logs.contains("acquired leadership"), "{logs}");
    assert!(!logs.contains("WARN") && !logs.contains("ERROR"), "the deletion logged problems:\n{logs}");
    assert!(!logs.contains('\u{1b}'), "colour codes in a log file:\n{logs}");

    let sigterm = Instant::now();
    leader.terminate();
    env.eventually(5, "operator-b holds the Lease", || async {
        holder(&env).await.as_deref() == Some("operator-b")
    })
    .await;
    let takeover = sigterm.elapsed();
    eprintln!("the standby took over {takeover:?} after the leader's SIGTERM");
    assert!(takeover < Duration::from_secs(1), "the standby took over {takeover:?} after SIGTERM");
    assert!(leader.logs().contains("released leadership"), "{}", leader.logs());

    env.create_shop("second", "{}").await;
    env.eventually(20, "the new leader reconciles", || async {
        env.shop("second").await.status.is_some_and(|s| s.phase.is_some())
    })
    .await;
    assert!(reporters(&env).await.contains(&standby.identity), "{:?}", reporters(&env).await);
    assert_eq!(standby.readyz(), Some(200));
}

/// Namespace and name of the ServiceAccount in `manifests/install.yaml`.
const CHART_NAMESPACE: &str = "shopfleet-system";
const CHART_ACCOUNT: &str = "shopfleet";

/// Applies the chart's identity and permissions from `manifests/install.yaml` (the chart
/// rendered with its defaults, kept in sync by `make chart-check`): its Namespace,
/// ServiceAccount, ClusterRole and ClusterRoleBinding. Returns a kubeconfig that
/// authenticates as that ServiceAccount with a token from the TokenRequest API.
async fn chart_service_account(env: &Env) -> PathBuf {
    let manifests = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../manifests/install.yaml");
    let text = std::fs::read_to_string(manifests).unwrap();
    for document in serde_yaml::Deserializer::from_str(&text) {
        let Some(object) = Option::<DynamicObject>::deserialize(document).unwrap() else { continue };
        let types = object.types.clone().expect("every manifest has apiVersion and kind");
        if !["Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding"]
            .contains(&types.kind.as_str())
        {
            continue;
        }
        let resource = ApiResource::from_gvk(&GroupVersionKind::try_from(&types).unwrap());
        let api: Api<DynamicObject> = match &object.metadata.namespace {
            Some(ns) => Api::namespaced_with(env.client.clone(), ns, &resource),
            None => Api::all_with(env.client.clone(), &resource),
        };
        let name = object.metadata.name.clone().unwrap();
        api.patch(&name, &PatchParams::apply("envtest").force(), &Patch::Apply(&object))
            .await
            .unwrap_or_else(|e| panic!("{} {name} applies: {e}", types.kind));
    }
    let accounts: Api<ServiceAccount> = Api::namespaced(env.client.clone(), CHART_NAMESPACE);
    let request = TokenRequest {
        spec: TokenRequestSpec { expiration_seconds: Some(3600), ..Default::default() },
        ..Default::default()
    };
    let token = accounts
        .create_token_request(CHART_ACCOUNT, &PostParams::default(), &request)
        .await
        .expect("a token for the chart's ServiceAccount")
        .status
        .expect("the token request is answered")
        .token;
    let mut kubeconfig: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(kubeconfig_path()).unwrap()).unwrap();
    kubeconfig["users"][0]["user"] = serde_yaml::to_value(json!({ "token": token })).unwrap();
    let path = std::env::temp_dir().join(format!("{}-kubeconfig", env.ns));
    std::fs::write(&path, serde_yaml::to_string(&kubeconfig).unwrap()).unwrap();
    path
}

/// The operator running as the chart's ServiceAccount, with nothing but the chart's RBAC,
/// takes a shop through creation, an update, and deletion with its volumes: no request is
/// forbidden, and nothing is logged as a problem.
#[tokio::test]
async fn the_chart_rbac_is_enough_for_a_whole_shop_lifecycle() {
    let env = Env::new("chart-rbac").await;
    let kubeconfig = chart_service_account(&env).await;
    let operator = Operator::start(&env, "chart-rbac", kubeconfig.to_str().unwrap(), &[]);
    let ready = || async {
        env.simulate_cluster().await;
        env.shop("demo").await.status.and_then(|s| s.phase) == Some(Phase::Ready)
    };

    let shop = env.create_shop("demo", "{deletionPolicy: Delete}").await;
    env.eventually(60, "the shop is Ready", ready).await;
    env.edit_shop("demo", json!({"spec": {"replicas": 2, "kafka": {"mode": "Disabled", "storage": null}}}))
        .await;
    env.eventually(30, "the updated shop is Ready again with a disruption budget", || async {
        ready().await
            && env.names(Kind::PodDisruptionBudget).await.contains(&"demo-api".to_owned())
            && !env.names(Kind::StatefulSet).await.contains(&"demo-kafka".to_owned())
    })
    .await;

    create_claim(&env, "data-demo-postgres-0", &shop).await;
    env.shops().delete("demo", &DeleteParams::default()).await.unwrap();
    env.eventually(30, "the shop and its volume claim are gone", || async {
        env.shops().get_opt("demo").await.unwrap().is_none() && claim_names(&env).await.is_empty()
    })
    .await;

    let logs = operator.logs();
    let _ = std::fs::remove_file(&kubeconfig);
    assert!(!logs.contains("forbidden"), "a request was forbidden:\n{logs}");
    assert!(!logs.contains("WARN") && !logs.contains("ERROR"), "problems were logged:\n{logs}");
}
