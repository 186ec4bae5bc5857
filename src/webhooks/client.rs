//! Sending one attempt of a delivery: the HTTP client, its checks and what came of it.

use std::time::Duration;

use reqwest::header::{HeaderValue, CONTENT_TYPE};
use reqwest::redirect::Policy;

use super::target::{check_url, Refused, VettedResolver};
use crate::config::WebhookSettings;
use crate::ids::{WebhookDeliveryId, WebhookEventId};

/// The signature header.
pub const SIGNATURE_HEADER: &str = "X-Ventanas-Signature";
/// The event's id (the same for every webhook and attempt): receivers drop repeats by it.
pub const EVENT_HEADER: &str = "X-Ventanas-Event";
/// The delivery's id (one webhook's copy of the event).
pub const DELIVERY_HEADER: &str = "X-Ventanas-Delivery";

/// What an attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The receiver answered 2xx.
    Delivered { status: u16 },
    /// Anything else: an answer other than 2xx (`status`), or none at all.
    Failed { status: Option<u16>, error: String },
}

/// One attempt to send.
pub struct Attempt<'a> {
    pub url: &'a str,
    pub event: WebhookEventId,
    pub delivery: WebhookDeliveryId,
    /// The `X-Ventanas-Signature` value.
    pub signature: String,
    pub body: Vec<u8>,
}

/// The HTTP client deliveries are sent with: no redirects followed, no proxy, the
/// configured timeouts, and a resolver that only hands out public addresses (unless
/// private targets are allowed).
#[derive(Clone)]
pub struct Sender {
    client: reqwest::Client,
    allow_private: bool,
    timeout: Duration,
}

impl Sender {
    /// Builds the client from the settings, with the system's resolver.
    pub fn new(settings: &WebhookSettings) -> anyhow::Result<Self> {
        let resolver = VettedResolver::system(settings.allow_private_targets);
        Self::with_resolver(settings, resolver)
    }

    /// Builds the client from the settings with `resolver`.
    pub fn with_resolver(
        settings: &WebhookSettings,
        resolver: VettedResolver,
    ) -> anyhow::Result<Self> {
        let timeout = Duration::from_millis(settings.timeout_ms);
        let client = reqwest::Client::builder()
            .redirect(Policy::none())
            // A proxy would resolve the name itself, past the checks.
            .no_proxy()
            .dns_resolver(std::sync::Arc::new(resolver))
            .connect_timeout(Duration::from_millis(settings.connect_timeout_ms))
            .timeout(timeout)
            .pool_idle_timeout(Duration::from_secs(30))
            .user_agent(concat!("ventanas-webhooks/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            client,
            allow_private: settings.allow_private_targets,
            timeout,
        })
    }

    /// POSTs the attempt and says how it went. The URL is checked again (an address
    /// in the URL itself is never resolved, so the resolver would not see it).
    pub async fn send(&self, attempt: Attempt<'_>) -> Outcome {
        let url = match check_url(attempt.url, self.allow_private) {
            Ok(url) => url,
            Err(Refused(why)) => return failed(None, format!("target blocked: {why}")),
        };
        let sent = self
            .client
            .post(url)
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .header(SIGNATURE_HEADER, attempt.signature)
            .header(EVENT_HEADER, attempt.event.to_string())
            .header(DELIVERY_HEADER, attempt.delivery.to_string())
            .body(attempt.body)
            .send()
            .await;
        match sent {
            Ok(resp) => {
                let status = resp.status();
                if status.is_success() {
                    Outcome::Delivered {
                        status: status.as_u16(),
                    }
                } else if status.is_redirection() {
                    failed(
                        Some(status.as_u16()),
                        format!("HTTP {status}: redirects are not followed"),
                    )
                } else {
                    failed(Some(status.as_u16()), format!("HTTP {status}"))
                }
            }
            Err(err) => failed(None, self.describe(&err)),
        }
    }

    /// Why a request got no answer, in words, without the URL (which may carry a
    /// token of the receiver's).
    fn describe(&self, err: &reqwest::Error) -> String {
        if let Some(refused) = source_of::<Refused>(err) {
            return format!("target blocked: {refused}");
        }
        if err.is_timeout() {
            return format!("timed out after {} ms", self.timeout.as_millis());
        }
        let root = root_cause(err);
        if err.is_connect() {
            format!("connection failed: {root}")
        } else {
            format!("request failed: {root}")
        }
    }
}

fn failed(status: Option<u16>, error: String) -> Outcome {
    Outcome::Failed { status, error }
}

/// The first error of type `T` in the chain of `err`.
fn source_of<'a, T: std::error::Error + 'static>(
    err: &'a (dyn std::error::Error + 'static),
) -> Option<&'a T> {
    let mut current = Some(err);
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        current = e.source();
    }
    None
}

/// The innermost error of the chain (hyper's and the OS's words), shortened.
fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut current = err;
    while let Some(next) = current.source() {
        current = next;
    }
    let text = current.to_string();
    text.chars().take(300).collect()
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};

    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    use tokio::net::TcpListener;

    use super::*;

    fn settings(allow_private: bool) -> WebhookSettings {
        WebhookSettings {
            enabled: true,
            allow_private_targets: allow_private,
            signing_key: String::new().into(),
            connect_timeout_ms: 1000,
            timeout_ms: 2000,
            poll_interval_ms: 100,
            retry_for_seconds: 60,
            retry_base_ms: 100,
            retry_max_delay_seconds: 1,
            max_concurrent_deliveries: 1,
            batch_size: 1,
        }
    }

    /// A one-shot server on 127.0.0.1 answering `answer`; yields how many
    /// connections it accepted when asked.
    async fn server(answer: &'static str) -> (u16, tokio::task::JoinHandle<usize>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let task = tokio::spawn(async move {
            let accepted =
                tokio::time::timeout(Duration::from_millis(1500), listener.accept()).await;
            let Ok(Ok((mut stream, _))) = accepted else {
                return 0;
            };
            let mut buf = vec![0u8; 4096];
            let _ = stream.read(&mut buf).await;
            let _ = stream.write_all(answer.as_bytes()).await;
            1
        });
        (port, task)
    }

    fn attempt(url: &str) -> Attempt<'_> {
        Attempt {
            url,
            event: WebhookEventId::new_random(),
            delivery: WebhookDeliveryId::new_random(),
            signature: "t=1,v1=00".to_owned(),
            body: b"{}".to_vec(),
        }
    }

    #[tokio::test]
    async fn a_name_that_resolves_to_an_internal_address_is_never_connected_to() {
        let (port, accepted) = server("HTTP/1.1 204 No Content\r\n\r\n").await;
        let loopback = vec![IpAddr::V4(Ipv4Addr::LOCALHOST)];
        let table = vec![("rebound.example".to_owned(), loopback)];
        let strict = Sender::with_resolver(&settings(false), VettedResolver::fixed(false, table))
            .expect("client");
        let url = format!("http://rebound.example:{port}/hook");
        let outcome = strict.send(attempt(&url)).await;
        assert_eq!(
            outcome,
            Outcome::Failed {
                status: None,
                error:
                    "target blocked: rebound.example resolves to 127.0.0.1 is a loopback address"
                        .to_owned()
            }
        );
        assert_eq!(accepted.await.expect("server"), 0, "no connection was made");
    }

    #[tokio::test]
    async fn an_https_target_is_spoken_to_over_tls() {
        // A plain HTTP server gets a TLS ClientHello it cannot answer: the attempt
        // fails in the handshake (the TLS stack is there and never panics).
        let (port, accepted) = server("HTTP/1.1 204 No Content\r\n\r\n").await;
        let sender = Sender::new(&settings(true)).expect("client");
        let url = format!("https://127.0.0.1:{port}/hook");
        match sender.send(attempt(&url)).await {
            Outcome::Failed {
                status: None,
                error,
            } => {
                assert!(error.starts_with("connection failed: "), "{error}");
            }
            other => panic!("expected a failed handshake, got {other:?}"),
        }
        assert_eq!(accepted.await.expect("server"), 1, "it did connect");
    }

    #[tokio::test]
    async fn a_vetted_name_is_reached_and_a_redirect_is_a_failed_attempt() {
        let table = vec![(
            "receiver.example".to_owned(),
            vec![IpAddr::V4(Ipv4Addr::LOCALHOST)],
        )];
        let (port, accepted) = server("HTTP/1.1 204 No Content\r\n\r\n").await;
        let lenient = Sender::with_resolver(&settings(true), VettedResolver::fixed(true, table))
            .expect("client");
        let url = format!("http://receiver.example:{port}/hook");
        assert_eq!(
            lenient.send(attempt(&url)).await,
            Outcome::Delivered { status: 204 }
        );
        assert_eq!(accepted.await.expect("server"), 1);
        let (port, _) = server(
            "HTTP/1.1 302 Found\r\nLocation: http://169.254.169.254/\r\nContent-Length: 0\r\n\r\n",
        )
        .await;
        let url = format!("http://receiver.example:{port}/hook");
        assert_eq!(
            lenient.send(attempt(&url)).await,
            Outcome::Failed {
                status: Some(302),
                error: "HTTP 302 Found: redirects are not followed".to_owned()
            }
        );
    }
}
