//! `shopfleet-worker`: consumes the shop's events and runs its scheduled jobs.
//! It serves `/health`, `/ready` and `/metrics` on its own port.

pub mod config;
pub mod jobs;

use anyhow::Context;
use axum::{routing::get, Router};
use config::WorkerSettings;
use shopfleet_commerce::{
    catalog::cache::{CatalogCache, DEFAULT_TTL_SECS},
    config::Validate,
    db, kafka,
    probes::{self, ProbeState},
    readiness::Readiness,
    redis_conn::RedisConn,
};

/// The worker's probe server: `/health`, `/ready`, `/metrics`.
pub fn probe_router(state: ProbeState) -> Router {
    Router::new()
        .route("/health", get(probes::health))
        .route("/ready", get(probes::ready))
        .route("/metrics", get(probes::metrics))
        .with_state(state)
}

/// Builds the worker's probe state from its settings (connections are lazy).
pub fn probe_state(settings: &WorkerSettings) -> anyhow::Result<ProbeState> {
    let db = db::connect_lazy(&settings.database)?;
    let redis = RedisConn::new(&settings.redis)?;
    Ok(ProbeState {
        readiness: Readiness {
            db,
            redis,
            kafka: kafka::client_config(&settings.kafka),
            timeout: settings.readiness.timeout(),
        },
        metrics: shopfleet_commerce::metrics::handle(),
    })
}

/// Runs the worker until SIGTERM/SIGINT.
pub async fn run(settings: WorkerSettings) -> anyhow::Result<()> {
    settings.validate()?;
    let addr = std::net::SocketAddr::new(settings.host, settings.port);
    let state = probe_state(&settings)?;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let expiry = tokio::spawn(jobs::expire_reservations(
        state.readiness.db.clone(),
        CatalogCache::new(state.readiness.redis.clone(), DEFAULT_TTL_SECS),
        settings.reservation_sweep_interval(),
        stop_rx,
    ));
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding WORKER_HOST:WORKER_PORT {addr}"))?;
    tracing::info!(%addr, kafka = settings.kafka.brokers.is_some(), "shopfleet-worker started");
    shopfleet_commerce::server::serve(
        listener,
        probe_router(state),
        async move {
            shopfleet_commerce::shutdown::signal().await;
            let _ = stop_tx.send(true);
        },
        settings.shutdown_grace(),
    )
    .await?;
    expiry.await?;
    tracing::info!("shopfleet-worker stopped");
    Ok(())
}
