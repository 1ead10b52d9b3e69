//! Converge bench: time, API requests and memory the operator needs to bring 1 and 100
//! ShopInstances to Ready against a real API server.
//!
//! Run (from the repository root; envtest.sh starts etcd, kube-apiserver and
//! kube-controller-manager for the run and stops them after):
//! `scripts/dev/envtest.sh run cargo run --release -p shopfleet-operator --example converge`
//! (each size runs in a fresh child process so peak RSS is per size; `-- <n>` runs one size,
//! `-- <n> <concurrency>` sets the controller's concurrency, 4 by default as in the chart).
//!
//! The operator's own controller (`controller::run`, watches and all) reconciles the shops.
//! A simulator in the same process plays the workload controllers: every 200 ms it marks
//! StatefulSets and Deployments ready at their `spec.replicas` and completes Jobs. Requests
//! are counted on the operator's client only.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, DynamicObject, ListParams, ObjectMeta, Patch, PatchParams, PostParams};
use kube::runtime::wait::{await_condition, conditions};
use kube::{Client, ResourceExt};
use serde_json::json;
use shopfleet_crds::{Phase, ShopInstance, ShopInstanceSpec};
use shopfleet_operator::children::Kind;
use shopfleet_operator::context::Context;
use shopfleet_operator::controller;

/// Peak resident set size of this process in KiB (`VmHWM`), Linux only.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Requests and writes sent by the operator's client.
#[derive(Default)]
struct Counts {
    requests: AtomicU64,
    writes: AtomicU64,
}

/// A client of the API server in KUBECONFIG that counts its requests into `counts`.
async fn counting_client(counts: Arc<Counts>) -> Client {
    let layer = tower::util::MapRequestLayer::new(move |req: http::Request<kube::client::Body>| {
        counts.requests.fetch_add(1, Ordering::Relaxed);
        if req.method() != http::Method::GET {
            counts.writes.fetch_add(1, Ordering::Relaxed);
        }
        req
    });
    let config = kube::Config::infer().await.expect("KUBECONFIG points at the API server");
    kube::client::ClientBuilder::try_from(config).expect("client builds").with_layer(&layer).build()
}

/// The CRD as built from the code, applied and established.
async fn install_crd(client: &Client) {
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    let crd = shopfleet_crds::crd();
    crds.patch(&crd.name_any(), &PatchParams::apply("bench").force(), &Patch::Apply(&crd))
        .await
        .expect("the CRD applies");
    await_condition(crds, &crd.name_any(), conditions::is_crd_established()).await.expect("CRD established");
}

/// Plays the workload controllers in `ns` forever: ready StatefulSets and Deployments at
/// their (defaulted) `spec.replicas`, completed Jobs. Writes only what is not yet so.
async fn simulate(client: Client, ns: String) {
    let api = |kind: Kind| Api::<DynamicObject>::namespaced_with(client.clone(), &ns, &kind.api_resource());
    let now = || chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    loop {
        for kind in [Kind::StatefulSet, Kind::Deployment] {
            for o in api(kind).list(&ListParams::default()).await.expect("list").items {
                let replicas = o.data["spec"]["replicas"].as_i64().unwrap_or(1);
                let status = &o.data["status"];
                let current = status["observedGeneration"].as_i64() == o.metadata.generation
                    && status["readyReplicas"].as_i64() == Some(replicas)
                    && status["availableReplicas"].as_i64() == Some(replicas);
                if !current {
                    let status = json!({"status": {"replicas": replicas, "readyReplicas": replicas,
                        "currentReplicas": replicas, "updatedReplicas": replicas,
                        "availableReplicas": replicas, "observedGeneration": o.metadata.generation}});
                    let _ = api(kind)
                        .patch_status(&o.name_any(), &PatchParams::default(), &Patch::Merge(&status))
                        .await;
                }
            }
        }
        for job in api(Kind::Job).list(&ListParams::default()).await.expect("list").items {
            if job.data["status"]["conditions"].as_array().is_none_or(Vec::is_empty) {
                let t = now();
                let done = |type_: &str| json!({"type": type_, "status": "True", "lastTransitionTime": t});
                let status = json!({"status": {"startTime": t, "completionTime": t, "succeeded": 1,
                    "conditions": [done("SuccessCriteriaMet"), done("Complete")]}});
                let _ = api(Kind::Job)
                    .patch_status(&job.name_any(), &PatchParams::default(), &Patch::Merge(&status))
                    .await;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Converges `n` shops and prints one tab-separated result line.
async fn run(n: usize, concurrency: u16) {
    let admin = Client::try_default().await.expect("KUBECONFIG points at the API server");
    install_crd(&admin).await;
    let ns = format!("bench-{n}-{:06x}", rand::random::<u32>() & 0xff_ffff);
    let namespace = Namespace {
        metadata: ObjectMeta { name: Some(ns.clone()), ..Default::default() },
        ..Default::default()
    };
    Api::<Namespace>::all(admin.clone()).create(&PostParams::default(), &namespace).await.expect("namespace");

    let counts = Arc::new(Counts::default());
    let ctx = Arc::new(Context::new(counting_client(counts.clone()).await, Some("bench".to_owned())));
    tokio::spawn(controller::run(ctx, Some(vec![ns.clone()]), concurrency, futures::future::pending()));
    tokio::spawn(simulate(admin.clone(), ns.clone()));

    let shops: Api<ShopInstance> = Api::namespaced(admin, &ns);
    let started = Instant::now();
    for i in 0..n {
        let shop = ShopInstance::new(
            &format!("shop-{i:03}"),
            serde_json::from_str::<ShopInstanceSpec>("{}").unwrap(),
        );
        shops.create(&PostParams::default(), &shop).await.expect("shop created");
    }
    loop {
        let list = shops.list(&ListParams::default()).await.expect("list shops");
        if list.items.iter().all(|s| s.status.as_ref().and_then(|s| s.phase) == Some(Phase::Ready)) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(600), "shops did not converge in 10 minutes");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let elapsed = started.elapsed();
    println!(
        "{n}\t{}\t{}\t{:.1}\t{}",
        counts.requests.load(Ordering::Relaxed),
        counts.writes.load(Ordering::Relaxed),
        elapsed.as_secs_f64(),
        peak_rss_kib().unwrap_or(0)
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime starts");
    let args: Vec<String> = std::env::args().skip(1).collect();
    let concurrency: u16 = args.get(1).map_or(4, |c| c.parse().expect("concurrency is a number"));
    if let Some(n) = args.first() {
        runtime.block_on(run(n.parse().expect("size is a number"), concurrency));
        return;
    }
    let exe = std::env::current_exe().expect("own path");
    println!("concurrency {concurrency}\n");
    println!(
        "| shops | time to all Ready (s) | API requests | writes | requests per shop | peak RSS (MiB) |"
    );
    println!("|---:|---:|---:|---:|---:|---:|");
    for n in [1usize, 100] {
        let out = std::process::Command::new(&exe)
            .args([n.to_string(), concurrency.to_string()])
            .output()
            .expect("child runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let line = String::from_utf8(out.stdout).expect("UTF-8");
        let c: Vec<f64> = line.trim().split('\t').map(|c| c.parse().expect("numeric column")).collect();
        println!(
            "| {} | {:.1} | {} | {} | {:.1} | {:.1} |",
            c[0],
            c[3],
            c[1],
            c[2],
            c[1] / c[0],
            c[4] / 1024.0
        );
    }
}
