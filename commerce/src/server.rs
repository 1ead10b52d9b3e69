//! Serving an axum router until shutdown, letting in-flight requests finish.

use axum::Router;
use std::{future::Future, time::Duration};
use tokio::net::TcpListener;

/// Serves `router` until `shutdown` resolves, then waits up to `grace` for
/// in-flight requests to finish. Returns an error if the grace period ran out.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> anyhow::Result<()> {
    let (stopping_tx, stopping_rx) = tokio::sync::oneshot::channel::<()>();
    let shutdown = async move {
        shutdown.await;
        let _ = stopping_tx.send(());
    };
    let server = axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown);
    let deadline = async move {
        if stopping_rx.await.is_ok() {
            tokio::time::sleep(grace).await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        result = server => Ok(result?),
        () = deadline => anyhow::bail!("in-flight requests did not finish within {grace:?}"),
    }
}
