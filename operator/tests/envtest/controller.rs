//! The real kube-runtime controller (`controller::run`) against the API server, driven only
//! by watches: it converges a shop and restores a deleted child.

use std::sync::Arc;

use kube::api::DeleteParams;
use shopfleet_crds::Phase;
use shopfleet_operator::children::Kind;
use shopfleet_operator::context::Context;
use shopfleet_operator::controller;

use crate::support::Env;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_controller_converges_a_shop_and_restores_a_deleted_child() {
    let env = Env::new("controller").await;
    env.create_shop("live", "{}").await;
    let ctx = Arc::new(Context::new(env.client.clone(), Some("test".to_owned())));
    let controllers =
        tokio::spawn(controller::run(ctx, Some(vec![env.ns.clone()]), 2, futures::future::pending()));

    env.eventually(30, "the shop is Ready", || async {
        env.simulate_cluster().await;
        env.shop("live").await.status.and_then(|s| s.phase) == Some(Phase::Ready)
    })
    .await;

    env.api(Kind::Service).delete("live-api", &DeleteParams::default()).await.unwrap();
    env.eventually(10, "the deleted Service is back", || async {
        env.child(Kind::Service, "live-api").await.is_some_and(|s| s.metadata.deletion_timestamp.is_none())
    })
    .await;

    controllers.abort();
}
