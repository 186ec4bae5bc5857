//! "Cliente nuevo" in Cotizar: when no client of the list fits, a small fieldset
//! of the same form (name, phone, email) posts `accion=crear_cliente` with the
//! whole builder, so it works without JavaScript. The client is created with the
//! checks and SQL of `/clientes/nuevo` ([`crate::web::clients::edit::insert`]),
//! and the builder comes back with its rows, materials and terms as typed and
//! the new client chosen; a problem is named by its field, nothing written.
//!
//! The form's nonce guards it too (`web:cotizar-cliente:{nonce}`): a double
//! click creates one client. After a client is created the page carries a new
//! nonce, so another one can be created from it.

use poem::http::StatusCode;
use poem::Response;

use super::once::{self, Claim};
use super::{client_choices, client_id, priced, priced_for, BuilderPage};
use crate::clients::model::Client;
use crate::clients::repo;
use crate::pricing::Catalog;
use crate::state::AppState;
use crate::web::clients::edit::insert;
use crate::web::i18n::fill;
use crate::web::page::{self, html, SignedIn, WebError};

use super::form::Posted;

/// `POST /cotizar` with `accion=crear_cliente`.
pub async fn create(
    state: &AppState,
    user: &SignedIn,
    catalog: &Catalog,
    posted: &Posted,
    mut view: BuilderPage,
) -> Result<Response, WebError> {
    let t = page::texts();
    let client = match once::claim(state, user, "cotizar-cliente", &posted.nonce).await? {
        Claim::Go(key) => {
            let created = insert(state, user, &posted.new_client).await;
            let location = match &created {
                Ok(Ok(client)) => Some(format!("/clientes/{}", client.id)),
                _ => None,
            };
            once::finish(state, key, location.as_deref()).await?;
            match created? {
                Ok(client) => Some(client),
                Err(errors) => {
                    view.client_errors = *errors;
                    None
                }
            }
        }
        Claim::Earlier(location) => earlier(state, user, &location).await?,
        Claim::Busy => {
            view.client_errors.all.push(t.error_busy.to_owned());
            None
        }
    };
    let Some(client) = client else {
        view.results = priced_for(state, user, catalog, posted).await?;
        return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &view));
    };
    // The new client is chosen; its standing discount is none (a new client's).
    view.client = client.id.to_string();
    view.clients = client_choices(state, user, &view.client).await?;
    view.new_client = Default::default();
    view.notice = Some(fill(
        t.builder.client_created,
        &[("name", client.name.as_str())],
    ));
    view.nonce = uuid::Uuid::new_v4().to_string();
    view.results = priced(t, catalog, posted, None)?;
    Ok(html(StatusCode::OK, &view))
}

/// The client an earlier post of the same form created (`/clientes/{id}`).
async fn earlier(
    state: &AppState,
    user: &SignedIn,
    location: &str,
) -> Result<Option<Client>, WebError> {
    let Some(id) = location.strip_prefix("/clientes/").and_then(client_id) else {
        return Ok(None);
    };
    let mut tx = user.ctx.tx(state).await?;
    let client = repo::get(&mut tx, id).await?;
    tx.commit().await?;
    Ok(client)
}
