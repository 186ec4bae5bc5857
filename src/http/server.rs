//! The HTTP server loop: poem's endpoint served by hyper directly, because poem's own
//! `Server` does not expose hyper's HTTP/1 header read timeout.
//!
//! A client that opens a connection and sends its request head slowly, or not at
//! all (slowloris), would otherwise hold a connection and a task forever. Every
//! connection must deliver a complete request head within
//! `server.header_read_timeout_ms`: the first one counted from the accept (which
//! also covers hyper's HTTP/1-or-2 detection), every later HTTP/1 one by hyper's
//! own timer, which starts when it begins reading the next head (so it also closes
//! idle keep-alive connections). A connection that misses it is closed.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use poem::http::{header, HeaderValue};
use poem::listener::{Acceptor, TcpAcceptor};
use poem::web::{LocalAddr, RemoteAddr};
use poem::Endpoint;
use tokio::net::TcpStream;
use tokio::sync::{watch, Notify};
use tokio::task::JoinSet;

/// How the server treats connections.
#[derive(Debug, Clone, Copy)]
pub struct ServerOptions {
    /// The longest a client may take to send a request head.
    pub header_read_timeout: Duration,
    /// How long in-flight requests get to finish once stopping.
    pub grace: Duration,
    /// Once stopping, how long an idle connection may wait for one more request.
    pub drain_idle: Duration,
}

/// The application's endpoint: the front layer over the API service and the pages.
pub type AppEndpoint = crate::http::front::Front<crate::http::split::Split>;

type SharedEndpoint = Arc<AppEndpoint>;

/// Serves `endpoint` on `acceptor` until `stop` completes, then stops accepting and
/// lets open connections finish for up to `options.grace`.
pub async fn serve(
    mut acceptor: TcpAcceptor,
    endpoint: AppEndpoint,
    stop: impl Future<Output = ()> + Send + 'static,
    options: ServerOptions,
) -> std::io::Result<()> {
    let endpoint: SharedEndpoint = Arc::new(endpoint);
    let (stopping, stopping_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => break,
            accepted = acceptor.accept() => match accepted {
                Ok((io, local, remote, _scheme)) => {
                    let conn = Connection {
                        endpoint: Arc::clone(&endpoint),
                        local,
                        remote,
                        header_read_timeout: options.header_read_timeout,
                        drain_idle: options.drain_idle,
                    };
                    connections.spawn(conn.serve(io, stopping_rx.clone()));
                }
                Err(err) => {
                    // Out of file descriptors, most likely: let some close first.
                    tracing::warn!(%err, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(acceptor);
    tracing::info!(
        open = connections.len(),
        "stopped accepting; draining connections"
    );
    let _ = stopping.send(true);
    let drained = tokio::time::timeout(options.grace, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            open = connections.len(),
            "grace period over; closing connections"
        );
        connections.shutdown().await;
    }
    Ok(())
}

/// What each connection needs.
struct Connection {
    endpoint: SharedEndpoint,
    local: LocalAddr,
    remote: RemoteAddr,
    header_read_timeout: Duration,
    drain_idle: Duration,
}

impl Connection {
    async fn serve(self, io: TcpStream, mut stopping: watch::Receiver<bool>) {
        let Self {
            endpoint,
            local,
            remote,
            header_read_timeout,
            drain_idle,
        } = self;
        // Signalled by every request head hyper hands over.
        let head_seen = Arc::new(Notify::new());
        let service = hyper::service::service_fn({
            let head_seen = Arc::clone(&head_seen);
            let remote = remote.clone();
            let stopping = stopping.clone();
            move |req: hyper::Request<Incoming>| {
                head_seen.notify_one();
                let endpoint = Arc::clone(&endpoint);
                let stopping = stopping.clone();
                let req = (
                    req,
                    local.clone(),
                    remote.clone(),
                    poem::http::uri::Scheme::HTTP,
                );
                async move {
                    let mut resp = endpoint.get_response(req.into()).await;
                    // Once stopping, an answer tells the client that this connection
                    // ends with it, so the next request goes to a new connection (to
                    // another instance) instead of one the server is closing.
                    if *stopping.borrow() {
                        resp.headers_mut()
                            .insert(header::CONNECTION, HeaderValue::from_static("close"));
                    }
                    Ok::<_, Infallible>(hyper::Response::from(resp))
                }
            }
        });
        let mut builder = auto::Builder::new(TokioExecutor::new());
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(header_read_timeout);
        let conn = builder.serve_connection_with_upgrades(TokioIo::new(io), service);
        tokio::pin!(conn);
        let first_head = async {
            if tokio::time::timeout(header_read_timeout, head_seen.notified())
                .await
                .is_ok()
            {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            _ = conn.as_mut() => return,
            () = first_head => {
                tracing::info!(remote_addr = %remote, "closing a connection that sent no request head in time");
                return;
            }
            _ = stopping.wait_for(|stop| *stop) => {}
        }
        // A request in flight, or one already on its way over this idle connection,
        // is answered with `Connection: close`, which ends the connection; one that
        // stays idle is closed after `drain_idle`.
        if !drain_idle.is_zero()
            && tokio::time::timeout(drain_idle, conn.as_mut())
                .await
                .is_ok()
        {
            return;
        }
        conn.as_mut().graceful_shutdown();
        let _ = conn.await;
    }
}
