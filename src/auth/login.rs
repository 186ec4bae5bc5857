//! Checking a login's credentials, ordered so that an attack on one shop costs the
//! others nothing and tells the attacker nothing:
//!
//! 1. the client address's budget (`login_limit`, [`AddressLimiter`]);
//! 2. a password-hashing slot, before anything else is held: a login waiting for
//!    its turn holds no pooled connection, so a flood queues here while every
//!    other request is served;
//! 3. the attempt is counted for its (shop, email) name before the password is
//!    checked, so concurrent guesses cannot outrun the lockout; the name is a keyed
//!    hash that exists whether or not the shop does, so unknown shops are locked
//!    out exactly like known ones;
//! 4. the account is read in a short transaction of its own, released before the
//!    password is verified, holding only the slot.
//!
//! Opening the session, in a second short transaction, forgets the attempts.

use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use poem::http::StatusCode;
use sha2::Sha256;

use super::limit::AddressLimiter;
use super::repo::{self, Attempt, LoginRow};
use super::{token, TenantCtx};
use crate::cache::Scope;
use crate::config::{ExposeSecret as _, Settings};
use crate::db::TenantTx;
use crate::error::{ApiError, ApiResult};
use crate::ids::{SessionId, UserId};
use crate::state::AppState;
use crate::tenants::repo::{find_active_by_slug, Tenant};
use crate::users::model::{normalize_email, TenantRole};

/// Shortest accepted server secret the throttle key is derived from, in bytes.
const MIN_SECRET_BYTES: usize = 32;

/// What logins need besides the pools and the hasher: the per-address limiter and
/// the key that names (shop, email) pairs in the throttle table.
pub struct Logins {
    /// The per-client-address limit, checked first.
    pub limiter: AddressLimiter,
    mac: Hmac<Sha256>,
}

impl Logins {
    /// Builds the limiter and derives the throttle key from `idempotency.secret`
    /// (one secret to keep, two purposes kept apart by the derivation).
    pub fn new(settings: &Settings) -> anyhow::Result<Self> {
        let secret = settings.idempotency.secret.expose_secret().as_bytes();
        anyhow::ensure!(
            secret.len() >= MIN_SECRET_BYTES,
            "idempotency.secret must be at least {MIN_SECRET_BYTES} bytes"
        );
        let mut derive = Hmac::<Sha256>::new_from_slice(secret)
            .map_err(|e| anyhow::anyhow!("idempotency.secret: {e}"))?;
        derive.update(b"ventanas login throttle v1");
        let mac = Hmac::<Sha256>::new_from_slice(&derive.finalize().into_bytes())
            .map_err(|e| anyhow::anyhow!("login throttle key: {e}"))?;
        Ok(Self {
            limiter: AddressLimiter::new(&settings.login_limit)?,
            mac,
        })
    }

    /// The name a (shop, email) pair's attempts are counted under: an HMAC of both,
    /// each length-prefixed so that no two pairs share an input.
    fn throttle_key(&self, slug: &str, email: &str) -> Vec<u8> {
        let mut mac = self.mac.clone();
        for part in [slug.as_bytes(), email.as_bytes()] {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        mac.finalize().into_bytes().to_vec()
    }
}

/// A user who just proved their password.
pub struct Verified {
    pub tenant: Tenant,
    pub user: UserId,
    pub email: String,
    /// The throttle key of the login, to forget its attempts with.
    pub throttle_key: Vec<u8>,
}

/// 401 for every wrong tenant, email or password alike.
pub fn invalid_credentials() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
        "the tenant, email or password is incorrect",
    )
}

fn too_many_attempts(retry_after_seconds: i64) -> ApiError {
    metrics::counter!(crate::ops::metrics::LOGINS_REFUSED, "reason" => "locked").increment(1);
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
        format!("too many failed logins; try again in {retry_after_seconds} seconds"),
    )
    .with_header("retry-after", retry_after_seconds.to_string())
}

/// Checks a login's credentials (steps 2 to 4 of the module documentation): the
/// verified user, or 401 `invalid_credentials`, or 429 `too_many_attempts`.
pub async fn authenticate(
    state: &AppState,
    slug: &str,
    raw_email: &str,
    password: String,
) -> ApiResult<Verified> {
    let settings = &state.settings.auth;
    // An email that is no address matches no account, but is still counted as typed.
    let email = normalize_email(raw_email).unwrap_or_else(|_| raw_email.trim().to_lowercase());
    let throttle_key = state.logins.throttle_key(slug, &email);
    let slot = state
        .passwords
        .slot()
        .await
        .map_err(|e| ApiError::internal("login", e))?;
    let attempt = repo::reserve_attempt(
        &state.db.app,
        &throttle_key,
        settings.max_failed_logins,
        settings.lockout_seconds,
    )
    .await?;
    if let Attempt::Locked {
        retry_after_seconds,
    } = attempt
    {
        return Err(too_many_attempts(retry_after_seconds));
    }
    let account = find_account(state, slug, &email).await?;
    let stored = account
        .as_ref()
        .filter(|(_, login)| login.active)
        .map(|(_, login)| login.password_hash.clone());
    // Without an account the dummy hash is checked: the same work, the same time.
    let ok = state
        .passwords
        .verify_in(slot, password, stored)
        .await
        .map_err(|e| ApiError::internal("login", e))?;
    match (ok, account) {
        (true, Some((tenant, login))) => Ok(Verified {
            tenant,
            user: login.user,
            email,
            throttle_key,
        }),
        (_, account) => {
            let tenant_id = account.map(|(tenant, _)| tenant.id.to_string());
            tracing::info!(tenant_id, "failed login");
            Err(invalid_credentials())
        }
    }
}

/// The active shop of `slug` and its account for `email`, read in a short
/// transaction of its own.
async fn find_account(
    state: &AppState,
    slug: &str,
    email: &str,
) -> ApiResult<Option<(Tenant, LoginRow)>> {
    let Some(tenant) = find_active_by_slug(&state.db.app, slug).await? else {
        return Ok(None);
    };
    let mut tx = TenantTx::begin(&state.db.app, tenant.id).await?;
    let login = repo::find_login(&mut tx, email).await?;
    tx.commit().await?;
    Ok(login.map(|login| (tenant, login)))
}

/// A session just opened for a verified user.
pub struct Opened {
    /// The opaque token (cookie or bearer).
    pub token: String,
    pub expires_at: DateTime<Utc>,
    /// The session's lifetime, for the cookie's `Max-Age`.
    pub ttl_seconds: i64,
    pub tenant: Tenant,
    pub user: UserId,
    pub email: String,
    pub role: TenantRole,
}

/// Opens a session for a user who just proved their password and forgets the
/// login's failed attempts, in one short transaction (the API's login and the web
/// app's share it).
pub async fn open_session(state: &AppState, verified: Verified) -> ApiResult<Opened> {
    let Verified {
        tenant,
        user,
        email,
        throttle_key,
    } = verified;
    let token = token::new_session_token(tenant.id);
    let ttl = Duration::hours(state.settings.auth.session_ttl_hours);
    let expires_at = Utc::now() + ttl;
    let mut tx = TenantTx::begin(&state.db.app, tenant.id).await?;
    repo::clear_attempts(&mut tx, &throttle_key).await?;
    repo::insert_session(
        &mut tx,
        SessionId::new_random(),
        user,
        &token::digest(&token),
        expires_at,
    )
    .await?;
    let role = crate::users::repo::role_of(&mut tx, user)
        .await?
        .ok_or_else(|| ApiError::internal("login", anyhow::anyhow!("a user without a role")))?;
    tx.commit().await?;
    Ok(Opened {
        token,
        expires_at,
        ttl_seconds: ttl.num_seconds(),
        tenant,
        user,
        email,
        role,
    })
}

/// Revokes the caller's session at once, on every instance.
pub async fn end_session(state: &AppState, ctx: &TenantCtx) -> ApiResult<()> {
    let mut tx = ctx.tx(state).await?;
    repo::revoke_session(&mut tx, ctx.session).await?;
    tx.commit().await?;
    state.cache.invalidate(Scope::Tenant(ctx.tenant)).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logins(secret: &str) -> Logins {
        let mut settings = Settings::load_from(
            &std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config"),
            "test",
            Vec::new(),
        )
        .expect("test settings");
        settings.idempotency.secret = secret.to_owned().into();
        Logins::new(&settings).expect("logins")
    }

    #[test]
    fn throttle_keys_name_each_pair_apart_and_depend_on_the_secret() {
        let a = logins("a-secret-of-at-least-thirty-two-bytes-1");
        let b = logins("a-secret-of-at-least-thirty-two-bytes-2");
        let key = a.throttle_key("shop", "ana@example.mx");
        assert_eq!(key.len(), 32);
        assert_eq!(key, a.throttle_key("shop", "ana@example.mx"));
        assert_ne!(key, b.throttle_key("shop", "ana@example.mx"), "secret");
        assert_ne!(key, a.throttle_key("shop2", "ana@example.mx"), "slug");
        assert_ne!(
            a.throttle_key("ab", "c@example.mx"),
            a.throttle_key("a", "bc@example.mx"),
            "the parts are length-prefixed"
        );
    }
}
