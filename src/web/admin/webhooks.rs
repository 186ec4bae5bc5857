//! Webhooks: the shop's webhooks as `GET /api/v1/webhooks` lists them (URL,
//! events, registered), a new one (URL, events as checkboxes of the types the
//! API knows) whose signing secret is shown once on the answer page, "Rotar
//! secreto" (the API's `rotate-secret`, the new secret shown once the same way)
//! and "Eliminar" (the API's `DELETE`). The checks and writes are the API's own
//! (`webhooks::manage`). Admins only (`ManageWebhooks`, the API's check).

use std::sync::Arc;

use askama::Template;
use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query};
use poem::{handler, Request, Response};
use uuid::Uuid;

use super::{admin_get, admin_post, ButtonForm};
use crate::auth::rbac::Permission;
use crate::http::PageRequest;
use crate::ids::WebhookId;
use crate::state::AppState;
use crate::web::format;
use crate::web::i18n::admin_catalog::WebhookTexts;
use crate::web::i18n::{fill, Texts};
use crate::web::page::{self, html, redirect, Layout, SignedIn, WebError};
use crate::web::repo::utc_offset_seconds;
use crate::web::Web;
use crate::webhooks::manage;
use crate::webhooks::model::{DeliveryStatus, EventName, EventType};

/// The page's path; the new webhook's form posts here, a row's removal to
/// `{PATH}/{id}/eliminar`, its new secret to `{PATH}/{id}/rotar`; a webhook's
/// deliveries are `{PATH}/{id}`.
pub const PATH: &str = "/administracion/webhooks";

/// The Spanish name of an event type.
fn event_text(texts: &WebhookTexts, event: EventType) -> &'static str {
    match event {
        EventType::PriceChanged => texts.event_price_changed,
        EventType::PriceUpdateApplied => texts.event_price_update_applied,
    }
}

/// One event type's checkbox.
struct Choice {
    /// The API's name, the checkbox's value.
    name: &'static str,
    text: &'static str,
    checked: bool,
}

/// One webhook's row.
struct Line {
    id: String,
    url: String,
    /// (API name, Spanish name).
    events: Vec<(&'static str, &'static str)>,
    /// `1 de diciembre de 2026, 14:05`.
    created: String,
}

/// (field, Spanish problem) of each field refused, in the form's order.
type Problems = Vec<(&'static str, String)>;

/// The webhook just registered or given a new secret, with its secret (shown on
/// this answer only).
struct Created {
    /// The section's title: registered, or new secret.
    title: &'static str,
    url: String,
    secret: String,
}

#[derive(Template)]
#[template(path = "admin_webhooks.html")]
struct WebhooksPage {
    layout: Layout,
    t: &'static Texts,
    texts: &'static WebhookTexts,
    csrf: String,
    lines: Vec<Line>,
    url: String,
    choices: Vec<Choice>,
    /// ("url" or "events", Spanish problem), in the form's order.
    errors: Problems,
    notice: Option<String>,
    created: Option<Created>,
}

impl WebhooksPage {
    /// The problem of `field` in the new webhook's form, if any.
    fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, text)| text.as_str())
    }

    /// A row's deliveries link label, naming its URL.
    fn deliveries_label(&self, line: &Line) -> String {
        fill(self.texts.deliveries_label, &[("url", line.url.as_str())])
    }

    /// A row's new secret label, naming its URL.
    fn rotate_label(&self, line: &Line) -> String {
        fill(self.texts.rotate_label, &[("url", line.url.as_str())])
    }

    /// A row's removal label, naming its URL.
    fn remove_label(&self, line: &Line) -> String {
        fill(self.texts.remove_label, &[("url", line.url.as_str())])
    }
}

/// The page with the webhooks as listed now; `url` and `events` are the new
/// webhook's form (every type checked when empty).
async fn page_of(
    state: &AppState,
    user: &SignedIn,
    url: String,
    events: &[String],
) -> Result<WebhooksPage, WebError> {
    let t = page::texts();
    let texts = &t.admin_catalog.webhooks;
    let mut tx = user.ctx.tx(state).await?;
    let webhooks = manage::all(&mut tx).await?;
    let offset = utc_offset_seconds(&mut tx).await?;
    tx.commit().await?;
    let lines = webhooks
        .into_iter()
        .map(|w| Line {
            id: w.id.to_string(),
            events: w
                .events
                .iter()
                .map(|e| (e.as_str(), event_text(texts, *e)))
                .collect(),
            created: format::date_time(t, w.created_at, offset),
            url: w.url,
        })
        .collect();
    let choices = EventType::ALL
        .into_iter()
        .map(|e| Choice {
            name: e.as_str(),
            text: event_text(texts, e),
            checked: events.is_empty() || events.iter().any(|n| n == e.as_str()),
        })
        .collect();
    Ok(WebhooksPage {
        layout: Layout::new(texts.title, Some(user), "administracion"),
        t,
        texts,
        csrf: user.csrf.clone(),
        lines,
        url,
        choices,
        errors: Vec::new(),
        notice: None,
        created: None,
    })
}

/// The flash after a removal (`?aviso=eliminado`).
#[derive(Debug, Default, serde::Deserialize)]
pub struct Flash {
    aviso: Option<String>,
}

/// `GET /administracion/webhooks`.
#[handler]
pub async fn show(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Query(flash): Query<Flash>,
) -> Result<Response, WebError> {
    let user = admin_get(req, &state, &web, Permission::ManageWebhooks).await?;
    let mut view = page_of(&state, &user, String::new(), &[]).await?;
    if flash.aviso.as_deref() == Some("eliminado") {
        view.notice = Some(view.texts.removed.to_owned());
    }
    Ok(html(StatusCode::OK, &view))
}

/// The new webhook's form: `csrf`, `url` and one `evento` per checked type.
struct NewWebhook {
    csrf: String,
    url: String,
    events: Vec<String>,
}

impl NewWebhook {
    fn of(fields: Vec<(String, String)>) -> Self {
        let mut form = Self {
            csrf: String::new(),
            url: String::new(),
            events: Vec::new(),
        };
        for (name, value) in fields {
            match name.as_str() {
                "csrf" => form.csrf = value,
                "url" => form.url = value,
                "evento" => form.events.push(value),
                _ => {}
            }
        }
        form
    }

    /// Every field's Spanish problem, by the API's own checks; the URL and
    /// events when there is none.
    fn checked(
        &self,
        state: &AppState,
        t: &Texts,
        texts: &WebhookTexts,
    ) -> Result<(url::Url, Vec<EventType>), Problems> {
        let mut errors = Vec::new();
        let url = if self.url.contains('\0') {
            let label = [("field", texts.url_label)];
            errors.push(("url", fill(t.client_field_nul, &label)));
            None
        } else {
            match manage::checked_url(state, &self.url) {
                Ok(url) => Some(url),
                Err(_) => {
                    errors.push(("url", texts.url_invalid.to_owned()));
                    None
                }
            }
        };
        let names: Vec<EventName> = self.events.iter().cloned().map(EventName).collect();
        let events = match manage::event_types(&names) {
            Ok(events) => Some(events),
            Err(_) if names.is_empty() => {
                errors.push(("events", texts.events_none.to_owned()));
                None
            }
            Err(_) => {
                errors.push(("events", texts.events_unknown.to_owned()));
                None
            }
        };
        match (url, events) {
            (Some(url), Some(events)) => Ok((url, events)),
            _ => Err(errors),
        }
    }
}

/// `POST /administracion/webhooks`: the API's `POST /api/v1/webhooks`; every
/// field's problem named (422), the shop's 16th webhook 409; the answer shows
/// the new webhook's secret, once.
#[handler]
pub async fn create(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let form = NewWebhook::of(fields);
    let user = admin_post(req, &state, &web, &form.csrf, Permission::ManageWebhooks).await?;
    let t = page::texts();
    let texts = &t.admin_catalog.webhooks;
    let (errors, status) = match form.checked(&state, t, texts) {
        Err(errors) => (errors, StatusCode::UNPROCESSABLE_ENTITY),
        Ok((url, events)) => match manage::create(&state, &user.ctx, &url, &events).await {
            Ok(made) => {
                let mut view = page_of(&state, &user, String::new(), &[]).await?;
                view.created = Some(Created {
                    title: texts.created_title,
                    url: made.url,
                    secret: made.secret,
                });
                return Ok(html(StatusCode::CREATED, &view));
            }
            Err(err) if err.code() == "too_many_webhooks" => (
                vec![("url", texts.too_many.to_owned())],
                StatusCode::CONFLICT,
            ),
            Err(err) => return Err(err.into()),
        },
    };
    let mut view = page_of(&state, &user, form.url, &form.events).await?;
    if form.events.is_empty() {
        for choice in &mut view.choices {
            choice.checked = false;
        }
    }
    view.errors = errors;
    Ok(html(status, &view))
}

/// `POST /administracion/webhooks/{id}/eliminar`: the API's `DELETE`; 404 for a
/// webhook the shop does not have.
#[handler]
pub async fn remove(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Path(id): Path<String>,
    Form(form): Form<ButtonForm>,
) -> Result<Response, WebError> {
    let user = admin_post(req, &state, &web, &form.csrf, Permission::ManageWebhooks).await?;
    let id = Uuid::parse_str(&id)
        .map(WebhookId)
        .map_err(|_| WebError::NotFound)?;
    manage::remove(&state, &user.ctx, id).await?;
    Ok(redirect(&format!("{PATH}?aviso=eliminado")))
}

/// `POST /administracion/webhooks/{id}/rotar`: the API's `rotate-secret`; the
/// answer is the page with the new secret, shown once (the old one signs
/// nothing more); 404 for a webhook the shop does not have.
#[handler]
pub async fn rotate(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Path(id): Path<String>,
    Form(form): Form<ButtonForm>,
) -> Result<Response, WebError> {
    let user = admin_post(req, &state, &web, &form.csrf, Permission::ManageWebhooks).await?;
    let id = Uuid::parse_str(&id)
        .map(WebhookId)
        .map_err(|_| WebError::NotFound)?;
    let rotated = manage::rotate(&state, &user.ctx, id).await?;
    let mut view = page_of(&state, &user, String::new(), &[]).await?;
    view.created = Some(Created {
        title: view.texts.rotated_title,
        url: rotated.url,
        secret: rotated.secret,
    });
    Ok(html(StatusCode::OK, &view))
}

/// How many deliveries the deliveries page shows, newest first.
pub const DELIVERIES: i64 = 20;

/// One delivery's row.
struct DeliveryLine {
    event: &'static str,
    status: &'static str,
    attempts: i32,
    /// The last attempt's HTTP status, empty when none.
    code: String,
    /// `1 de diciembre de 2026, 14:05`.
    created: String,
}

#[derive(Template)]
#[template(path = "admin_webhook_deliveries.html")]
struct DeliveriesPage {
    layout: Layout,
    texts: &'static WebhookTexts,
    url: String,
    lines: Vec<DeliveryLine>,
}

/// `GET /administracion/webhooks/{id}`: the webhook's last [`DELIVERIES`]
/// deliveries as `GET /api/v1/webhooks/{id}/deliveries` lists them, read only;
/// 404 for a webhook the shop does not have.
#[handler]
pub async fn deliveries(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let user = admin_get(req, &state, &web, Permission::ManageWebhooks).await?;
    let id = Uuid::parse_str(&id)
        .map(WebhookId)
        .map_err(|_| WebError::NotFound)?;
    let t = page::texts();
    let texts = &t.admin_catalog.webhooks;
    let page = PageRequest::parse(Some(DELIVERIES), None)?;
    let mut tx = user.ctx.tx(&state).await?;
    let (rows, _) = manage::deliveries(&mut tx, id, &page).await?;
    let url = manage::all(&mut tx)
        .await?
        .into_iter()
        .find(|w| w.id == id)
        .map(|w| w.url)
        .unwrap_or_default();
    let offset = utc_offset_seconds(&mut tx).await?;
    tx.commit().await?;
    let lines = rows
        .into_iter()
        .take(DELIVERIES as usize)
        .map(|d| DeliveryLine {
            event: event_text(texts, d.event_type),
            status: match d.status {
                DeliveryStatus::Pending => texts.status_pending,
                DeliveryStatus::Delivered => texts.status_delivered,
                DeliveryStatus::Failed => texts.status_failed,
            },
            attempts: d.attempts,
            code: d
                .last_status_code
                .0
                .map(|c| c.to_string())
                .unwrap_or_default(),
            created: format::date_time(t, d.created_at, offset),
        })
        .collect();
    let view = DeliveriesPage {
        layout: Layout::new(texts.deliveries_title, Some(&user), "administracion"),
        texts,
        url,
        lines,
    };
    Ok(html(StatusCode::OK, &view))
}
