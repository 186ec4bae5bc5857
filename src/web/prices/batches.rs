//! Reverting a batch from the page's list: `price_admin::revert`, the API's own.
//! A batch whose materials changed later is refused, naming them, with a second
//! button that reverts anyway (the API's `force`).

use std::sync::Arc;

use poem::http::StatusCode;
use poem::web::{Data, Form, Path};
use poem::{handler, Request, Response};
use uuid::Uuid;

use super::admin::{self, short, Superseded, View};
use crate::catalog::price_admin::revert as reverting;
use crate::ids::BatchId;
use crate::state::AppState;
use crate::web::catalog::edit::admin as signed_in_admin;
use crate::web::i18n::fill;
use crate::web::page::{self, redirect, WebError};
use crate::web::Web;

/// The revert form's fields.
#[derive(serde::Deserialize)]
pub struct RevertForm {
    csrf: String,
    /// `si`: revert even though later changes touched the batch's materials.
    #[serde(default)]
    forzar: String,
}

/// `POST /precios/lotes/{id}/revertir`: the batch's inverse as a new batch, then
/// 303 to the page with a flash.
#[handler]
pub async fn revert(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Path(id): Path<String>,
    Form(form): Form<RevertForm>,
) -> Result<Response, WebError> {
    let user = signed_in_admin(req, &state, &web, &form.csrf).await?;
    let id = Uuid::parse_str(&id).map_err(|_| WebError::NotFound)?;
    let force = form.forzar == "si";
    let t = page::texts();
    let mut tx = user.ctx.tx(&state).await?;
    let err = match reverting::revert(&mut tx, user.ctx.user, BatchId(id), force).await {
        Ok(batch) => {
            user.ctx.commit_catalog_change(&state, tx).await?;
            tracing::info!(batch = %batch.id, count = batch.count, "price batch reverted from the web app");
            return Ok(redirect(&format!(
                "/precios?aviso=revertido&lote={}",
                batch.id
            )));
        }
        Err(err) => err,
    };
    tx.rollback().await?;
    let view = match err.code() {
        "batch_superseded" => {
            let codes: Vec<String> = err
                .details()
                .and_then(|d| d.get("codes"))
                .and_then(|c| c.as_array())
                .map(|codes| {
                    codes
                        .iter()
                        .filter_map(|c| c.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            let batch = short(&id);
            View {
                superseded: Some(Superseded {
                    id: id.to_string(),
                    text: fill(
                        t.batch_superseded,
                        &[("batch", &batch), ("codes", &codes.join(", "))],
                    ),
                }),
                ..View::default()
            }
        }
        "nothing_to_revert" => View {
            alert: Some(t.nothing_to_revert.to_owned()),
            ..View::default()
        },
        _ => return Err(err.into()),
    };
    admin::render(&state, &user, view, StatusCode::CONFLICT).await
}
