//! Entrar and Salir: the API's login (throttling, lockout, one answer for every
//! wrong shop, email or password) behind a form, and the same `__Host-` session
//! cookie. The shop is remembered on the device in a long-lived cookie, or taken
//! from the subdomain when `web.tenant_host_suffix` is set.

use std::sync::Arc;

use askama::Template;
use poem::http::{header, StatusCode};
use poem::web::{Data, Form, Query};
use poem::{handler, Request, Response};

use super::i18n::fill;
use super::page::{self, cookie, html, redirect, signed_in, signed_in_post, Layout, WebError};
use super::security::{login_cookie, LOGIN_COOKIE};
use super::Web;
use crate::auth::{login, session_cookie};
use crate::error::ApiError;
use crate::state::AppState;

/// The cookie that remembers the shop on this device.
const SHOP_COOKIE: &str = "__Host-ventanas_shop";
/// How long the shop is remembered: a year.
const SHOP_COOKIE_SECONDS: i64 = 365 * 24 * 3600;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    csrf: String,
    /// `None` when the subdomain names the shop (the field is not shown).
    shop: Option<String>,
    email: String,
    error: Option<String>,
    notice: Option<String>,
}

/// `GET /`: the catalogue when signed in, else the login page.
#[handler]
pub async fn home(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
) -> Result<Response, WebError> {
    match signed_in(req, &state, &web).await {
        Ok(_) => Ok(redirect("/catalogo")),
        Err(WebError::SignIn) => Ok(redirect("/entrar")),
        Err(err) => Err(err),
    }
}

#[derive(serde::Deserialize)]
pub struct LoginQuery {
    salida: Option<String>,
}

/// `GET /entrar`: the form (straight to the catalogue when already signed in).
#[handler]
pub async fn show(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Query(query): Query<LoginQuery>,
) -> Result<Response, WebError> {
    if signed_in(req, &state, &web).await.is_ok() {
        return Ok(redirect("/catalogo"));
    }
    let notice = query.salida.map(|_| page::texts().logged_out.to_owned());
    let remembered = cookie(req, SHOP_COOKIE).unwrap_or_default().to_owned();
    Ok(login_page(
        req,
        &web,
        StatusCode::OK,
        remembered,
        String::new(),
        None,
        notice,
    ))
}

fn login_page(
    req: &Request,
    web: &Web,
    status: StatusCode,
    shop: String,
    email: String,
    error: Option<String>,
    notice: Option<String>,
) -> Response {
    let (nonce, csrf) = web.csrf.new_login();
    let page = LoginPage {
        layout: Layout::new(page::texts().login_title, None, ""),
        csrf,
        shop: web.shop_from_host(req).is_none().then_some(shop),
        email,
        error,
        notice,
    };
    let mut resp = html(status, &page);
    if let Ok(value) = login_cookie(&nonce).parse() {
        resp.headers_mut().append(header::SET_COOKIE, value);
    }
    resp
}

/// The login form's fields.
#[derive(serde::Deserialize)]
pub struct LoginForm {
    csrf: String,
    #[serde(default)]
    tienda: String,
    correo: String,
    contrasena: String,
}

/// `POST /entrar`: opens the session and goes to the catalogue, or shows the form
/// again with what went wrong (the email kept, never the password).
#[handler]
pub async fn submit(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Form(form): Form<LoginForm>,
) -> Result<Response, WebError> {
    let t = page::texts();
    let slug = web
        .shop_from_host(req)
        .unwrap_or_else(|| form.tienda.trim().to_ascii_lowercase());
    let again = |status, error: &str| {
        let error = Some(error.to_owned());
        login_page(
            req,
            &web,
            status,
            slug.clone(),
            form.correo.clone(),
            error,
            None,
        )
    };
    let nonce = cookie(req, LOGIN_COOKIE).unwrap_or_default();
    let same_origin = crate::auth::csrf::refuse_cross_site(req, &state.origins).is_ok();
    if !same_origin || !web.csrf.check_login(nonce, &form.csrf) {
        return Ok(again(StatusCode::FORBIDDEN, t.login_expired));
    }
    if let Err(err) = state.logins.limiter.check(req) {
        return Ok(refused(&state, &slug, &err, again).await);
    }
    if form.contrasena.len() > 1024 {
        return Ok(again(
            StatusCode::UNPROCESSABLE_ENTITY,
            t.login_password_too_long,
        ));
    }
    let verified =
        match login::authenticate(&state, &slug, &form.correo, form.contrasena.clone()).await {
            Ok(verified) => verified,
            Err(err) => return Ok(refused(&state, &slug, &err, again).await),
        };
    let opened = login::open_session(&state, verified).await?;
    let mut resp = redirect("/catalogo");
    let headers = resp.headers_mut();
    let cookies = [
        session_cookie(&opened.token, opened.ttl_seconds),
        format!(
            "{SHOP_COOKIE}={}; Path=/; Max-Age={SHOP_COOKIE_SECONDS}; Secure; HttpOnly; SameSite=Lax",
            opened.tenant.slug
        ),
        format!("{LOGIN_COOKIE}=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Strict"),
    ];
    for value in cookies {
        if let Ok(value) = value.parse() {
            headers.append(header::SET_COOKIE, value);
        }
    }
    Ok(resp)
}

/// The form again, saying why a login was refused: wrong credentials (or an
/// inactive shop, which its users are told), a locked (shop, email) pair, or an
/// address over its budget, each with when to retry.
async fn refused(
    state: &AppState,
    slug: &str,
    err: &ApiError,
    again: impl Fn(StatusCode, &str) -> Response,
) -> Response {
    let t = page::texts();
    let retry = err
        .header("retry-after")
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or(60)
        .max(1);
    match err.code() {
        "too_many_attempts" => {
            let minutes = ((retry + 59) / 60).to_string();
            again(
                StatusCode::TOO_MANY_REQUESTS,
                &fill(t.login_locked, &[("minutes", &minutes)]),
            )
        }
        "too_many_requests" => again(
            StatusCode::TOO_MANY_REQUESTS,
            &fill(t.login_throttled, &[("seconds", &retry.to_string())]),
        ),
        "invalid_credentials" => {
            // The shop's state is no secret to its users: a suspended shop says so
            // rather than letting them doubt their password.
            let inactive = crate::tenants::repo::find_by_slug(&state.db.app, slug)
                .await
                .ok()
                .flatten()
                .is_some_and(|shop| !shop.active);
            let message = if inactive {
                t.login_inactive
            } else {
                t.login_wrong
            };
            again(StatusCode::UNAUTHORIZED, message)
        }
        _ => poem::error::ResponseError::as_response(&WebError::Api(err.clone())),
    }
}

#[derive(serde::Deserialize)]
pub struct LogoutForm {
    csrf: String,
}

/// `POST /salir`: revokes the session (at once, on every instance) and clears
/// the cookie.
#[handler]
pub async fn logout(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Form(form): Form<LogoutForm>,
) -> Result<Response, WebError> {
    let user = signed_in_post(req, &state, &web, &form.csrf).await?;
    login::end_session(&state, &user.ctx).await?;
    let mut resp = redirect("/entrar?salida=1");
    if let Ok(value) = session_cookie("", 0).parse() {
        resp.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(resp)
}
