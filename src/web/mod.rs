//! The hosted web app: server-rendered pages under `/` (the API stays under
//! `/api/v1`), with the same sessions (the `__Host-` cookie), tenant isolation,
//! roles and catalogue code as the API.
//!
//! Templates: askama. They are compiled with the crate, so a template naming a
//! field or a text that does not exist fails the build rather than a page at run
//! time, rendering is plain string writing (no interpreter, no template loading at
//! start-up), and its dependency tree is small (a parser and a derive; serde, syn
//! and memchr were already built). Templates live in `src/web/templates`
//! (`askama.toml`) and escape HTML by default.
//!
//! Pages work without JavaScript: every action is a form that posts and redirects.
//! htmx (vendored in `assets/vendor`, Zero-Clause BSD) only enhances forms that
//! carry `hx-*` attributes, e.g. a price edit swaps its table row in place.

mod admin;
pub mod assets;
mod catalog;
mod clients;
pub mod format;
pub mod i18n;
mod login;
mod page;
mod prices;
mod problems;
mod quotes;
mod repo;
pub mod security;

use std::sync::Arc;

use poem::endpoint::BoxEndpoint;
use poem::{get, post, Endpoint, EndpointExt, IntoResponse, Request, Response, Route};

use crate::config::Settings;
use security::CsrfKey;

/// What the pages need besides the application state.
pub struct Web {
    pub csrf: CsrfKey,
    /// `web.tenant_host_suffix`, lowercase, with its leading dot; empty when unset.
    host_suffix: String,
}

impl Web {
    /// Derives the keys and reads the web settings.
    pub fn new(settings: &Settings) -> Self {
        let suffix = settings.web.tenant_host_suffix.trim().to_ascii_lowercase();
        let host_suffix = match suffix.as_str() {
            "" => String::new(),
            s if s.starts_with('.') => suffix.clone(),
            s => format!(".{s}"),
        };
        Self {
            csrf: CsrfKey::from_settings(settings),
            host_suffix,
        }
    }

    /// The shop named by the Host's subdomain, when `web.tenant_host_suffix` is set
    /// and the Host is one label under it (`aluminios-perez.ventanas.mx`).
    pub fn shop_from_host(&self, req: &Request) -> Option<String> {
        if self.host_suffix.is_empty() {
            return None;
        }
        let host = req.headers().get("host")?.to_str().ok()?;
        let host = host.split(':').next()?.to_ascii_lowercase();
        let label = host.strip_suffix(&self.host_suffix)?;
        let valid = !label.is_empty()
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        valid.then(|| label.to_owned())
    }
}

/// Adds the pages and assets to the application's routes.
pub fn mount(route: Route, settings: &Settings) -> Route {
    let web = Arc::new(Web::new(settings));
    let page = |ep: BoxEndpoint<'static, Response>| -> BoxEndpoint<'static, Response> {
        ep.data(Arc::clone(&web)).around(answer).boxed()
    };
    let route = admin::routes(route, &page);
    route
        .at("/", page(get(login::home).boxed()))
        .at(
            "/entrar",
            page(get(login::show).post(login::submit).boxed()),
        )
        .at("/salir", page(post(login::logout).boxed()))
        .at("/catalogo", page(get(catalog::list).boxed()))
        .at(
            "/catalogo/:code/precio",
            page(post(catalog::edit::set_price).boxed()),
        )
        .at(
            "/catalogo/:code/restaurar",
            page(post(catalog::edit::restore).boxed()),
        )
        .at(
            "/catalogo/:code/historial",
            page(get(catalog::history).boxed()),
        )
        .at("/precios", page(get(prices::admin::show).boxed()))
        .at(
            "/precios/vista-previa",
            page(post(prices::bulk::preview).boxed()),
        )
        .at("/precios/aplicar", page(post(prices::bulk::apply).boxed()))
        .at(
            "/precios/lotes/:id/revertir",
            page(post(prices::batches::revert).boxed()),
        )
        .at(
            prices::import::PATH,
            page(post(prices::import::dry_run).boxed()),
        )
        .at(
            prices::import::CONFIRM_PATH,
            page(post(prices::import::confirm).boxed()),
        )
        .at("/precios/historial", page(get(prices::history).boxed()))
        .at("/clientes", page(get(clients::list).boxed()))
        .at(
            "/clientes/nuevo",
            page(get(clients::new_form).post(clients::edit::create).boxed()),
        )
        .at(
            "/clientes/:id",
            page(get(clients::show).post(clients::edit::update).boxed()),
        )
        .at(
            "/clientes/:id/archivar",
            page(post(clients::edit::archive).boxed()),
        )
        .at(
            "/clientes/:id/restaurar",
            page(post(clients::edit::restore).boxed()),
        )
        .at(
            "/cotizar",
            page(get(quotes::show).post(quotes::submit).boxed()),
        )
        .at("/cotizar/calculo", page(post(quotes::results).boxed()))
        .at("/cotizaciones", page(get(quotes::list::list).boxed()))
        .at("/cotizaciones/:id", page(get(quotes::detail::show).boxed()))
        .at(
            "/cotizaciones/:id/:accion",
            page(post(quotes::actions::post_action).boxed()),
        )
        .at("/assets/:name", page(get(assets::serve).boxed()))
}

/// The largest body the page at `path` accepts, when it is not the usual one: the
/// CSV upload takes `server.max_import_bytes` (plus the form's other fields), its
/// confirm form the same file in base64 (a third larger); the logo upload the
/// API's logo limit (plus the form's token).
pub fn body_limit(path: &str, import: usize, body: usize) -> Option<usize> {
    match path {
        prices::import::PATH => Some(import.saturating_add(body)),
        prices::import::CONFIRM_PATH => {
            Some(import.div_ceil(3).saturating_mul(4).saturating_add(body))
        }
        admin::company::LOGO_PATH => {
            Some(crate::settings::company::MAX_LOGO_BYTES.saturating_add(body))
        }
        _ => None,
    }
}

/// The page answering an upload over its limit (413), with the security headers:
/// the body limit is checked in front of the pages, whose errors are pages too.
pub fn too_large(path: &str, max_import_bytes: usize) -> Response {
    let mut resp = match path {
        admin::company::LOGO_PATH => admin::company::too_large(),
        _ => page::too_large(max_import_bytes),
    };
    security::add_headers(&mut resp);
    resp
}

/// Every page's answer: errors as HTML pages (never the API's JSON), and the
/// security headers on all of them.
async fn answer<E: Endpoint>(next: E, req: Request) -> poem::Result<Response> {
    let mut resp = match next.call(req).await {
        Ok(resp) => resp.into_response(),
        Err(err) => page::error_response(err),
    };
    security::add_headers(&mut resp);
    Ok(resp)
}
