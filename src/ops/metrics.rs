//! Metrics through the `metrics` facade, rendered for Prometheus at `/metrics` by
//! the server itself (the exporter runs no listener of its own).
//!
//! Labels are bounded: requests are labelled by operation id (never the URL, which
//! carries ids and codes), method and status; pools by name; cache hits by tier.
//! Names and their meaning are documented in README's "Operations" section.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::Duration;

use metrics::{counter, gauge, histogram, Counter, Histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Requests answered, by operation, method and status.
pub const HTTP_REQUESTS: &str = "ventanas_http_requests_total";
/// Time to answer a request, by operation and method, in seconds.
pub const HTTP_DURATION: &str = "ventanas_http_request_duration_seconds";
/// Time to get a pooled connection and begin a transaction, by pool, in seconds.
pub const DB_ACQUIRE: &str = "ventanas_db_acquire_seconds";
/// Open connections of a pool, and how many are idle.
pub const DB_CONNECTIONS: &str = "ventanas_db_pool_connections";
pub const DB_IDLE: &str = "ventanas_db_pool_idle";
/// Cache lookups answered, by tier (`l1`, `l2`), and misses loaded from PostgreSQL.
pub const CACHE_HITS: &str = "ventanas_cache_hits_total";
pub const CACHE_MISSES: &str = "ventanas_cache_misses_total";
/// Failed or timed-out Redis calls.
pub const REDIS_ERRORS: &str = "ventanas_redis_errors_total";
/// Redis entries refused because their signature did not verify.
pub const CACHE_REJECTED: &str = "ventanas_cache_rejected_total";
/// Invalidations received from other instances (and this one) over pub/sub.
pub const INVALIDATIONS: &str = "ventanas_cache_invalidations_received_total";
/// Lookups that waited for another caller's load of the same key.
pub const COALESCED: &str = "ventanas_cache_coalesced_total";
/// Round trips to Redis on the command connection.
pub const REDIS_CALLS: &str = "ventanas_redis_calls_total";
/// Password hashes waiting for a hashing slot, and the time they waited.
pub const HASH_QUEUE: &str = "ventanas_password_hash_queue";
pub const HASH_WAIT: &str = "ventanas_password_hash_wait_seconds";
/// Logins refused before any password check, by reason: `address` (the client
/// address's `login_limit`) or `locked` (a (shop, email) pair's lockout).
pub const LOGINS_REFUSED: &str = "ventanas_logins_refused_total";
/// Time to render a quote's PDF, in seconds.
pub const PDF_RENDER: &str = "ventanas_pdf_render_seconds";
/// PDF requests waiting for a rendering slot.
pub const PDF_QUEUE: &str = "ventanas_pdf_render_queue";
/// Logos decoded (uploads, and stored logos not yet in the in-process cache).
pub const LOGO_DECODES: &str = "ventanas_logo_decodes_total";
/// Webhook delivery attempts, by outcome: `delivered`, `retry` (failed, tried again
/// later) or `failed` (failed, retries exhausted).
pub const WEBHOOK_ATTEMPTS: &str = "ventanas_webhook_attempts_total";

/// Bucket bounds (seconds) for request, acquire and render times: fine below 10 ms,
/// where a healthy request lives, coarse up to the statement timeout.
const BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the process-wide recorder once (later calls reuse it: tests start many
/// servers in one process) and answers the handle that renders it.
pub fn install() -> Option<PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), BUCKETS)
                .ok()?
                .build_recorder();
            let handle = recorder.handle();
            match metrics::set_global_recorder(recorder) {
                Ok(()) => Some(handle),
                Err(err) => {
                    tracing::warn!(%err, "another metrics recorder is installed; /metrics is empty");
                    None
                }
            }
        })
        .clone()
}

/// Counts one webhook delivery attempt by its outcome.
pub fn webhook_attempt(outcome: &'static str) {
    counter!(WEBHOOK_ATTEMPTS, "outcome" => outcome).increment(1);
}

/// Counts one answered request and its time.
///
/// The handles of each (operation, method, status) are kept per thread once the
/// recorder is installed: the `counter!` and `histogram!` macros build their labels
/// and look the series up in the registry on every call, which the hot path paid
/// twice per request. The set is bounded (operations × methods × statuses).
pub fn request(operation: &'static str, method: &'static str, status: u16, elapsed: Duration) {
    let seconds = elapsed.as_secs_f64();
    if HANDLE.get().and_then(Option::as_ref).is_none() {
        // No recorder of ours (yet): handles made now would stay no-ops.
        request_series(operation, method, status).record(seconds);
        return;
    }
    REQUEST_SERIES.with(|series| {
        series
            .borrow_mut()
            .entry((operation, method, status))
            .or_insert_with(|| request_series(operation, method, status))
            .record(seconds);
    });
}

/// The two series one request updates.
struct RequestSeries {
    count: Counter,
    duration: Histogram,
}

impl RequestSeries {
    fn record(&self, seconds: f64) {
        self.count.increment(1);
        self.duration.record(seconds);
    }
}

fn request_series(operation: &'static str, method: &'static str, status: u16) -> RequestSeries {
    RequestSeries {
        count: counter!(HTTP_REQUESTS, "operation" => operation, "method" => method, "status" => status_label(status)),
        duration: histogram!(HTTP_DURATION, "operation" => operation, "method" => method),
    }
}

type SeriesKey = (&'static str, &'static str, u16);

thread_local! {
    static REQUEST_SERIES: RefCell<HashMap<SeriesKey, RequestSeries, foldhash::fast::RandomState>> =
        RefCell::new(HashMap::default());
}

/// The status as a label without allocating for the codes the API answers.
fn status_label(status: u16) -> metrics::SharedString {
    const KNOWN: [(u16, &str); 21] = [
        (200, "200"),
        (201, "201"),
        (204, "204"),
        (304, "304"),
        (400, "400"),
        (401, "401"),
        (403, "403"),
        (404, "404"),
        (405, "405"),
        (409, "409"),
        (412, "412"),
        (413, "413"),
        (415, "415"),
        (422, "422"),
        (428, "428"),
        (429, "429"),
        (500, "500"),
        (502, "502"),
        (503, "503"),
        (504, "504"),
        (408, "408"),
    ];
    match KNOWN.iter().find(|(code, _)| *code == status) {
        Some((_, label)) => metrics::SharedString::const_str(label),
        None => metrics::SharedString::from(status.to_string()),
    }
}

/// Records the time to acquire a connection and begin, for `pool`.
pub fn acquired(pool: &'static str, elapsed: Duration) {
    histogram!(DB_ACQUIRE, "pool" => pool).record(elapsed.as_secs_f64());
}

/// Sets a pool's size gauges (called on each scrape).
pub fn pool(pool: &'static str, connections: u32, idle: usize) {
    gauge!(DB_CONNECTIONS, "pool" => pool).set(f64::from(connections));
    gauge!(DB_IDLE, "pool" => pool).set(idle as f64);
}

/// Records a PDF render's time.
pub fn pdf_rendered(elapsed: Duration) {
    histogram!(PDF_RENDER).record(elapsed.as_secs_f64());
}

/// Mirrors the cache's own counters (kept as atomics by the cache) into metrics.
pub fn cache(stats: &crate::cache::CacheStats) {
    let read = |c: &std::sync::atomic::AtomicU64| c.load(std::sync::atomic::Ordering::Relaxed);
    counter!(CACHE_HITS, "tier" => "l1").absolute(read(&stats.l1_hits));
    counter!(CACHE_HITS, "tier" => "l2").absolute(read(&stats.l2_hits));
    counter!(CACHE_MISSES).absolute(read(&stats.misses));
    counter!(REDIS_ERRORS).absolute(read(&stats.redis_errors));
    counter!(CACHE_REJECTED).absolute(read(&stats.l2_rejected));
    counter!(INVALIDATIONS).absolute(read(&stats.invalidations_received));
    counter!(COALESCED).absolute(read(&stats.coalesced));
    counter!(REDIS_CALLS).absolute(read(&stats.redis_calls));
}

/// The metrics in Prometheus's text format (empty if no recorder could be installed).
pub fn render() -> String {
    HANDLE
        .get()
        .and_then(Option::as_ref)
        .map(PrometheusHandle::render)
        .unwrap_or_default()
}
