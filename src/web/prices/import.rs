//! CSV import from the page: the file is uploaded (multipart) and checked with the
//! API's own `price_admin::import::run` as a dry run, which lists every problem by
//! line or what would change; nothing is written. The confirm form carries the
//! same file back (base64 in a hidden field) with a digest of the changes shown,
//! and applies it only if the import still does exactly that.

use std::collections::HashMap;
use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use poem::http::StatusCode;
use poem::web::{Data, Form, Multipart};
use poem::{handler, Request, Response};
use sha2::{Digest, Sha256};

use super::admin::{self, View};
use crate::auth::rbac::Permission;
use crate::catalog::materials::repo as materials;
use crate::catalog::price_admin::model::ImportReport;
use crate::catalog::price_admin::{csv_file, import};
use crate::db::TenantTx;
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::catalog::edit::admin as signed_in_admin;
use crate::web::format;
use crate::web::i18n::{fill, Texts};
use crate::web::page::{self, read_upload, redirect, SignedIn, WebError};
use crate::web::problems;
use crate::web::Web;

/// The upload's path (its body may be as large as `server.max_import_bytes`).
pub const PATH: &str = "/precios/importar";
/// The confirm form's path (the file again, base64: a third larger).
pub const CONFIRM_PATH: &str = "/precios/importar/aplicar";

/// One problem of the file.
pub struct ProblemLine {
    pub line: i64,
    pub column: String,
    pub value: String,
    pub reason: String,
}

/// One material the file creates or changes.
pub struct ChangeLine {
    pub code: String,
    pub action: &'static str,
    pub old: String,
    pub new: String,
}

/// What the check of a file found.
#[derive(Default)]
pub struct ImportView {
    /// The sentence above the problems, when the file has any.
    pub problems_text: Option<String>,
    pub problems: Vec<ProblemLine>,
    /// The sentence above the changes, when the file is valid.
    pub summary: Option<String>,
    pub changes: Vec<ChangeLine>,
    /// The file (URL-safe base64) and the digest of the changes, for the confirm
    /// form; `None` when there is nothing to apply.
    pub confirm: Option<(String, String)>,
}

/// The effective price of every material now, as shown.
async fn prices_now(tx: &mut TenantTx) -> Result<HashMap<String, String>, WebError> {
    Ok(materials::effective(tx, None)
        .await?
        .into_iter()
        .map(|m| (m.code, format::money(&m.price.amount().to_string())))
        .collect())
}

/// The changes of a valid file's report, with the prices before (`before`) and in
/// the file, and their digest.
fn changes_of(
    t: &Texts,
    data: &[u8],
    before: &HashMap<String, String>,
    report: &ImportReport,
) -> (Vec<ChangeLine>, String) {
    let in_file: HashMap<String, String> = csv_file::read(data)
        .unwrap_or_default()
        .into_iter()
        .map(|row| {
            let price = format::money(&row.price.amount().to_string());
            (row.code.as_str().to_owned(), price)
        })
        .collect();
    let line = |code: &String, action| ChangeLine {
        code: code.clone(),
        action,
        old: before
            .get(code)
            .cloned()
            .unwrap_or_else(|| t.nobody.to_owned()),
        new: in_file.get(code).cloned().unwrap_or_default(),
    };
    let changes: Vec<ChangeLine> = (report.created.iter().map(|c| line(c, t.import_new)))
        .chain(report.updated.iter().map(|c| line(c, t.import_updated)))
        .collect();
    let mut digest = Sha256::new();
    for c in &changes {
        digest.update(format!("{}|{}|{}|{}\n", c.action, c.code, c.old, c.new));
    }
    for code in &report.unchanged {
        digest.update(format!("=|{code}\n"));
    }
    (changes, hex::encode(digest.finalize()))
}

/// The view of a file's dry run: its problems (422) or what it would change.
async fn check(
    state: &AppState,
    user: &SignedIn,
    data: &[u8],
) -> Result<(ImportView, StatusCode), WebError> {
    let t = page::texts();
    let mut tx = user.ctx.tx(state).await?;
    let before = prices_now(&mut tx).await?;
    let result = import::run(&mut tx, user.ctx.user, data, true).await;
    tx.rollback().await?;
    let report = match result {
        Ok(report) => report,
        Err(err) if err.code() == "invalid_csv" => {
            let problems = problems_of(t, &err);
            let text = fill(t.import_problems, &[("count", &problems.len().to_string())]);
            let view = ImportView {
                problems_text: Some(text),
                problems,
                ..ImportView::default()
            };
            return Ok((view, StatusCode::UNPROCESSABLE_ENTITY));
        }
        Err(err) => return Err(err.into()),
    };
    let (changes, digest) = changes_of(t, data, &before, &report);
    let count = |list: &[String]| list.len().to_string();
    let summary = fill(
        t.import_ready,
        &[
            ("created", &count(&report.created)),
            ("updated", &count(&report.updated)),
            ("unchanged", &count(&report.unchanged)),
        ],
    );
    let confirmable = (!changes.is_empty()).then(|| (URL_SAFE_NO_PAD.encode(data), digest));
    let view = ImportView {
        summary: Some(summary),
        changes,
        confirm: confirmable,
        ..ImportView::default()
    };
    Ok((view, StatusCode::OK))
}

/// The problems of an `invalid_csv` error, each worded by its kind.
fn problems_of(t: &Texts, err: &ApiError) -> Vec<ProblemLine> {
    let listed = err
        .cause::<import::Problems>()
        .map(|p| p.0.as_slice())
        .unwrap_or_default();
    listed
        .iter()
        .map(|p| ProblemLine {
            line: i64::try_from(p.line).unwrap_or(i64::MAX),
            column: p.column.clone(),
            value: p.value.clone(),
            reason: problems::csv(t, &p.kind),
        })
        .collect()
}

/// The page with an import's outcome.
async fn show(
    state: &AppState,
    user: &SignedIn,
    import: ImportView,
    alert: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let view = View {
        import: Some(import),
        alert,
        ..View::default()
    };
    admin::render(state, user, view, status).await
}

fn too_large(state: &AppState) -> String {
    let max = state.settings.server.max_import_bytes.to_string();
    fill(page::texts().import_too_large, &[("max", &max)])
}

/// `POST /precios/importar` (multipart: `csrf`, `archivo`): the dry run.
#[handler]
pub async fn dry_run(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    multipart: Multipart,
) -> Result<Response, WebError> {
    let (user, file) = read_upload(
        req,
        &state,
        &web,
        multipart,
        Permission::WriteCatalog,
        "archivo",
    )
    .await?;
    let t = page::texts();
    if file.is_empty() {
        let alert = Some(t.import_no_file.to_owned());
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return show(&state, &user, ImportView::default(), alert, status).await;
    }
    if file.len() > state.settings.server.max_import_bytes {
        let alert = Some(too_large(&state));
        let status = StatusCode::PAYLOAD_TOO_LARGE;
        return show(&state, &user, ImportView::default(), alert, status).await;
    }
    let (view, status) = check(&state, &user, &file).await?;
    show(&state, &user, view, None, status).await
}

/// The confirm form's fields.
#[derive(serde::Deserialize)]
pub struct ConfirmForm {
    csrf: String,
    contenido: String,
    huella: String,
}

/// `POST /precios/importar/aplicar`: imports the checked file if it still changes
/// exactly what its dry run showed, then 303 with a flash; otherwise nothing is
/// written and the page shows the file's changes now (409).
#[handler]
pub async fn confirm(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Form(form): Form<ConfirmForm>,
) -> Result<Response, WebError> {
    let user = signed_in_admin(req, &state, &web, &form.csrf).await?;
    let data = URL_SAFE_NO_PAD
        .decode(form.contenido.trim())
        .map_err(|_| ApiError::bad_request("invalid_form", "the file field is not base64"))?;
    if data.len() > state.settings.server.max_import_bytes {
        let alert = Some(too_large(&state));
        let status = StatusCode::PAYLOAD_TOO_LARGE;
        return show(&state, &user, ImportView::default(), alert, status).await;
    }
    let t = page::texts();
    let mut tx = user.ctx.tx(&state).await?;
    let before = prices_now(&mut tx).await?;
    match import::run(&mut tx, user.ctx.user, &data, false).await {
        Ok(report) if changes_of(t, &data, &before, &report).1 == form.huella.trim() => {
            user.ctx.commit_catalog_change(&state, tx).await?;
            tracing::info!(
                created = report.created.len(),
                updated = report.updated.len(),
                "CSV import applied from the web app"
            );
            return Ok(redirect(&format!(
                "/precios?aviso=importado&nuevos={}&actualizados={}",
                report.created.len(),
                report.updated.len()
            )));
        }
        // The catalogue moved since the dry run: the file now does something else.
        Ok(_) => {}
        Err(err) if matches!(err.code(), "invalid_csv" | "catalog_changed") => {}
        Err(err) => return Err(err.into()),
    }
    tx.rollback().await?;
    let (view, _) = check(&state, &user, &data).await?;
    let alert = Some(t.import_outdated.to_owned());
    show(&state, &user, view, alert, StatusCode::CONFLICT).await
}
