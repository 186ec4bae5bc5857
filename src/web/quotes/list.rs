//! The quote list (`/cotizaciones`): any role that reads quotes. Filters by status
//! (in Spanish), searches the number or the client's name, narrows to a client,
//! and pages with the API's keyset cursor, all through `quotes::lifecycle::list`
//! (the API's `GET /api/v1/quotes`), most recently changed first.

use std::sync::Arc;

use askama::Template;
use poem::http::StatusCode;
use poem::web::{Data, Query};
use poem::{handler, Request, Response};

use super::detail::status_name;
use crate::auth::rbac::Permission;
use crate::http::{optional_text, PageRequest};
use crate::ids::ClientId;
use crate::quotes::lifecycle;
use crate::quotes::model::{QuoteStatus, QuoteSummary};
use crate::quotes::repo::{ListFilter, ListKey};
use crate::state::AppState;
use crate::web::format;
use crate::web::i18n::{fill, Texts};
use crate::web::page::{self, html, signed_in, Layout, SignedIn, WebError};
use crate::web::Web;

/// Quotes per page.
pub const PAGE_SIZE: i64 = 25;

/// The statuses by their Spanish name in the query.
const STATUSES: [(&str, QuoteStatus); 5] = [
    ("borrador", QuoteStatus::Draft),
    ("enviada", QuoteStatus::Sent),
    ("aceptada", QuoteStatus::Accepted),
    ("rechazada", QuoteStatus::Rejected),
    ("vencida", QuoteStatus::Expired),
];

/// The list's query.
#[derive(Debug, Default, serde::Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    estado: String,
    #[serde(default)]
    q: String,
    /// A client's id: only its quotes.
    #[serde(default)]
    cliente: String,
    #[serde(default)]
    cursor: String,
}

/// One quote's row, formatted.
pub struct Line {
    pub id: String,
    pub reference: String,
    pub client: String,
    pub status: &'static str,
    pub date: String,
    pub total: String,
}

/// A status choice of the filter.
pub struct StatusChoice {
    pub value: &'static str,
    pub name: &'static str,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "quotes.html")]
struct ListPage {
    layout: Layout,
    t: &'static Texts,
    quoter: bool,
    q: String,
    client: String,
    client_note: Option<String>,
    statuses: Vec<StatusChoice>,
    problem: Option<String>,
    lines: Vec<Line>,
    total: String,
    next: Option<String>,
    first: bool,
}

/// The rows of a page of quotes, as shown.
pub fn lines(t: &Texts, items: &[QuoteSummary], offset: i32) -> Vec<Line> {
    items
        .iter()
        .map(|s| Line {
            id: s.id.to_string(),
            reference: s.reference.clone(),
            client: s.client.name.clone(),
            status: status_name(t, s.status),
            date: format::date(t, s.updated_at, offset),
            total: format::money(&s.total.to_string()),
        })
        .collect()
}

/// The shop's UTC offset, for the dates.
pub async fn offset(state: &AppState, user: &SignedIn) -> Result<i32, WebError> {
    let mut tx = user.ctx.tx(state).await?;
    let offset = crate::web::repo::utc_offset_seconds(&mut tx).await?;
    tx.commit().await?;
    Ok(offset)
}

/// `GET /cotizaciones`.
#[handler]
pub async fn list(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let user = signed_in(req, &state, &web).await?;
    user.ctx
        .require(Permission::ReadQuotes)
        .map_err(|_| WebError::Forbidden)?;
    let t = page::texts();
    let status = STATUSES.iter().find(|(name, _)| *name == q.estado.trim());
    let client = uuid::Uuid::parse_str(q.cliente.trim()).ok().map(ClientId);
    let cursor = Some(q.cursor.trim()).filter(|c| !c.is_empty());
    let paging = PageRequest::<ListKey>::parse(Some(PAGE_SIZE), cursor)?;
    let mut view = ListPage {
        layout: Layout::new(t.quotes_title, Some(&user), "cotizaciones"),
        t,
        quoter: super::quoter(&user),
        q: q.q.trim().to_owned(),
        client: client.map(|c| c.to_string()).unwrap_or_default(),
        client_note: None,
        statuses: STATUSES
            .iter()
            .map(|(value, s)| StatusChoice {
                value,
                name: status_name(t, *s),
                selected: status.is_some_and(|(v, _)| v == value),
            })
            .collect(),
        problem: None,
        lines: Vec::new(),
        total: String::new(),
        next: None,
        first: cursor.is_none(),
    };
    let Ok(search) = optional_text("search", Some(&q.q), 100) else {
        view.problem = Some(t.quotes_search_invalid.to_owned());
        return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &view));
    };
    let filter = ListFilter {
        status: status.map(|(_, s)| *s),
        client_id: client,
        search: search.as_deref(),
    };
    let found = lifecycle::list(&state, &user.ctx, &filter, &paging).await?;
    let offset = offset(&state, &user).await?;
    view.total = fill(t.quotes_total, &[("total", &found.total.to_string())]);
    view.client_note = client
        .and(found.items.first())
        .map(|s| fill(t.quotes_of_client, &[("name", &s.client.name)]));
    view.lines = lines(t, &found.items, offset);
    view.next = found
        .next
        .0
        .map(|c| next_link(status.map_or("", |(v, _)| v), &view.q, &view.client, &c));
    Ok(html(StatusCode::OK, &view))
}

/// The link to the older quotes: the same filters, the next cursor.
fn next_link(status: &str, q: &str, client: &str, cursor: &str) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (name, value) in [("estado", status), ("q", q), ("cliente", client)] {
        if !value.is_empty() {
            query.append_pair(name, value);
        }
    }
    query.append_pair("cursor", cursor);
    format!("/cotizaciones?{}", query.finish())
}
