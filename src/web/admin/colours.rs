//! Colores: the colours profiles come in, the shop's own over the defaults, as
//! `GET /api/v1/colours` lists them; a new colour, a row renamed (a default's
//! row becomes the shop's own) and the shop's own removed, through the API's own
//! rules (`catalog::colours::manage`: `problems`, `save`, `remove`). Admins only
//! (`WriteCatalog`, the API's check).

use std::sync::Arc;

use askama::Template;
use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query};
use poem::{handler, Request, Response};

use super::{admin_get, admin_post, ButtonForm};
use crate::auth::rbac::Permission;
use crate::catalog::colours::model::{is_code, Colour};
use crate::catalog::colours::{manage, repo};
use crate::catalog::model::Source;
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::i18n::admin_catalog::ColourTexts;
use crate::web::i18n::{fill, Texts};
use crate::web::page::{self, html, redirect, Layout, SignedIn, WebError};
use crate::web::Web;

/// The page's path; the new colour's form posts here, a row's rename to
/// `{PATH}/{code}`, its removal to `{PATH}/{code}/quitar`.
pub const PATH: &str = "/administracion/colores";

/// One colour's row.
struct Line {
    code: String,
    name: String,
    /// The rename form's value: the name, or what was typed.
    typed: String,
    own: bool,
    problem: Option<String>,
}

/// The new colour's fields: empty, or what was typed.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Values {
    #[serde(default)]
    clave: String,
    #[serde(default)]
    nombre: String,
}

#[derive(Template)]
#[template(path = "admin_colours.html")]
struct ColoursPage {
    layout: Layout,
    t: &'static Texts,
    texts: &'static ColourTexts,
    csrf: String,
    lines: Vec<Line>,
    values: Values,
    /// The new colour's problems: (API field, Spanish problem).
    errors: Vec<(&'static str, String)>,
    notice: Option<String>,
}

impl ColoursPage {
    /// The problem of the API's `field` in the new colour's form, if any.
    fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, text)| text.as_str())
    }

    /// A row's labels: (rename, remove), naming it.
    fn labels(&self, line: &Line) -> (String, String) {
        let code = [("code", line.code.as_str())];
        (
            fill(self.texts.rename_label, &code),
            fill(self.texts.remove_label, &code),
        )
    }
}

/// The shop's colours as listed now.
async fn colours(state: &AppState, user: &SignedIn) -> Result<Vec<Colour>, WebError> {
    let mut tx = user.ctx.tx(state).await?;
    let list = repo::effective(&mut tx).await?;
    tx.commit().await?;
    Ok(list)
}

/// The page with `list`; `typed` replaces one row's name with what was typed and
/// its problem.
fn page_of(
    user: &SignedIn,
    list: Vec<Colour>,
    typed: Option<(&str, String, String)>,
) -> ColoursPage {
    let t = page::texts();
    let texts = &t.admin_catalog.colours;
    let lines = list
        .into_iter()
        .map(|c| {
            let mut line = Line {
                typed: c.name.clone(),
                own: c.source == Source::Tenant,
                problem: None,
                code: c.code,
                name: c.name,
            };
            if let Some((code, name, problem)) = &typed {
                if *code == line.code {
                    line.typed.clone_from(name);
                    line.problem = Some(problem.clone());
                }
            }
            line
        })
        .collect();
    ColoursPage {
        layout: Layout::new(texts.title, Some(user), "administracion"),
        t,
        texts,
        csrf: user.csrf.clone(),
        lines,
        values: Values::default(),
        errors: Vec::new(),
        notice: None,
    }
}

/// The flash after a post (`?aviso=guardado&clave=CHA`).
#[derive(Debug, Default, serde::Deserialize)]
pub struct Flash {
    aviso: Option<String>,
    #[serde(default)]
    clave: String,
}

/// `GET /administracion/colores`.
#[handler]
pub async fn show(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Query(flash): Query<Flash>,
) -> Result<Response, WebError> {
    let user = admin_get(req, &state, &web, Permission::WriteCatalog).await?;
    let mut view = page_of(&user, colours(&state, &user).await?, None);
    if is_code(&flash.clave) {
        let code = [("code", flash.clave.as_str())];
        view.notice = match flash.aviso.as_deref() {
            Some("guardado") => Some(fill(view.texts.saved, &code)),
            Some("quitado") => Some(fill(view.texts.removed, &code)),
            _ => None,
        };
    }
    Ok(html(StatusCode::OK, &view))
}

/// The Spanish problems of a colour's code and name: a NUL named per field, then
/// the API's `problems`.
fn problems(t: &Texts, code: &str, name: &str) -> Vec<(&'static str, String)> {
    let texts = &t.admin_catalog.colours;
    let mut found = Vec::new();
    for (field, label, value) in [
        ("code", texts.code_label, code),
        ("name", texts.name_label, name),
    ] {
        if value.contains('\0') {
            found.push((field, fill(t.client_field_nul, &[("field", label)])));
        }
    }
    if found.is_empty() {
        for field in manage::problems(code, name)
            .iter()
            .filter_map(ApiError::field)
        {
            if field == "code" {
                found.push(("code", texts.code_invalid.to_owned()));
            } else {
                found.push(("name", texts.name_invalid.to_owned()));
            }
        }
    }
    found
}

/// The new colour's fields.
#[derive(serde::Deserialize)]
pub struct NewColour {
    csrf: String,
    #[serde(flatten)]
    values: Values,
}

/// `POST /administracion/colores`: the API's `PUT /api/v1/colours/{code}`; every
/// field's problem named (422), nothing written.
#[handler]
pub async fn create(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Form(form): Form<NewColour>,
) -> Result<Response, WebError> {
    let user = admin_post(req, &state, &web, &form.csrf, Permission::WriteCatalog).await?;
    let code = form.values.clave.trim();
    let errors = problems(page::texts(), code, &form.values.nombre);
    if errors.is_empty() {
        let saved = manage::save(&state, &user.ctx, code, &form.values.nombre).await?;
        return Ok(redirect(&format!(
            "{PATH}?aviso=guardado&clave={}",
            saved.code
        )));
    }
    let mut view = page_of(&user, colours(&state, &user).await?, None);
    view.values = form.values;
    view.errors = errors;
    Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &view))
}

/// A row's rename field.
#[derive(Debug, serde::Deserialize)]
pub struct RenameForm {
    csrf: String,
    #[serde(default)]
    nombre: String,
}

/// `POST /administracion/colores/{code}`: renames a colour the shop lists (a
/// default becomes the shop's own), as the API's `PUT`; 404 for a code it does
/// not list; a bad name is named on its row (422).
#[handler]
pub async fn rename(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Path(code): Path<String>,
    Form(form): Form<RenameForm>,
) -> Result<Response, WebError> {
    let user = admin_post(req, &state, &web, &form.csrf, Permission::WriteCatalog).await?;
    let list = colours(&state, &user).await?;
    if !list.iter().any(|c| c.code == code) {
        return Err(WebError::NotFound);
    }
    let t = page::texts();
    let problem = problems(t, &code, &form.nombre).into_iter().next();
    let Some((_, problem)) = problem else {
        manage::save(&state, &user.ctx, &code, &form.nombre).await?;
        return Ok(redirect(&format!("{PATH}?aviso=guardado&clave={code}")));
    };
    let problem = format!("{code}: {problem}");
    let view = page_of(&user, list, Some((&code, form.nombre, problem)));
    Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &view))
}

/// `POST /administracion/colores/{code}/quitar`: the API's `DELETE`, a default of
/// that code applies again; 404 when the shop has no colour of its own of it.
#[handler]
pub async fn remove(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Path(code): Path<String>,
    Form(form): Form<ButtonForm>,
) -> Result<Response, WebError> {
    let user = admin_post(req, &state, &web, &form.csrf, Permission::WriteCatalog).await?;
    manage::remove(&state, &user.ctx, &code).await?;
    Ok(redirect(&format!("{PATH}?aviso=quitado&clave={code}")))
}
