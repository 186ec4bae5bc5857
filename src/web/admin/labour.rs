//! Mano de obra: labour per m² by window type (the shop's own over the defaults),
//! each editable, through the API's own model and SQL (`catalog::labour`: the
//! input's `check`, `repo::put`, `commit_catalog_change`); the shop's own rate
//! can be removed so the default applies again (the API's `remove_own`). Admins
//! only (`WriteCatalog`, the API's check for `PUT /api/v1/labour-rates/{type}`).

use std::sync::Arc;

use askama::Template;
use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query};
use poem::{handler, Request, Response};

use super::{admin_get, admin_post, ButtonForm};
use crate::auth::rbac::Permission;
use crate::catalog::labour::api::remove_own;
use crate::catalog::labour::model::LabourRateInput;
use crate::catalog::labour::repo;
use crate::catalog::model::{Source, WindowType};
use crate::money::{Factor, Money};
use crate::state::AppState;
use crate::web::format;
use crate::web::i18n::{fill, Texts};
use crate::web::page::{self, html, redirect, Layout, SignedIn, WebError};
use crate::web::Web;

/// The page's path; each row posts to `{PATH}/{window type}`.
pub const PATH: &str = "/administracion/mano-de-obra";

/// A window type's name in Spanish.
pub fn type_name(t: &Texts, w: WindowType) -> &'static str {
    match w {
        WindowType::Fija => t.window_fija,
        WindowType::Corrediza => t.window_corrediza,
        WindowType::Abatible => t.window_abatible,
        WindowType::Oscilobatiente => t.window_oscilobatiente,
        WindowType::Proyectante => t.window_proyectante,
    }
}

/// One window type's row.
struct Line {
    key: &'static str,
    name: &'static str,
    /// As shown (`$280.00`).
    shown: String,
    /// The form's values.
    rate: String,
    complexity: String,
    own: bool,
    problem: Option<String>,
}

#[derive(Template)]
#[template(path = "admin_labour.html")]
struct LabourPage {
    layout: Layout,
    t: &'static Texts,
    csrf: String,
    lines: Vec<Line>,
    notice: Option<String>,
}

impl LabourPage {
    /// The restore button's label, naming the row.
    fn restore_label(&self, line: &Line) -> String {
        fill(
            self.t.admin_catalog.labour_restore_label,
            &[("type", line.name)],
        )
    }
}

/// The page with every window type's rate; `typed` replaces one row's values
/// with what was typed and its problem.
async fn page_of(
    state: &AppState,
    user: &SignedIn,
    typed: Option<(WindowType, RateForm, String)>,
) -> Result<LabourPage, WebError> {
    let t = page::texts();
    let mut tx = user.ctx.tx(state).await?;
    let rates = repo::effective(&mut tx).await?;
    tx.commit().await?;
    let lines = rates
        .into_iter()
        .map(|r| {
            let mut line = Line {
                key: r.window_type.as_str(),
                name: type_name(t, r.window_type),
                shown: format::money(&r.rate_per_m2.amount().to_string()),
                rate: r.rate_per_m2.amount().to_string(),
                complexity: r.complexity.amount().to_string(),
                own: r.source == Source::Tenant,
                problem: None,
            };
            if let Some((w, form, problem)) = &typed {
                if *w == r.window_type {
                    line.rate.clone_from(&form.tarifa);
                    line.complexity.clone_from(&form.complejidad);
                    line.problem = Some(problem.clone());
                }
            }
            line
        })
        .collect();
    Ok(LabourPage {
        layout: Layout::new(t.labour_title, Some(user), "administracion"),
        t,
        csrf: user.csrf.clone(),
        lines,
        notice: None,
    })
}

/// The flash after a post (`?aviso=guardado&tipo=corrediza`).
#[derive(Debug, Default, serde::Deserialize)]
pub struct Flash {
    aviso: Option<String>,
    #[serde(default)]
    tipo: String,
}

/// `GET /administracion/mano-de-obra`.
#[handler]
pub async fn show(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Query(flash): Query<Flash>,
) -> Result<Response, WebError> {
    let user = admin_get(req, &state, &web, Permission::WriteCatalog).await?;
    let mut view = page_of(&state, &user, None).await?;
    let t = view.t;
    if let Some(w) = WindowType::parse(&flash.tipo) {
        let name = [("type", type_name(t, w))];
        view.notice = match flash.aviso.as_deref() {
            Some("guardado") => Some(fill(t.labour_saved, &name)),
            Some("restaurada") => Some(fill(t.admin_catalog.labour_restored, &name)),
            _ => None,
        };
    }
    Ok(html(StatusCode::OK, &view))
}

/// A row's fields.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct RateForm {
    csrf: String,
    #[serde(default)]
    tarifa: String,
    #[serde(default)]
    complejidad: String,
}

/// `POST /administracion/mano-de-obra/{type}`: the API's `PUT`.
#[handler]
pub async fn save(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Path(kind): Path<String>,
    Form(form): Form<RateForm>,
) -> Result<Response, WebError> {
    let user = admin_post(req, &state, &web, &form.csrf, Permission::WriteCatalog).await?;
    let window = WindowType::parse(&kind).ok_or(WebError::NotFound)?;
    let t = page::texts();
    let rate = Money::parse(form.tarifa.trim()).ok();
    let complexity = Factor::parse(form.complejidad.trim()).ok();
    let input = match (rate, complexity) {
        (Some(rate_per_m2), Some(complexity)) => Some(LabourRateInput {
            rate_per_m2,
            complexity,
        }),
        _ => None,
    };
    let problem = match &input {
        None if rate.is_none() => Some(t.labour_rate_invalid),
        None => Some(t.labour_complexity_invalid),
        Some(input) if input.check().is_err() => Some(t.labour_complexity_invalid),
        Some(_) => None,
    };
    if let (Some(input), None) = (&input, problem) {
        let mut tx = user.ctx.tx(&state).await?;
        repo::put(&mut tx, window, input).await?;
        user.ctx.commit_catalog_change(&state, tx).await?;
        return Ok(redirect(&format!(
            "{PATH}?aviso=guardado&tipo={}",
            window.as_str()
        )));
    }
    let problem = fill(
        problem.unwrap_or(t.error_bad_request),
        &[("type", type_name(t, window))],
    );
    let view = page_of(&state, &user, Some((window, form, problem))).await?;
    Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &view))
}

/// `POST /administracion/mano-de-obra/{type}/restaurar`: the API's `DELETE`, the
/// default applies again; 404 when the shop has no rate of its own for the type.
#[handler]
pub async fn restore(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Path(kind): Path<String>,
    Form(form): Form<ButtonForm>,
) -> Result<Response, WebError> {
    let user = admin_post(req, &state, &web, &form.csrf, Permission::WriteCatalog).await?;
    let window = WindowType::parse(&kind).ok_or(WebError::NotFound)?;
    remove_own(&state, &user.ctx, window).await?;
    Ok(redirect(&format!(
        "{PATH}?aviso=restaurada&tipo={}",
        window.as_str()
    )))
}
