//! The operator binary with nothing but the chart's RBAC: the ServiceAccount, ClusterRole and
//! ClusterRoleBinding of `manifests/install.yaml` (the chart rendered with its defaults,
//! kept in sync by `make chart-check`, so these tests need no helm), authenticated with a
//! token from the TokenRequest API. A whole shop lifecycle needs no more, and every rule of
//! the ClusterRole is needed: without any one of them the lifecycle fails.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;

use k8s_openapi::api::authentication::v1::{TokenRequest, TokenRequestSpec};
use k8s_openapi::api::core::v1::ServiceAccount;
use kube::api::{
    Api, ApiResource, DeleteParams, DynamicObject, GroupVersionKind, Patch, PatchParams, PostParams,
};
use serde::Deserialize;
use serde_json::json;
use shopfleet_crds::Phase;
use shopfleet_operator::children::Kind;

use crate::operator::Operator;
use crate::reconcile::{claim_names, create_claim};
use crate::support::{kubeconfig_path, Env};

/// Namespace of the chart's ServiceAccount in `manifests/install.yaml`.
const CHART_NAMESPACE: &str = "shopfleet-system";

/// The chart's Namespace, ServiceAccount, ClusterRole and ClusterRoleBinding.
fn chart_rbac() -> Vec<DynamicObject> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../manifests/install.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    serde_yaml::Deserializer::from_str(&text)
        .filter_map(|document| Option::<DynamicObject>::deserialize(document).unwrap())
        .filter(|o| {
            let kind = o.types.as_ref().map(|t| t.kind.as_str()).unwrap_or_default();
            ["Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding"].contains(&kind)
        })
        .collect()
}

/// The number of rules in the chart's ClusterRole.
fn rule_count() -> usize {
    let objects = chart_rbac();
    let role = objects.iter().find(|o| o.types.as_ref().unwrap().kind == "ClusterRole").unwrap();
    role.data["rules"].as_array().unwrap().len()
}

/// Installs the chart's RBAC and returns a kubeconfig authenticating as its ServiceAccount.
/// With `without_rule`, the ServiceAccount, ClusterRole and binding get names of their own
/// (suffixed with the test's namespace) and the role lacks that rule.
async fn install(env: &Env, without_rule: Option<usize>) -> PathBuf {
    let suffix = without_rule.map(|_| format!("-{}", env.ns)).unwrap_or_default();
    let mut account = String::new();
    for mut object in chart_rbac() {
        let kind = object.types.clone().unwrap().kind;
        if kind != "Namespace" {
            object.metadata.name = Some(format!("{}{suffix}", object.metadata.name.unwrap()));
        }
        match kind.as_str() {
            "ServiceAccount" => account = object.metadata.name.clone().unwrap(),
            "ClusterRole" => {
                if let Some(index) = without_rule {
                    object.data["rules"].as_array_mut().unwrap().remove(index);
                }
            }
            "ClusterRoleBinding" => {
                let role = object.data["roleRef"]["name"].as_str().unwrap().to_owned();
                object.data["roleRef"]["name"] = json!(format!("{role}{suffix}"));
                let subject = object.data["subjects"][0]["name"].as_str().unwrap().to_owned();
                object.data["subjects"][0]["name"] = json!(format!("{subject}{suffix}"));
            }
            _ => {}
        }
        let types = object.types.clone().unwrap();
        let resource = ApiResource::from_gvk(&GroupVersionKind::try_from(&types).unwrap());
        let api: Api<DynamicObject> = match &object.metadata.namespace {
            Some(ns) => Api::namespaced_with(env.client.clone(), ns, &resource),
            None => Api::all_with(env.client.clone(), &resource),
        };
        let name = object.metadata.name.clone().unwrap();
        api.patch(&name, &PatchParams::apply("envtest").force(), &Patch::Apply(&object))
            .await
            .unwrap_or_else(|e| panic!("{kind} {name} applies: {e}"));
    }
    let accounts: Api<ServiceAccount> = Api::namespaced(env.client.clone(), CHART_NAMESPACE);
    let request = TokenRequest {
        spec: TokenRequestSpec { expiration_seconds: Some(3600), ..Default::default() },
        ..Default::default()
    };
    let token = accounts
        .create_token_request(&account, &PostParams::default(), &request)
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

/// Waits up to `secs` for `done`, failing early with the operator's log as soon as it
/// logs a warning or an error.
async fn step<F, Fut>(operator: &Operator, secs: u64, what: &str, mut done: F) -> Result<(), String>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        let logs = operator.logs();
        if logs.contains("WARN") || logs.contains("ERROR") {
            return Err(format!("while waiting until {what}, the operator logged problems:\n{logs}"));
        }
        if done().await {
            return Ok(());
        }
        if tokio::time::Instant::now() > deadline {
            return Err(format!("timed out waiting until {what}; the operator logged:\n{logs}"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Creation, an update that prunes Kafka and adds a disruption budget, and deletion with
/// the data volumes, run by an operator with the credentials in `kubeconfig`.
async fn lifecycle(env: &Env, kubeconfig: &Path) -> Result<(), String> {
    let operator = Operator::start(env, "chart-rbac", kubeconfig.to_str().unwrap(), &[]);
    let ready = || async {
        env.simulate_cluster().await;
        env.shop("demo").await.status.and_then(|s| s.phase) == Some(Phase::Ready)
    };
    let shop = env.create_shop("demo", "{deletionPolicy: Delete}").await;
    step(&operator, 30, "the shop is Ready", ready).await?;
    env.edit_shop("demo", json!({"spec": {"replicas": 2, "kafka": {"mode": "Disabled", "storage": null}}}))
        .await;
    step(&operator, 30, "the updated shop is Ready again with a disruption budget", || async {
        ready().await
            && env.names(Kind::PodDisruptionBudget).await.contains(&"demo-api".to_owned())
            && !env.names(Kind::StatefulSet).await.contains(&"demo-kafka".to_owned())
    })
    .await?;
    create_claim(env, "data-demo-postgres-0", &shop).await;
    env.shops().delete("demo", &DeleteParams::default()).await.unwrap();
    step(&operator, 30, "the shop and its volume claim are gone", || async {
        env.shops().get_opt("demo").await.unwrap().is_none() && claim_names(env).await.is_empty()
    })
    .await?;
    // Let the operator react to the children's garbage collection, then look once more.
    tokio::time::sleep(Duration::from_millis(500)).await;
    step(&operator, 0, "the operator settled", || async { true }).await
}

#[tokio::test]
async fn the_chart_rbac_is_enough_for_a_whole_shop_lifecycle() {
    let env = Env::new("chart-rbac").await;
    let kubeconfig = install(&env, None).await;
    let result = lifecycle(&env, &kubeconfig).await;
    let _ = std::fs::remove_file(&kubeconfig);
    result.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_rule_of_the_chart_rbac_is_needed() {
    let rules = rule_count();
    let runs = (0..rules).map(|index| async move {
        let env = Env::new(&format!("rbac-without-{index}")).await;
        let kubeconfig = install(&env, Some(index)).await;
        let result = lifecycle(&env, &kubeconfig).await;
        let _ = std::fs::remove_file(&kubeconfig);
        (index, result)
    });
    let results = futures::future::join_all(runs).await;
    let role = chart_rbac().into_iter().find(|o| o.types.as_ref().unwrap().kind == "ClusterRole").unwrap();
    let mut unneeded = Vec::new();
    for (index, result) in results {
        let rule = role.data["rules"][index].to_string();
        match result {
            Ok(()) => unneeded.push(rule),
            Err(failure) => {
                assert!(
                    failure.to_lowercase().contains("forbidden"),
                    "without {rule}, not for lack of it: {failure}"
                )
            }
        }
    }
    assert!(unneeded.is_empty(), "a whole lifecycle succeeds without these rules: {unneeded:#?}");
}
