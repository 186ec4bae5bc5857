//! Cotizaciones: the shop's quote settings, through the API's own checks and
//! storage (`QuoteSettings::problems`, `settings::quotes::api::save_checked`).
//! Admins only (`WriteSettings`, the API's check). Rates are typed in percent
//! (`16` is the API's `0.16`), as the clients' discount; the tax code is chosen
//! from the shop's codes with a rate in force today
//! (`catalog::taxes::manage::codes_in_force`).

use std::sync::Arc;

use askama::Template;
use poem::http::StatusCode;
use poem::web::{Data, Form, Query};
use poem::{handler, Request, Response};
use rust_decimal::Decimal;

use super::{admin_get, admin_post};
use crate::auth::rbac::Permission;
use crate::catalog::taxes::manage::codes_in_force;
use crate::money::{Centimetres, Quantity, Rate};
use crate::settings::quotes::api::save_checked;
use crate::settings::quotes::model::QuoteSettings;
use crate::settings::quotes::repo;
use crate::state::AppState;
use crate::web::clients::percent_rate;
use crate::web::i18n::{fill, Texts};
use crate::web::page::{self, html, redirect, Layout, SignedIn, WebError};
use crate::web::Web;

/// The page's path; the form posts here.
pub const PATH: &str = "/administracion/cotizaciones";

/// The form's values: what is stored, or what was typed.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Values {
    #[serde(default)]
    utilidad: String,
    #[serde(default)]
    indirectos: String,
    #[serde(default)]
    iva: String,
    #[serde(default)]
    clave_impuesto: String,
    #[serde(default)]
    moneda: String,
    #[serde(default)]
    vigencia: String,
    #[serde(default)]
    perfiles: String,
    /// `si` when checked.
    #[serde(default)]
    desperdicio_herrajes: String,
    #[serde(default)]
    vidrio: String,
    #[serde(default)]
    paso_vidrio: String,
    #[serde(default)]
    area_minima: String,
    #[serde(default)]
    corte: String,
    #[serde(default)]
    despunte: String,
    #[serde(default)]
    redondeo: String,
    #[serde(default)]
    zona_horaria: String,
}

/// An enum's API name (`whole_bars_per_line`).
fn name_of<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// An enum from its API name.
fn enum_of<T: serde::de::DeserializeOwned>(text: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(text.trim().to_owned())).ok()
}

fn percent(rate: Rate) -> String {
    (rate.amount() * Decimal::ONE_HUNDRED)
        .normalize()
        .to_string()
}

impl Values {
    fn of(s: &QuoteSettings) -> Self {
        Self {
            utilidad: percent(s.profit_rate),
            indirectos: percent(s.indirect_rate),
            iva: percent(s.tax_rate),
            clave_impuesto: s.tax_code.clone().unwrap_or_default(),
            moneda: s.currency.clone(),
            vigencia: s.validity_days.to_string(),
            perfiles: name_of(&s.profile_billing),
            desperdicio_herrajes: if s.waste_on_hardware { "si" } else { "" }.to_owned(),
            vidrio: name_of(&s.glass_billing),
            paso_vidrio: s.glass_step_cm.amount().normalize().to_string(),
            area_minima: s.glass_min_area_m2.amount().normalize().to_string(),
            corte: s.kerf_mm.to_string(),
            despunte: s.trim_mm.to_string(),
            redondeo: name_of(&s.rounding),
            zona_horaria: s.time_zone.clone(),
        }
    }

    /// The API's settings for these values, or the API names of the fields that
    /// do not parse (each keeps its stored value in the settings returned).
    fn settings(&self, base: &QuoteSettings) -> (QuoteSettings, Vec<&'static str>) {
        let mut bad = Vec::new();
        let mut s = base.clone();
        let mut set = |field: &'static str, ok: bool| {
            if !ok {
                bad.push(field);
            }
        };
        let rate = |text: &str, slot: &mut Rate| percent_rate(text).map(|r| *slot = r).is_ok();
        set("profit_rate", rate(&self.utilidad, &mut s.profit_rate));
        set(
            "indirect_rate",
            rate(&self.indirectos, &mut s.indirect_rate),
        );
        set("tax_rate", rate(&self.iva, &mut s.tax_rate));
        let code = self.clave_impuesto.trim();
        s.tax_code = (!code.is_empty()).then(|| code.to_owned());
        s.currency = self.moneda.trim().to_owned();
        let days = |text: &str, slot: &mut u32| text.trim().parse().map(|v| *slot = v).is_ok();
        set("validity_days", days(&self.vigencia, &mut s.validity_days));
        let billing = enum_of(&self.perfiles).map(|v| s.profile_billing = v);
        set("profile_billing", billing.is_some());
        s.waste_on_hardware = self.desperdicio_herrajes == "si";
        set(
            "glass_billing",
            enum_of(&self.vidrio).map(|v| s.glass_billing = v).is_some(),
        );
        let step = Centimetres::parse(self.paso_vidrio.trim()).map(|v| s.glass_step_cm = v);
        set("glass_step_cm", step.is_ok());
        let area = Quantity::parse(self.area_minima.trim()).map(|v| s.glass_min_area_m2 = v);
        set("glass_min_area_m2", area.is_ok());
        set("kerf_mm", days(&self.corte, &mut s.kerf_mm));
        set("trim_mm", days(&self.despunte, &mut s.trim_mm));
        set(
            "rounding",
            enum_of(&self.redondeo).map(|v| s.rounding = v).is_some(),
        );
        s.time_zone = self.zona_horaria.trim().to_owned();
        (s, bad)
    }

    /// (API field, label) of the text fields, for the NUL check.
    fn texts(&self, t: &Texts) -> [(&'static str, &'static str, &str); 3] {
        [
            ("tax_code", t.settings_tax_code, &self.clave_impuesto),
            ("currency", t.settings_currency, &self.moneda),
            ("time_zone", t.settings_time_zone, &self.zona_horaria),
        ]
    }
}

/// The Spanish problem of the API's `field`.
fn problem_text(t: &Texts, field: &str) -> &'static str {
    match field {
        "profit_rate" | "indirect_rate" => t.settings_rate_invalid,
        "tax_rate" => t.settings_tax_invalid,
        "tax_code" => t.settings_tax_code_invalid,
        "currency" => t.settings_currency_invalid,
        "validity_days" => t.settings_validity_invalid,
        "glass_step_cm" => t.settings_step_invalid,
        "glass_min_area_m2" => t.settings_area_invalid,
        "kerf_mm" => t.settings_kerf_invalid,
        "trim_mm" => t.settings_trim_invalid,
        "time_zone" => t.settings_time_zone_invalid,
        _ => t.settings_choice_invalid,
    }
}

#[derive(Template)]
#[template(path = "admin_quote_settings.html")]
struct SettingsPage {
    layout: Layout,
    t: &'static Texts,
    csrf: String,
    values: Values,
    /// The tax codes with a rate in force today: (code, its rate's name).
    tax_codes: Vec<(String, String)>,
    /// (API field, Spanish problem), in the form's order.
    errors: Vec<(&'static str, String)>,
    notice: Option<String>,
}

impl SettingsPage {
    fn new(user: &SignedIn, values: Values, tax_codes: Vec<(String, String)>) -> Self {
        let t = page::texts();
        Self {
            layout: Layout::new(t.settings_title, Some(user), "administracion"),
            t,
            csrf: user.csrf.clone(),
            values,
            tax_codes,
            errors: Vec::new(),
            notice: None,
        }
    }

    /// The tax code's options, (value, text): none first, then the codes in
    /// force, and the form's value when it is none of them (so it shows).
    fn tax_code_options(&self) -> Vec<(String, String)> {
        let taxes = &self.t.admin_catalog.taxes;
        let mut options = vec![(String::new(), taxes.settings_no_code.to_owned())];
        for (code, name) in &self.tax_codes {
            options.push((code.clone(), format!("{code} · {name}")));
        }
        let current = &self.values.clave_impuesto;
        if !options.iter().any(|(code, _)| code == current) {
            options.push((current.clone(), current.clone()));
        }
        options
    }

    /// The problem of the API's `field`, if any.
    fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, text)| text.as_str())
    }

    /// The text inputs: (API field, name, label, value, hint).
    fn inputs(&self) -> Vec<(&'static str, &'static str, &'static str, &str, &'static str)> {
        let (t, v) = (self.t, &self.values);
        vec![
            (
                "profit_rate",
                "utilidad",
                t.settings_profit,
                &v.utilidad,
                t.settings_percent_hint,
            ),
            (
                "indirect_rate",
                "indirectos",
                t.settings_indirect,
                &v.indirectos,
                t.settings_percent_hint,
            ),
            (
                "tax_rate",
                "iva",
                t.settings_tax,
                &v.iva,
                t.settings_percent_hint,
            ),
            (
                "currency",
                "moneda",
                t.settings_currency,
                &v.moneda,
                t.settings_currency_hint,
            ),
            (
                "validity_days",
                "vigencia",
                t.settings_validity,
                &v.vigencia,
                t.settings_validity_hint,
            ),
            (
                "glass_step_cm",
                "paso_vidrio",
                t.settings_step,
                &v.paso_vidrio,
                t.settings_step_hint,
            ),
            (
                "glass_min_area_m2",
                "area_minima",
                t.settings_area,
                &v.area_minima,
                t.settings_area_hint,
            ),
            (
                "kerf_mm",
                "corte",
                t.settings_kerf,
                &v.corte,
                t.settings_kerf_hint,
            ),
            (
                "trim_mm",
                "despunte",
                t.settings_trim,
                &v.despunte,
                t.settings_trim_hint,
            ),
            (
                "time_zone",
                "zona_horaria",
                t.settings_time_zone,
                &v.zona_horaria,
                t.settings_time_zone_hint,
            ),
        ]
    }

    /// The selects: (API field, name, label, current value, options (value, label)).
    #[allow(clippy::type_complexity)]
    fn selects(
        &self,
    ) -> Vec<(
        &'static str,
        &'static str,
        &'static str,
        &str,
        Vec<(&'static str, &'static str)>,
    )> {
        let (t, v) = (self.t, &self.values);
        vec![
            (
                "profile_billing",
                "perfiles",
                t.settings_profiles,
                &v.perfiles,
                vec![
                    ("whole_bars_per_line", t.settings_profiles_bars),
                    ("per_metre", t.settings_profiles_metre),
                    ("cut_plan_per_job", t.settings_profiles_cut_plan),
                ],
            ),
            (
                "glass_billing",
                "vidrio",
                t.settings_glass,
                &v.vidrio,
                vec![
                    ("window_area", t.settings_glass_area),
                    ("bom_pieces", t.settings_glass_pieces),
                ],
            ),
            (
                "rounding",
                "redondeo",
                t.settings_rounding,
                &v.redondeo,
                vec![
                    ("half_up", t.settings_rounding_half_up),
                    ("half_even", t.settings_rounding_half_even),
                ],
            ),
        ]
    }
}

/// The settings as stored, and the tax codes with a rate in force today.
async fn stored(
    state: &AppState,
    user: &SignedIn,
) -> Result<(QuoteSettings, Vec<(String, String)>), WebError> {
    let mut tx = user.ctx.tx(state).await?;
    let settings = repo::load(&mut tx).await?;
    let codes = codes_in_force(&mut tx).await?;
    tx.commit().await?;
    Ok((settings, codes))
}

/// The flash after a post (`?aviso=guardado`).
#[derive(Debug, Default, serde::Deserialize)]
pub struct Flash {
    aviso: Option<String>,
}

/// `GET /administracion/cotizaciones`.
#[handler]
pub async fn show(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Query(flash): Query<Flash>,
) -> Result<Response, WebError> {
    let user = admin_get(req, &state, &web, Permission::WriteSettings).await?;
    let (settings, codes) = stored(&state, &user).await?;
    let mut view = SettingsPage::new(&user, Values::of(&settings), codes);
    if flash.aviso.as_deref() == Some("guardado") {
        view.notice = Some(view.t.settings_saved.to_owned());
    }
    Ok(html(StatusCode::OK, &view))
}

/// The form's fields.
#[derive(serde::Deserialize)]
pub struct SettingsForm {
    csrf: String,
    #[serde(flatten)]
    values: Values,
}

/// `POST /administracion/cotizaciones`: checked as the API's `PUT`.
#[handler]
pub async fn save(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Form(form): Form<SettingsForm>,
) -> Result<Response, WebError> {
    let user = admin_post(req, &state, &web, &form.csrf, Permission::WriteSettings).await?;
    let t = page::texts();
    let mut errors: Vec<(&'static str, String)> = Vec::new();
    for (field, label, value) in form.values.texts(t) {
        if value.contains('\0') {
            errors.push((field, fill(t.client_field_nul, &[("field", label)])));
        }
    }
    let (base, codes) = stored(&state, &user).await?;
    let (settings, bad) = form.values.settings(&base);
    if errors.is_empty() {
        let problems = settings.problems();
        errors.extend(bad.into_iter().map(|f| (f, problem_text(t, f).to_owned())));
        for p in problems {
            let field = p.field().unwrap_or_default();
            if let Some(known) = KNOWN.iter().find(|k| **k == field) {
                if !errors.iter().any(|(f, _)| f == known) {
                    errors.push((known, problem_text(t, field).to_owned()));
                }
            }
        }
    }
    if errors.is_empty() {
        match save_checked(&state, &user.ctx, &settings).await {
            Ok(()) => return Ok(redirect(&format!("{PATH}?aviso=guardado"))),
            Err(err) => match err.field() {
                Some(field @ ("time_zone" | "tax_code")) => {
                    let field = if field == "time_zone" {
                        "time_zone"
                    } else {
                        "tax_code"
                    };
                    errors.push((field, problem_text(t, field).to_owned()));
                }
                _ => return Err(err.into()),
            },
        }
    }
    let mut view = SettingsPage::new(&user, form.values, codes);
    view.errors = errors;
    Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &view))
}

/// The API's field names the page names problems of.
const KNOWN: [&str; 10] = [
    "profit_rate",
    "indirect_rate",
    "tax_rate",
    "currency",
    "validity_days",
    "glass_step_cm",
    "glass_min_area_m2",
    "kerf_mm",
    "trim_mm",
    "time_zone",
];
