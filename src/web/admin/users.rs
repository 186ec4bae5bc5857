//! Usuarios: the shop's users with their role and state; create a user with a
//! role, change a role, deactivate and reactivate, through the `users` area's own
//! rules (`users::manage`, the API's): the same email and password checks, the
//! duplicate email, the last active admin, the revoked sessions. Admins only
//! (`ManageUsers`, the API's check).

use std::sync::Arc;

use askama::Template;
use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query};
use poem::{handler, Request, Response};
use uuid::Uuid;

use super::{admin_get, admin_post};
use crate::auth::rbac::Permission;
use crate::error::ApiError;
use crate::http::PageRequest;
use crate::ids::UserId;
use crate::state::AppState;
use crate::users::manage;
use crate::users::model::{TenantRole, User};
use crate::users::repo;
use crate::web::i18n::{fill, Texts};
use crate::web::page::{self, html, redirect, Layout, SignedIn, WebError};
use crate::web::Web;

/// Users shown (the API's largest page).
const PAGE_SIZE: i64 = 100;

/// The roles as the forms name them, in the select's order.
const ROLES: [TenantRole; 3] = [TenantRole::Admin, TenantRole::Estimator, TenantRole::Viewer];

/// A role's name in Spanish.
fn role_name(t: &Texts, role: TenantRole) -> &'static str {
    match role {
        TenantRole::Admin => t.role_admin,
        TenantRole::Estimator => t.role_estimator,
        TenantRole::Viewer => t.role_viewer,
    }
}

/// A role from a form's value (the API's names).
fn role_of(text: &str) -> Option<TenantRole> {
    ROLES.into_iter().find(|r| r.as_str() == text.trim())
}

/// One user's row.
struct Line {
    id: String,
    email: String,
    role: &'static str,
    active: bool,
    /// The signed-in admin's own row.
    me: bool,
}

/// The new user form's values (never the password, which is not shown again).
#[derive(Debug, Default, serde::Deserialize)]
pub struct NewUser {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    correo: String,
    #[serde(default)]
    contrasena: String,
    #[serde(default)]
    rol: String,
}

/// The Spanish problem of each field of the new user form.
#[derive(Debug, Default)]
struct FieldErrors {
    correo: Option<String>,
    contrasena: Option<String>,
    rol: Option<String>,
    all: Vec<String>,
}

impl FieldErrors {
    fn add(&mut self, field: &str, text: String) {
        let slot = match field {
            "email" => &mut self.correo,
            "password" => &mut self.contrasena,
            _ => &mut self.rol,
        };
        if slot.is_none() {
            *slot = Some(text.clone());
            self.all.push(text);
        }
    }
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    layout: Layout,
    t: &'static Texts,
    csrf: String,
    roles: Vec<(&'static str, &'static str)>,
    lines: Vec<Line>,
    total: String,
    notice: Option<String>,
    problem: Option<String>,
    email: String,
    role: String,
    errors: FieldErrors,
}

impl UsersPage {
    fn new(user: &SignedIn) -> Self {
        let t = page::texts();
        Self {
            layout: Layout::new(t.users_title, Some(user), "administracion"),
            t,
            csrf: user.csrf.clone(),
            roles: ROLES
                .iter()
                .map(|r| (r.as_str(), role_name(t, *r)))
                .collect(),
            lines: Vec::new(),
            total: String::new(),
            notice: None,
            problem: None,
            email: String::new(),
            role: TenantRole::Estimator.as_str().to_owned(),
            errors: FieldErrors::default(),
        }
    }

    /// The page with the shop's users, answered with `status`.
    async fn answer(
        mut self,
        state: &AppState,
        user: &SignedIn,
        status: StatusCode,
    ) -> Result<Response, WebError> {
        let t = self.t;
        let paging = PageRequest::<String>::parse(Some(PAGE_SIZE), None)?;
        let mut tx = user.ctx.tx(state).await?;
        let (rows, total) = repo::list(&mut tx, &paging).await?;
        tx.commit().await?;
        let (rows, _) = paging.finish(rows, |u: &User| u.email.clone());
        self.total = fill(t.users_total, &[("total", &total.to_string())]);
        self.lines = rows
            .into_iter()
            .map(|u| Line {
                id: u.id.to_string(),
                me: u.id == user.ctx.user,
                email: u.email,
                role: u.role.as_str(),
                active: u.active,
            })
            .collect();
        Ok(html(status, &self))
    }
}

/// The flash after a post (`?aviso=...&correo=...`).
#[derive(Debug, Default, serde::Deserialize)]
pub struct Flash {
    aviso: Option<String>,
    #[serde(default)]
    correo: String,
}

/// `GET /administracion/usuarios`.
#[handler]
pub async fn list(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Query(flash): Query<Flash>,
) -> Result<Response, WebError> {
    let user = admin_get(req, &state, &web, Permission::ManageUsers).await?;
    let mut view = UsersPage::new(&user);
    let t = view.t;
    let email = [("email", flash.correo.as_str())];
    view.notice = match flash.aviso.as_deref() {
        Some("creado") => Some(fill(t.user_created, &email)),
        Some("rol") => Some(fill(t.user_role_changed, &email)),
        Some("desactivado") => Some(fill(t.user_deactivated, &email)),
        Some("reactivado") => Some(fill(t.user_reactivated, &email)),
        _ => None,
    };
    view.answer(&state, &user, StatusCode::OK).await
}

/// 303 to the list with a flash naming `email`.
fn done(flash: &str, email: &str) -> Response {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("aviso", flash)
        .append_pair("correo", email)
        .finish();
    redirect(&format!("/administracion/usuarios?{query}"))
}

/// `POST /administracion/usuarios`: a new user (`users::manage::create`).
#[handler]
pub async fn create(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Form(form): Form<NewUser>,
) -> Result<Response, WebError> {
    let user = admin_post(req, &state, &web, &form.csrf, Permission::ManageUsers).await?;
    let t = page::texts();
    let mut errors = FieldErrors::default();
    for (field, label, value) in [
        ("email", t.email_label, &form.correo),
        ("password", t.password_label, &form.contrasena),
    ] {
        if value.contains('\0') {
            errors.add(field, fill(t.user_field_nul, &[("field", label)]));
        }
    }
    if errors.all.is_empty() {
        for problem in manage::problems(&form.correo, &form.contrasena) {
            refusal(t, &problem, &mut errors)?;
        }
    }
    let role = role_of(&form.rol);
    if role.is_none() {
        errors.add("role", t.user_role_invalid.to_owned());
    }
    let status = match role {
        Some(role) if errors.all.is_empty() => {
            match manage::create(&state, &user.ctx, &form.correo, &form.contrasena, role).await {
                Ok(created) => return Ok(done("creado", &created.email)),
                Err(err) => refusal(t, &err, &mut errors)?,
            }
        }
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let mut view = UsersPage::new(&user);
    view.email = form.correo;
    view.role = form.rol;
    view.errors = errors;
    view.answer(&state, &user, status).await
}

/// The field problem of a refused creation, in Spanish, and the status to answer;
/// any other error as it is.
fn refusal(t: &Texts, err: &ApiError, errors: &mut FieldErrors) -> Result<StatusCode, WebError> {
    match (err.code(), err.field()) {
        ("user_exists", _) => errors.add("email", t.user_exists.to_owned()),
        (_, Some("email")) => errors.add("email", t.user_email_invalid.to_owned()),
        (_, Some("password")) => errors.add("password", t.user_password_invalid.to_owned()),
        _ => return Err(err.clone().into()),
    }
    Ok(err.status())
}

/// A user id from the path; anything else is a page that does not exist.
fn user_id(text: &str) -> Result<UserId, WebError> {
    Uuid::parse_str(text)
        .map(UserId)
        .map_err(|_| WebError::NotFound)
}

/// A role change's fields.
#[derive(Debug, serde::Deserialize)]
pub struct RoleForm {
    csrf: String,
    #[serde(default)]
    rol: String,
}

/// The deactivate and reactivate buttons' fields.
#[derive(Debug, serde::Deserialize)]
pub struct ButtonForm {
    csrf: String,
}

/// Changes the user through `users::manage::update`, then 303 with `flash`; the
/// last active admin is a 409 page saying so, with nothing changed.
async fn change(
    state: &AppState,
    user: &SignedIn,
    id: &str,
    role: Option<TenantRole>,
    active: Option<bool>,
    flash: &str,
) -> Result<Response, WebError> {
    let id = user_id(id)?;
    match manage::update(state, &user.ctx, id, role, active).await {
        Ok(changed) => Ok(done(flash, &changed.email)),
        Err(err) if err.code() == "user_not_found" => Err(WebError::NotFound),
        Err(err) if err.code() == "last_admin" => {
            let mut view = UsersPage::new(user);
            view.problem = Some(view.t.last_admin.to_owned());
            view.answer(state, user, StatusCode::CONFLICT).await
        }
        Err(err) => Err(err.into()),
    }
}

/// `POST /administracion/usuarios/{id}/rol`.
#[handler]
pub async fn set_role(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Path(id): Path<String>,
    Form(form): Form<RoleForm>,
) -> Result<Response, WebError> {
    let user = admin_post(req, &state, &web, &form.csrf, Permission::ManageUsers).await?;
    let Some(role) = role_of(&form.rol) else {
        let mut view = UsersPage::new(&user);
        view.problem = Some(view.t.user_role_invalid.to_owned());
        return view
            .answer(&state, &user, StatusCode::UNPROCESSABLE_ENTITY)
            .await;
    };
    change(&state, &user, &id, Some(role), None, "rol").await
}

/// `POST /administracion/usuarios/{id}/desactivar`.
#[handler]
pub async fn deactivate(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Path(id): Path<String>,
    Form(form): Form<ButtonForm>,
) -> Result<Response, WebError> {
    let user = admin_post(req, &state, &web, &form.csrf, Permission::ManageUsers).await?;
    change(&state, &user, &id, None, Some(false), "desactivado").await
}

/// `POST /administracion/usuarios/{id}/reactivar`.
#[handler]
pub async fn reactivate(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Path(id): Path<String>,
    Form(form): Form<ButtonForm>,
) -> Result<Response, WebError> {
    let user = admin_post(req, &state, &web, &form.csrf, Permission::ManageUsers).await?;
    change(&state, &user, &id, None, Some(true), "reactivado").await
}
