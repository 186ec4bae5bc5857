//! `Idempotency-Key`: a retried creating request returns the first answer instead
//! of creating again.
//!
//! The contract, for every operation that declares the header (see [`routes`]):
//! - a key is 1 to 255 visible ASCII characters, else 400 `invalid_idempotency_key`;
//! - keys belong to the caller's tenant (sessions) or to the platform (platform
//!   keys), and live 24 hours from their first use;
//! - the same key with the same request (same caller, method, path, query and body
//!   bytes) returns the stored status, `Content-Type`, `ETag`, `Location` and body,
//!   with `Idempotent-Replayed: true`; while the first request still runs, 409
//!   `idempotency_in_progress`;
//! - the same key with another request is 422 `idempotency_key_reused`; the caller
//!   (user, or the platform) is part of the request, so another user of the tenant
//!   who sends the same key never gets the first user's answer;
//! - only successful (2xx) answers are kept: after an error the key is free again,
//!   so a corrected request can use it.
//!
//! The caller is authenticated before any lookup, so a token that merely names a
//! tenant never reads that tenant's answers; an unauthenticated request passes
//! through untouched and the endpoint answers 401.
//!
//! The request is never stored. Its fingerprint is an HMAC-SHA256 keyed with
//! `idempotency.secret`: bodies hold passwords (new users, onboarding), and an
//! unkeyed hash of one could be tested against password guesses at leisure. Whoever
//! holds both the database and the secret still could: keep the secret with the
//! database passwords. Records expire after a day and are purged when their scope
//! next claims a key (a scope that never does keeps its expired records).
//!
//! An answer holding a secret the server can derive again (a webhook's signing
//! secret) is stored without it and replayed with it put back ([`SecretAnswer`]),
//! so the records never hold one.
//!
//! Crash window: the key is claimed (its own transaction) before the endpoint runs
//! and the answer stored (another) after it commits. The endpoint runs on its own
//! task, so a client that disconnects does not interrupt it. If the process dies
//! between the endpoint's commit and the store, or the store fails, the claim stays
//! `in_progress` until it expires: retries get 409 `idempotency_in_progress` (marked
//! `abandoned` after a minute) and never a second write, because whether the first
//! one happened is unknown.

pub mod form;
mod repo;
pub mod routes;
pub mod secrets;

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use hmac::{Hmac, Mac};
use poem::http::header::{HeaderMap, CONTENT_TYPE, COOKIE, ETAG, LOCATION};
use poem::http::StatusCode;
use poem::web::cookie::Cookie;
use poem::web::headers::{authorization, Authorization, HeaderMapExt as _};
use poem::{Body, Endpoint, IntoResponse, Request, Response};
use poem_openapi::registry::MetaApi;
use sha2::Sha256;
use tracing::Instrument as _;

use crate::auth::csrf::refuse_cross_site;
use crate::auth::{resolve_platform_key, resolve_session, TenantCtx, SESSION_COOKIE};
use crate::config::{ExposeSecret as _, IdempotencySettings};
use crate::db::Db;
use crate::error::ApiError;
use crate::state::AppState;
use repo::{Answer, Claimed, Record, Scope, State};
use routes::{Credential, Routes, HEADER};
pub use secrets::SecretAnswer;

/// Header set on a replayed answer.
pub const REPLAYED_HEADER: &str = "Idempotent-Replayed";

/// Shortest accepted `idempotency.secret`, in bytes.
const MIN_SECRET_BYTES: usize = 32;

/// A claim still in progress after this long is reported as abandoned: no request
/// runs that long (statement timeouts are seconds), so its server stopped.
const ABANDONED_AFTER_SECONDS: i64 = 60;

/// The middleware's configuration: the routes, the keyed hash, the database.
pub struct Idempotency {
    routes: Routes,
    mac: Hmac<Sha256>,
    db: Db,
    /// Operations whose answers hold a secret, by operation id.
    secrets: HashMap<&'static str, Arc<dyn SecretAnswer>>,
}

impl Idempotency {
    /// Finds the operations declaring the header in `apis` and keys the fingerprint.
    /// Refuses a secret shorter than 32 bytes.
    pub fn new(settings: &IdempotencySettings, db: Db, apis: &[MetaApi]) -> anyhow::Result<Self> {
        let secret = settings.secret.expose_secret().as_bytes();
        anyhow::ensure!(
            secret.len() >= MIN_SECRET_BYTES,
            "idempotency.secret must be at least {MIN_SECRET_BYTES} bytes \
             (set VENTANAS__IDEMPOTENCY__SECRET, e.g. to `openssl rand -hex 32`)"
        );
        let mac = Hmac::<Sha256>::new_from_slice(secret)
            .map_err(|e| anyhow::anyhow!("idempotency.secret: {e}"))?;
        let routes = Routes::from_meta(apis)?;
        Ok(Self {
            routes,
            mac,
            db,
            secrets: HashMap::new(),
        })
    }

    /// Stores the answers of `operation_id` without their secret, and puts it back
    /// on replay. Refuses an operation that does not take the header (a typo).
    pub fn with_secret_answer(
        mut self,
        operation_id: &'static str,
        answer: Arc<dyn SecretAnswer>,
    ) -> anyhow::Result<Self> {
        anyhow::ensure!(
            self.routes.operation_ids().any(|id| id == operation_id),
            "{operation_id} does not take {HEADER}"
        );
        self.secrets.insert(operation_id, answer);
        Ok(self)
    }

    /// HMAC-SHA256 over the caller, method, path with query and body, each
    /// length-prefixed so that no two different requests share an input.
    fn fingerprint(&self, caller: &str, req: &Request, body: &[u8]) -> Vec<u8> {
        let target = req
            .uri()
            .path_and_query()
            .map_or_else(|| req.uri().path(), |pq| pq.as_str());
        let mut mac = self.mac.clone();
        for part in [
            caller.as_bytes(),
            req.method().as_str().as_bytes(),
            target.as_bytes(),
            body,
        ] {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        mac.finalize().into_bytes().to_vec()
    }
}

/// A claimed key: what it takes to complete or release it.
#[derive(Clone)]
struct Claim {
    scope: Scope,
    key: String,
    fingerprint: Vec<u8>,
}

/// Whether the request sends an `Idempotency-Key`. Almost none do: those pass
/// straight to the routes (`http::front`), and the keyed path (database claims and
/// all) lives in a boxed future of its own, so that every other request does not
/// carry, and move, its much larger state.
pub fn sends_key(req: &Request) -> bool {
    req.headers().contains_key(HEADER)
}

/// A request that sends a key (with the shared state already in its extensions).
pub async fn keyed<E>(
    next: Arc<E>,
    mut req: Request,
    idem: Arc<Idempotency>,
) -> poem::Result<Response>
where
    E: Endpoint + 'static,
{
    let Some(route) = idem.routes.find(req.method(), req.uri().path()) else {
        return pass(&next, req).await;
    };
    let credential = route.credential;
    let secret = idem.secrets.get(route.operation_id).cloned();
    let Some(key) = parse_key(req.headers())? else {
        return pass(&next, req).await;
    };
    let Some((scope, caller)) = authenticate(&req, credential).await? else {
        return pass(&next, req).await;
    };
    let body = req.take_body().into_bytes().await.map_err(|e| {
        ApiError::bad_request(
            "invalid_body",
            format!("the request body could not be read: {e}"),
        )
    })?;
    let claim = Claim {
        scope,
        fingerprint: idem.fingerprint(&caller, &req, &body),
        key,
    };
    req.set_body(Body::from_bytes(body));
    match repo::claim(&idem.db, claim.scope, &claim.key, &claim.fingerprint).await {
        Ok(Claimed::Taken) => run(next, req, idem, claim, secret).await,
        Ok(Claimed::Held(record)) => {
            let restore = secret.as_deref().zip(req.data::<AppState>());
            answer_held(record, &claim.fingerprint, claim.scope, restore).await
        }
        Ok(Claimed::Contended) => Err(in_progress(None).into()),
        Err(err) => Err(ApiError::from(err).into()),
    }
}

async fn pass<E: Endpoint>(next: &E, req: Request) -> poem::Result<Response> {
    next.call(req).await.map(IntoResponse::into_response)
}

/// The key, if the request sends one; 400 if it is malformed or sent twice.
fn parse_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let mut values = headers.get_all(HEADER).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    let bytes = value.as_bytes();
    let visible = bytes.iter().all(|b| (0x21..=0x7e).contains(b));
    if values.next().is_some() || bytes.is_empty() || bytes.len() > 255 || !visible {
        return Err(ApiError::bad_request(
            "invalid_idempotency_key",
            format!("{HEADER} must be sent once, as 1 to 255 visible ASCII characters (a UUID is a good choice)"),
        )
        .with_details(serde_json::json!({ "header": HEADER })));
    }
    Ok(Some(String::from_utf8_lossy(bytes).into_owned()))
}

/// The caller's scope and identity, checked exactly as the endpoint will check it.
/// `None` when the credentials are missing or invalid (the endpoint answers 401);
/// an error when checking them failed (database down), or when the cookie would be
/// used for a request from another site's page (403, as the endpoint would answer,
/// but before any key is looked up or claimed).
async fn authenticate(
    req: &Request,
    credential: Credential,
) -> poem::Result<Option<(Scope, String)>> {
    let headers = req.headers();
    if credential == Credential::PlatformKey {
        // Platform keys come only as bearer tokens.
        let Some(key) = bearer_token(headers) else {
            return Ok(None);
        };
        let found = resolve_platform_key(req, &key).await;
        return accepted(found.map(|_| (Scope::Platform, "platform".to_owned())));
    }
    let tenant_caller = |ctx: TenantCtx| (Scope::Tenant(ctx.tenant), format!("user:{}", ctx.user));
    if let Some(token) = bearer_token(headers) {
        if let Some(found) = accepted(resolve_session(req, &token).await.map(tenant_caller))? {
            return Ok(Some(found));
        }
    }
    let Some(token) = session_cookie(headers) else {
        return Ok(None);
    };
    let state = req
        .data::<AppState>()
        .ok_or_else(|| ApiError::internal("idempotency", anyhow::anyhow!("AppState missing")))?;
    refuse_cross_site(req, &state.origins)?;
    accepted(resolve_session(req, &token).await.map(tenant_caller))
}

/// A caller found, `None` for credentials the endpoint will refuse itself, an error
/// when they could not be checked.
fn accepted(found: Result<(Scope, String), ApiError>) -> poem::Result<Option<(Scope, String)>> {
    match found {
        Ok(found) => Ok(Some(found)),
        Err(err) if err.status().is_server_error() => Err(err.into()),
        Err(_) => Ok(None),
    }
}

/// The bearer token, parsed as poem-openapi's `Bearer` does.
fn bearer_token(headers: &HeaderMap) -> Option<String> {
    headers
        .typed_get::<Authorization<authorization::Bearer>>()
        .map(|auth| auth.token().to_owned())
}

/// The session cookie, parsed as poem's cookie jar does (the first of that name).
fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';').map(str::trim))
        .filter_map(|pair| Cookie::parse(pair).ok())
        .find(|cookie| cookie.name() == SESSION_COOKIE)
        .map(|cookie| cookie.value_str().to_owned())
}

/// Runs the endpoint for a claimed key on its own task, so that a client hanging up
/// does not cancel it between its commit and the store, then keeps or frees the key.
async fn run<E>(
    next: Arc<E>,
    req: Request,
    idem: Arc<Idempotency>,
    claim: Claim,
    secret: Option<Arc<dyn SecretAnswer>>,
) -> poem::Result<Response>
where
    E: Endpoint + 'static,
{
    let task = {
        let (idem, claim) = (Arc::clone(&idem), claim.clone());
        tokio::spawn(
            async move {
                let result = next.call(req).await.map(IntoResponse::into_response);
                settle(&idem, &claim, result, secret.as_deref()).await
            }
            .instrument(tracing::Span::current()),
        )
    };
    match task.await {
        Ok(result) => result,
        Err(err) => {
            // The endpoint panicked before answering: free the key like after a 5xx.
            release(&idem, &claim).await;
            Err(
                ApiError::internal("request handling", anyhow::anyhow!("handler failed: {err}"))
                    .into(),
            )
        }
    }
}

/// Stores a successful answer and returns it; frees the key after anything else.
async fn settle(
    idem: &Idempotency,
    claim: &Claim,
    result: poem::Result<Response>,
    secret: Option<&dyn SecretAnswer>,
) -> poem::Result<Response> {
    let resp = match result {
        Ok(resp) if resp.status().is_success() => resp,
        other => {
            release(idem, claim).await;
            return other;
        }
    };
    let (parts, body) = resp.into_parts();
    // The endpoint has committed: whatever happens now, the key must not be freed.
    let body = body
        .into_bytes()
        .await
        .map_err(|e| ApiError::internal("reading an answer to store", e))?;
    let header = |name| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let answer = Answer {
        status: i16::try_from(parts.status.as_u16()).unwrap_or(200),
        content_type: header(CONTENT_TYPE),
        etag: header(ETAG),
        location: header(LOCATION),
        body: secret.map_or_else(|| body.to_vec(), |s| s.redact(&body)),
    };
    let stored = persist("storing an idempotent answer", || {
        repo::complete(
            &idem.db,
            claim.scope,
            &claim.key,
            &claim.fingerprint,
            &answer,
        )
    })
    .await;
    if stored == Some(false) {
        tracing::warn!("the idempotency claim expired before its answer was stored");
    }
    Ok(Response::from_parts(parts, Body::from_bytes(body)))
}

async fn release(idem: &Idempotency, claim: &Claim) {
    persist("freeing an idempotency key", || {
        repo::release(&idem.db, claim.scope, &claim.key, &claim.fingerprint)
    })
    .await;
}

/// Runs a write to a record, retrying a transient failure twice: a failure that
/// sticks leaves the key in progress until it expires (a day of 409s for it).
async fn persist<T, F, Fut>(what: &str, mut write: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, sqlx::Error>>,
{
    for pause_ms in [50, 250, 0] {
        match write().await {
            Ok(done) => return Some(done),
            Err(err) if pause_ms > 0 => {
                tracing::warn!(error = %err, "{what} failed; retrying");
                tokio::time::sleep(Duration::from_millis(pause_ms)).await;
            }
            Err(err) => {
                tracing::error!(error = %err, "{what} failed; the key stays in progress until it expires");
            }
        }
    }
    None
}

/// The answer to a key held by an earlier request (its secret put back, for an
/// operation whose answers hold one).
async fn answer_held(
    record: Record,
    fingerprint: &[u8],
    scope: Scope,
    restore: Option<(&dyn SecretAnswer, &AppState)>,
) -> poem::Result<Response> {
    if record.fingerprint != fingerprint {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            format!("this {HEADER} was used for a different request in the last 24 hours; use a new key for a new request"),
        )
        .with_details(serde_json::json!({ "header": HEADER }))
        .into());
    }
    match record.state {
        State::InProgress => Err(in_progress(Some(&record)).into()),
        State::Done => match (restore, scope) {
            (Some((secret, state)), Scope::Tenant(tenant)) => {
                let mut record = record;
                let body = record.body.take().unwrap_or_default();
                record.body = Some(secret.restore(state, tenant, body).await?);
                replay(record)
            }
            _ => replay(record),
        },
    }
}

/// 409 while the first request with the key runs (or after it was abandoned).
fn in_progress(record: Option<&Record>) -> ApiError {
    let abandoned =
        record.is_some_and(|r| (Utc::now() - r.created_at).num_seconds() > ABANDONED_AFTER_SECONDS);
    let details = serde_json::json!({
        "header": HEADER,
        "abandoned": abandoned,
        "expires_at": record.map(|r| r.expires_at),
    });
    if abandoned {
        ApiError::conflict(
            "idempotency_in_progress",
            format!("the first request with this {HEADER} did not finish and its outcome is unknown; check whether it took effect before using a new key (this one is held until it expires)"),
        )
        .with_details(details)
    } else {
        ApiError::conflict(
            "idempotency_in_progress",
            format!("a request with this {HEADER} is still running; retry shortly"),
        )
        .with_details(details)
        .with_header("Retry-After", "1".to_owned())
    }
}

/// The stored answer again.
fn replay(record: Record) -> poem::Result<Response> {
    let status = record
        .status
        .and_then(|s| u16::try_from(s).ok())
        .and_then(|s| StatusCode::from_u16(s).ok())
        .ok_or_else(|| {
            ApiError::internal(
                "replaying an answer",
                anyhow::anyhow!("stored status missing"),
            )
        })?;
    let mut builder = Response::builder()
        .status(status)
        .header(REPLAYED_HEADER, "true");
    for (name, value) in [
        (CONTENT_TYPE, record.content_type),
        (ETAG, record.etag),
        (LOCATION, record.location),
    ] {
        if let Some(value) = value {
            builder = builder.header(name, value);
        }
    }
    Ok(builder.body(record.body.unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use poem::http::header::AUTHORIZATION;

    use super::*;

    fn headers(values: &[&[u8]]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in values {
            map.append(
                HEADER,
                poem::http::HeaderValue::from_bytes(value).expect("header value"),
            );
        }
        map
    }

    #[test]
    fn keys_are_one_to_255_visible_ascii_characters_sent_once() {
        assert_eq!(parse_key(&HeaderMap::new()).expect("no key"), None);
        let long = "k".repeat(255);
        for good in [
            b"a".as_slice(),
            b"0b7c2a8e-6f5e-4d8a-9a57-3c1f2f9d1e20",
            long.as_bytes(),
        ] {
            assert_eq!(
                parse_key(&headers(&[good]))
                    .expect("valid")
                    .as_deref()
                    .map(str::as_bytes),
                Some(good)
            );
        }
        let too_long = "k".repeat(256);
        for bad in [
            vec![too_long.as_bytes()],
            vec![b"with space".as_slice()],
            vec![b"tab\there".as_slice()],
            vec!["ñandú".as_bytes()],
            vec![b"".as_slice()],
            vec![b"one".as_slice(), b"two".as_slice()],
        ] {
            let err = parse_key(&headers(&bad)).expect_err("invalid");
            assert_eq!(err.code(), "invalid_idempotency_key", "{bad:?}");
            assert_eq!(err.status(), StatusCode::BAD_REQUEST, "{bad:?}");
        }
    }

    #[test]
    fn the_session_cookie_and_bearer_token_are_read_like_the_security_schemes_do() {
        let mut map = HeaderMap::new();
        map.insert(AUTHORIZATION, "Bearer vts.abc".parse().expect("value"));
        map.insert(
            COOKIE,
            format!("a=1; {SESSION_COOKIE}=vts.xyz; {SESSION_COOKIE}=later")
                .parse()
                .expect("value"),
        );
        assert_eq!(bearer_token(&map).as_deref(), Some("vts.abc"));
        assert_eq!(session_cookie(&map).as_deref(), Some("vts.xyz"));
        map.insert(AUTHORIZATION, "Basic abc".parse().expect("value"));
        assert_eq!(bearer_token(&map), None);
    }
}
