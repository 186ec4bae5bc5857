//! Impuestos: the shop's tax rates and the defaults it inherits, as
//! `GET /api/v1/tax-rates` lists them; a new rate (in percent, `16` is `0.16`)
//! and removing one of the shop's own, through the API's own rules
//! (`catalog::taxes::manage`: `problems`, `create`, `remove`). Admins only
//! (`WriteCatalog`, the API's check).

use std::sync::Arc;

use askama::Template;
use chrono::NaiveDate;
use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query};
use poem::{handler, Request, Response};
use rust_decimal::Decimal;

use super::{admin_get, admin_post, ButtonForm};
use crate::auth::rbac::Permission;
use crate::catalog::colours::model::is_code;
use crate::catalog::model::Source;
use crate::catalog::taxes::manage;
use crate::catalog::taxes::model::{TaxRateInput, TaxRateView};
use crate::error::ApiError;
use crate::money::Rate;
use crate::settings::quotes::repo as settings;
use crate::state::AppState;
use crate::web::clients::percent_rate;
use crate::web::format;
use crate::web::i18n::admin_catalog::TaxTexts;
use crate::web::i18n::{fill, Texts};
use crate::web::page::{self, html, redirect, Layout, SignedIn, WebError};
use crate::web::Web;

/// The page's path; the new rate's form posts here, a row's removal to
/// `{PATH}/{code}/{valid_from}/quitar`.
pub const PATH: &str = "/administracion/impuestos";

/// A rate as percent text: `0.1600` is `16`.
pub fn percent(rate: Rate) -> String {
    (rate.amount() * Decimal::ONE_HUNDRED)
        .normalize()
        .to_string()
}

/// One rate's row.
struct Line {
    code: String,
    name: String,
    /// `16 %`.
    rate: String,
    /// `1 de enero de 2027`.
    valid_from: String,
    /// `2027-01-01`, for the removal's path.
    day: String,
    state: &'static str,
    own: bool,
}

impl Line {
    fn of(texts: &TaxTexts, t: &Texts, v: TaxRateView, today: NaiveDate) -> Self {
        let state = if v.current {
            texts.state_current
        } else if v.valid_from > today {
            texts.state_scheduled
        } else {
            texts.state_past
        };
        Self {
            rate: fill(texts.percent, &[("rate", percent(v.rate).as_str())]),
            valid_from: format::day(t, v.valid_from),
            day: v.valid_from.to_string(),
            state,
            own: v.source == Source::Tenant,
            code: v.code,
            name: v.name,
        }
    }
}

/// The new rate's fields: empty, or what was typed.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct Values {
    #[serde(default)]
    clave: String,
    #[serde(default)]
    nombre: String,
    #[serde(default)]
    tasa: String,
    #[serde(default)]
    desde: String,
}

impl Values {
    /// (API field, label, value) of each field, in the form's order.
    fn labelled(&self, texts: &TaxTexts) -> [(&'static str, &'static str, &str); 4] {
        [
            ("code", texts.code_label, &self.clave),
            ("name", texts.name_label, &self.nombre),
            ("rate", texts.rate_label, &self.tasa),
            ("valid_from", texts.valid_from_label, &self.desde),
        ]
    }

    /// The API's input, and the API fields that do not parse (a placeholder in
    /// the input for each).
    fn input(&self) -> (TaxRateInput, Vec<&'static str>) {
        let mut bad = Vec::new();
        let rate = match self.tasa.trim() {
            "" => None,
            text => percent_rate(text).ok(),
        };
        if rate.is_none() {
            bad.push("rate");
        }
        let valid_from = NaiveDate::parse_from_str(self.desde.trim(), "%Y-%m-%d").ok();
        if valid_from.is_none() {
            bad.push("valid_from");
        }
        let input = TaxRateInput {
            code: self.clave.trim().to_owned(),
            name: self.nombre.clone(),
            rate: rate.unwrap_or(Rate::ZERO),
            valid_from: valid_from.unwrap_or_default(),
        };
        (input, bad)
    }
}

/// The Spanish problem of the API's `field`.
fn problem_text(texts: &TaxTexts, field: &str) -> (&'static str, &'static str) {
    match field {
        "code" => ("code", texts.code_invalid),
        "name" => ("name", texts.name_invalid),
        "rate" => ("rate", texts.rate_invalid),
        _ => ("valid_from", texts.valid_from_invalid),
    }
}

#[derive(Template)]
#[template(path = "admin_taxes.html")]
struct TaxesPage {
    layout: Layout,
    t: &'static Texts,
    texts: &'static TaxTexts,
    csrf: String,
    lines: Vec<Line>,
    values: Values,
    /// (API field, Spanish problem), in the form's order.
    errors: Vec<(&'static str, String)>,
    notice: Option<String>,
    /// A removal refused (the default tax code's last rate in force).
    problem: Option<String>,
}

impl TaxesPage {
    /// The problem of the API's `field`, if any.
    fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, text)| text.as_str())
    }

    /// A row's removal label, naming it.
    fn remove_label(&self, line: &Line) -> String {
        fill(
            self.texts.remove_label,
            &[
                ("code", line.code.as_str()),
                ("date", line.valid_from.as_str()),
            ],
        )
    }
}

/// The page with the rates as listed now; `values` is the new rate's form (today
/// as its first day when empty).
async fn page_of(
    state: &AppState,
    user: &SignedIn,
    values: Option<Values>,
) -> Result<TaxesPage, WebError> {
    let t = page::texts();
    let texts = &t.admin_catalog.taxes;
    let mut tx = user.ctx.tx(state).await?;
    let views = manage::views(&mut tx).await?;
    let today = settings::today(&mut tx).await?;
    tx.commit().await?;
    let values = values.unwrap_or_else(|| Values {
        desde: today.to_string(),
        ..Values::default()
    });
    Ok(TaxesPage {
        layout: Layout::new(texts.title, Some(user), "administracion"),
        t,
        texts,
        csrf: user.csrf.clone(),
        lines: views
            .into_iter()
            .map(|v| Line::of(texts, t, v, today))
            .collect(),
        values,
        errors: Vec::new(),
        notice: None,
        problem: None,
    })
}

/// The flash after a post (`?aviso=agregada&clave=IVA16&desde=2027-01-01`).
#[derive(Debug, Default, serde::Deserialize)]
pub struct Flash {
    aviso: Option<String>,
    #[serde(default)]
    clave: String,
    #[serde(default)]
    desde: String,
}

/// `GET /administracion/impuestos`.
#[handler]
pub async fn show(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Query(flash): Query<Flash>,
) -> Result<Response, WebError> {
    let user = admin_get(req, &state, &web, Permission::WriteCatalog).await?;
    let mut view = page_of(&state, &user, None).await?;
    let day = NaiveDate::parse_from_str(&flash.desde, "%Y-%m-%d").ok();
    if let (Some(day), true) = (day, is_code(&flash.clave)) {
        let date = format::day(view.t, day);
        let names = [("code", flash.clave.as_str()), ("date", date.as_str())];
        view.notice = match flash.aviso.as_deref() {
            Some("agregada") => Some(fill(view.texts.created, &names)),
            Some("quitada") => Some(fill(view.texts.removed, &names)),
            _ => None,
        };
    }
    Ok(html(StatusCode::OK, &view))
}

/// The new rate's fields.
#[derive(serde::Deserialize)]
pub struct NewRate {
    csrf: String,
    #[serde(flatten)]
    values: Values,
}

/// The flash's query for `code` from `day`.
fn flash(aviso: &str, code: &str, day: NaiveDate) -> String {
    format!("{PATH}?aviso={aviso}&clave={code}&desde={day}")
}

/// `POST /administracion/impuestos`: the API's `POST /api/v1/tax-rates`; every
/// field's problem named (422), a rate already starting that day 409.
#[handler]
pub async fn create(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Form(form): Form<NewRate>,
) -> Result<Response, WebError> {
    let user = admin_post(req, &state, &web, &form.csrf, Permission::WriteCatalog).await?;
    let t = page::texts();
    let texts = &t.admin_catalog.taxes;
    let mut errors: Vec<(&'static str, String)> = Vec::new();
    for (field, label, value) in form.values.labelled(texts) {
        if value.contains('\0') {
            errors.push((field, fill(t.client_field_nul, &[("field", label)])));
        }
    }
    let (input, bad) = form.values.input();
    if errors.is_empty() {
        let problems = manage::problems(&input);
        let fields = problems.iter().filter_map(ApiError::field);
        for field in fields.chain(bad) {
            let (field, text) = problem_text(texts, field);
            if !errors.iter().any(|(f, _)| *f == field) {
                errors.push((field, text.to_owned()));
            }
        }
    }
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    if errors.is_empty() {
        match manage::create(&state, &user.ctx, &input).await {
            Ok(created) => {
                let to = flash("agregada", &created.code, created.valid_from);
                return Ok(redirect(&to));
            }
            Err(err) if err.code() == "tax_rate_exists" => {
                let day = format::day(t, input.valid_from);
                let names = [("code", input.code.as_str()), ("date", day.as_str())];
                errors.push(("valid_from", fill(texts.exists, &names)));
                status = StatusCode::CONFLICT;
            }
            Err(err) => return Err(err.into()),
        }
    }
    let mut view = page_of(&state, &user, Some(form.values)).await?;
    view.errors = errors;
    Ok(html(status, &view))
}

/// `POST /administracion/impuestos/{code}/{valid_from}/quitar`: the API's
/// `DELETE`; 404 for a rate that is not the shop's own, 409 (the page, saying
/// why) when the quote settings' tax code would be left without a rate in force.
#[handler]
pub async fn remove(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Path((code, day)): Path<(String, String)>,
    Form(form): Form<ButtonForm>,
) -> Result<Response, WebError> {
    let user = admin_post(req, &state, &web, &form.csrf, Permission::WriteCatalog).await?;
    let day = NaiveDate::parse_from_str(&day, "%Y-%m-%d").map_err(|_| WebError::NotFound)?;
    match manage::remove(&state, &user.ctx, &code, day).await {
        Ok(()) => Ok(redirect(&flash("quitada", &code, day))),
        Err(err) if err.code() == "tax_code_in_use" => {
            let mut view = page_of(&state, &user, None).await?;
            view.problem = Some(fill(view.texts.in_use, &[("code", code.as_str())]));
            Ok(html(StatusCode::CONFLICT, &view))
        }
        Err(err) => Err(err.into()),
    }
}
