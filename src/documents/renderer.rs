//! PDF work under bounds. Rendering and logo decoding hold memory in proportion to
//! the logo, so:
//!
//! - at most `pdf.max_concurrent_renders` PDF requests render at once; the rest queue
//!   for up to `pdf.queue_timeout_ms`, then get 503 `pdf_busy` with `Retry-After`;
//! - a logo is decoded once, at upload, and kept ready to embed in an in-process
//!   cache keyed by tenant and logo hash (a logo's hash is its version); a stored logo
//!   missing from the cache (another instance uploaded it, or this one restarted) is
//!   decoded on its first render, once even when many renders ask at the same time;
//! - decoding and rendering run on the blocking pool, inside the request's span.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use poem::http::StatusCode;
use tokio::sync::{Semaphore, SemaphorePermit};

use super::pdf::{self, PdfImage, PixelLimit};
use super::quote::PdfJob;
use crate::config::PdfSettings;
use crate::error::{ApiError, ApiResult};
use crate::ids::TenantId;
use crate::settings::company::Logo;
use crate::telemetry::spawn_blocking_with_span;

/// Blocking work the renderer does, as seen by a [`Hook`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    /// Reading a logo into its embeddable form.
    Decode,
    /// Writing a quote's PDF.
    Render,
}

/// Called on the blocking thread before each piece of work (tests pause and count it).
pub type Hook = Arc<dyn Fn(Work) + Send + Sync>;

/// A cached logo: `None` when the stored bytes no longer decode (printed without it).
type Cached = Option<Arc<PdfImage>>;

/// Bounds and caches for quote PDFs. Cheap to clone.
#[derive(Clone)]
pub struct Renderer(Arc<Inner>);

struct Inner {
    permits: Semaphore,
    queue_timeout: Duration,
    upload_limit: PixelLimit,
    logos: moka::future::Cache<(TenantId, Vec<u8>), Cached>,
    decodes: AtomicU64,
    hook: RwLock<Option<Hook>>,
}

/// Permission to render one PDF; the slot frees when it is dropped.
pub struct RenderSlot<'a>(#[allow(dead_code)] SemaphorePermit<'a>);

/// Why a stored logo could not be fetched for the cache.
#[derive(Debug, Clone)]
enum Miss {
    /// No such logo (not cached: an upload of the same content may bring it back).
    Gone,
    Failed(ApiError),
}

impl Renderer {
    /// A renderer with the configured bounds.
    pub fn new(settings: &PdfSettings) -> Self {
        let logos = moka::future::Cache::builder()
            .max_capacity(settings.logo_cache_max_bytes)
            .weigher(|_key, value: &Cached| {
                let weight = value.as_ref().map_or(0, |image| image.weight());
                u32::try_from(weight.saturating_add(200)).unwrap_or(u32::MAX)
            })
            .build();
        Self(Arc::new(Inner {
            permits: Semaphore::new(settings.max_concurrent_renders.max(1)),
            queue_timeout: Duration::from_millis(settings.queue_timeout_ms),
            upload_limit: PixelLimit {
                width: settings.max_logo_width_px,
                height: settings.max_logo_height_px,
            },
            logos,
            decodes: AtomicU64::new(0),
            hook: RwLock::new(None),
        }))
    }

    /// The largest logo an upload may measure.
    pub fn upload_limit(&self) -> PixelLimit {
        self.0.upload_limit
    }

    /// How many logos this instance has decoded.
    pub fn decodes(&self) -> u64 {
        self.0.decodes.load(Ordering::Relaxed)
    }

    /// Installs (or removes) the hook called before each decode and render.
    #[doc(hidden)]
    pub fn set_hook(&self, hook: Option<Hook>) {
        if let Ok(mut slot) = self.0.hook.write() {
            *slot = hook;
        }
    }

    fn hook(&self) -> Option<Hook> {
        self.0.hook.read().ok().and_then(|hook| hook.clone())
    }

    /// Waits for a rendering slot, at most `pdf.queue_timeout_ms`; then 503.
    pub async fn slot(&self) -> ApiResult<RenderSlot<'_>> {
        let queue = metrics::gauge!(crate::ops::metrics::PDF_QUEUE);
        queue.increment(1.0);
        let waited = tokio::time::timeout(self.0.queue_timeout, self.0.permits.acquire()).await;
        queue.decrement(1.0);
        match waited {
            Ok(Ok(permit)) => Ok(RenderSlot(permit)),
            Ok(Err(closed)) => Err(ApiError::internal("waiting to render a PDF", closed)),
            Err(_elapsed) => {
                let retry = self.0.queue_timeout.as_secs().max(1);
                Err(ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "pdf_busy",
                    "too many PDFs are being rendered right now; try again shortly",
                )
                .with_details(serde_json::json!({ "retry_after_seconds": retry }))
                .with_header("Retry-After", retry.to_string()))
            }
        }
    }

    /// Runs `decode` on the blocking pool, counted as one logo decode.
    pub async fn decode<T, F>(&self, decode: F) -> ApiResult<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        self.0.decodes.fetch_add(1, Ordering::Relaxed);
        metrics::counter!(crate::ops::metrics::LOGO_DECODES).increment(1);
        let hook = self.hook();
        spawn_blocking_with_span(move || {
            if let Some(hook) = hook {
                hook(Work::Decode);
            }
            decode()
        })
        .await
        .map_err(|e| ApiError::internal("decoding a logo", e))
    }

    /// Keeps a just-uploaded logo ready, so its renders need not decode it.
    pub async fn remember(&self, tenant: TenantId, sha256: &[u8], image: PdfImage) {
        let key = (tenant, sha256.to_vec());
        self.0.logos.insert(key, Some(Arc::new(image))).await;
    }

    /// The tenant's logo with hash `sha256`, ready to embed: from the cache, else
    /// fetched with `load` and decoded (once for concurrent callers). `None` when
    /// there is no such logo or it no longer decodes.
    pub async fn logo<F>(&self, tenant: TenantId, sha256: &[u8], load: F) -> ApiResult<Cached>
    where
        F: std::future::Future<Output = Result<Option<Logo>, sqlx::Error>>,
    {
        let key = (tenant, sha256.to_vec());
        let found = self
            .0
            .logos
            .try_get_with(key, async {
                let logo = load.await.map_err(|e| Miss::Failed(e.into()))?;
                let logo = logo.ok_or(Miss::Gone)?;
                let prepared = self
                    .decode(move || pdf::prepare_logo(&logo.for_pdf(), PixelLimit::DECODE))
                    .await
                    .map_err(Miss::Failed)?;
                Ok(match prepared {
                    Ok(image) => Some(Arc::new(image)),
                    Err(err) => {
                        // A stored logo that no longer decodes must not stop quotes printing.
                        tracing::warn!(error = %err, "logo left out of quote PDFs");
                        None
                    }
                })
            })
            .await;
        match found {
            Ok(cached) => Ok(cached),
            Err(miss) => match &*miss {
                Miss::Gone => Ok(None),
                Miss::Failed(err) => Err(err.clone()),
            },
        }
    }

    /// Renders a quote's PDF on the blocking pool; the slot proves it may run.
    pub async fn render(&self, _slot: &RenderSlot<'_>, job: PdfJob) -> ApiResult<Vec<u8>> {
        let hook = self.hook();
        spawn_blocking_with_span(move || {
            if let Some(hook) = hook {
                hook(Work::Render);
            }
            let started = std::time::Instant::now();
            let bytes = job.render();
            crate::ops::metrics::pdf_rendered(started.elapsed());
            bytes
        })
        .await
        .map_err(|e| ApiError::internal("rendering a quote PDF", e))
    }
}
