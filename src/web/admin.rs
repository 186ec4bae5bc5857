//! Administración: the shop's admins manage its users, the company data, quote
//! settings, labour, taxes, colours, products and webhooks. Every page and
//! post needs the API's own permission for the same thing (`ManageUsers` for
//! users); other roles get the 403 page, and their posts are refused before
//! anything is read.

pub mod colours;
pub mod company;
pub mod labour;
pub mod products;
pub mod quote_settings;
pub mod taxes;
pub mod users;
pub mod webhooks;

use std::sync::Arc;

use askama::Template;
use poem::endpoint::BoxEndpoint;
use poem::http::StatusCode;
use poem::web::Data;
use poem::{get, handler, post, EndpointExt, Request, Response, Route};

use super::i18n::Texts;
use super::page::{self, html, signed_in, signed_in_post, Layout, SignedIn, WebError};
use super::Web;
use crate::auth::rbac::Permission;
use crate::state::AppState;

/// Adds the administration's pages; `page` wraps each as `web::mount` does.
pub fn routes(
    route: Route,
    page: &impl Fn(BoxEndpoint<'static, Response>) -> BoxEndpoint<'static, Response>,
) -> Route {
    catalogue_routes(route, page)
        .at("/administracion", page(get(show).boxed()))
        .at(
            "/administracion/usuarios",
            page(get(users::list).post(users::create).boxed()),
        )
        .at(
            "/administracion/usuarios/:id/rol",
            page(post(users::set_role).boxed()),
        )
        .at(
            "/administracion/usuarios/:id/desactivar",
            page(post(users::deactivate).boxed()),
        )
        .at(
            company::PATH,
            page(get(company::show).post(company::save).boxed()),
        )
        .at(
            quote_settings::PATH,
            page(get(quote_settings::show).post(quote_settings::save).boxed()),
        )
        .at(labour::PATH, page(get(labour::show).boxed()))
        .at(
            "/administracion/mano-de-obra/:type",
            page(post(labour::save).boxed()),
        )
        .at(
            "/administracion/mano-de-obra/:type/restaurar",
            page(post(labour::restore).boxed()),
        )
        .at(
            company::LOGO_PATH,
            page(get(company::logo_image).post(company::upload).boxed()),
        )
        .at(
            company::LOGO_REMOVE_PATH,
            page(post(company::remove_logo).boxed()),
        )
        .at(
            "/administracion/usuarios/:id/reactivar",
            page(post(users::reactivate).boxed()),
        )
}

/// The catalogue's pages (taxes, colours, webhooks, products), as [`routes`].
fn catalogue_routes(
    route: Route,
    page: &impl Fn(BoxEndpoint<'static, Response>) -> BoxEndpoint<'static, Response>,
) -> Route {
    route
        .at(
            taxes::PATH,
            page(get(taxes::show).post(taxes::create).boxed()),
        )
        .at(
            "/administracion/impuestos/:code/:valid_from/quitar",
            page(post(taxes::remove).boxed()),
        )
        .at(
            colours::PATH,
            page(get(colours::show).post(colours::create).boxed()),
        )
        .at(
            "/administracion/colores/:code",
            page(post(colours::rename).boxed()),
        )
        .at(
            "/administracion/colores/:code/quitar",
            page(post(colours::remove).boxed()),
        )
        .at(
            webhooks::PATH,
            page(get(webhooks::show).post(webhooks::create).boxed()),
        )
        .at(
            "/administracion/webhooks/:id",
            page(get(webhooks::deliveries).boxed()),
        )
        .at(
            "/administracion/webhooks/:id/eliminar",
            page(post(webhooks::remove).boxed()),
        )
        .at(
            "/administracion/webhooks/:id/rotar",
            page(post(webhooks::rotate).boxed()),
        )
        .at(products::PATH, page(get(products::list).boxed()))
        .at(
            products::edit::NEW_PATH,
            page(
                get(products::edit::new_form)
                    .post(products::edit::create)
                    .boxed(),
            ),
        )
        .at(
            "/administracion/productos/:code",
            page(get(products::details).boxed()),
        )
        .at(
            "/administracion/productos/:code/editar",
            page(
                get(products::edit::edit_form)
                    .post(products::edit::save)
                    .boxed(),
            ),
        )
        .at(
            "/administracion/productos/:code/quitar",
            page(post(products::edit::remove).boxed()),
        )
}

/// Whether the user may open the administration (the nav's entry).
pub fn allowed(user: &crate::auth::TenantCtx) -> bool {
    user.require(Permission::ManageUsers).is_ok()
}

/// The API's check for `permission`, or 403.
fn require(user: &SignedIn, permission: Permission) -> Result<(), WebError> {
    user.ctx
        .require(permission)
        .map_err(|_| WebError::Forbidden)
}

/// The signed-in user of a page needing `permission`, or 403.
pub async fn admin_get(
    req: &Request,
    state: &AppState,
    web: &Web,
    permission: Permission,
) -> Result<SignedIn, WebError> {
    let user = signed_in(req, state, web).await?;
    require(&user, permission)?;
    Ok(user)
}

/// The signed-in user of a form post needing `permission` (origin and token
/// checked first), or 403 before anything is read.
pub async fn admin_post(
    req: &Request,
    state: &AppState,
    web: &Web,
    csrf: &str,
    permission: Permission,
) -> Result<SignedIn, WebError> {
    let user = signed_in_post(req, state, web, csrf).await?;
    require(&user, permission)?;
    Ok(user)
}

/// A button's form (restore, remove): the token alone.
#[derive(Debug, serde::Deserialize)]
pub struct ButtonForm {
    csrf: String,
}

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    layout: Layout,
    t: &'static Texts,
}

/// `GET /administracion`: the sections.
#[handler]
pub async fn show(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
) -> Result<Response, WebError> {
    let user = admin_get(req, &state, &web, Permission::ManageUsers).await?;
    let t = page::texts();
    let view = AdminPage {
        layout: Layout::new(t.admin_title, Some(&user), "administracion"),
        t,
    };
    Ok(html(StatusCode::OK, &view))
}
