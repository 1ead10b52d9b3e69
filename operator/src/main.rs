//! Entry point of `shopfleet-operator`: flags, logging, the health and metrics server,
//! leader election, then the controllers until SIGTERM/SIGINT or loss of leadership; on the
//! way out the leader releases its Lease.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use clap::Parser;
use shopfleet_operator::images::Registry;
use shopfleet_operator::{cli::Cli, context::Context, controller, http, leader, metrics, telemetry};
use tokio::sync::watch;

/// How long in-flight reconciles may run after SIGTERM (Kubernetes waits 30s by default).
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(20);

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    telemetry::init(cli.log_format);
    // A bad flag stops the operator at once rather than every shop failing to pull.
    let registry = Registry::new(&cli.image_registry).map_err(anyhow::Error::msg)?;
    let handle = metrics::install()?;
    let client = kube::Client::try_default().await?;

    let (stop_tx, stop_rx) = watch::channel(false);
    let stopped = move || {
        let mut rx = stop_rx.clone();
        async move {
            let _ = rx.wait_for(|stop| *stop).await;
        }
    };
    let ready = Arc::new(AtomicBool::new(false));
    let health = http::Health { metrics: handle, ready: ready.clone() };
    let server = tokio::spawn(http::serve(cli.metrics_addr, health, stopped()));

    let signal_tx = stop_tx.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutting down");
        let _ = signal_tx.send(true);
    });

    // Ready means able to serve: the API server answers. A standby waiting for the Lease is
    // ready too; readiness tied to leadership would stall rollouts of several replicas.
    client.apiserver_version().await?;
    ready.store(true, Ordering::Relaxed);

    let identity =
        std::env::var("POD_NAME").unwrap_or_else(|_| format!("shopfleet-operator-{}", std::process::id()));
    let mut leadership = None;
    if cli.leader_election {
        let elector =
            Arc::new(leader::Elector::new(client.clone(), &cli.lease_namespace(), identity.clone()));
        tokio::select! {
            () = elector.acquire() => {}
            () = stopped() => return Ok(()),
        }
        let lost_tx = stop_tx.clone();
        let holder = elector.clone();
        let holding = tokio::spawn(async move {
            holder.hold().await;
            let _ = lost_tx.send(true);
        });
        leadership = Some((elector, holding));
    }

    let ctx = Arc::new(
        Context::new(client, Some(identity))
            .with_cloudnative_pg(cli.cloudnative_pg)
            .with_strimzi(cli.strimzi)
            .with_registry(registry),
    );
    let controllers = controller::run(ctx, cli.namespaces(), cli.concurrency, stopped());
    let deadline = async {
        stopped().await;
        tokio::time::sleep(SHUTDOWN_GRACE).await;
    };
    tokio::select! {
        () = controllers => {}
        () = deadline => tracing::warn!("controllers did not stop within the grace period; exiting"),
    }
    ready.store(false, Ordering::Relaxed);
    // Reconciles have stopped: hand the Lease over instead of letting it expire.
    if let Some((elector, holding)) = leadership {
        holding.abort();
        elector.release().await;
    }
    let _ = stop_tx.send(true);
    server.await??;
    Ok(())
}

/// Resolves on SIGTERM (Kubernetes) or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler installs");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
