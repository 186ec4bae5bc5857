//! Logging, request ids and request spans.

use std::future::Future;
use std::time::Instant;

use poem::http::{HeaderValue, Method};
use poem::{Request, Response};
use poem_openapi::OperationId;
use tracing::Instrument as _;
use tracing_subscriber::{fmt, EnvFilter};

use crate::config::{LogFormat, TelemetrySettings};

/// The header carrying the request id, in and out.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Installs the global tracing subscriber. `RUST_LOG` overrides the configured filter.
/// Safe to call more than once (later calls do nothing), which tests rely on.
pub fn init(settings: &TelemetrySettings) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&settings.filter));
    let builder = fmt().with_env_filter(filter).with_target(false);
    let _ = match settings.format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Pretty => builder.try_init(),
    };
}

/// Runs CPU-heavy work (argon2) on the blocking pool, inside the caller's span.
pub async fn spawn_blocking_with_span<F, R>(f: F) -> anyhow::Result<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(f))
        .await
        .map_err(|e| anyhow::anyhow!("blocking task failed: {e}"))
}

/// The method as a label: the handful the API uses, else `other` (bounded series).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// One root span per request, with request id, tenant and user (recorded by the
/// authentication layer once known), status and latency; logs once when done.
/// Errors are rendered in the shared envelope here, so every answer is counted.
///
/// Not an `async fn`: `inner` takes the request before the returned future exists,
/// so the future holds one request (inside `inner`'s), not a second copy of its own.
pub fn traced<F, Fut>(req: Request, inner: F) -> impl Future<Output = poem::Result<Response>>
where
    F: FnOnce(Request) -> Fut,
    Fut: Future<Output = poem::Result<Response>>,
{
    let request_id = req
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let span = tracing::info_span!(
        "request",
        method = %req.method(),
        path = %req.uri().path(),
        request_id = %request_id,
        operation = tracing::field::Empty,
        tenant_id = tracing::field::Empty,
        user_id = tracing::field::Empty,
        status = tracing::field::Empty,
    );
    let method = method_label(req.method());
    let started = Instant::now();
    let answer = span.in_scope(|| inner(req));
    async move {
        // poem-openapi tags the answer (or the error) with the operation's id.
        let (mut resp, operation) = match answer.await {
            Ok(resp) => {
                let operation = resp.data::<OperationId>().map(|id| id.0);
                (resp, operation)
            }
            Err(err) => {
                let operation = err.data::<OperationId>().map(|id| id.0);
                (crate::error::render_error(err), operation)
            }
        };
        // Routes outside the API (docs, unknown paths) share one label.
        let operation = operation.unwrap_or("other");
        let status = resp.status().as_u16();
        let elapsed = started.elapsed();
        let span = tracing::Span::current();
        span.record("operation", operation);
        span.record("status", status);
        crate::ops::metrics::request(operation, method, status, elapsed);
        let micros = elapsed.as_micros();
        if status >= 500 {
            tracing::error!(latency_us = micros, "request failed");
        } else {
            tracing::info!(latency_us = micros, "request");
        }
        if let Ok(value) = HeaderValue::from_str(&request_id) {
            resp.headers_mut().insert(REQUEST_ID_HEADER, value);
        }
        Ok(resp)
    }
    .instrument(span)
}
