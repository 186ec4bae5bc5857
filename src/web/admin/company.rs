//! Empresa: the company details printed on quotes and the logo, through the API's
//! own checks and storage (`settings::company`: `checked_all`, `save_details`,
//! `upload_logo`, `remove_current_logo`). Admins only (`WriteSettings`, the API's check). The logo is
//! uploaded as a multipart form; its body limit is the API's logo limit
//! (`web::body_limit`), checked again by `upload_logo`.

use std::sync::Arc;

use askama::Template;
use poem::http::{header, StatusCode};
use poem::web::{Data, Form, Multipart, Query};
use poem::{handler, Request, Response};

use super::{admin_get, admin_post, ButtonForm};
use crate::auth::rbac::Permission;
use crate::error::ApiError;
use crate::settings::company::api::{remove_current_logo, save_details, upload_logo};
use crate::settings::company::model::{checked_all, CompanyInput, CompanyProfile};
use crate::settings::company::repo;
use crate::state::AppState;
use crate::web::i18n::{fill, Texts};
use crate::web::page::{self, html, read_upload, redirect, Layout, SignedIn, WebError};
use crate::web::Web;

/// The page's path; the details form posts here.
pub const PATH: &str = "/administracion/empresa";
/// The logo: `GET` shows it, `POST` (multipart) uploads a new one.
pub const LOGO_PATH: &str = "/administracion/empresa/logo";
/// `POST` removes the logo.
pub const LOGO_REMOVE_PATH: &str = "/administracion/empresa/logo/quitar";

/// The details form's values: what is stored, or what was typed.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Values {
    #[serde(default)]
    razon_social: String,
    #[serde(default)]
    rfc: String,
    #[serde(default)]
    direccion: String,
    #[serde(default)]
    telefono: String,
    #[serde(default)]
    correo: String,
    #[serde(default)]
    sitio: String,
}

impl Values {
    fn of(p: &CompanyProfile) -> Self {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        Self {
            razon_social: p.legal_name.clone(),
            rfc: text(&p.rfc),
            direccion: text(&p.address),
            telefono: text(&p.phone),
            correo: text(&p.email),
            sitio: text(&p.website),
        }
    }

    /// The API's input (an empty optional field clears it).
    fn input(&self) -> CompanyInput {
        let some = |v: &str| Some(v.to_owned());
        CompanyInput {
            legal_name: self.razon_social.clone(),
            rfc: some(&self.rfc),
            address: some(&self.direccion),
            phone: some(&self.telefono),
            email: some(&self.correo),
            website: some(&self.sitio),
        }
    }

    /// (API field, label, value) of each field, in the form's order.
    fn labelled(&self, t: &Texts) -> [(&'static str, &'static str, &str); 6] {
        [
            ("legal_name", t.company_name_label, &self.razon_social),
            ("rfc", t.rfc_label, &self.rfc),
            ("address", t.address_label, &self.direccion),
            ("phone", t.phone_label, &self.telefono),
            ("email", t.email_label, &self.correo),
            ("website", t.website_label, &self.sitio),
        ]
    }
}

/// The Spanish problem of each field, by the API's field name.
#[derive(Debug, Default)]
struct FieldErrors {
    by_field: Vec<(&'static str, String)>,
}

impl FieldErrors {
    fn add(&mut self, field: &'static str, text: String) {
        if self.get(field).is_none() {
            self.by_field.push((field, text));
        }
    }

    fn get(&self, field: &str) -> Option<&str> {
        self.by_field
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, text)| text.as_str())
    }

    fn all(&self) -> impl Iterator<Item = &str> {
        self.by_field.iter().map(|(_, text)| text.as_str())
    }

    fn is_empty(&self) -> bool {
        self.by_field.is_empty()
    }
}

/// The API field's problem in Spanish.
fn problem_text(t: &Texts, field: &str) -> (&'static str, &'static str) {
    match field {
        "legal_name" => ("legal_name", t.company_name_invalid),
        "rfc" => ("rfc", t.client_rfc_invalid),
        "address" => ("address", t.client_address_invalid),
        "phone" => ("phone", t.client_phone_invalid),
        "email" => ("email", t.client_email_invalid),
        "website" => ("website", t.company_website_invalid),
        _ => ("", t.error_bad_request),
    }
}

#[derive(Template)]
#[template(path = "admin_company.html")]
struct CompanyPage {
    layout: Layout,
    t: &'static Texts,
    csrf: String,
    values: Values,
    errors: FieldErrors,
    notice: Option<String>,
    logo_problem: Option<String>,
    /// The logo's URL (with a version so a new one shows), when there is one.
    logo: Option<String>,
}

impl CompanyPage {
    /// The page for the profile as stored.
    fn of(user: &SignedIn, profile: &CompanyProfile) -> Self {
        let t = page::texts();
        let version = profile.updated_at.map_or(0, |at| at.timestamp_micros());
        Self {
            layout: Layout::new(t.company_title, Some(user), "administracion"),
            t,
            csrf: user.csrf.clone(),
            values: Values::of(profile),
            errors: FieldErrors::default(),
            notice: None,
            logo_problem: None,
            logo: profile
                .logo_type
                .as_ref()
                .map(|_| format!("{LOGO_PATH}?v={version}")),
        }
    }

    /// The one-line inputs: (API field, name, label, value, maximum length).
    fn inputs(&self) -> Vec<(&'static str, &'static str, &'static str, &str, u32)> {
        let (t, v) = (self.t, &self.values);
        vec![
            (
                "legal_name",
                "razon_social",
                t.company_name_label,
                &v.razon_social,
                200,
            ),
            ("rfc", "rfc", t.rfc_label, &v.rfc, 13),
            ("phone", "telefono", t.phone_label, &v.telefono, 40),
            ("email", "correo", t.email_label, &v.correo, 254),
            ("website", "sitio", t.website_label, &v.sitio, 200),
        ]
    }

    /// The Spanish problem of the API's `field`, if any.
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field)
    }
}

/// The profile as stored.
async fn profile(state: &AppState, user: &SignedIn) -> Result<CompanyProfile, WebError> {
    let mut tx = user.ctx.tx(state).await?;
    let profile = repo::load(&mut tx).await?;
    tx.commit().await?;
    Ok(profile)
}

/// The flash after a post (`?aviso=guardado|logo|sin-logo`).
#[derive(Debug, Default, serde::Deserialize)]
pub struct Flash {
    aviso: Option<String>,
}

/// `GET /administracion/empresa`.
#[handler]
pub async fn show(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Query(flash): Query<Flash>,
) -> Result<Response, WebError> {
    let user = admin_get(req, &state, &web, Permission::WriteSettings).await?;
    let mut view = CompanyPage::of(&user, &profile(&state, &user).await?);
    view.notice = match flash.aviso.as_deref() {
        Some("guardado") => Some(view.t.company_saved.to_owned()),
        Some("logo") => Some(view.t.logo_saved.to_owned()),
        Some("sin-logo") => Some(view.t.admin_catalog.logo_removed.to_owned()),
        _ => None,
    };
    Ok(html(StatusCode::OK, &view))
}

/// The details form's fields.
#[derive(serde::Deserialize)]
pub struct DetailsForm {
    csrf: String,
    #[serde(flatten)]
    values: Values,
}

/// `POST /administracion/empresa`: the details, checked as the API's `PUT`.
#[handler]
pub async fn save(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Form(form): Form<DetailsForm>,
) -> Result<Response, WebError> {
    let user = admin_post(req, &state, &web, &form.csrf, Permission::WriteSettings).await?;
    let t = page::texts();
    let mut errors = FieldErrors::default();
    for (field, label, value) in form.values.labelled(t) {
        if value.contains('\0') {
            errors.add(field, fill(t.client_field_nul, &[("field", label)]));
        }
    }
    if errors.is_empty() {
        match checked_all(&form.values.input()) {
            Ok(input) => {
                save_details(&state, &user.ctx, &input).await?;
                return Ok(redirect(&format!("{PATH}?aviso=guardado")));
            }
            Err(problems) => {
                for problem in problems {
                    let (field, text) = problem_text(t, problem.field().unwrap_or_default());
                    errors.add(field, text.to_owned());
                }
            }
        }
    }
    let mut view = CompanyPage::of(&user, &profile(&state, &user).await?);
    view.values = form.values;
    view.errors = errors;
    Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &view))
}

/// `POST /administracion/empresa/logo` (multipart: `csrf`, `logo`): the API's
/// checks and storage (`upload_logo`); a refused file is named on the page.
#[handler]
pub async fn upload(
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
        Permission::WriteSettings,
        "logo",
    )
    .await?;
    let t = page::texts();
    let refused = if file.is_empty() {
        (StatusCode::UNPROCESSABLE_ENTITY, t.logo_missing.to_owned())
    } else {
        match upload_logo(&state, &user.ctx, file).await {
            Ok(_) => return Ok(redirect(&format!("{PATH}?aviso=logo"))),
            Err(err) => (err.status(), logo_problem(t, &err)?),
        }
    };
    let mut view = CompanyPage::of(&user, &profile(&state, &user).await?);
    view.logo_problem = Some(refused.1);
    Ok(html(refused.0, &view))
}

/// 413 for a logo over the limit, as a page (answered in front of the page).
pub fn too_large() -> Response {
    let t = page::texts();
    let max = (crate::settings::company::MAX_LOGO_BYTES / 1024).to_string();
    page::error_page(
        StatusCode::PAYLOAD_TOO_LARGE,
        fill(t.logo_too_large, &[("kib", &max)]),
    )
}

/// A refused logo's reason in Spanish; any other error as it is.
fn logo_problem(t: &Texts, err: &ApiError) -> Result<String, WebError> {
    let max = (crate::settings::company::MAX_LOGO_BYTES / 1024).to_string();
    match (err.status(), err.code()) {
        (StatusCode::PAYLOAD_TOO_LARGE, _) => Ok(fill(t.logo_too_large, &[("kib", &max)])),
        (_, "unsupported_image") => Ok(t.logo_unsupported.to_owned()),
        (_, "invalid_field") => Ok(t.logo_unreadable.to_owned()),
        _ => Err(err.clone().into()),
    }
}

/// `GET /administracion/empresa/logo`: the logo as uploaded (any role may read
/// it, as the API's `GET`); 404 when there is none.
#[handler]
pub async fn logo_image(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
) -> Result<Response, WebError> {
    let user = admin_get(req, &state, &web, Permission::ReadQuotes).await?;
    let mut tx = user.ctx.tx(&state).await?;
    let logo = repo::load_logo(&mut tx).await?;
    tx.commit().await?;
    let logo = logo.ok_or(WebError::NotFound)?;
    Ok(Response::builder()
        .header(header::CONTENT_TYPE, logo.content_type)
        .body(logo.bytes))
}

/// `POST /administracion/empresa/logo/quitar`: the API's `DELETE`; 404 when
/// there is no logo.
#[handler]
pub async fn remove_logo(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Form(form): Form<ButtonForm>,
) -> Result<Response, WebError> {
    let user = admin_post(req, &state, &web, &form.csrf, Permission::WriteSettings).await?;
    remove_current_logo(&state, &user.ctx).await?;
    Ok(redirect(&format!("{PATH}?aviso=sin-logo")))
}
