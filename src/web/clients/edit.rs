//! Creating, changing, archiving and restoring a client from its page, through
//! the `clients` area's own checks (`clients::fields::checked`) and SQL, for the
//! roles the API lets write (`WriteQuotes`; others get 403 before anything is
//! read). Every post answers 303 to the client's page with a flash, or the form
//! again (422) with each field's problem in Spanish.
//!
//! An edit carries the version its form was read at (when the client last
//! changed). The API's `PATCH` has no such check (last write wins); a browser
//! form is read and posted minutes apart, so here a stale edit changes nothing
//! and the page shows the client as it is now and what the user typed.

use std::sync::Arc;

use poem::http::StatusCode;
use poem::web::{Data, Form, Path};
use poem::{handler, Request, Response};

use super::{client_id, version_of, writer, ClientPage, FieldErrors, Values};
use crate::clients::fields::checked;
use crate::clients::model::{Client, ClientInput};
use crate::clients::repo;
use crate::state::AppState;
use crate::web::format;
use crate::web::i18n::fill;
use crate::web::page::{self, html, redirect, signed_in_post, SignedIn, WebError};
use crate::web::Web;

/// The client form's fields.
#[derive(serde::Deserialize)]
pub struct ClientForm {
    csrf: String,
    /// The version the form was read at (edits only).
    #[serde(default)]
    version: String,
    #[serde(flatten)]
    values: Values,
}

/// The archive and restore buttons' fields.
#[derive(serde::Deserialize)]
pub struct ButtonForm {
    csrf: String,
}

/// The signed-in user of a form post who may change clients, or 403.
async fn writer_post(
    req: &Request,
    state: &AppState,
    web: &Web,
    csrf: &str,
) -> Result<SignedIn, WebError> {
    let user = signed_in_post(req, state, web, csrf).await?;
    if !writer(&user) {
        return Err(WebError::Forbidden);
    }
    Ok(user)
}

/// The checked fields of the form over `base`, or every field's problem.
fn fields_of(
    values: &Values,
    base: Option<&Client>,
) -> Result<crate::clients::fields::OwnedFields, Box<FieldErrors>> {
    let t = page::texts();
    let nul = FieldErrors::nul(t, values);
    if !nul.all.is_empty() {
        return Err(Box::new(nul));
    }
    let (input, discount_problem) = values.input();
    let result = checked(&input, base);
    let mut problems = match result {
        Ok(fields) if discount_problem.is_none() => return Ok(fields),
        Ok(_) => Vec::new(),
        Err(problems) => problems,
    };
    problems.extend(discount_problem);
    Err(Box::new(FieldErrors::of(t, &problems)))
}

/// `POST /clientes/nuevo`.
#[handler]
pub async fn create(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Form(form): Form<ClientForm>,
) -> Result<Response, WebError> {
    let user = writer_post(req, &state, &web, &form.csrf).await?;
    let client = match insert(&state, &user, &form.values).await? {
        Ok(client) => client,
        Err(errors) => {
            let mut view = ClientPage::new_client(&user);
            view.values = form.values;
            view.errors = *errors;
            return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &view));
        }
    };
    Ok(redirect(&format!("/clientes/{}?aviso=creado", client.id)))
}

/// Creates a client from a form's values with the checks of `/clientes/nuevo`
/// (also Cotizar's "Cliente nuevo"): the new client, or every field's problem
/// (nothing written). The caller has checked the role.
pub(crate) async fn insert(
    state: &AppState,
    user: &SignedIn,
    values: &Values,
) -> Result<Result<Client, Box<FieldErrors>>, WebError> {
    let fields = match fields_of(values, None) {
        Ok(fields) => fields,
        Err(errors) => return Ok(Err(errors)),
    };
    let mut tx = user.ctx.tx(state).await?;
    let client = repo::insert(&mut tx, &fields.borrow()).await?;
    tx.commit().await?;
    tracing::info!(client = %client.id, "client created from the web app");
    Ok(Ok(client))
}

/// `POST /clientes/{id}`: every field as the form sends it, checked against the
/// version the form was read at.
#[handler]
pub async fn update(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Path(id): Path<String>,
    Form(form): Form<ClientForm>,
) -> Result<Response, WebError> {
    let user = writer_post(req, &state, &web, &form.csrf).await?;
    let id = client_id(&id)?;
    let mut tx = user.ctx.tx(&state).await?;
    let current = repo::lock(&mut tx, id).await?.ok_or(WebError::NotFound)?;
    if version_of(&current) != form.version.trim() {
        let offset = crate::web::repo::utc_offset_seconds(&mut tx).await?;
        tx.rollback().await?;
        return Ok(stale(&user, &current, &form.values, offset));
    }
    let fields = match fields_of(&form.values, Some(&current)) {
        Ok(fields) => fields,
        Err(errors) => {
            let offset = crate::web::repo::utc_offset_seconds(&mut tx).await?;
            tx.rollback().await?;
            let mut view = ClientPage::of(&user, &current, offset);
            view.values = form.values;
            view.errors = *errors;
            return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &view));
        }
    };
    repo::update(&mut tx, id, &fields.borrow())
        .await?
        .ok_or(WebError::NotFound)?;
    tx.commit().await?;
    Ok(redirect(&format!("/clientes/{id}?aviso=guardado")))
}

/// The answer to a stale edit (409): the client as it is now, when it changed,
/// and each field the user typed differently from what is stored now.
fn stale(user: &SignedIn, current: &Client, typed: &Values, offset: i32) -> Response {
    let t = page::texts();
    let mut view = ClientPage::of(user, current, offset);
    let at = format::date_time(t, current.updated_at, offset);
    let shown = |v: &str| {
        let v = v.trim();
        if v.is_empty() {
            t.empty_value.to_owned()
        } else {
            v.to_owned()
        }
    };
    let lines = typed
        .labelled(t)
        .into_iter()
        .zip(view.values.labelled(t))
        .filter(|((_, yours), (_, now))| yours.trim() != now.trim())
        .map(|((field, yours), (_, now))| {
            fill(
                t.client_stale_field,
                &[
                    ("field", field),
                    ("yours", &shown(&yours)),
                    ("now", &shown(&now)),
                ],
            )
        })
        .collect();
    view.stale = Some((fill(t.client_stale, &[("at", &at)]), lines));
    html(StatusCode::CONFLICT, &view)
}

/// Sets the client's `active` flag the API's way (`PATCH` with `active` alone),
/// then 303 to its page with `flash`.
async fn set_active(
    req: &Request,
    state: &AppState,
    web: &Web,
    id: &str,
    csrf: &str,
    active: bool,
) -> Result<Response, WebError> {
    let user = writer_post(req, state, web, csrf).await?;
    let id = client_id(id)?;
    let change = ClientInput {
        name: None,
        rfc: None,
        email: None,
        phone: None,
        address: None,
        notes: None,
        discount_rate: None,
        active: Some(active),
    };
    let mut tx = user.ctx.tx(state).await?;
    let current = repo::lock(&mut tx, id).await?.ok_or(WebError::NotFound)?;
    let fields = crate::clients::fields::merged(&change, Some(&current))?;
    repo::update(&mut tx, id, &fields.borrow())
        .await?
        .ok_or(WebError::NotFound)?;
    tx.commit().await?;
    let flash = if active { "restaurado" } else { "archivado" };
    Ok(redirect(&format!("/clientes/{id}?aviso={flash}")))
}

/// `POST /clientes/{id}/archivar`.
#[handler]
pub async fn archive(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Path(id): Path<String>,
    Form(form): Form<ButtonForm>,
) -> Result<Response, WebError> {
    set_active(req, &state, &web, &id, &form.csrf, false).await
}

/// `POST /clientes/{id}/restaurar`.
#[handler]
pub async fn restore(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Path(id): Path<String>,
    Form(form): Form<ButtonForm>,
) -> Result<Response, WebError> {
    set_active(req, &state, &web, &id, &form.csrf, true).await
}
