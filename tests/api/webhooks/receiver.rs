//! A webhook receiver for the tests: a small poem server on 127.0.0.1:0 that
//! records every request (headers and raw body) and answers from a script (a status,
//! or a pause longer than the sender waits), and then 204 once the script is spent.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use poem::http::StatusCode;
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::{Request, Response};
use serde_json::Value;
use sha2::Sha256;
use tokio::sync::oneshot;

/// What the receiver does with one request.
#[derive(Debug, Clone, Copy)]
pub enum Step {
    /// Answers this status at once.
    Status(u16),
    /// Waits this long, then answers 204 (if the sender still listens).
    Pause(Duration),
}

/// One request as received.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: poem::http::HeaderMap,
    pub body: Vec<u8>,
    pub at: Instant,
}

impl Received {
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("the body is JSON")
    }

    /// The event's id as the body gives it.
    pub fn event_id(&self) -> String {
        self.json()["id"].as_str().expect("id").to_owned()
    }
}

#[derive(Default)]
struct Shared {
    script: Mutex<VecDeque<Step>>,
    received: Mutex<Vec<Received>>,
}

/// A running receiver; stops when dropped.
pub struct Receiver {
    pub url: String,
    shared: Arc<Shared>,
    _stop: oneshot::Sender<()>,
}

impl Receiver {
    /// Starts a receiver that answers `script` in order, then 204.
    pub async fn start(script: &[Step]) -> Self {
        let shared = Arc::new(Shared::default());
        shared
            .script
            .lock()
            .expect("script")
            .extend(script.iter().copied());
        let acceptor = TcpListener::bind("127.0.0.1:0")
            .into_acceptor()
            .await
            .expect("receiver binds");
        let port = acceptor
            .local_addr()
            .first()
            .and_then(|a| a.as_socket_addr().map(|s| s.port()))
            .expect("receiver port");
        let state = Arc::clone(&shared);
        let endpoint = poem::endpoint::make(move |req: Request| {
            let state = Arc::clone(&state);
            async move { receive(&state, req).await }
        });
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = poem::Server::new_with_acceptor(acceptor)
                .run_with_graceful_shutdown(
                    endpoint,
                    async {
                        let _ = stopped.await;
                    },
                    Some(Duration::from_millis(100)),
                )
                .await;
        });
        Self {
            url: format!("http://127.0.0.1:{port}/hooks/ventanas"),
            shared,
            _stop: stop,
        }
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().expect("received").clone()
    }

    /// Waits until at least `n` requests have arrived (at most `within`) and
    /// answers all received by then.
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Received> {
        let deadline = Instant::now() + within;
        loop {
            let got = self.received();
            if got.len() >= n || Instant::now() >= deadline {
                assert!(
                    got.len() >= n,
                    "expected {n} requests within {within:?}, got {}",
                    got.len()
                );
                return got;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits `quiet` and asserts that no more than `n` requests arrived in all.
    pub async fn expect_no_more_than(&self, n: usize, quiet: Duration) {
        tokio::time::sleep(quiet).await;
        let got = self.received();
        assert_eq!(got.len(), n, "requests received: {got:#?}");
    }
}

async fn receive(shared: &Shared, req: Request) -> Response {
    let headers = req.headers().clone();
    let body = req.into_body().into_vec().await.unwrap_or_default();
    shared.received.lock().expect("received").push(Received {
        headers,
        body,
        at: Instant::now(),
    });
    let step = shared.script.lock().expect("script").pop_front();
    match step {
        Some(Step::Status(code)) => Response::builder()
            .status(StatusCode::from_u16(code).expect("status"))
            .body("scripted"),
        Some(Step::Pause(pause)) => {
            tokio::time::sleep(pause).await;
            Response::builder().status(StatusCode::NO_CONTENT).finish()
        }
        None => Response::builder().status(StatusCode::NO_CONTENT).finish(),
    }
}

/// Verifies `X-Ventanas-Signature` exactly as a receiver would: split the header
/// into `t` and `v1`, compute HMAC-SHA256 over `"<t>.<raw body>"` keyed with the
/// secret's UTF-8 bytes, and compare in constant time. Answers the signed time.
pub fn verify_signature(secret: &str, received: &Received) -> Result<i64, String> {
    let header = received.header("x-ventanas-signature");
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", value)) => t = value.parse::<i64>().ok(),
            Some(("v1", value)) => v1 = hex::decode(value).ok(),
            _ => {}
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else {
        return Err(format!("malformed signature header {header:?}"));
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(format!("{t}.").as_bytes());
    mac.update(&received.body);
    mac.verify_slice(&v1)
        .map(|()| t)
        .map_err(|_| format!("signature {header:?} does not verify with this secret"))
}
