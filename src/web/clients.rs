//! Clientes: the shop's customers, through the `clients` area's own model, checks
//! and SQL, with the API's role rules (any role reads: `ReadQuotes`; estimators
//! and admins write: `WriteQuotes`). The list searches name, RFC or email and
//! pages with the API's keyset cursor; archived clients are hidden unless asked
//! for. A client's page shows its form to writers (edits in [`edit`]) and its
//! details to everyone else.

pub mod edit;

use std::str::FromStr as _;
use std::sync::Arc;

use askama::Template;
use poem::http::StatusCode;
use poem::web::{Data, Path, Query};
use poem::{handler, Request, Response};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::format;
use super::i18n::{fill, Texts};
use super::page::{self, html, signed_in, Layout, SignedIn, WebError};
use super::Web;
use crate::auth::rbac::Permission;
use crate::clients::model::{Client, ClientInput};
use crate::clients::repo::{self, ListKey};
use crate::error::ApiError;
use crate::http::{optional_text, PageRequest};
use crate::ids::ClientId;
use crate::money::Rate;
use crate::state::AppState;

/// Clients per page (the API's default).
const PAGE_SIZE: i64 = 50;

/// Quotes shown on a client's page (the last changed).
const CLIENT_QUOTES: i64 = 20;

/// Whether the user's role may change clients (the API's check for writes).
pub fn writer(user: &SignedIn) -> bool {
    user.ctx.require(Permission::WriteQuotes).is_ok()
}

/// The API's check for reading clients, or 403.
fn reader(user: &SignedIn) -> Result<(), WebError> {
    user.ctx
        .require(Permission::ReadQuotes)
        .map_err(|_| WebError::Forbidden)
}

/// A client id from the path; anything else is a page that does not exist.
fn client_id(text: &str) -> Result<ClientId, WebError> {
    Uuid::parse_str(text)
        .map(ClientId)
        .map_err(|_| WebError::NotFound)
}

/// The version an edit form carries: when the client last changed, in
/// microseconds (the column's precision; every change moves it).
fn version_of(client: &Client) -> String {
    client.updated_at.timestamp_micros().to_string()
}

/// The list's query: search, archived too, the page.
#[derive(Debug, Default, serde::Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    /// `si`: archived clients too.
    #[serde(default)]
    archivados: String,
    #[serde(default)]
    cursor: String,
}

/// One client's row.
struct Line {
    id: String,
    name: String,
    rfc: String,
    email: String,
    phone: String,
    active: bool,
}

#[derive(Template)]
#[template(path = "clients.html")]
struct ListPage {
    layout: Layout,
    t: &'static Texts,
    q: String,
    archived: bool,
    writer: bool,
    problem: Option<String>,
    lines: Vec<Line>,
    total: String,
    next: Option<String>,
    first: bool,
}

/// `GET /clientes`.
#[handler]
pub async fn list(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let user = signed_in(req, &state, &web).await?;
    reader(&user)?;
    let t = page::texts();
    let archived = q.archivados == "si";
    let cursor = Some(q.cursor.trim()).filter(|c| !c.is_empty());
    let paging = PageRequest::<ListKey>::parse(Some(PAGE_SIZE), cursor)?;
    let mut view = ListPage {
        layout: Layout::new(t.clients_title, Some(&user), "clientes"),
        t,
        q: q.q.trim().to_owned(),
        archived,
        writer: writer(&user),
        problem: None,
        lines: Vec::new(),
        total: String::new(),
        next: None,
        first: cursor.is_none(),
    };
    let Ok(search) = optional_text("search", Some(&q.q), 100) else {
        view.problem = Some(t.clients_search_invalid.to_owned());
        return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &view));
    };
    let mut tx = user.ctx.tx(&state).await?;
    let (rows, total) = repo::list(&mut tx, search.as_deref(), archived, &paging).await?;
    tx.commit().await?;
    let (rows, next) = paging.finish(rows, |c| c.id);
    view.total = fill(t.clients_total, &[("total", &total.to_string())]);
    view.next = next.0.map(|c| next_link(&view.q, archived, &c));
    view.lines = rows
        .into_iter()
        .map(|c| Line {
            id: c.id.to_string(),
            name: c.name,
            rfc: c.rfc.unwrap_or_default(),
            email: c.email.unwrap_or_default(),
            phone: c.phone.unwrap_or_default(),
            active: c.active,
        })
        .collect();
    Ok(html(StatusCode::OK, &view))
}

/// The link to the next page: the same search, the next cursor.
fn next_link(q: &str, archived: bool, cursor: &str) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    if !q.is_empty() {
        query.append_pair("q", q);
    }
    if archived {
        query.append_pair("archivados", "si");
    }
    query.append_pair("cursor", cursor);
    format!("/clientes?{}", query.finish())
}

/// The client form's values as shown: what is stored, or what was typed.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct Values {
    #[serde(default)]
    pub nombre: String,
    #[serde(default)]
    pub rfc: String,
    #[serde(default)]
    pub correo: String,
    #[serde(default)]
    pub telefono: String,
    #[serde(default)]
    pub direccion: String,
    #[serde(default)]
    pub notas: String,
    /// The standing discount in percent (`5` is 5 %).
    #[serde(default)]
    pub descuento: String,
}

impl Values {
    /// A stored client's values.
    pub fn of(c: &Client) -> Self {
        let percent = (c.discount_rate.amount() * Decimal::ONE_HUNDRED).normalize();
        Self {
            nombre: c.name.clone(),
            rfc: c.rfc.clone().unwrap_or_default(),
            correo: c.email.clone().unwrap_or_default(),
            telefono: c.phone.clone().unwrap_or_default(),
            direccion: c.address.clone().unwrap_or_default(),
            notas: c.notes.clone().unwrap_or_default(),
            descuento: percent.to_string(),
        }
    }

    /// The API's input for these values (every field sent: an empty one is
    /// cleared), or, besides, the discount's problem when it is no percentage.
    pub fn input(&self) -> (ClientInput, Option<ApiError>) {
        let (discount_rate, problem) = match percent_rate(&self.descuento) {
            Ok(rate) => (Some(rate), None),
            Err(()) => (
                None,
                Some(ApiError::invalid_field("discount_rate", "not a percentage")),
            ),
        };
        let input = ClientInput {
            name: Some(self.nombre.clone()),
            rfc: Some(self.rfc.clone()),
            email: Some(self.correo.clone()),
            phone: Some(self.telefono.clone()),
            address: Some(self.direccion.clone()),
            notes: Some(self.notas.clone()),
            discount_rate,
            active: None,
        };
        (input, problem)
    }

    /// (label, value) of each field, in the form's order.
    fn labelled(&self, t: &Texts) -> [(&'static str, String); 7] {
        [
            (t.client_name_label, self.nombre.clone()),
            (t.rfc_label, self.rfc.clone()),
            (t.email_label, self.correo.clone()),
            (t.phone_label, self.telefono.clone()),
            (t.address_label, self.direccion.clone()),
            (t.notes_label, self.notas.clone()),
            (t.discount_label, self.descuento.clone()),
        ]
    }
}

/// A discount typed in percent (`7.5`) as the API's rate (`0.075`); empty is none.
pub(crate) fn percent_rate(text: &str) -> Result<Rate, ()> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(Rate::ZERO);
    }
    if !text.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Err(());
    }
    let percent = Decimal::from_str(text).map_err(|_| ())?;
    Rate::try_from_decimal((percent / Decimal::ONE_HUNDRED).normalize()).map_err(|_| ())
}

/// The Spanish message of each field with a problem.
#[derive(Debug, Default)]
pub struct FieldErrors {
    pub nombre: Option<String>,
    pub rfc: Option<String>,
    pub correo: Option<String>,
    pub telefono: Option<String>,
    pub direccion: Option<String>,
    pub notas: Option<String>,
    pub descuento: Option<String>,
    /// Every message, in the order found (the summary on top).
    pub all: Vec<String>,
}

impl FieldErrors {
    /// The fields the API's `invalid_field` problems name, in Spanish.
    pub fn of(t: &Texts, problems: &[ApiError]) -> Self {
        let mut errors = Self::default();
        for problem in problems {
            let field = problem.field().unwrap_or_default();
            let text = match field {
                "name" => t.client_name_invalid,
                "rfc" => t.client_rfc_invalid,
                "email" => t.client_email_invalid,
                "phone" => t.client_phone_invalid,
                "address" => t.client_address_invalid,
                "notes" => t.client_notes_invalid,
                "discount_rate" => t.client_discount_invalid,
                _ => t.error_bad_request,
            };
            errors.add(field, text.to_owned());
        }
        errors
    }

    /// The fields whose text has a NUL character, which PostgreSQL cannot store
    /// (the API refuses them in its JSON; a form can carry one as `%00`).
    pub fn nul(t: &Texts, values: &Values) -> Self {
        let mut errors = Self::default();
        for (field, (label, value)) in API_FIELDS.iter().zip(values.labelled(t)) {
            if value.contains('\0') {
                errors.add(field, fill(t.client_field_nul, &[("field", label)]));
            }
        }
        errors
    }

    /// Notes `text` as the problem of the API's `field` (the first one stays).
    fn add(&mut self, field: &str, text: String) {
        let slot = match field {
            "name" => &mut self.nombre,
            "rfc" => &mut self.rfc,
            "email" => &mut self.correo,
            "phone" => &mut self.telefono,
            "address" => &mut self.direccion,
            "notes" => &mut self.notas,
            "discount_rate" => &mut self.descuento,
            _ => {
                self.all.push(text);
                return;
            }
        };
        if slot.is_none() {
            *slot = Some(text.clone());
            self.all.push(text);
        }
    }
}

/// The API's names of the form's fields, in [`Values::labelled`]'s order.
const API_FIELDS: [&str; 7] = [
    "name",
    "rfc",
    "email",
    "phone",
    "address",
    "notes",
    "discount_rate",
];

/// A client's page: its form (to create it, or to change it) or, for roles that
/// may not write, its details.
#[derive(Template)]
#[template(path = "client.html")]
pub struct ClientPage {
    pub layout: Layout,
    pub t: &'static Texts,
    /// `None` while creating.
    pub id: Option<String>,
    pub writer: bool,
    pub csrf: String,
    pub version: String,
    pub values: Values,
    pub errors: FieldErrors,
    pub active: bool,
    pub updated: Option<String>,
    pub notice: Option<String>,
    /// A stale edit's explanation and what the user typed that was not saved.
    pub stale: Option<(String, Vec<String>)>,
    /// The client's last quotes (on its page; `lines` for `quote_rows.html`).
    pub lines: Vec<super::quotes::list::Line>,
    /// The link to all of them in the quote list, and its text.
    pub quotes_all: Option<(String, String)>,
}

impl ClientPage {
    /// The empty form of a new client.
    pub fn new_client(user: &SignedIn) -> Self {
        let t = page::texts();
        Self {
            layout: Layout::new(t.new_client, Some(user), "clientes"),
            t,
            id: None,
            writer: writer(user),
            csrf: user.csrf.clone(),
            version: String::new(),
            values: Values::default(),
            errors: FieldErrors::default(),
            active: true,
            updated: None,
            notice: None,
            stale: None,
            lines: Vec::new(),
            quotes_all: None,
        }
    }

    /// The page of a stored client, as it is now.
    pub fn of(user: &SignedIn, client: &Client, utc_offset_seconds: i32) -> Self {
        let t = page::texts();
        let at = format::date_time(t, client.updated_at, utc_offset_seconds);
        Self {
            layout: Layout::new(client.name.clone(), Some(user), "clientes"),
            id: Some(client.id.to_string()),
            version: version_of(client),
            values: Values::of(client),
            active: client.active,
            updated: Some(fill(t.client_updated, &[("at", &at)])),
            ..Self::new_client(user)
        }
    }

    /// Where the form posts.
    pub fn action(&self) -> String {
        match &self.id {
            Some(id) => format!("/clientes/{id}"),
            None => "/clientes/nuevo".to_owned(),
        }
    }
}

/// The flash after a post (`?aviso=...`).
#[derive(Debug, Default, serde::Deserialize)]
pub struct Flash {
    aviso: Option<String>,
}

/// `GET /clientes/nuevo`: the empty form (writers only).
#[handler]
pub async fn new_form(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
) -> Result<Response, WebError> {
    let user = signed_in(req, &state, &web).await?;
    if !writer(&user) {
        return Err(WebError::Forbidden);
    }
    Ok(html(StatusCode::OK, &ClientPage::new_client(&user)))
}

/// `GET /clientes/{id}`: archived or not; another shop's client is 404.
#[handler]
pub async fn show(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Path(id): Path<String>,
    Query(flash): Query<Flash>,
) -> Result<Response, WebError> {
    let user = signed_in(req, &state, &web).await?;
    reader(&user)?;
    let id = client_id(&id)?;
    let t = page::texts();
    let mut tx = user.ctx.tx(&state).await?;
    let client = repo::get(&mut tx, id).await?.ok_or(WebError::NotFound)?;
    let offset = super::repo::utc_offset_seconds(&mut tx).await?;
    tx.commit().await?;
    let mut view = ClientPage::of(&user, &client, offset);
    let name = [("name", client.name.as_str())];
    view.notice = match flash.aviso.as_deref() {
        Some("creado") => Some(fill(t.client_created, &name)),
        Some("guardado") => Some(fill(t.client_saved, &name)),
        Some("archivado") => Some(fill(t.client_archived_notice, &name)),
        Some("restaurado") => Some(fill(t.client_restored_notice, &name)),
        _ => None,
    };
    (view.lines, view.quotes_all) = client_quotes(&state, &user, id, offset).await?;
    Ok(html(StatusCode::OK, &view))
}

/// The client's last quotes, through the API's quote list with its client
/// filter, and the link to all of them.
async fn client_quotes(
    state: &AppState,
    user: &SignedIn,
    id: ClientId,
    offset: i32,
) -> Result<(Vec<super::quotes::list::Line>, Option<(String, String)>), WebError> {
    let t = page::texts();
    let paging = PageRequest::parse(Some(CLIENT_QUOTES), None)?;
    let filter = crate::quotes::repo::ListFilter {
        status: None,
        client_id: Some(id),
        search: None,
    };
    let found = crate::quotes::lifecycle::list(state, &user.ctx, &filter, &paging).await?;
    let all = (found.total > 0).then(|| {
        (
            format!("/cotizaciones?cliente={id}"),
            fill(t.client_quotes_all, &[("total", &found.total.to_string())]),
        )
    });
    Ok((super::quotes::list::lines(t, &found.items, offset), all))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discounts_are_typed_in_percent() {
        for (typed, rate) in [("", "0"), ("5", "0.05"), (" 7.5 ", "0.075"), ("100", "1")] {
            let parsed = percent_rate(typed).map(|r| r.amount().normalize().to_string());
            assert_eq!(parsed.as_deref(), Ok(rate), "{typed:?}");
        }
        for bad in ["-5", "cinco", "5%", "1e2", "7.555", "2000"] {
            assert_eq!(percent_rate(bad), Err(()), "{bad:?}");
        }
    }
}
