//! The built `shopfleet-operator` binary, two replicas with leader election on a real Lease:
//! one reconciles, both are ready, the standby takes over within a second of the leader's
//! SIGTERM, and a deletion logs no errors (in plain text, without colour codes, to a file).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::events::v1::Event as K8sEvent;
use kube::api::{Api, DeleteParams, ListParams};
use shopfleet_crds::Phase;
use shopfleet_operator::children::Kind;

use crate::support::{kubeconfig_path, Env};

/// One operator process, its health port and its log file.
pub struct Operator {
    identity: String,
    process: Child,
    port: u16,
    log: PathBuf,
}

impl Operator {
    /// Starts the operator for `env`'s namespace as `identity`, with the credentials of
    /// `kubeconfig` and the given extra flags.
    pub fn start(env: &Env, identity: &str, kubeconfig: &str, flags: &[&str]) -> Operator {
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

    pub fn logs(&self) -> String {
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
