//! `shopfleet-serve`: serving an axum router until shutdown, letting in-flight requests
//! finish, with the limits that keep slow or idle clients from exhausting the server: a
//! deadline for each request's headers and a cap on open connections. The API, the worker's
//! probe server and the operator's probe server all serve through it.

use axum::{
    extract::{ConnectInfo, Request},
    Router,
};
use hyper::body::Incoming;
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
    service::TowerToHyperService,
};
use std::{future::Future, sync::Arc, time::Duration};
use tokio::{net::TcpListener, sync::Semaphore};
use tower::ServiceExt;

/// How a server treats its connections.
#[derive(Debug, Clone, Copy)]
pub struct ServeOptions {
    /// Time in-flight requests get to finish after shutdown begins.
    pub grace: Duration,
    /// Time a client has to send a request's headers, counted from the connection's start
    /// or, on a kept-alive connection, from the end of the previous response. A client that
    /// trickles its headers or idles past it is disconnected.
    pub header_read_timeout: Duration,
    /// Connections served at once; further clients wait in the listen backlog until one
    /// closes.
    pub max_connections: usize,
}

/// Serves `router` until `shutdown` resolves, then waits up to `options.grace` for
/// in-flight requests to finish. Returns an error if the grace period ran out.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    options: ServeOptions,
) -> anyhow::Result<()> {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(options.header_read_timeout);
    let permits = Arc::new(Semaphore::new(options.max_connections));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => permit?,
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(error = %err, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        if let Err(err) = stream.set_nodelay(true) {
            tracing::debug!(error = %err, "TCP_NODELAY not set");
        }
        let service = router.clone().map_request(move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            request
        });
        let connection = http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!(error = %err, %peer, "connection closed with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    tokio::time::timeout(options.grace, graceful.shutdown())
        .await
        .map_err(|_| anyhow::anyhow!("in-flight requests did not finish within {:?}", options.grace))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::SocketAddr;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn options(max_connections: usize) -> ServeOptions {
        ServeOptions {
            grace: Duration::from_secs(5),
            header_read_timeout: Duration::from_millis(500),
            max_connections,
        }
    }

    async fn start(options: ServeOptions) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
        let router = Router::new().route("/", axum::routing::get(|| async { "ok" }));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(serve(
            listener,
            router,
            async move {
                let _ = stopped.await;
            },
            options,
        ));
        (addr, stop)
    }

    /// Reads until the peer closes; true if it closed within `within`.
    async fn closed_within(stream: &mut tokio::net::TcpStream, within: Duration) -> bool {
        let mut buf = [0u8; 1024];
        tokio::time::timeout(within, async {
            loop {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
            }
        })
        .await
        .is_ok()
    }

    async fn get_ok(addr: SocketAddr) -> bool {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream.write_all(b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").await.unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        answer.starts_with("HTTP/1.1 200") && answer.ends_with("ok")
    }

    #[tokio::test]
    async fn a_client_trickling_its_headers_is_dropped_at_the_deadline() {
        let (addr, _stop) = start(options(8)).await;
        let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
        let trickle = async {
            for byte in b"GET / HTTP/1.1\r\nhost: x\r\nx-slow: ".iter().cycle() {
                if slow.write_all(&[*byte]).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        };
        // The client never finishes its headers; the server hangs up on it (a write to
        // the closed socket fails) long before the test's own limit.
        assert!(
            tokio::time::timeout(Duration::from_secs(10), trickle).await.is_ok(),
            "a trickling client was still connected after 10 s"
        );
    }

    #[tokio::test]
    async fn idle_connections_are_closed_and_others_are_served_meanwhile() {
        let (addr, _stop) = start(options(4)).await;
        // As many idle connections as the cap: the next client waits for a slot, which the
        // header deadline frees.
        let mut idle = Vec::new();
        for _ in 0..4 {
            idle.push(tokio::net::TcpStream::connect(addr).await.unwrap());
        }
        assert!(
            tokio::time::timeout(Duration::from_secs(10), get_ok(addr)).await.unwrap(),
            "a well-behaved client got no answer while idle clients held every slot"
        );
        for stream in &mut idle {
            assert!(closed_within(stream, Duration::from_secs(10)).await, "an idle connection stayed open");
        }
    }

    #[tokio::test]
    async fn hundreds_of_slow_clients_neither_starve_others_nor_stay() {
        let options = ServeOptions { header_read_timeout: Duration::from_secs(4), ..options(256) };
        let (addr, _stop) = start(options).await;
        let mut slow = Vec::new();
        for _ in 0..200 {
            let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
            stream.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
            slow.push(stream);
        }
        for _ in 0..3 {
            assert!(get_ok(addr).await, "no answer beside 200 slow clients");
        }
        // Answered while every slow client still held its connection, not after they left.
        let mut buf = [0u8; 64];
        for stream in &slow {
            let still_open =
                matches!(stream.try_read(&mut buf), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock);
            assert!(still_open, "a slow client was dropped before its header deadline");
        }
        for stream in &mut slow {
            assert!(closed_within(stream, Duration::from_secs(10)).await, "a slow client stayed connected");
        }
    }

    #[tokio::test]
    async fn shutdown_lets_an_in_flight_request_finish() {
        let router = Router::new().route(
            "/",
            axum::routing::get(|| async {
                tokio::time::sleep(Duration::from_millis(300)).await;
                "ok"
            }),
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve(
            listener,
            router,
            async move {
                let _ = stopped.await;
            },
            options(8),
        ));
        let request = tokio::spawn(get_ok(addr));
        tokio::time::sleep(Duration::from_millis(100)).await;
        stop.send(()).unwrap();
        assert!(request.await.unwrap(), "the in-flight request was cut off");
        server.await.unwrap().expect("the server stopped within its grace period");
    }
}
