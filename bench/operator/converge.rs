//! Converge bench: how many reconciles, API requests and how much time and memory the
//! operator needs to bring 1 and 100 ShopInstances to Ready against the in-memory API.
//!
//! Run: `cargo run --release -p shopfleet-operator --features testing --example converge`
//! (each size runs in a fresh child process so peak RSS is per size; `-- <n>` runs one).
//!
//! The loop plays the controller: every round reconciles each shop that is not yet
//! settled, then `simulate_cluster` plays the built-in controllers (StatefulSets and
//! Deployments become ready, Jobs complete). A shop is settled when it is Ready and one
//! more reconcile wrote nothing. Watches are not simulated, so every reconcile is counted.

use std::sync::Arc;
use std::time::Instant;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::ApiResource;
use shopfleet_crds::{Phase, ShopInstance, ShopInstanceSpec};
use shopfleet_operator::context::Context;
use shopfleet_operator::fake_api::FakeApi;
use shopfleet_operator::reconcile::reconcile;

const NAMESPACE: &str = "bench";

/// Peak resident set size of this process in KiB (`VmHWM`), Linux only.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn shop(i: usize) -> ShopInstance {
    let mut shop =
        ShopInstance::new(&format!("shop-{i:03}"), serde_json::from_str::<ShopInstanceSpec>("{}").unwrap());
    shop.metadata = ObjectMeta {
        name: Some(format!("shop-{i:03}")),
        namespace: Some(NAMESPACE.to_owned()),
        uid: Some(format!("uid-shop-{i:03}")),
        ..Default::default()
    };
    shop
}

/// Converges `n` shops and prints one tab-separated result line.
async fn run(n: usize) {
    let fake = FakeApi::new();
    let ctx = Arc::new(Context::new(fake.client(), Some("bench".to_owned())));
    let shops = ApiResource::erase::<ShopInstance>(&());
    let names: Vec<String> = (0..n).map(|i| shop(i).metadata.name.unwrap()).collect();
    for i in 0..n {
        fake.insert(&shop(i));
    }
    let started = Instant::now();
    let mut reconciles = 0usize;
    let mut settled = vec![false; n];
    let mut rounds = 0;
    while settled.iter().any(|s| !s) {
        rounds += 1;
        assert!(rounds <= 20, "shops did not converge in 20 rounds");
        for (i, name) in names.iter().enumerate() {
            if settled[i] {
                continue;
            }
            let current: ShopInstance =
                serde_json::from_value(fake.get(&shops, NAMESPACE, name).unwrap()).unwrap();
            let was_ready = current.status.as_ref().and_then(|s| s.phase) == Some(Phase::Ready);
            let writes_before = fake.write_count();
            reconcile(Arc::new(current), ctx.clone()).await.expect("reconcile succeeds");
            reconciles += 1;
            let wrote = fake.write_count() > writes_before;
            settled[i] = was_ready && !wrote;
        }
        fake.simulate_cluster();
    }
    let elapsed = started.elapsed();
    let requests = fake.requests();
    let writes = requests.iter().filter(|r| r.is_write()).count();
    println!(
        "{n}\t{reconciles}\t{}\t{writes}\t{:.1}\t{}",
        requests.len(),
        elapsed.as_secs_f64() * 1000.0,
        peak_rss_kib().unwrap_or(0)
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime starts");
    if let Some(n) = std::env::args().nth(1) {
        runtime.block_on(run(n.parse().expect("size is a number")));
        return;
    }
    let exe = std::env::current_exe().expect("own path");
    let mut rows = Vec::new();
    for n in [1usize, 100] {
        let out = std::process::Command::new(&exe).arg(n.to_string()).output().expect("child runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let line = String::from_utf8(out.stdout).expect("UTF-8");
        let cols: Vec<f64> = line.trim().split('\t').map(|c| c.parse().expect("numeric column")).collect();
        rows.push(cols);
    }
    println!("| shops | reconciles | API requests | writes | wall time (ms) | peak RSS (MiB) | requests per shop | ms per shop |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in &rows {
        println!(
            "| {} | {} | {} | {} | {:.1} | {:.1} | {:.1} | {:.2} |",
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            r[5] / 1024.0,
            r[2] / r[0],
            r[4] / r[0]
        );
    }
    let (one, hundred) = (&rows[0], &rows[1]);
    println!(
        "\nPer-shop cost at 100 shops relative to the 1-shop baseline: requests {:.2}x, wall time {:.2}x.",
        (hundred[2] / hundred[0]) / one[2],
        (hundred[4] / hundred[0]) / one[4]
    );
}
