//! Authentication (sessions, platform API keys, passwords) and authorization.

pub mod api;
pub mod csrf;
pub mod limit;
pub mod login;
pub mod password;
pub mod rbac;
pub mod repo;
pub mod token;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use poem::http::header;
use poem::{Request, RequestBody};
use poem_openapi::auth::{ApiKey, Bearer};
use poem_openapi::registry::Registry;
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions, SecurityScheme};

use crate::cache::{CacheKey, Scope, SharedKey};
use crate::db::TenantTx;
use crate::error::{ApiError, ApiResult};
use crate::ids::{PlatformKeyId, SessionId, TenantId, UserId};
use crate::state::AppState;
use crate::users::model::TenantRole;
use rbac::{Permission, Role};

/// Name of the session cookie. `__Host-` makes browsers insist on Secure, Path=/
/// and no Domain, so sibling hosts can neither set nor read it.
pub const SESSION_COOKIE: &str = "__Host-ventanas_session";

/// The `Set-Cookie` value of the session cookie (an empty token and no age clear it).
pub fn session_cookie(token: &str, max_age_seconds: i64) -> String {
    format!("{SESSION_COOKIE}={token}; Path=/; Max-Age={max_age_seconds}; Secure; HttpOnly; SameSite=Strict")
}

/// Who is calling, within which tenant. Its existence is the authentication check;
/// [`TenantCtx::require`] is the authorization check.
#[derive(Debug, Clone)]
pub struct TenantCtx {
    pub tenant: TenantId,
    pub user: UserId,
    pub role: TenantRole,
    pub email: String,
    pub session: SessionId,
    allowed: [bool; Permission::ALL.len()],
    parked: Option<Parked>,
}

/// The transaction a session lookup that missed the cache ran in, left open for the
/// request's own first transaction: an uncached request then takes one transaction,
/// not two. Dropped unused (the request needed no database), it rolls back.
#[derive(Clone)]
struct Parked(Arc<std::sync::Mutex<Option<TenantTx>>>);

impl std::fmt::Debug for Parked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Parked")
    }
}

impl TenantCtx {
    /// 403 unless the caller's role grants `permission`.
    pub fn require(&self, permission: Permission) -> ApiResult<()> {
        if self.allowed[permission as usize] {
            Ok(())
        } else {
            let (obj, act) = permission.object_action();
            Err(ApiError::forbidden(format!(
                "the {} role may not {act} {obj}",
                self.role.as_str()
            )))
        }
    }

    /// Begins a transaction bound to the caller's tenant (the first one of a request
    /// whose session was not cached continues the session lookup's transaction).
    pub async fn tx(&self, state: &AppState) -> ApiResult<TenantTx> {
        let parked = self.parked.as_ref().and_then(|Parked(slot)| {
            slot.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take()
        });
        match parked {
            Some(tx) => Ok(tx),
            None => Ok(TenantTx::begin(&state.db.app, self.tenant).await?),
        }
    }

    /// Gives back the connection a session lookup left open for this request, if
    /// any. Call it before waiting for anything but the database (a hashing or a
    /// render slot), so a queue of such requests holds no pooled connections.
    pub fn release_parked(&self) {
        if let Some(Parked(slot)) = &self.parked {
            drop(
                slot.lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .take(),
            );
        }
    }

    /// Commits a change to the tenant's catalogue or settings, then evicts what is
    /// cached for the tenant on every instance, so the next read anywhere sees it.
    pub async fn commit_catalog_change(&self, state: &AppState, tx: TenantTx) -> ApiResult<()> {
        tx.commit().await?;
        state.cache.invalidate(Scope::Tenant(self.tenant)).await;
        Ok(())
    }
}

/// What a session resolves to; cached per tenant.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SessionPrincipal {
    pub session: SessionId,
    pub user: UserId,
    pub role: TenantRole,
    pub email: String,
    pub expires_at: DateTime<Utc>,
}

/// A session token sent as `Authorization: Bearer <token>`.
#[derive(SecurityScheme)]
#[oai(
    rename = "session_bearer",
    ty = "bearer",
    bearer_format = "opaque",
    checker = "check_bearer"
)]
pub struct BearerSession(TenantCtx);

/// A session token sent as the `__Host-ventanas_session` cookie (the web app).
/// Writes (any method but GET, HEAD, OPTIONS) sent from another site's page, by
/// `Sec-Fetch-Site` or `Origin`, are refused with 403 `cross_site_request`.
#[derive(SecurityScheme)]
#[oai(
    rename = "session_cookie",
    ty = "api_key",
    key_name = "__Host-ventanas_session",
    key_in = "cookie",
    checker = "check_cookie"
)]
pub struct CookieSession(TenantCtx);

/// A tenant user's session, by bearer token or cookie.
///
/// Not derived: poem-openapi's derived scheme tries each credential and answers the
/// last one's error, so a bearer client whose session could not be read (503, the
/// database down) got the missing cookie's 401 and dropped its user. The credential
/// the request carries decides: an `Authorization` header is the bearer scheme's
/// alone, else the cookie's; neither is the bearer scheme's 401.
pub enum TenantAuth {
    Bearer(BearerSession),
    Cookie(CookieSession),
}

impl<'a> ApiExtractor<'a> for TenantAuth {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::SecurityScheme];
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        BearerSession::register(registry);
        CookieSession::register(registry);
    }

    fn security_schemes() -> Vec<&'static str> {
        let mut schemes = BearerSession::security_schemes();
        schemes.extend(CookieSession::security_schemes());
        schemes
    }

    async fn from_request(
        req: &'a Request,
        body: &mut RequestBody,
        param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        let cookie_only = !req.headers().contains_key(header::AUTHORIZATION)
            && req.cookie().get(SESSION_COOKIE).is_some();
        if cookie_only {
            CookieSession::from_request(req, body, param_opts)
                .await
                .map(TenantAuth::Cookie)
        } else {
            BearerSession::from_request(req, body, param_opts)
                .await
                .map(TenantAuth::Bearer)
        }
    }
}

impl TenantAuth {
    /// The caller.
    pub fn ctx(&self) -> &TenantCtx {
        match self {
            TenantAuth::Bearer(BearerSession(ctx)) | TenantAuth::Cookie(CookieSession(ctx)) => ctx,
        }
    }
}

async fn check_bearer(req: &Request, bearer: Bearer) -> poem::Result<TenantCtx> {
    Ok(resolve(req, &bearer.token, true).await?)
}

/// The cookie is sent by the browser whichever page asks: a write from another
/// site's page is refused here, before the session is looked up, so no operation
/// taking the cookie can forget it.
async fn check_cookie(req: &Request, key: ApiKey) -> poem::Result<TenantCtx> {
    csrf::refuse_cross_site(req, &state_of(req)?.origins)?;
    Ok(resolve(req, &key.key, true).await?)
}

fn state_of(req: &Request) -> ApiResult<&AppState> {
    req.data::<AppState>()
        .ok_or_else(|| ApiError::internal("auth", anyhow::anyhow!("AppState missing")))
}

/// A live session, by the SHA-256 of its token, shared in
/// Redis as `sess:<hex>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct SessionKey {
    tenant: TenantId,
    /// Inline, not boxed: with thousands of sessions cached, a key compared through a
    /// heap pointer costs one more cache miss per request.
    token_hash: [u8; 32],
}

impl CacheKey for SessionKey {
    /// Only live sessions are cached: a token that finds none is answered 401
    /// without leaving an entry (random tokens must not fill the cache).
    type Value = Arc<SessionPrincipal>;
    fn scope(&self) -> Scope {
        Scope::Tenant(self.tenant)
    }
}

impl SharedKey for SessionKey {
    fn redis_name(&self) -> String {
        format!("sess:{}", hex::encode(self.token_hash))
    }

    const REVOCABLE: bool = true;
}

/// Resolves a session token to its context: cached per tenant, invalidated on
/// logout, user changes and deactivation. (Used by the idempotency middleware,
/// which must know the caller before it looks a key up.)
pub(crate) async fn resolve_session(req: &Request, token: &str) -> ApiResult<TenantCtx> {
    resolve(req, token, false).await
}

/// [`resolve_session`]; with `park`, a lookup that reaches PostgreSQL leaves its
/// transaction open in the context for the request's handler ([`TenantCtx::tx`]).
async fn resolve(req: &Request, token: &str, park: bool) -> ApiResult<TenantCtx> {
    let state = state_of(req)?;
    let tenant = token::session_token_tenant(token).ok_or_else(ApiError::unauthenticated)?;
    let key = SessionKey {
        tenant,
        token_hash: token::digest_array(token),
    };
    // Cached as Arc: a hit costs a reference count, not a deep copy.
    let mut parked = None;
    let principal = state
        .cache
        .get(&key, || async {
            let mut tx = TenantTx::begin(&state.db.app, tenant).await?;
            let found = repo::find_session(&mut tx, &key.token_hash)
                .await?
                .ok_or_else(ApiError::unauthenticated)?;
            if park {
                parked = Some(tx);
            } else {
                tx.commit().await?;
            }
            Ok::<_, ApiError>(Arc::new(found))
        })
        .await?;
    if principal.expires_at <= Utc::now() {
        return Err(ApiError::unauthenticated());
    }
    let role = principal.role;
    let span = tracing::Span::current();
    span.record("tenant_id", tracing::field::display(tenant));
    span.record("user_id", tracing::field::display(principal.user));
    let mut allowed = [false; Permission::ALL.len()];
    for permission in Permission::ALL {
        allowed[permission as usize] = state.authz.allows(role.role(), permission);
    }
    Ok(TenantCtx {
        tenant,
        user: principal.user,
        role,
        email: principal.email.clone(),
        session: principal.session,
        allowed,
        parked: parked.map(|tx| Parked(Arc::new(std::sync::Mutex::new(Some(tx))))),
    })
}

/// The platform operator, authenticated by a platform API key.
#[derive(Debug, Clone)]
pub struct PlatformCtx {
    pub key_id: PlatformKeyId,
    pub key_name: String,
}

/// A platform API key sent as `Authorization: Bearer vtp.<...>`.
#[derive(SecurityScheme)]
#[oai(
    rename = "platform_key",
    ty = "bearer",
    bearer_format = "vtp.<key>",
    checker = "check_platform_key"
)]
pub struct PlatformAuth(pub PlatformCtx);

async fn check_platform_key(req: &Request, bearer: Bearer) -> poem::Result<PlatformCtx> {
    Ok(resolve_platform_key(req, &bearer.token).await?)
}

/// Resolves a platform API key to its context (also used by the idempotency
/// middleware, which must know the caller before it looks a key up).
pub(crate) async fn resolve_platform_key(req: &Request, key: &str) -> ApiResult<PlatformCtx> {
    let state = state_of(req)?;
    if !token::is_platform_key(key) {
        return Err(ApiError::unauthenticated());
    }
    let found = repo::find_platform_key(&state.db.platform, &token::digest(key)).await?;
    let ctx = found.ok_or_else(ApiError::unauthenticated)?;
    tracing::Span::current().record(
        "user_id",
        tracing::field::display(format!("platform:{}", ctx.key_name)),
    );
    Ok(ctx)
}

/// Authorization for the platform operator (always granted by the policy, but asked
/// through the same table so the policy stays the single source).
pub fn require_platform(state: &AppState, permission: Permission) -> ApiResult<()> {
    if state.authz.allows(Role::Platform, permission) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "the platform role lacks this permission",
        ))
    }
}
