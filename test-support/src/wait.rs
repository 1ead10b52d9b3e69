//! Waiting for effects that happen in the background (a worker, a server starting),
//! always with a deadline, never a fixed sleep.

use std::{future::Future, time::Duration};

/// Polls `check` until it returns true or `timeout` passes, then fails naming `what`.
pub async fn eventually<F, Fut>(timeout: Duration, what: &str, check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    assert!(within(timeout, check).await, "timed out waiting for: {what}");
}

/// Polls `check` until it returns true (then true) or `timeout` passes (then false).
pub async fn within<F, Fut>(timeout: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    while tokio::time::Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// A free TCP port on loopback.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Waits until something accepts connections on `port`.
pub async fn wait_for_port(port: u16) {
    eventually(Duration::from_secs(30), "the port accepts connections", || async move {
        tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok()
    })
    .await;
}
