//! What every page shares: the layout's data, the signed-in user, and errors
//! answered as pages.

use askama::Template;
use poem::error::ResponseError;
use poem::http::{header, StatusCode};
use poem::{Request, Response};

use super::assets::ASSETS;
use super::i18n::{fill, Texts, ES_MX};
use super::Web;
use crate::auth::rbac::Permission;
use crate::auth::{csrf, TenantCtx, SESSION_COOKIE};
use crate::error::ApiError;
use crate::state::AppState;
use crate::tenants::repo::{find_by_id, Tenant};

/// The texts pages are written in (one language for now).
pub fn texts() -> &'static Texts {
    &ES_MX
}

/// What the base layout shows.
pub struct Layout {
    pub t: &'static Texts,
    pub title: String,
    pub css: String,
    pub htmx: String,
    /// The signed-in user's bar (shop, email, the logout form's token).
    pub user: Option<UserBar>,
    /// The navigation entry of the page, e.g. `catalogo`.
    pub section: &'static str,
}

/// The header of a signed-in page.
pub struct UserBar {
    pub shop: String,
    pub email: String,
    pub csrf: String,
    /// Whether the user may change prices (the nav's "Precios" then opens the
    /// price administration rather than the history).
    pub admin: bool,
    /// Whether the user may read clients (the nav then shows "Clientes").
    pub clients: bool,
    /// Whether the user may price and save quotes (the nav then shows "Cotizar").
    pub quotes: bool,
    /// Whether the user may read quotes (the nav then shows "Cotizaciones").
    pub quote_list: bool,
    /// Whether the user may open the administration (the nav then shows it).
    pub administration: bool,
}

impl Layout {
    /// A layout titled `title`, for a signed-in user or not.
    pub fn new(title: impl Into<String>, user: Option<&SignedIn>, section: &'static str) -> Self {
        Self {
            t: texts(),
            title: title.into(),
            css: ASSETS.css.url(),
            htmx: ASSETS.htmx.url(),
            user: user.map(|s| UserBar {
                shop: s.shop.name.clone(),
                email: s.ctx.email.clone(),
                csrf: s.csrf.clone(),
                admin: s.ctx.require(Permission::WriteCatalog).is_ok(),
                clients: s.ctx.require(Permission::ReadQuotes).is_ok(),
                quotes: s.ctx.require(Permission::WriteQuotes).is_ok(),
                quote_list: s.ctx.require(Permission::ReadQuotes).is_ok(),
                administration: super::admin::allowed(&s.ctx),
            }),
            section,
        }
    }
}

/// A page's failure, answered as a page.
#[derive(Debug)]
pub enum WebError {
    /// No (valid) session: 303 to the login page.
    SignIn,
    /// The role may not: 403.
    Forbidden,
    /// A form's CSRF token or origin is wrong: 403.
    Csrf,
    /// 404.
    NotFound,
    /// Anything else the shared code answered.
    Api(ApiError),
}

impl From<ApiError> for WebError {
    fn from(err: ApiError) -> Self {
        Self::Api(err)
    }
}

impl From<sqlx::Error> for WebError {
    fn from(err: sqlx::Error) -> Self {
        Self::Api(err.into())
    }
}

impl std::fmt::Display for WebError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

impl std::error::Error for WebError {}

impl ResponseError for WebError {
    fn status(&self) -> StatusCode {
        match self {
            Self::SignIn => StatusCode::SEE_OTHER,
            Self::Forbidden | Self::Csrf => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Api(err) => err.status(),
        }
    }

    fn as_response(&self) -> Response {
        let t = texts();
        let message = match self {
            Self::SignIn => return redirect("/entrar"),
            Self::Forbidden => t.error_forbidden.to_owned(),
            Self::Csrf => t.error_csrf.to_owned(),
            Self::NotFound => t.error_not_found.to_owned(),
            Self::Api(err) => api_message(err),
        };
        render_error(self.status(), message)
    }
}

/// The Spanish message of an error the shared code answered.
fn api_message(err: &ApiError) -> String {
    let t = texts();
    match err.status() {
        StatusCode::FORBIDDEN if err.code() == "cross_site_request" => t.error_csrf.to_owned(),
        StatusCode::FORBIDDEN => t.error_forbidden.to_owned(),
        StatusCode::NOT_FOUND => t.error_not_found.to_owned(),
        StatusCode::SERVICE_UNAVAILABLE => t.error_busy.to_owned(),
        s if s.is_server_error() => {
            let reference = err
                .details()
                .and_then(|d| d.get("reference"))
                .and_then(|r| r.as_str())
                .unwrap_or("-");
            fill(t.error_server, &[("reference", reference)])
        }
        _ => t.error_bad_request.to_owned(),
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    message: String,
}

/// The error page with `message`.
pub fn error_page(status: StatusCode, message: String) -> Response {
    render_error(status, message)
}

fn render_error(status: StatusCode, message: String) -> Response {
    let page = ErrorPage {
        layout: Layout::new(texts().error_title, None, ""),
        message,
    };
    html(status, &page)
}

/// 413 for a CSV larger than `server.max_import_bytes`, as a page.
pub fn too_large(max_import_bytes: usize) -> Response {
    let max = max_import_bytes.to_string();
    render_error(
        StatusCode::PAYLOAD_TOO_LARGE,
        fill(texts().import_too_large, &[("max", &max)]),
    )
}

/// Any error leaving a page's endpoint, as a page: ours as they say, poem's
/// (a form that does not parse, a wrong method) by their status.
pub fn error_response(err: poem::Error) -> Response {
    if let Some(web) = err.downcast_ref::<WebError>() {
        return web.as_response();
    }
    if let Some(api) = err.downcast_ref::<ApiError>() {
        return WebError::Api(api.clone()).as_response();
    }
    let status = err.status();
    let t = texts();
    let message = match status {
        StatusCode::NOT_FOUND => t.error_not_found,
        s if s.is_server_error() => t.error_busy,
        _ => t.error_bad_request,
    };
    render_error(status, message.to_owned())
}

/// A rendered template as an HTML answer.
pub fn html(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(body) => Response::builder()
            .status(status)
            .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
            .body(body),
        Err(err) => {
            let err = ApiError::internal("rendering a page", err);
            Response::builder()
                .status(StatusCode::INTERNAL_SERVER_ERROR)
                .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
                .body(api_message(&err))
        }
    }
}

/// 303 See Other to `location` (the answer to a form post, and to a page that
/// needs a session).
pub fn redirect(location: &str) -> Response {
    Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(header::LOCATION, location)
        .finish()
}

/// A cookie sent with the request, by name.
pub fn cookie<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

/// A signed-in user on a page: the API's context, the shop, the forms' token.
pub struct SignedIn {
    pub ctx: TenantCtx,
    pub shop: Tenant,
    pub csrf: String,
}

/// The session of the cookie, or [`WebError::SignIn`]: no cookie, an unknown,
/// expired or revoked session, an inactive shop, or (with
/// `web.tenant_host_suffix`) another shop's subdomain.
pub async fn signed_in(req: &Request, state: &AppState, web: &Web) -> Result<SignedIn, WebError> {
    let token = cookie(req, SESSION_COOKIE).ok_or(WebError::SignIn)?;
    let ctx = match crate::auth::resolve_session(req, token).await {
        Ok(ctx) => ctx,
        Err(err) if err.status() == StatusCode::UNAUTHORIZED => return Err(WebError::SignIn),
        Err(err) => return Err(err.into()),
    };
    let shop = find_by_id(&state.db.app, ctx.tenant)
        .await?
        .filter(|shop| shop.active)
        .ok_or(WebError::SignIn)?;
    if web
        .shop_from_host(req)
        .is_some_and(|slug| slug != shop.slug)
    {
        return Err(WebError::SignIn);
    }
    let csrf = web.csrf.session_token(ctx.session);
    Ok(SignedIn { ctx, shop, csrf })
}

/// [`signed_in`] for a form post: the request must come from this service's own
/// pages (Origin / Sec-Fetch-Site) and carry the session's token.
pub async fn signed_in_post(
    req: &Request,
    state: &AppState,
    web: &Web,
    token: &str,
) -> Result<SignedIn, WebError> {
    csrf::refuse_cross_site(req, &state.origins).map_err(|_| WebError::Csrf)?;
    let user = signed_in(req, state, web).await?;
    check_token(web, &user, token)?;
    Ok(user)
}

/// The signed-in user of a post whose CSRF token is inside a body read later (a
/// file upload): the origin is checked here, the token with [`check_token`].
pub async fn signed_in_upload(
    req: &Request,
    state: &AppState,
    web: &Web,
) -> Result<SignedIn, WebError> {
    csrf::refuse_cross_site(req, &state.origins).map_err(|_| WebError::Csrf)?;
    signed_in(req, state, web).await
}

/// A multipart upload form (`csrf` and the file in `file_field`) for users with
/// `permission`: the session, origin and role are checked before the body is read
/// (a refused user's upload is not read), the token after. The file's bytes, empty
/// when none was chosen.
pub async fn read_upload(
    req: &Request,
    state: &AppState,
    web: &Web,
    mut multipart: poem::web::Multipart,
    permission: Permission,
    file_field: &str,
) -> Result<(SignedIn, Vec<u8>), WebError> {
    let user = signed_in_upload(req, state, web).await?;
    user.ctx
        .require(permission)
        .map_err(|_| WebError::Forbidden)?;
    let unreadable = || ApiError::bad_request("invalid_form", "the upload could not be read");
    let (mut token, mut file) = (String::new(), Vec::new());
    while let Some(field) = multipart.next_field().await.map_err(|_| unreadable())? {
        match field.name() {
            Some("csrf") => token = field.text().await.map_err(|_| unreadable())?,
            Some(name) if name == file_field => {
                file = field.bytes().await.map_err(|_| unreadable())?;
            }
            _ => {}
        }
    }
    check_token(web, &user, &token)?;
    Ok((user, file))
}

/// Refuses a form whose token is not the session's.
pub fn check_token(web: &Web, user: &SignedIn, token: &str) -> Result<(), WebError> {
    if web.csrf.check_session(user.ctx.session, token) {
        Ok(())
    } else {
        Err(WebError::Csrf)
    }
}

/// Whether htmx sent the request (it then wants a fragment, not a page).
pub fn from_htmx(req: &Request) -> bool {
    req.headers().contains_key("hx-request")
}
