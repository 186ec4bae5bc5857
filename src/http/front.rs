//! The middleware in front of every route, as one layer: the request span and its
//! metrics, NUL characters in path or query refused, the body limits, the shared
//! state, `Idempotency-Key`, and panics turned into the 500 envelope.
//!
//! One layer rather than a stack of poem middlewares because each layer of a stack
//! is an `async fn` holding its own copy of the `Request` beside the future of the
//! layer below, and the whole nest is moved into a box at every dynamic endpoint:
//! profiles of the cached price lookup put a tenth of its time in those moves and
//! the allocations around them. Here the common request (a declared or absent body
//! within the limit, no idempotency key) goes from [`Front::call`] straight into
//! the routes' future, built without an `async` block of its own; the rare paths
//! (a streamed body to measure, a keyed request) are boxed.

use std::future::{ready, Future};
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;

use anyhow::anyhow;
use futures_util::future::Either;
use futures_util::FutureExt as _;
use poem::http::{Method, StatusCode};
use poem::{Body, Endpoint, IntoResponse, Request, Response};

use crate::error::ApiError;
use crate::http::idempotency::{self, Idempotency};
use crate::http::nul::PathTemplates;
use crate::state::AppState;

/// The largest request bodies accepted, in bytes.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    /// Every request but those below.
    pub body: usize,
    /// CSV imports.
    pub import: usize,
}

/// The front layer around `inner` (the routes).
pub struct Front<E> {
    inner: Arc<E>,
    state: AppState,
    limits: BodyLimits,
    templates: Arc<PathTemplates>,
    idempotency: Arc<Idempotency>,
}

impl<E> Front<E> {
    pub fn new(
        inner: E,
        state: AppState,
        limits: BodyLimits,
        templates: Arc<PathTemplates>,
        idempotency: Arc<Idempotency>,
    ) -> Self {
        Self {
            inner: Arc::new(inner),
            state,
            limits,
            templates,
            idempotency,
        }
    }
}

type Answer = poem::Result<Response>;
type Boxed<'a> = Pin<Box<dyn Future<Output = Answer> + Send + 'a>>;

impl<E: Endpoint + 'static> Endpoint for Front<E> {
    type Output = Response;

    fn call(&self, req: Request) -> impl Future<Output = Answer> + Send {
        crate::telemetry::traced(req, |req| self.checked(req))
    }
}

/// What the body limit says of a request.
enum BodyCheck {
    /// Within the limit (declared, or no body expected).
    Fits,
    /// Over it: the answer to give.
    Refused(Answer),
    /// A body sent without a length: read it (up to `max`) before going on.
    Measure { max: usize, page: Option<String> },
}

impl<E: Endpoint + 'static> Front<E> {
    /// The checks, then the routes (or the keyed idempotency path), with panics
    /// caught. Not an `async fn`: the common path's future is the routes' own.
    fn checked(&self, mut req: Request) -> impl Future<Output = Answer> + Send + '_ {
        if let Some(refused) = crate::http::nul::check(&req, &self.templates) {
            return Either::Left(Either::Left(ready(Err(refused.into()))));
        }
        match self.body_limit(&req) {
            BodyCheck::Fits => {}
            BodyCheck::Refused(answer) => return Either::Left(Either::Left(ready(answer))),
            BodyCheck::Measure { max, page } => {
                let measured: Boxed<'_> = Box::pin(async move {
                    match req.take_body().into_bytes_limit(max).await {
                        Ok(body) => req.set_body(Body::from_bytes(body)),
                        Err(_) => return self.refuse(max, page.as_deref()),
                    }
                    self.routed(req).await
                });
                return Either::Left(Either::Right(measured));
            }
        }
        Either::Right(self.routed(req))
    }

    /// The shared state, then the routes, or the keyed path for a request that
    /// sends an `Idempotency-Key`; a panic anywhere below answers the 500 envelope.
    fn routed(&self, mut req: Request) -> impl Future<Output = Answer> + Send + '_ {
        req.extensions_mut().insert(self.state.clone());
        let call = if idempotency::sends_key(&req) {
            let keyed: Boxed<'_> = Box::pin(idempotency::keyed(
                Arc::clone(&self.inner),
                req,
                Arc::clone(&self.idempotency),
            ));
            Either::Left(keyed)
        } else {
            Either::Right(
                self.inner
                    .call(req)
                    .map(|r| r.map(IntoResponse::into_response)),
            )
        };
        AssertUnwindSafe(call).catch_unwind().map(|caught| {
            caught.unwrap_or_else(|_| {
                let error = ApiError::internal("request handling", anyhow!("handler panicked"));
                Ok(poem::error::ResponseError::as_response(&error))
            })
        })
    }

    /// Bodies over the limit are refused with 413, whether announced by
    /// Content-Length or streamed without one. Logo uploads and CSV imports get
    /// their own, larger limits; the web app's upload paths answer a page.
    fn body_limit(&self, req: &Request) -> BodyCheck {
        let limits = self.limits;
        let (max, page) = match req.uri().path() {
            crate::settings::company::LOGO_PATH => (
                limits.body.max(crate::settings::company::MAX_LOGO_BYTES),
                None,
            ),
            crate::catalog::price_admin::import::PATH => (limits.import, None),
            path => match crate::web::body_limit(path, limits.import, limits.body) {
                Some(max) => (max, Some(path.to_owned())),
                None => (limits.body, None),
            },
        };
        let declared = req
            .headers()
            .get(poem::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        match declared {
            Some(len) if len > max => BodyCheck::Refused(self.refuse(max, page.as_deref())),
            None if matches!(req.method(), &Method::POST | &Method::PUT | &Method::PATCH) => {
                BodyCheck::Measure { max, page }
            }
            _ => BodyCheck::Fits,
        }
    }

    fn refuse(&self, max: usize, page: Option<&str>) -> Answer {
        match page {
            Some(path) => Ok(crate::web::too_large(path, self.limits.import)),
            None => Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("the request body exceeds {max} bytes"),
            )
            .into()),
        }
    }
}
