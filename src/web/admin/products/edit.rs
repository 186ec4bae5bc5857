//! Productos' forms: a new product (the API's `POST /api/v1/products`), one
//! edited (its `PUT`, with the ETag shown carried as `If-Match`: a stale edit is
//! a 409 with the form kept) and the shop's own removed (its `DELETE`: a default
//! of that code applies again), all through `catalog::products::manage`. Every
//! problem is named by field and BOM line (422), nothing written. Admins only
//! (`WriteCatalog`, the API's check).

use std::sync::Arc;

use askama::Template;
use poem::http::StatusCode;
use poem::web::{Data, Form, Path};
use poem::{handler, Request, Response};

use super::form::{self, Problem, Values};
use super::PATH;
use crate::auth::rbac::Permission;
use crate::catalog::model::{Source, WindowType};
use crate::catalog::products::model::ProductSpec;
use crate::catalog::products::{manage, repo};
use crate::state::AppState;
use crate::web::admin::labour::type_name;
use crate::web::admin::{admin_get, admin_post, ButtonForm};
use crate::web::i18n::admin_catalog::{ProductFormTexts, ProductTexts};
use crate::web::i18n::{fill, Texts};
use crate::web::page::{self, html, redirect, Layout, SignedIn, WebError};
use crate::web::Web;

/// The new product's form.
pub const NEW_PATH: &str = "/administracion/productos/nuevo";

/// Which product the form edits: its code and whether it is a default now.
type Editing = Option<(String, bool)>;

#[derive(Template)]
#[template(path = "admin_product_form.html")]
struct FormPage {
    layout: Layout,
    t: &'static Texts,
    texts: &'static ProductTexts,
    form: &'static ProductFormTexts,
    csrf: String,
    action: String,
    /// Editing: the product's code, fixed.
    code: Option<String>,
    /// Editing a default: saving makes the shop's own version.
    default_product: bool,
    values: Values,
    problems: Vec<Problem>,
    conflict: Option<String>,
    kinds: Vec<(&'static str, &'static str)>,
    window_types: Vec<(&'static str, &'static str)>,
    categories: Vec<(&'static str, &'static str)>,
}

impl FormPage {
    fn new(user: &SignedIn, values: Values, editing: &Editing) -> Self {
        let t = page::texts();
        let texts = &t.admin_catalog.products;
        let form = &t.admin_catalog.product_form;
        let (title, action) = match editing {
            Some((code, _)) => (
                fill(form.edit_title, &[("code", code)]),
                format!("{PATH}/{code}/editar"),
            ),
            None => (form.new_title.to_owned(), NEW_PATH.to_owned()),
        };
        Self {
            layout: Layout::new(title, Some(user), "administracion"),
            t,
            texts,
            form,
            csrf: user.csrf.clone(),
            action,
            code: editing.as_ref().map(|(code, _)| code.clone()),
            default_product: editing.as_ref().is_some_and(|(_, default)| *default),
            values,
            problems: Vec::new(),
            conflict: None,
            kinds: vec![
                ("window", form.kind_window),
                ("door", texts.kind_door),
                ("other", texts.kind_other),
            ],
            window_types: WindowType::ALL
                .into_iter()
                .map(|w| (w.as_str(), type_name(t, w)))
                .collect(),
            categories: form::categories(t),
        }
    }

    /// Whether the field `id` has a problem.
    fn invalid(&self, id: &str) -> bool {
        self.problems.iter().any(|p| p.id == id)
    }

    /// Whether field `key` of BOM row `row` has a problem.
    fn bad(&self, row: &usize, key: &str) -> bool {
        self.invalid(&format!("bom-{row}-{key}"))
    }

    /// Row `row`'s legend, `Línea 1`.
    fn legend(&self, row: &usize) -> String {
        fill(self.form.line_legend, &[("line", &(row + 1).to_string())])
    }
}

/// The form again with `problems` or a `conflict`, answered with `status`.
fn refused(
    user: &SignedIn,
    mut values: Values,
    editing: &Editing,
    problems: Vec<Problem>,
    conflict: Option<String>,
    status: StatusCode,
) -> Response {
    values.add_rows();
    let mut view = FormPage::new(user, values, editing);
    view.problems = problems;
    view.conflict = conflict;
    html(status, &view)
}

/// `GET /administracion/productos/nuevo`.
#[handler]
pub async fn new_form(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
) -> Result<Response, WebError> {
    let user = admin_get(req, &state, &web, Permission::WriteCatalog).await?;
    let view = FormPage::new(&user, Values::blank(), &None);
    Ok(html(StatusCode::OK, &view))
}

/// `POST /administracion/productos/nuevo`: the API's `POST /api/v1/products`; a
/// code the shop has already is 409 on the form.
#[handler]
pub async fn create(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let (posted, too_many) = Values::posted(fields);
    let user = admin_post(req, &state, &web, &posted.csrf, Permission::WriteCatalog).await?;
    submit(
        &state,
        &user,
        posted.values,
        too_many,
        posted.add_lines,
        None,
    )
    .await
}

/// The product `code` as the shop lists it, or 404.
async fn current(
    state: &AppState,
    user: &SignedIn,
    code: &str,
) -> Result<(ProductSpec, String, bool), WebError> {
    let mut tx = user.ctx.tx(state).await?;
    let found = manage::find(&mut tx, code).await?;
    tx.commit().await?;
    let view = found.ok_or(WebError::NotFound)?;
    let etag = view.etag();
    Ok((view.product, etag, view.source == Source::Global))
}

/// `GET /administracion/productos/{code}/editar`: the product as it is, with
/// its ETag; 404 for a code the shop does not list.
#[handler]
pub async fn edit_form(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Path(code): Path<String>,
) -> Result<Response, WebError> {
    let user = admin_get(req, &state, &web, Permission::WriteCatalog).await?;
    let (spec, etag, default) = current(&state, &user, &code).await?;
    let view = FormPage::new(&user, Values::of(&spec, etag), &Some((code, default)));
    Ok(html(StatusCode::OK, &view))
}

/// `POST /administracion/productos/{code}/editar`: the API's `PUT` with the
/// form's ETag as `If-Match`; 404 for a code the shop does not list.
#[handler]
pub async fn save(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Path(code): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let (posted, too_many) = Values::posted(fields);
    let user = admin_post(req, &state, &web, &posted.csrf, Permission::WriteCatalog).await?;
    let (_, _, default) = current(&state, &user, &code).await?;
    let editing = Some((code, default));
    submit(
        &state,
        &user,
        posted.values,
        too_many,
        posted.add_lines,
        editing,
    )
    .await
}

/// Every problem of a spec read from the form: the API's checks, then its
/// catalogue check of the BOM materials (a field named once).
async fn problems(
    state: &AppState,
    user: &SignedIn,
    values: &Values,
    spec: &ProductSpec,
) -> Result<Vec<Problem>, WebError> {
    let t = page::texts();
    let texts = &t.admin_catalog.product_form;
    let mut found: Vec<Problem> = match spec.checked_all() {
        Ok(_) => Vec::new(),
        Err(all) => all
            .iter()
            .filter_map(|e| form::named(t, texts, values, e))
            .collect(),
    };
    let mut tx = user.ctx.tx(state).await?;
    let missing = manage::material_problems(&mut tx, spec).await?;
    tx.commit().await?;
    for err in &missing {
        if let Some(p) = form::named(t, texts, values, err) {
            if !found.iter().any(|q| q.id == p.id) {
                found.push(p);
            }
        }
    }
    Ok(found)
}

/// Adds rows, or checks and writes the form: a new product, or `editing`'s.
async fn submit(
    state: &AppState,
    user: &SignedIn,
    mut values: Values,
    too_many: bool,
    add_lines: bool,
    editing: Editing,
) -> Result<Response, WebError> {
    let t = page::texts();
    let texts = &t.admin_catalog.product_form;
    if let Some((code, _)) = &editing {
        values.clave.clone_from(code);
    }
    if add_lines && !too_many {
        return Ok(refused(
            user,
            values,
            &editing,
            Vec::new(),
            None,
            StatusCode::OK,
        ));
    }
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let spec = match form::spec(t, texts, &mut values, too_many) {
        Ok(spec) => spec,
        Err(found) => return Ok(refused(user, values, &editing, found, None, unprocessable)),
    };
    let found = problems(state, user, &values, &spec).await?;
    if !found.is_empty() {
        return Ok(refused(user, values, &editing, found, None, unprocessable));
    }
    let written = match &editing {
        None => manage::create(state, &user.ctx, spec).await,
        Some((code, _)) => {
            manage::replace(state, &user.ctx, code, Some(&values.version), spec).await
        }
    };
    let err = match written {
        Ok(view) => {
            let code = view.product.code;
            return Ok(redirect(&format!("{PATH}/{code}?aviso=guardado")));
        }
        Err(err) => err,
    };
    let code = values.clave.trim().to_owned();
    if err.code() == "product_exists" {
        let text = fill(texts.exists, &[("code", &code)]);
        return Ok(refused(
            user,
            values,
            &editing,
            Vec::new(),
            Some(text),
            StatusCode::CONFLICT,
        ));
    }
    if err.code() == "version_mismatch" {
        // The form stays as typed; it now carries the current version, so saving
        // again replaces what the other person saved.
        let (_, etag, default) = current(state, user, &code).await?;
        values.version = etag;
        let editing = Some((code, default));
        let text = Some(texts.stale.to_owned());
        return Ok(refused(
            user,
            values,
            &editing,
            Vec::new(),
            text,
            StatusCode::CONFLICT,
        ));
    }
    match form::named(t, texts, &values, &err) {
        Some(problem) => Ok(refused(
            user,
            values,
            &editing,
            vec![problem],
            None,
            unprocessable,
        )),
        None => Err(err.into()),
    }
}

/// `POST /administracion/productos/{code}/quitar`: the API's `DELETE`: the
/// shop's own product goes and a default of that code, if any, applies again;
/// 409 for a default, 404 for a code the shop does not list.
#[handler]
pub async fn remove(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Path(code): Path<String>,
    Form(form): Form<ButtonForm>,
) -> Result<Response, WebError> {
    let user = admin_post(req, &state, &web, &form.csrf, Permission::WriteCatalog).await?;
    let mut tx = user.ctx.tx(&state).await?;
    let restores = repo::has_default(&mut tx, &code).await?;
    tx.commit().await?;
    manage::remove(&state, &user.ctx, &code).await?;
    let aviso = if restores { "restaurado" } else { "eliminado" };
    Ok(redirect(&format!("{PATH}?aviso={aviso}&clave={code}")))
}
