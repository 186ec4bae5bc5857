//! `GET /precios`: the price administration page (admins only): the bulk update
//! form with its preview, the recent batches with their revert, and the CSV
//! export and import. Every form of the page answers this same page (with what
//! happened), or 303 back to it with a flash.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use poem::http::StatusCode;
use poem::web::{Data, Query};
use poem::{handler, Request, Response};
use uuid::Uuid;

use super::bulk::BulkForm;
use super::import::ImportView;
use crate::auth::rbac::Permission;
use crate::catalog::model::Category;
use crate::catalog::price_admin::batch;
use crate::catalog::price_admin::model::{BatchKind, ChangeKind, PriceBatchSummary};
use crate::catalog::price_admin::repo::{self as price_repo, BatchKey};
use crate::db::TenantTx;
use crate::http::PageRequest;
use crate::ids::{BatchId, UserId};
use crate::state::AppState;
use crate::users::repo as users;
use crate::web::catalog::{category_name, kind_name, CATEGORIES};
use crate::web::format;
use crate::web::i18n::{fill, Texts};
use crate::web::page::{self, html, signed_in, Layout, SignedIn, WebError};
use crate::web::Web;

/// Batches listed.
const BATCHES_SHOWN: i64 = 20;

/// One material of a bulk update's preview.
pub struct PreviewLine {
    pub code: String,
    pub name: String,
    pub old: String,
    pub new: String,
    pub source: &'static str,
}

/// A bulk update's preview, with what the apply form sends back.
pub struct Preview {
    pub count: String,
    pub lines: Vec<PreviewLine>,
    /// The form's fields and the fingerprint, as hidden fields.
    pub hidden: Vec<(&'static str, String)>,
}

/// One batch of the list.
pub struct BatchLine {
    pub id: String,
    pub short: String,
    pub at: String,
    pub kind: &'static str,
    pub count: i64,
    pub user: String,
    pub state: String,
    pub revertible: bool,
    pub revert_label: String,
}

/// A revert refused because later changes touched the batch's materials.
pub struct Superseded {
    pub id: String,
    pub text: String,
}

/// What the page shows besides the batches: the form as filled, and the outcome
/// of the last action.
#[derive(Default)]
pub struct View {
    pub form: BulkForm,
    pub problems: Vec<String>,
    pub preview: Option<Preview>,
    pub notice: Option<String>,
    pub alert: Option<String>,
    pub superseded: Option<Superseded>,
    pub import: Option<ImportView>,
}

#[derive(Template)]
#[template(path = "prices_admin.html")]
struct AdminPage {
    layout: Layout,
    t: &'static Texts,
    csrf: String,
    categories: Vec<(&'static str, &'static str, bool)>,
    changes: Vec<(&'static str, &'static str, bool)>,
    modes: Vec<(&'static str, &'static str, bool)>,
    view: View,
    batches: Vec<BatchLine>,
}

/// The page's query after a form's 303: what happened.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Flash {
    aviso: Option<String>,
    lote: Option<String>,
    nuevos: Option<String>,
    actualizados: Option<String>,
}

/// The signed-in user allowed to administer prices (the API's role check), or the
/// 403 page.
fn require_admin(user: &SignedIn) -> Result<(), WebError> {
    user.ctx
        .require(Permission::WriteCatalog)
        .map_err(|_| WebError::Forbidden)
}

/// `GET /precios`.
#[handler]
pub async fn show(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Query(flash): Query<Flash>,
) -> Result<Response, WebError> {
    let user = signed_in(req, &state, &web).await?;
    require_admin(&user)?;
    let notice = flash_notice(&state, &user, &flash).await?;
    let view = View {
        notice,
        ..View::default()
    };
    render(&state, &user, view, StatusCode::OK).await
}

/// The flash of a 303: the batch applied or the revert made, read back.
async fn flash_notice(
    state: &AppState,
    user: &SignedIn,
    flash: &Flash,
) -> Result<Option<String>, WebError> {
    let t = page::texts();
    let count = |s: &Option<String>| {
        s.as_deref()
            .and_then(|s| s.parse::<u32>().ok())
            .unwrap_or(0)
            .to_string()
    };
    let text = match flash.aviso.as_deref() {
        Some("importado") => {
            let (created, updated) = (count(&flash.nuevos), count(&flash.actualizados));
            return Ok(Some(fill(
                t.import_done,
                &[("created", &created), ("updated", &updated)],
            )));
        }
        Some("aplicado") => t.bulk_applied,
        Some("revertido") => t.batch_reverted,
        _ => return Ok(None),
    };
    let Some(id) = flash.lote.as_deref().and_then(|l| Uuid::parse_str(l).ok()) else {
        return Ok(None);
    };
    let mut tx = user.ctx.tx(state).await?;
    let summary = match batch::load(&mut tx, BatchId(id)).await {
        Ok((summary, _)) => summary,
        // Another shop's or an unknown batch id in the address: no flash.
        Err(err) if err.status() == StatusCode::NOT_FOUND => return Ok(None),
        Err(err) => return Err(err.into()),
    };
    tx.commit().await?;
    Ok(Some(fill(
        text,
        &[
            ("batch", &short(&id)),
            ("count", &summary.count.to_string()),
        ],
    )))
}

/// A batch id as the page shows it: its first 8 digits.
pub fn short(id: &Uuid) -> String {
    let text = id.to_string();
    text.get(..8).unwrap_or(&text).to_owned()
}

/// The page, with `view` and the shop's recent batches.
pub async fn render(
    state: &AppState,
    user: &SignedIn,
    view: View,
    status: StatusCode,
) -> Result<Response, WebError> {
    require_admin(user)?;
    let t = page::texts();
    let mut tx = user.ctx.tx(state).await?;
    let batches = batch_lines(&mut tx, t).await?;
    tx.commit().await?;
    let form = &view.form;
    let selected = Category::parse(form.categoria.trim());
    let choices = |items: &[(&'static str, &'static str)], current: &str| {
        items
            .iter()
            .map(|(value, label)| (*value, *label, *value == current))
            .collect()
    };
    let page = AdminPage {
        layout: Layout::new(t.prices_admin_title, Some(user), "precios"),
        t,
        csrf: user.csrf.clone(),
        categories: CATEGORIES
            .iter()
            .map(|c| (c.as_str(), category_name(t, *c), Some(*c) == selected))
            .collect(),
        changes: choices(
            &[
                ("porcentaje", t.change_percent),
                ("monto", t.change_amount),
                ("fijar", t.change_set),
            ],
            form.cambio.as_str(),
        ),
        modes: choices(
            &[
                ("arriba", t.mode_up),
                ("cercano", t.mode_nearest),
                ("abajo", t.mode_down),
            ],
            form.modo.as_str(),
        ),
        view,
        batches,
    };
    Ok(html(status, &page))
}

/// The shop's most recent batches, newest first, with who applied them.
async fn batch_lines(tx: &mut TenantTx, t: &Texts) -> Result<Vec<BatchLine>, WebError> {
    let paging = PageRequest::<BatchKey>::parse(Some(BATCHES_SHOWN), None)?;
    let (rows, _) = price_repo::batch_page(tx, &paging).await?;
    let offset = crate::web::repo::utc_offset_seconds(tx).await?;
    let mut emails: HashMap<UserId, String> = HashMap::new();
    let mut lines = Vec::with_capacity(rows.len());
    for b in rows
        .into_iter()
        .take(usize::try_from(BATCHES_SHOWN).unwrap_or(20))
    {
        let user = match b.created_by.0 {
            Some(id) => match emails.get(&id) {
                Some(email) => email.clone(),
                None => {
                    let email = users::get(tx, id)
                        .await?
                        .map_or_else(|| t.nobody.to_owned(), |u| u.email);
                    emails.insert(id, email.clone());
                    email
                }
            },
            None => t.nobody.to_owned(),
        };
        lines.push(batch_line(t, &b, user, offset));
    }
    Ok(lines)
}

fn batch_line(t: &Texts, b: &PriceBatchSummary, user: String, offset: i32) -> BatchLine {
    let state = match (b.reverted_by.0, b.reverts.0) {
        (Some(by), _) => fill(t.batch_reverted_by, &[("batch", &short(&by.0))]),
        (None, Some(of)) => fill(t.batch_reverts, &[("batch", &short(&of.0))]),
        (None, None) => t.nobody.to_owned(),
    };
    let kind = match b.kind {
        BatchKind::Bulk => ChangeKind::Bulk,
        BatchKind::Import => ChangeKind::Import,
        BatchKind::Revert => ChangeKind::Revert,
    };
    BatchLine {
        short: short(&b.id.0),
        revert_label: fill(t.revert_label, &[("batch", &short(&b.id.0))]),
        id: b.id.0.to_string(),
        kind: kind_name(t, kind, false),
        at: format::date_time(t, b.created_at, offset),
        count: b.count,
        user,
        state,
        revertible: b.reverted_by.0.is_none(),
    }
}
