//! The real kube-runtime controller (`controller::run`) against the in-memory API server,
//! driven only by watches: it converges a shop and restores a deleted child.

use std::sync::Arc;
use std::time::Duration;

use kube::api::ApiResource;
use shopfleet_crds::{Phase, ShopInstance};

use crate::children::Kind;
use crate::context::Context;
use crate::controller;
use crate::fake_api::FakeApi;

use super::fixtures::{shop, NAMESPACE};

/// Polls `done` (playing the cluster's own controllers between polls) for up to 20s.
async fn eventually(fake: &FakeApi, what: &str, done: impl Fn() -> bool) {
    for _ in 0..200 {
        fake.simulate_cluster();
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting until {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_controller_converges_a_shop_and_restores_a_deleted_child() {
    let fake = FakeApi::new();
    fake.insert(&shop("live", "{}"));
    let ctx = Arc::new(Context::new(fake.client(), Some("test".to_owned())));
    let controllers =
        tokio::spawn(controller::run(ctx, Some(vec![NAMESPACE.to_owned()]), 2, futures::future::pending()));

    let shops = ApiResource::erase::<ShopInstance>(&());
    let phase = || {
        let shop: ShopInstance =
            serde_json::from_value(fake.get(&shops, NAMESPACE, "live").unwrap()).unwrap();
        shop.status.and_then(|s| s.phase)
    };
    eventually(&fake, "the shop is Ready", || phase() == Some(Phase::Ready)).await;

    let services = Kind::Service.api_resource();
    fake.remove(&services, NAMESPACE, "live-api");
    eventually(&fake, "the deleted Service is back", || fake.get(&services, NAMESPACE, "live-api").is_some())
        .await;

    controllers.abort();
}
