//! "Guardar para cliente": the rows saved as a draft for a client through the
//! API's `quotes::lifecycle::create` (the same `QuoteCreate`), and the saved
//! quote's page (`/cotizaciones/{id}`): number, client, status, totals, PDF.

use std::sync::Arc;

use askama::Template;
use poem::http::StatusCode;
use poem::web::{Data, Path, Query};
use poem::{handler, Request, Response};
use uuid::Uuid;

use super::form::{Posted, Problem};
use super::{client_id, problem_of, request};
use crate::auth::rbac::Permission;
use crate::ids::QuoteId;
use crate::pricing::Catalog;
use crate::quotes::lifecycle;
use crate::quotes::model::{QuoteCreate, QuoteStatus};
use crate::state::AppState;
use crate::web::format;
use crate::web::i18n::{fill, Texts};
use crate::web::page::{self, html, signed_in, Layout, SignedIn, WebError};
use crate::web::Web;

/// A quote-wide problem (no row).
fn general(message: &str) -> Problem {
    Problem {
        row: None,
        field: "",
        message: message.to_owned(),
        detail: None,
    }
}

/// Saves the posted rows for the chosen client: the new quote's id, or what is
/// wrong (nothing saved). Server failures are errors, not problems.
pub async fn save(
    state: &AppState,
    user: &SignedIn,
    catalog: &Catalog,
    posted: &Posted,
) -> Result<Result<QuoteId, Vec<Problem>>, WebError> {
    let t = page::texts();
    let Some(client) = client_id(&posted.client) else {
        return Ok(Err(vec![general(t.quote_client_missing)]));
    };
    let (preview, items) = match request(t, &posted.rows) {
        Ok(found) => found,
        Err(problems) => return Ok(Err(problems)),
    };
    if items.is_empty() {
        return Ok(Err(vec![general(t.quote_no_items)]));
    }
    let body = QuoteCreate {
        client_id: client,
        title: None,
        notes: None,
        items: preview.items,
        material_items: preview.material_items,
        profit_rate: None,
        indirect_rate: None,
        tax_rate: None,
        tax_code: None,
        labour_rate_override_per_m2: None,
        discount_rate: None,
    };
    match lifecycle::create(state, &user.ctx, body).await {
        Ok((quote, _)) => {
            tracing::info!(quote = %quote.summary.id, "quote saved from the web app");
            Ok(Ok(quote.summary.id))
        }
        Err(err) if err.status().is_server_error() => Err(err.into()),
        Err(err) if err.code() == "client_not_found" || err.field() == Some("client_id") => {
            Ok(Err(vec![general(t.quote_client_missing)]))
        }
        Err(err) => Ok(Err(vec![problem_of(t, catalog, err, &items)])),
    }
}

/// The saved quote's page.
#[derive(Template)]
#[template(path = "quote.html")]
struct QuotePage {
    layout: Layout,
    t: &'static Texts,
    id: String,
    client: String,
    client_id: String,
    status: &'static str,
    created: String,
    notice: Option<String>,
    totals: Vec<(&'static str, String)>,
    /// Whether the user may quote (the "new quote" link).
    quoter: bool,
}

/// The flash after saving (`?aviso=guardada`).
#[derive(Debug, Default, serde::Deserialize)]
pub struct Flash {
    aviso: Option<String>,
}

/// A status in Spanish.
fn status_name(t: &Texts, status: QuoteStatus) -> &'static str {
    match status {
        QuoteStatus::Draft => t.quote_status_draft,
        QuoteStatus::Sent => t.quote_status_sent,
        QuoteStatus::Accepted => t.quote_status_accepted,
        QuoteStatus::Rejected => t.quote_status_rejected,
        QuoteStatus::Expired => t.quote_status_expired,
    }
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
    let id = Uuid::parse_str(&id)
        .map(QuoteId)
        .map_err(|_| WebError::NotFound)?;
    let (quote, _) = lifecycle::get(&state, &user.ctx, id).await?;
    let mut tx = user.ctx.tx(&state).await?;
    let offset = crate::web::repo::utc_offset_seconds(&mut tx).await?;
    tx.commit().await?;
    let t = page::texts();
    let s = &quote.summary;
    let money = |m: &crate::money::Money| format::money(&m.to_string());
    let totals = &quote.result.totals;
    let view = QuotePage {
        layout: Layout::new(
            fill(t.quote_title, &[("number", &s.reference)]),
            Some(&user),
            "cotizar",
        ),
        t,
        quoter: super::quoter(&user),
        id: s.id.to_string(),
        client: s.client.name.clone(),
        client_id: s.client.id.to_string(),
        status: status_name(t, s.status),
        created: format::date(t, s.created_at, offset),
        notice: (flash.aviso.as_deref() == Some("guardada"))
            .then(|| fill(t.quote_saved, &[("number", &s.reference)])),
        totals: vec![
            (t.quote_cost, money(&totals.cost)),
            (t.quote_profit, money(&totals.profit)),
            (t.quote_indirect, money(&totals.indirect)),
            (t.quote_discount, money(&totals.discount)),
            (t.quote_before_tax, money(&totals.before_tax)),
            (t.quote_tax, money(&totals.tax)),
            (t.quote_total, money(&totals.total)),
        ],
    };
    Ok(html(StatusCode::OK, &view))
}
