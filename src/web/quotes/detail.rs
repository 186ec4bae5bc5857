//! A saved quote's page (`/cotizaciones/{id}`): number, client, status, totals,
//! the actions its status allows (for the roles the API lets write quotes; posted
//! to [`super::actions`]), its versions with their PDFs and its history, all from
//! `quotes::lifecycle::get` (the API's `GET /api/v1/quotes/{id}`, whose versions
//! and history are the same `quotes::repo` reads).

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use poem::http::StatusCode;
use poem::web::{Data, Path, Query};
use poem::{handler, Request, Response};
use uuid::Uuid;

use crate::auth::rbac::Permission;
use crate::ids::{QuoteId, UserId};
use crate::quotes::lifecycle;
use crate::quotes::model::{Quote, QuoteAction, QuoteStatus};
use crate::state::AppState;
use crate::users::repo as users;
use crate::web::format;
use crate::web::i18n::{fill, Texts};
use crate::web::page::{self, html, signed_in, Layout, SignedIn, WebError};
use crate::web::Web;

/// An action button: the path segment it posts to and its label.
pub struct Action {
    pub path: &'static str,
    pub label: &'static str,
}

/// One version's line.
pub struct VersionLine {
    pub number: String,
    pub priced: String,
    pub sent: Option<String>,
    pub total: String,
    /// The PDF link's text.
    pub pdf: String,
}

/// One history entry's line.
pub struct EventLine {
    pub who: String,
    pub what: String,
    pub when: String,
}

/// The saved quote's page.
#[derive(Template)]
#[template(path = "quote.html")]
pub struct QuotePage {
    pub layout: Layout,
    pub t: &'static Texts,
    pub id: String,
    pub client: String,
    pub client_id: String,
    pub status: &'static str,
    pub created: String,
    pub notice: Option<String>,
    /// A refused action's explanation (409).
    pub problem: Option<String>,
    pub totals: Vec<(&'static str, String)>,
    /// Whether the user may quote (the "new quote" link and the actions).
    pub quoter: bool,
    pub csrf: String,
    /// The quote's entity tag, carried by the action forms (`If-Match`).
    pub version: String,
    pub actions: Vec<Action>,
    /// A draft, for a role that may quote: the "Editar" link to the builder.
    pub editable: bool,
    /// The "Duplicar" form's nonce (`envio`): a double post makes one copy.
    pub nonce: String,
    pub versions: Vec<VersionLine>,
    pub history: Vec<EventLine>,
}

/// The flash after a post (`?aviso=...`).
#[derive(Debug, Default, serde::Deserialize)]
pub struct Flash {
    aviso: Option<String>,
}

/// A status in Spanish.
pub fn status_name(t: &Texts, status: QuoteStatus) -> &'static str {
    match status {
        QuoteStatus::Draft => t.quote_status_draft,
        QuoteStatus::Sent => t.quote_status_sent,
        QuoteStatus::Accepted => t.quote_status_accepted,
        QuoteStatus::Rejected => t.quote_status_rejected,
        QuoteStatus::Expired => t.quote_status_expired,
    }
}

/// The actions a status allows, as the lifecycle's rules have them: send a
/// draft; accept a sent quote; reject a sent or expired one; revise a sent,
/// rejected or expired one; duplicate any.
pub fn actions(t: &Texts, status: QuoteStatus) -> Vec<Action> {
    use QuoteStatus::*;
    let mut list = Vec::new();
    let mut add = |path, label| list.push(Action { path, label });
    if status == Draft {
        add("enviar", t.quote_send);
    }
    if status == Sent {
        add("aceptar", t.quote_accept);
    }
    if matches!(status, Sent | Expired) {
        add("rechazar", t.quote_reject);
    }
    if matches!(status, Sent | Rejected | Expired) {
        add("revisar", t.quote_revise);
    }
    add("duplicar", t.quote_duplicate);
    list
}

fn event_name(t: &Texts, action: QuoteAction) -> &'static str {
    match action {
        QuoteAction::Created => t.quote_event_created,
        QuoteAction::Edited => t.quote_event_edited,
        QuoteAction::Sent => t.quote_event_sent,
        QuoteAction::Accepted => t.quote_event_accepted,
        QuoteAction::Rejected => t.quote_event_rejected,
        QuoteAction::Revised => t.quote_event_revised,
    }
}

/// A quote id from the path; anything else is a page that does not exist.
pub fn quote_id(text: &str) -> Result<QuoteId, WebError> {
    Uuid::parse_str(text)
        .map(QuoteId)
        .map_err(|_| WebError::NotFound)
}

/// The shop's UTC offset and the emails of the users in the quote's history.
async fn context(
    state: &AppState,
    user: &SignedIn,
    quote: &Quote,
) -> Result<(i32, HashMap<UserId, String>), WebError> {
    let mut tx = user.ctx.tx(state).await?;
    let offset = crate::web::repo::utc_offset_seconds(&mut tx).await?;
    let mut emails = HashMap::new();
    for event in &quote.history {
        if let Entry::Vacant(slot) = emails.entry(event.user_id) {
            let email = users::get(&mut tx, event.user_id)
                .await?
                .map_or_else(|| page::texts().nobody.to_owned(), |u| u.email);
            slot.insert(email);
        }
    }
    tx.commit().await?;
    Ok((offset, emails))
}

/// The page of `quote` (tagged `tag`) as it is now.
pub async fn page_of(
    state: &AppState,
    user: &SignedIn,
    (quote, tag): (Quote, String),
) -> Result<QuotePage, WebError> {
    let (offset, emails) = context(state, user, &quote).await?;
    let t = page::texts();
    let s = &quote.summary;
    let money = |m: &crate::money::Money| format::money(&m.to_string());
    let totals = &quote.result.totals;
    let quoter = super::quoter(user);
    Ok(QuotePage {
        layout: Layout::new(
            fill(t.quote_title, &[("number", &s.reference)]),
            Some(user),
            "cotizaciones",
        ),
        t,
        quoter,
        id: s.id.to_string(),
        client: s.client.name.clone(),
        client_id: s.client.id.to_string(),
        status: status_name(t, s.status),
        created: format::date(t, s.created_at, offset),
        notice: None,
        problem: None,
        totals: super::total_lines(t, totals),
        csrf: user.csrf.clone(),
        version: tag,
        actions: if quoter {
            actions(t, s.status)
        } else {
            Vec::new()
        },
        editable: quoter && s.status == QuoteStatus::Draft,
        nonce: Uuid::new_v4().to_string(),
        versions: quote
            .versions
            .iter()
            .map(|v| VersionLine {
                number: v.version.to_string(),
                priced: format::date(t, v.priced_at, offset),
                sent: v.sent_at.map(|at| format::date(t, at, offset)),
                total: money(&v.total),
                pdf: fill(t.quote_version_pdf, &[("version", &v.version.to_string())]),
            })
            .collect(),
        history: quote
            .history
            .iter()
            .map(|e| EventLine {
                who: emails.get(&e.user_id).cloned().unwrap_or_default(),
                what: fill(
                    t.quote_event_line,
                    &[
                        ("what", event_name(t, e.action)),
                        ("version", &e.version.to_string()),
                    ],
                ),
                when: format::date_time(t, e.at, offset),
            })
            .collect(),
    })
}

/// The flash's message for the quote as it is now.
fn notice(t: &Texts, aviso: &str, quote: &Quote) -> Option<String> {
    let number = quote.summary.reference.as_str();
    let n = [("number", number)];
    Some(match aviso {
        "guardada" => fill(t.quote_saved, &n),
        "enviada" => fill(t.quote_sent_notice, &n),
        "aceptada" => fill(t.quote_accepted_notice, &n),
        "rechazada" => fill(t.quote_rejected_notice, &n),
        "revisada" => fill(
            t.quote_revised_notice,
            &[
                ("number", number),
                ("version", &quote.summary.version.to_string()),
            ],
        ),
        "duplicada" => fill(t.quote_duplicated_notice, &n),
        "editada" => fill(t.builder.edited_notice, &n),
        _ => return None,
    })
}

/// `GET /cotizaciones/{id}`: any role that reads quotes; another shop's is 404.
#[handler]
pub async fn show(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Path(id): Path<String>,
    Query(flash): Query<Flash>,
) -> Result<Response, WebError> {
    let user = signed_in(req, &state, &web).await?;
    user.ctx
        .require(Permission::ReadQuotes)
        .map_err(|_| WebError::Forbidden)?;
    let id = quote_id(&id)?;
    let tagged = lifecycle::get(&state, &user.ctx, id).await?;
    let t = page::texts();
    let message = flash.aviso.as_deref().and_then(|a| notice(t, a, &tagged.0));
    let mut view = page_of(&state, &user, tagged).await?;
    view.notice = message;
    Ok(html(StatusCode::OK, &view))
}
