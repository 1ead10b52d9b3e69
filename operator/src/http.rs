//! The operator's own HTTP server: `/metrics`, `/healthz` (the process is alive) and
//! `/readyz` (it reaches the API server and is not shutting down). Readiness says nothing
//! about leadership: a standby is ready, so rollouts and drains of several replicas proceed;
//! the Lease `shopfleet-operator` names the leader.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::PrometheusHandle;
use shopfleet_serve::ServeOptions;

/// Shared state of the HTTP server.
#[derive(Clone)]
pub struct Health {
    pub metrics: PrometheusHandle,
    pub ready: Arc<AtomicBool>,
}

fn router(health: Health) -> Router {
    Router::new()
        .route("/metrics", get(|State(h): State<Health>| async move { h.metrics.render() }))
        .route("/healthz", get(|| async { "ok" }))
        .route(
            "/readyz",
            get(|State(h): State<Health>| async move {
                if h.ready.load(Ordering::Relaxed) {
                    (StatusCode::OK, "ready")
                } else {
                    (StatusCode::SERVICE_UNAVAILABLE, "not ready")
                }
            }),
        )
        .with_state(health)
}

/// Limits sized for kubelet probes and a metrics scraper: a client gets 5 s for its
/// headers and at most 64 connections are open, so slow clients cannot starve the probes.
const SERVE_OPTIONS: ServeOptions = ServeOptions {
    grace: Duration::from_secs(5),
    header_read_timeout: Duration::from_secs(5),
    max_connections: 64,
};

/// Serves until `shutdown` resolves.
pub async fn serve(
    addr: SocketAddr,
    health: Health,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(%addr, "serving /metrics, /healthz and /readyz");
    shopfleet_serve::serve(listener, router(health), shutdown, SERVE_OPTIONS).await
}
