//! Admins' price edits from the catalogue, through the API's own code
//! (`materials::edit`, history, webhooks, then `commit_catalog_change` for the
//! caches). The form carries the row's version, checked like the API's `If-Match`:
//! a stale edit changes nothing and says who changed the price and to what.
//!
//! Without JavaScript a post answers 303 back to the catalogue with a flash; with
//! htmx (`HX-Request`) it answers the material's table row, which replaces the old.

use std::sync::Arc;

use poem::http::StatusCode;
use poem::web::{Data, Form, Path};
use poem::{handler, Request, Response};

use super::{render, Filters, Row, RowFragment};
use crate::auth::rbac::Permission;
use crate::catalog::materials::edit;
use crate::catalog::materials::model::UpdateMaterial;
use crate::catalog::materials::repo as materials;
use crate::catalog::model::MaterialCode;
use crate::catalog::price_admin::repo::{self as history_repo, HistoryFilter};
use crate::db::TenantTx;
use crate::http::PageRequest;
use crate::money::Money;
use crate::state::AppState;
use crate::users::repo as users;
use crate::web::format;
use crate::web::i18n::fill;
use crate::web::page::{self, html, redirect, signed_in_post, SignedIn, WebError};
use crate::web::Web;

/// The price form's fields.
#[derive(serde::Deserialize)]
pub struct PriceForm {
    csrf: String,
    version: String,
    precio: String,
}

/// A version as the forms carry it: `t` or `g` and digits (never `*`, which
/// `If-Match` would take as "any version").
fn if_match(version: &str) -> Option<String> {
    let digits = version.strip_prefix(['t', 'g'])?;
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| format!("\"{version}\""))
}

/// The signed-in admin of a form post, or 403 (before anything is read): the
/// API's role check for catalogue and price writes.
pub async fn admin(
    req: &Request,
    state: &AppState,
    web: &Web,
    csrf: &str,
) -> Result<SignedIn, WebError> {
    let user = signed_in_post(req, state, web, csrf).await?;
    user.ctx
        .require(Permission::WriteCatalog)
        .map_err(|_| WebError::Forbidden)?;
    Ok(user)
}

/// `POST /catalogo/{code}/precio`.
#[handler]
pub async fn set_price(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Path(code): Path<String>,
    Form(form): Form<PriceForm>,
) -> Result<Response, WebError> {
    let user = admin(req, &state, &web, &form.csrf).await?;
    let code = MaterialCode::parse(&code).map_err(|_| WebError::NotFound)?;
    let t = page::texts();
    let Ok(price) = Money::parse(form.precio.trim()) else {
        let notice = t.price_invalid.to_owned();
        return answer(
            req,
            &state,
            &user,
            &code,
            StatusCode::UNPROCESSABLE_ENTITY,
            notice,
        )
        .await;
    };
    let changes = UpdateMaterial {
        name: None,
        price: Some(price),
        bar_length_m: None,
        active: None,
    };
    let tag = if_match(&form.version).unwrap_or_else(|| "\"stale\"".to_owned());
    let mut tx = user.ctx.tx(&state).await?;
    match edit::update(&mut tx, user.ctx.user, &code, Some(&tag), &changes).await {
        Ok(_) => user.ctx.commit_catalog_change(&state, tx).await?,
        Err(err) if err.status() == StatusCode::PRECONDITION_FAILED => {
            tx.rollback().await?;
            let notice = stale_notice(&state, &user, &code).await?;
            return answer(req, &state, &user, &code, StatusCode::CONFLICT, notice).await;
        }
        Err(err) => return Err(err.into()),
    }
    if page::from_htmx(req) {
        let shown = format::money(&price.amount().to_string());
        let notice = fill(t.price_saved, &[("code", code.as_str()), ("price", &shown)]);
        return answer(req, &state, &user, &code, StatusCode::OK, notice).await;
    }
    Ok(redirect(&format!(
        "/catalogo?aviso=guardado&material={}",
        code.as_str()
    )))
}

/// Who changed the code's price last and what it is now, as the stale edit's notice.
async fn stale_notice(
    state: &AppState,
    user: &SignedIn,
    code: &MaterialCode,
) -> Result<String, WebError> {
    let t = page::texts();
    let mut tx = TenantTx::begin(&state.db.app, user.ctx.tenant).await?;
    let current = materials::effective_one(&mut tx, code.as_str()).await?;
    let filter = HistoryFilter {
        code: Some(code.as_str().to_owned()),
        ..HistoryFilter::default()
    };
    let (latest, _) =
        history_repo::history(&mut tx, &filter, &PageRequest::parse(Some(1), None)?).await?;
    let who = match latest.first().and_then(|(entry, _)| entry.user_id.0) {
        Some(id) => users::get(&mut tx, id).await?.map(|u| u.email),
        None => None,
    };
    tx.commit().await?;
    let price = current.map_or_else(
        || t.nobody.to_owned(),
        |m| format::money(&m.price.amount().to_string()),
    );
    Ok(fill(
        t.price_stale,
        &[
            ("who", who.as_deref().unwrap_or(t.someone_else)),
            ("code", code.as_str()),
            ("price", &price),
        ],
    ))
}

/// The outcome of an edit that does not redirect: with htmx the material's row as
/// it now is, with the notice in it; without, the catalogue with the notice on top.
async fn answer(
    req: &Request,
    state: &AppState,
    user: &SignedIn,
    code: &MaterialCode,
    status: StatusCode,
    notice: String,
) -> Result<Response, WebError> {
    if !page::from_htmx(req) {
        return render(state, user, &Filters::default(), status, Some(notice)).await;
    }
    let t = page::texts();
    let mut tx = TenantTx::begin(&state.db.app, user.ctx.tenant).await?;
    let current = materials::effective_one(&mut tx, code.as_str()).await?;
    tx.commit().await?;
    let Some(material) = current else {
        // Nothing left to show (a shop's own material withdrawn): the row goes.
        return Ok(Response::builder().status(StatusCode::OK).body(""));
    };
    let mut row = Row::of(t, &material);
    row.notice = Some(notice);
    let fragment = RowFragment {
        t,
        row: &row,
        admin: true,
        csrf: &user.csrf,
    };
    // htmx swaps 2xx answers only: a refused edit's row is still the row to show.
    Ok(html(StatusCode::OK, &fragment))
}

/// The restore form's fields.
#[derive(serde::Deserialize)]
pub struct RestoreForm {
    csrf: String,
}

/// `POST /catalogo/{code}/restaurar`: withdraws the shop's own price; the
/// default applies again.
#[handler]
pub async fn restore(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Path(code): Path<String>,
    Form(form): Form<RestoreForm>,
) -> Result<Response, WebError> {
    let user = admin(req, &state, &web, &form.csrf).await?;
    let code = MaterialCode::parse(&code).map_err(|_| WebError::NotFound)?;
    let mut tx = user.ctx.tx(&state).await?;
    edit::deactivate(&mut tx, user.ctx.user, &code).await?;
    user.ctx.commit_catalog_change(&state, tx).await?;
    if page::from_htmx(req) {
        let notice = fill(page::texts().price_restored, &[("code", code.as_str())]);
        return answer(req, &state, &user, &code, StatusCode::OK, notice).await;
    }
    Ok(redirect(&format!(
        "/catalogo?aviso=restaurado&material={}",
        code.as_str()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_concrete_versions_become_if_match_tags() {
        assert_eq!(if_match("t3").as_deref(), Some("\"t3\""));
        assert_eq!(if_match("g12").as_deref(), Some("\"g12\""));
        for bad in ["*", "", "t", "x3", "t3,*", "t-1", "\"t3\""] {
            assert_eq!(if_match(bad), None, "{bad:?}");
        }
    }
}
