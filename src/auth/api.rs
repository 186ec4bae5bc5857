//! `/api/v1/auth`: login, logout and the caller's identity.

use chrono::{DateTime, Utc};
use poem::Request;
use poem_openapi::payload::Json;

use crate::http::JsonBody;
use poem_openapi::types::Example;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::{login, session_cookie, TenantAuth};
use crate::error::{ApiError, ApiResult};
use crate::http::ApiTags;
use crate::ids::{TenantId, UserId};
use crate::state::AppState;
use crate::tenants;
use crate::users::model::TenantRole;

/// Credentials for a login.
#[derive(Debug, Object, serde::Deserialize)]
#[oai(example)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// The shop's slug, e.g. `aluminios-perez`.
    pub tenant: String,
    /// The user's email address, in any case: `Admin@Example.mx` is `admin@example.mx`.
    pub email: String,
    /// The user's password, at most 1024 bytes.
    pub password: String,
}

impl Example for LoginRequest {
    fn example() -> Self {
        Self {
            tenant: "aluminios-perez".to_owned(),
            email: "admin@aluminiosperez.mx".to_owned(),
            password: "cambia-esta-clave".to_owned(),
        }
    }
}

/// A new session.
#[derive(Debug, Object)]
pub struct LoginResponse {
    /// Opaque session token; send it as `Authorization: Bearer <token>` (or rely on
    /// the cookie set with this answer).
    pub token: String,
    /// When the session ends (`session_ttl_hours` after the login); a later request
    /// with the token is 401.
    pub expires_at: DateTime<Utc>,
    /// Who logged in.
    pub user: Me,
}

/// The authenticated caller.
#[derive(Debug, Clone, Object)]
pub struct Me {
    /// The user's id.
    pub user_id: UserId,
    /// The user's email address, lowercase.
    pub email: String,
    /// `admin`, `estimator` or `viewer`.
    pub role: TenantRole,
    /// The tenant (shop) the session belongs to.
    pub tenant_id: TenantId,
    /// The tenant's slug, as given at login, e.g. `aluminios-perez`.
    pub tenant_slug: String,
    /// The tenant's display name, e.g. `Aluminios Pérez`.
    pub tenant_name: String,
}

#[derive(ApiResponse)]
enum LoginAnswer {
    /// Logged in; the token is also set as a `__Host-` cookie.
    #[oai(status = 200)]
    Ok(Json<LoginResponse>, #[oai(header = "Set-Cookie")] String),
}

#[derive(ApiResponse)]
enum LogoutAnswer {
    /// The session is revoked and the cookie cleared.
    #[oai(status = 204)]
    Done(#[oai(header = "Set-Cookie")] String),
}

#[derive(ApiResponse)]
enum MeAnswer {
    /// The caller.
    #[oai(status = 200)]
    Ok(Json<Me>),
}

/// Answers a new session: the token in the body and the `__Host-` cookie.
async fn start_session(state: &AppState, verified: login::Verified) -> ApiResult<LoginAnswer> {
    let opened = login::open_session(state, verified).await?;
    let cookie = session_cookie(&opened.token, opened.ttl_seconds);
    let me = Me {
        user_id: opened.user,
        email: opened.email,
        role: opened.role,
        tenant_id: opened.tenant.id,
        tenant_slug: opened.tenant.slug,
        tenant_name: opened.tenant.name,
    };
    Ok(LoginAnswer::Ok(
        Json(LoginResponse {
            token: opened.token,
            expires_at: opened.expires_at,
            user: me,
        }),
        cookie,
    ))
}

/// Authentication endpoints.
pub struct AuthApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1/auth", tag = "ApiTags::Auth")]
impl AuthApi {
    /// Log in with tenant slug, email and password.
    ///
    /// Unknown tenants, unknown emails and wrong passwords all answer 401
    /// `invalid_credentials`, in about the same time. After `max_failed_logins`
    /// failed attempts for one (tenant, email) pair, whether or not the tenant or the
    /// email exists, the pair is locked for a while: 429 `too_many_attempts` with
    /// `Retry-After`. One client address may only send so many logins a minute
    /// (`login_limit`): 429 `too_many_requests` with `Retry-After`.
    ///
    /// Errors: 401 invalid_credentials; 422 invalid_field; 429 too_many_attempts,
    /// too_many_requests.
    #[oai(path = "/login", method = "post", operation_id = "auth_login")]
    async fn login(&self, req: &Request, body: JsonBody<LoginRequest>) -> ApiResult<LoginAnswer> {
        let state = &self.state;
        state.logins.limiter.check(req)?;
        if body.password.len() > 1024 {
            return Err(ApiError::invalid_field(
                "password",
                "a password is at most 1024 bytes",
            ));
        }
        let verified =
            login::authenticate(state, &body.tenant, &body.email, body.password.clone()).await?;
        start_session(state, verified).await
    }

    /// Log out: revoke the current session.
    ///
    /// The session ends at once, on every server instance: its token answers 401
    /// from then on. Other sessions of the same user stay open.
    #[oai(path = "/logout", method = "post", operation_id = "auth_logout")]
    async fn logout(&self, auth: TenantAuth) -> ApiResult<LogoutAnswer> {
        login::end_session(&self.state, auth.ctx()).await?;
        Ok(LogoutAnswer::Done(session_cookie("", 0)))
    }

    /// Who the session belongs to.
    ///
    /// The user, role and tenant of the token (or cookie) sent; any role may ask.
    #[oai(path = "/me", method = "get", operation_id = "auth_me")]
    async fn me(&self, auth: TenantAuth) -> ApiResult<MeAnswer> {
        let ctx = auth.ctx();
        let tenant = tenants::repo::find_by_id(&self.state.db.app, ctx.tenant)
            .await?
            .ok_or_else(ApiError::unauthenticated)?;
        Ok(MeAnswer::Ok(Json(Me {
            user_id: ctx.user,
            email: ctx.email.clone(),
            role: ctx.role,
            tenant_id: ctx.tenant,
            tenant_slug: tenant.slug,
            tenant_name: tenant.name,
        })))
    }
}
