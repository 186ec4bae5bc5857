//! The bulk update from the page: the form built into the API's own request
//! (`bulk::Request::parse`), its preview (`bulk::preview`) and its apply
//! (`bulk::apply` with the preview's fingerprint, carried in a hidden field, so
//! what is applied is what was previewed, or nothing).

use std::sync::Arc;

use poem::http::StatusCode;
use poem::web::{Data, Form};
use poem::{handler, Request, Response};

use super::admin::{self, Preview, PreviewLine, View};
use crate::catalog::model::{Category, Source};
use crate::catalog::price_admin::bulk::{self, Request as BulkRequest};
use crate::catalog::price_admin::model::{
    PriceAdjustment, PriceFilter, PriceRounding, PriceRoundingMode, PriceUpdatePreview,
};
use crate::error::ApiError;
use crate::money::Money;
use crate::state::AppState;
use crate::web::catalog::edit::admin as signed_in_admin;
use crate::web::format;
use crate::web::i18n::{fill, Texts};
use crate::web::page::{self, redirect, SignedIn, WebError};
use crate::web::Web;

/// The bulk update form's fields (and, when applying, the preview's fingerprint).
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct BulkForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub categoria: String,
    #[serde(default)]
    pub codigos: String,
    #[serde(default)]
    pub prefijo: String,
    /// `si` to include inherited defaults.
    #[serde(default)]
    pub heredados: String,
    /// `porcentaje`, `monto` or `fijar`.
    #[serde(default)]
    pub cambio: String,
    #[serde(default)]
    pub valor: String,
    /// The rounding step; blank for cents.
    #[serde(default)]
    pub paso: String,
    /// `arriba`, `cercano` or `abajo`.
    #[serde(default)]
    pub modo: String,
    #[serde(default)]
    pub huella: String,
}

impl BulkForm {
    /// The fields the apply form carries back, hidden.
    fn hidden(&self, fingerprint: &str) -> Vec<(&'static str, String)> {
        vec![
            ("categoria", self.categoria.trim().to_owned()),
            ("codigos", self.codigos.trim().to_owned()),
            ("prefijo", self.prefijo.trim().to_owned()),
            ("heredados", self.heredados.trim().to_owned()),
            ("cambio", self.cambio.trim().to_owned()),
            ("valor", self.valor.trim().to_owned()),
            ("paso", self.paso.trim().to_owned()),
            ("modo", self.modo.trim().to_owned()),
            ("huella", fingerprint.to_owned()),
        ]
    }

    /// The API's request body parts, or what is wrong with the form, in Spanish.
    fn parts(
        &self,
        t: &Texts,
    ) -> Result<(PriceFilter, PriceAdjustment, Option<PriceRounding>), Vec<String>> {
        let mut problems = Vec::new();
        let category = match self.categoria.trim() {
            "" => None,
            name => Category::parse(name).or_else(|| {
                problems.push(t.bulk_category_invalid.to_owned());
                None
            }),
        };
        let codes: Vec<String> = self
            .codigos
            .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
            .filter(|c| !c.is_empty())
            .map(str::to_ascii_uppercase)
            .collect();
        let prefix = Some(self.prefijo.trim().to_ascii_uppercase()).filter(|p| !p.is_empty());
        let value = self.valor.trim().trim_end_matches('%').trim().to_owned();
        let mut change = PriceAdjustment::default();
        match (self.cambio.trim(), value.is_empty()) {
            (_, true) => problems.push(t.bulk_change_missing.to_owned()),
            ("porcentaje", false) => change.percent = Some(value),
            ("monto", false) => change.amount = Some(value),
            ("fijar", false) => match Money::parse(&value) {
                Ok(price) => change.set = Some(price),
                Err(_) => problems.push(t.bulk_value_invalid.to_owned()),
            },
            _ => problems.push(t.bulk_change_missing.to_owned()),
        }
        let mode = match self.modo.trim() {
            "abajo" => PriceRoundingMode::Down,
            "cercano" => PriceRoundingMode::Nearest,
            _ => PriceRoundingMode::Up,
        };
        let rounding = match self.paso.trim() {
            "" => None,
            step => match Money::parse(step) {
                Ok(step) => Some(PriceRounding { step, mode }),
                Err(_) => {
                    problems.push(t.bulk_step_invalid.to_owned());
                    None
                }
            },
        };
        if !problems.is_empty() {
            return Err(problems);
        }
        let filter = PriceFilter {
            category,
            codes: Some(codes).filter(|c| !c.is_empty()),
            code_prefix: prefix,
            include_inherited: Some(self.heredados.trim() == "si"),
        };
        Ok((filter, change, rounding))
    }

    /// The checked request, exactly as the API's `Request::parse` takes it.
    fn request(&self, t: &Texts) -> Result<BulkRequest, Vec<String>> {
        let (filter, change, rounding) = self.parts(t)?;
        BulkRequest::parse(&filter, &change, rounding.as_ref()).map_err(|err| {
            vec![problem_of(t, &err).unwrap_or_else(|| t.error_bad_request.to_owned())]
        })
    }
}

/// The Spanish problem of a refused bulk update, by the API's code and field;
/// `None` for errors that are not the form's (answered as the error page).
fn problem_of(t: &Texts, err: &ApiError) -> Option<String> {
    let detail = |name: &str| err.details().and_then(|d| d.get(name)).cloned();
    let text = match (err.code(), err.field()) {
        ("invalid_field", Some("filter.codes")) => match detail("unknown") {
            Some(serde_json::Value::Array(codes)) => {
                let codes: Vec<&str> = codes.iter().filter_map(|c| c.as_str()).collect();
                fill(t.bulk_codes_unknown, &[("codes", &codes.join(", "))])
            }
            _ => t.bulk_codes_invalid.to_owned(),
        },
        ("invalid_field", Some("filter.code_prefix")) => t.bulk_prefix_invalid.to_owned(),
        ("invalid_field", Some("change")) => match detail("code") {
            Some(serde_json::Value::String(code)) => {
                fill(t.bulk_price_out_of_range, &[("code", &code)])
            }
            _ => t.bulk_change_missing.to_owned(),
        },
        ("invalid_field", Some(f)) if f.starts_with("change") => t.bulk_value_invalid.to_owned(),
        ("invalid_field", Some(f)) if f.starts_with("rounding") => t.bulk_step_invalid.to_owned(),
        ("no_materials_matched", _) => t.bulk_no_match.to_owned(),
        ("no_price_changes", _) => t.bulk_no_change.to_owned(),
        _ => return None,
    };
    Some(text)
}

/// The preview as the page shows it.
fn preview_of(t: &Texts, form: &BulkForm, shown: PriceUpdatePreview) -> Preview {
    Preview {
        count: fill(t.preview_count, &[("count", &shown.count.to_string())]),
        hidden: form.hidden(&shown.fingerprint),
        lines: shown
            .items
            .into_iter()
            .map(|item| PreviewLine {
                old: item.old.0.map_or_else(
                    || t.nobody.to_owned(),
                    |m| format::money(&m.amount().to_string()),
                ),
                new: format::money(&item.new.amount().to_string()),
                source: match item.source {
                    Source::Tenant => t.source_tenant,
                    Source::Global => t.source_global,
                },
                code: item.code,
                name: item.name,
            })
            .collect(),
    }
}

/// The page with the form's preview, or with what is wrong with the form (422).
async fn previewed(
    state: &AppState,
    user: &SignedIn,
    form: BulkForm,
    alert: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let t = page::texts();
    let request = match form.request(t) {
        Ok(request) => request,
        Err(problems) => return refused(state, user, form, problems).await,
    };
    let mut tx = user.ctx.tx(state).await?;
    let shown = bulk::preview(&mut tx, &request).await;
    tx.commit().await?;
    match shown {
        Ok(shown) => {
            let view = View {
                preview: Some(preview_of(t, &form, shown)),
                form,
                alert,
                ..View::default()
            };
            admin::render(state, user, view, status).await
        }
        Err(err) => match problem_of(t, &err) {
            Some(problem) => refused(state, user, form, vec![problem]).await,
            None => Err(err.into()),
        },
    }
}

/// The page with the form as sent and its problems: 422, nothing changed.
async fn refused(
    state: &AppState,
    user: &SignedIn,
    form: BulkForm,
    problems: Vec<String>,
) -> Result<Response, WebError> {
    let view = View {
        form,
        problems,
        ..View::default()
    };
    admin::render(state, user, view, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// `POST /precios/vista-previa`: what the update would change, changing nothing.
#[handler]
pub async fn preview(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Form(form): Form<BulkForm>,
) -> Result<Response, WebError> {
    let user = signed_in_admin(req, &state, &web, &form.csrf).await?;
    previewed(&state, &user, form, None, StatusCode::OK).await
}

/// `POST /precios/aplicar`: applies the previewed update as one batch, then 303
/// to the page with a flash; if any price moved since the preview, nothing
/// changes and the page shows the new preview (409).
#[handler]
pub async fn apply(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Form(form): Form<BulkForm>,
) -> Result<Response, WebError> {
    let user = signed_in_admin(req, &state, &web, &form.csrf).await?;
    let t = page::texts();
    let request = match form.request(t) {
        Ok(request) => request,
        Err(problems) => return refused(&state, &user, form, problems).await,
    };
    let mut tx = user.ctx.tx(&state).await?;
    match bulk::apply(&mut tx, user.ctx.user, &request, form.huella.trim()).await {
        Ok(batch) => {
            user.ctx.commit_catalog_change(&state, tx).await?;
            tracing::info!(batch = %batch.id, count = batch.count, "bulk price update applied from the web app");
            Ok(redirect(&format!(
                "/precios?aviso=aplicado&lote={}",
                batch.id
            )))
        }
        Err(err) if err.code() == "preview_outdated" => {
            tx.rollback().await?;
            let alert = Some(t.preview_outdated.to_owned());
            previewed(&state, &user, form, alert, StatusCode::CONFLICT).await
        }
        Err(err) => {
            tx.rollback().await?;
            match problem_of(t, &err) {
                Some(problem) => refused(&state, &user, form, vec![problem]).await,
                None => Err(err.into()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::i18n::ES_MX;

    fn form(cambio: &str, valor: &str) -> BulkForm {
        BulkForm {
            categoria: "glass".into(),
            codigos: "vid-claro-4, VID-CLARO-6;vid-claro-4".into(),
            cambio: cambio.into(),
            valor: valor.into(),
            paso: "0.50".into(),
            modo: "abajo".into(),
            ..BulkForm::default()
        }
    }

    #[test]
    fn the_form_becomes_the_apis_request() {
        let (filter, change, rounding) = form("porcentaje", "10 %").parts(&ES_MX).expect("valid");
        assert_eq!(filter.category, Some(Category::Glass));
        assert_eq!(
            filter.codes.as_deref(),
            Some(
                &[
                    "VID-CLARO-4".to_owned(),
                    "VID-CLARO-6".into(),
                    "VID-CLARO-4".into()
                ][..]
            )
        );
        assert_eq!(filter.include_inherited, Some(false));
        assert_eq!(change.percent.as_deref(), Some("10"));
        let rounding = rounding.expect("rounding");
        assert_eq!(rounding.step.amount().to_string(), "0.50");
        assert_eq!(rounding.mode, PriceRoundingMode::Down);
        assert!(form("porcentaje", "10").request(&ES_MX).is_ok());
    }

    #[test]
    fn bad_fields_are_named_in_spanish() {
        let problems = form("porcentaje", "7,5")
            .request(&ES_MX)
            .err()
            .expect("refused");
        assert_eq!(problems, vec![ES_MX.bulk_value_invalid.to_owned()]);
        let problems = form("", "").request(&ES_MX).err().expect("refused");
        assert_eq!(problems, vec![ES_MX.bulk_change_missing.to_owned()]);
        let mut bad = form("monto", "5");
        bad.paso = "0".into();
        let problems = bad.request(&ES_MX).err().expect("refused");
        assert_eq!(problems, vec![ES_MX.bulk_step_invalid.to_owned()]);
        bad.paso = "medio".into();
        bad.categoria = "madera".into();
        let problems = bad.request(&ES_MX).err().expect("refused");
        assert_eq!(
            problems,
            vec![
                ES_MX.bulk_category_invalid.to_owned(),
                ES_MX.bulk_step_invalid.to_owned()
            ]
        );
    }
}
