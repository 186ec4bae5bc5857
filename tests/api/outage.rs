//! A database outage answers 503 with `Retry-After`, never 401 (clients that read
//! 401 as "logged out" would drop their users on a blip) nor 500, and the server
//! recovers by itself when the database is back. The outage is a TCP proxy between
//! the server and PostgreSQL that the test cuts and restores.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use reqwest::{Method, StatusCode};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

use ventanas::config::ExposeSecret as _;

use crate::helpers::{expect_error, slug, spawn_app_with};

/// Forwards connections to PostgreSQL; cut, it drops them all and refuses new
/// ones until restored.
struct Proxy {
    port: u16,
    connections: Arc<Mutex<JoinSet<()>>>,
    down: Arc<AtomicBool>,
}

impl Proxy {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("proxy binds");
        let port = listener.local_addr().expect("address").port();
        let connections = Arc::new(Mutex::new(JoinSet::new()));
        let down = Arc::new(AtomicBool::new(false));
        let (shared, is_down) = (Arc::clone(&connections), Arc::clone(&down));
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if is_down.load(Ordering::SeqCst) {
                    continue; // dropped: the connection is refused
                }
                shared.lock().expect("connections").spawn(async move {
                    if let Ok(mut server) = TcpStream::connect("127.0.0.1:5432").await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
        });
        Self {
            port,
            connections,
            down,
        }
    }

    /// Closes every connection and refuses new ones: the database is gone.
    fn cut(&self) {
        self.down.store(true, Ordering::SeqCst);
        self.connections.lock().expect("connections").abort_all();
    }

    /// The database is back.
    fn restore(&self) {
        self.down.store(false, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn with_the_database_gone_requests_answer_503_with_retry_after_whatever_the_credential() {
    let proxy = Proxy::start().await;
    let port = proxy.port;
    let app = spawn_app_with(|s| {
        for url in [&mut s.database.url, &mut s.database.platform_url] {
            let text = url.expose_secret().replace(":5432/", &format!(":{port}/"));
            *url = text.into();
        }
        // No cache in front: every request needs the database.
        s.cache.l1_ttl_ms = 0;
        s.redis.url = String::new().into();
    })
    .await;
    let t = app.onboard(&slug("outage")).await;
    assert_eq!(app.price_of("VID-CLARO-4", &t.admin_token).await, "85.00");
    proxy.cut();

    let resp = app.get("/api/v1/prices/VID-CLARO-4", &t.admin_token).await;
    assert_eq!(
        resp.headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("1")
    );
    expect_error(
        resp,
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        "bearer",
    )
    .await;

    let cookie = format!("__Host-ventanas_session={}", t.admin_token);
    let req = app
        .client
        .get(app.url("/api/v1/prices/VID-CLARO-4"))
        .header("Cookie", cookie);
    let resp = app
        .send(&Method::GET, "/api/v1/prices/VID-CLARO-4", req)
        .await;
    expect_error(
        resp,
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        "cookie",
    )
    .await;

    let resp = app.get("/api/v1/materials", &t.admin_token).await;
    expect_error(
        resp,
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        "a list",
    )
    .await;
    // Without any credential it is still 401: nothing to look up.
    let resp = app
        .request(Method::GET, "/api/v1/materials", None, None)
        .await;
    expect_error(
        resp,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        "anonymous",
    )
    .await;

    // The database comes back: the pool recovers by itself, and a write made now
    // is there.
    proxy.restore();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let resp = app.get("/api/v1/prices/VID-CLARO-4", &t.admin_token).await;
        if resp.status() == StatusCode::OK {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the pool never recovered"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    app.set_price("VID-CLARO-4", &t.admin_token, "88.00").await;
    assert_eq!(app.price_of("VID-CLARO-4", &t.admin_token).await, "88.00");
    app.cleanup().await;
}
