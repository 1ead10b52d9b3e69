//! The real kube-runtime controller (`controller::run`) against the API server, driven only
//! by watches: it converges a shop, restores a deleted child, and rolls the pods when a
//! Secret they read is rotated.

use std::sync::Arc;

use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams};
use serde_json::json;
use shopfleet_crds::Phase;
use shopfleet_operator::children::Kind;
use shopfleet_operator::context::Context;
use shopfleet_operator::controller;

use crate::support::Env;

/// Runs the controller on the test namespace until shop `name` is Ready (the test plays the
/// workload controllers); the returned task is the controller, for the test to abort.
async fn run_until_ready(env: &Env, name: &str) -> tokio::task::JoinHandle<()> {
    let ctx = Arc::new(Context::new(env.client.clone(), Some("test".to_owned())));
    let controllers =
        tokio::spawn(controller::run(ctx, Some(vec![env.ns.clone()]), 2, futures::future::pending()));
    env.eventually(30, "the shop is Ready", || async {
        env.simulate_cluster().await;
        env.shop(name).await.status.and_then(|s| s.phase) == Some(Phase::Ready)
    })
    .await;
    controllers
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_controller_converges_a_shop_and_restores_a_deleted_child() {
    let env = Env::new("controller").await;
    env.create_shop("live", "{}").await;
    let controllers = run_until_ready(&env, "live").await;

    env.api(Kind::Service).delete("live-api", &DeleteParams::default()).await.unwrap();
    env.eventually(10, "the deleted Service is back", || async {
        env.child(Kind::Service, "live-api").await.is_some_and(|s| s.metadata.deletion_timestamp.is_none())
    })
    .await;

    controllers.abort();
}

/// The configuration hash on the pod template of Deployment `name`.
async fn config_hash(env: &Env, name: &str) -> Option<String> {
    let deployment = env.child(Kind::Deployment, name).await?;
    deployment.data["spec"]["template"]["metadata"]["annotations"]["shopfleet.dev/config-hash"]
        .as_str()
        .map(str::to_owned)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotating_a_secret_the_pods_read_rolls_the_api_and_worker_at_once() {
    let env = Env::new("rotation").await;
    let secrets: Api<Secret> = Api::namespaced(env.client.clone(), &env.ns);
    for (name, url) in [("mail", "smtp://shop:first@mail.example:587"), ("unrelated", "x")] {
        let secret: Secret = serde_json::from_value(json!({
            "metadata": {"name": name}, "stringData": {"url": url}
        }))
        .unwrap();
        secrets.create(&PostParams::default(), &secret).await.unwrap();
    }
    env.create_shop("mailer", "{smtp: {urlSecret: {name: mail, key: url}}}").await;
    let controllers = run_until_ready(&env, "mailer").await;
    let api_before = config_hash(&env, "mailer-api").await.expect("the API has a config hash");
    let worker_before = config_hash(&env, "mailer-worker").await.expect("the worker has a config hash");

    // Another Secret changing rolls nothing.
    let rotate = |name: &'static str, url: &'static str| {
        let secrets = secrets.clone();
        async move {
            let patch = json!({"stringData": {"url": url}});
            secrets.patch(name, &PatchParams::default(), &Patch::Merge(&patch)).await.unwrap();
        }
    };
    rotate("unrelated", "y").await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(config_hash(&env, "mailer-api").await.as_deref(), Some(api_before.as_str()));

    // The ready shop's next periodic reconcile is minutes away: only the Secret watch can
    // roll the pods within seconds.
    rotate("mail", "smtp://shop:second@mail.example:587").await;
    env.eventually(10, "the API and worker templates carry a new config hash", || async {
        let api = config_hash(&env, "mailer-api").await;
        let worker = config_hash(&env, "mailer-worker").await;
        api.is_some_and(|h| h != api_before) && worker.is_some_and(|h| h != worker_before)
    })
    .await;
    let rotated = config_hash(&env, "mailer-api").await;
    let user_config = env.child(Kind::ConfigMap, "mailer-config").await.unwrap().data.to_string();
    assert!(!user_config.contains("second"), "the Secret's value never leaves the Secret");

    // A new resource version with the same content (an annotation) is no rotation.
    let annotate = json!({"metadata": {"annotations": {"owner": "platform-team"}}});
    secrets.patch("mail", &PatchParams::default(), &Patch::Merge(&annotate)).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(config_hash(&env, "mailer-api").await, rotated);

    controllers.abort();
}
