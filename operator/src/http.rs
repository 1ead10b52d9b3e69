//! The operator's own HTTP server: `/metrics`, `/healthz` (the process is alive) and
//! `/readyz` (it reaches the API server and is not shutting down). Readiness says nothing
//! about leadership: a standby is ready, so rollouts and drains of several replicas proceed;
//! the Lease `shopfleet-operator` names the leader.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::PrometheusHandle;

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

/// Serves until `shutdown` resolves.
pub async fn serve(
    addr: SocketAddr,
    health: Health,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(%addr, "serving /metrics, /healthz and /readyz");
    axum::serve(listener, router(health)).with_graceful_shutdown(shutdown).await
}
