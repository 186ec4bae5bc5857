//! Editing a draft in Cotizar: `GET /cotizar?cotizacion={id}` opens the builder
//! with the saved request (items, loose materials, terms, title, notes, client)
//! and the quote's entity tag; "Guardar cambios" updates the same quote through
//! the API's `quotes::lifecycle::update` with that tag as `If-Match`, so a draft
//! changed meanwhile is refused (409, nothing saved, the form kept). Only drafts:
//! a sent quote has no "Editar" and its posts are refused (409).

use poem::http::StatusCode;
use poem::Response;
use poem_openapi::types::MaybeUndefined;

use super::detail::{page_of, quote_id, status_name};
use super::form::{Posted, Problem, Row, MAX_ROWS};
use super::materials::{MaterialRow, FIRST_MATERIALS, MAX_MATERIALS};
use super::save::{general, Refused};
use super::{client_choices, client_discount, client_id, problem_of, request, terms, BuilderPage};
use crate::error::ApiError;
use crate::ids::QuoteId;
use crate::pricing::Catalog;
use crate::quotes::lifecycle::{self, Tagged};
use crate::quotes::model::{Quote, QuotePatch, QuoteStatus};
use crate::state::AppState;
use crate::web::i18n::fill;
use crate::web::page::{self, html, SignedIn, WebError};

/// The draft being edited: its id and entity tag as read.
pub struct Editing {
    pub id: String,
    pub version: String,
}

/// The form's rows of a saved item.
fn row_of(item: &crate::quotes::preview::ItemRequest) -> Row {
    Row {
        producto: item.product.clone(),
        ancho: item.width_cm.amount().normalize().to_string(),
        alto: item.height_cm.amount().normalize().to_string(),
        vidrio: item.glass.clone().unwrap_or_default(),
        color: item.colour.clone().unwrap_or_default(),
        cantidad: item.quantity.to_string(),
    }
}

/// The quote's page with why it cannot be edited (409).
async fn refused_page(
    state: &AppState,
    user: &SignedIn,
    tagged: Tagged,
    message: String,
) -> Result<Response, WebError> {
    let mut view = page_of(state, user, tagged).await?;
    view.problem = Some(message);
    Ok(html(StatusCode::CONFLICT, &view))
}

/// "La cotización está «Enviada»: ya no se puede editar…".
fn not_draft(quote: &Quote) -> String {
    let t = page::texts();
    fill(
        t.builder.edit_not_draft,
        &[("status", status_name(t, quote.summary.status))],
    )
}

/// `GET /cotizar?cotizacion={id}`: the builder with the draft's request; another
/// shop's quote (or no uuid) 404, one that is no draft 409 on its page.
pub async fn open(
    state: &AppState,
    user: &SignedIn,
    catalog: &Catalog,
    id: &str,
) -> Result<Response, WebError> {
    let id = quote_id(id.trim())?;
    let (quote, tag) = lifecycle::get(state, &user.ctx, id).await?;
    if quote.summary.status != QuoteStatus::Draft {
        let message = not_draft(&quote);
        return refused_page(state, user, (quote, tag), message).await;
    }
    let request = &quote.request;
    if request.items.len() > MAX_ROWS || request.material_items.len() > MAX_MATERIALS {
        let t = page::texts();
        let max = MAX_ROWS.min(MAX_MATERIALS).to_string();
        let message = fill(t.builder.edit_too_many, &[("max", &max)]);
        return refused_page(state, user, (quote, tag), message).await;
    }
    let client = quote.summary.client.id.to_string();
    let clients = client_choices(state, user, &client).await?;
    let mut rows: Vec<Row> = request.items.iter().map(row_of).collect();
    rows.resize(rows.len().max(super::form::FIRST_ROWS), Row::default());
    let mut view = BuilderPage::new(user, catalog, rows, clients);
    view.material_rows = request.material_items.iter().map(MaterialRow::of).collect();
    let count = view.material_rows.len().max(FIRST_MATERIALS);
    view.material_rows.resize(count, MaterialRow::default());
    view.client = client;
    view.terms = terms::of(
        request,
        quote.summary.title.as_deref(),
        quote.notes.as_deref(),
    );
    mark(&mut view, &quote, tag);
    Ok(html(StatusCode::OK, &view))
}

/// Puts the builder in edit mode for `quote` read at `version`.
fn mark(view: &mut BuilderPage, quote: &Quote, version: String) {
    let t = page::texts();
    let number = [("number", quote.summary.reference.as_str())];
    view.layout.title = fill(t.builder.edit_title, &number);
    view.layout.section = "cotizaciones";
    view.editing = Some(Editing {
        id: quote.summary.id.to_string(),
        version,
    });
}

/// A posted form of a draft (`cotizacion`): the builder in edit mode with the
/// version as posted; 404 when the quote is not the shop's.
pub async fn editing(
    state: &AppState,
    user: &SignedIn,
    posted: &Posted,
    view: &mut BuilderPage,
) -> Result<(), WebError> {
    let id = quote_id(posted.quote.trim())?;
    let (quote, _) = lifecycle::get(state, &user.ctx, id).await?;
    mark(view, &quote, posted.version.trim().to_owned());
    Ok(())
}

/// A rate of the form as a patch: the form's value, or back to the default.
fn patch<T>(value: Option<T>) -> MaybeUndefined<T> {
    value.map_or(MaybeUndefined::Null, MaybeUndefined::Value)
}

/// "Guardar cambios": the draft updated through `lifecycle::update` with the
/// form's entity tag; its page, or why not (nothing saved).
pub async fn update(
    state: &AppState,
    user: &SignedIn,
    posted: &Posted,
) -> Result<Result<String, Refused>, WebError> {
    let t = page::texts();
    let id = quote_id(posted.quote.trim())?;
    let Some(client) = client_id(&posted.client) else {
        return Ok(Err(Refused::invalid(vec![general(t.quote_client_missing)])));
    };
    let (preview, origins) = match request(t, posted) {
        Ok(found) => found,
        Err(problems) => return Ok(Err(Refused::invalid(problems))),
    };
    if origins.is_empty() {
        return Ok(Err(Refused::invalid(vec![general(t.quote_no_items)])));
    }
    // An empty discount is the client's standing one, as the page showed it.
    let discount = match preview.discount_rate {
        Some(rate) => Some(rate),
        None => client_discount(state, user, &posted.client).await?,
    };
    let body = QuotePatch {
        client_id: Some(client),
        title: Some(posted.terms.titulo.trim().to_owned()),
        notes: Some(posted.terms.notas.trim().to_owned()),
        items: Some(preview.items),
        material_items: Some(preview.material_items),
        profit_rate: patch(preview.profit_rate),
        indirect_rate: patch(preview.indirect_rate),
        tax_rate: patch(preview.tax_rate),
        tax_code: patch(preview.tax_code),
        labour_rate_override_per_m2: patch(preview.labour_rate_override_per_m2),
        discount_rate: patch(discount),
    };
    // An empty or wildcard tag never matches: the form must carry the one read.
    let tag = match posted.version.trim() {
        "" | "*" => "\"none\"",
        tag => tag,
    };
    match lifecycle::update(state, &user.ctx, id, Some(tag), &body).await {
        Ok((quote, _)) => {
            tracing::info!(quote = %quote.summary.id, "draft edited from the web app");
            Ok(Ok(format!(
                "/cotizaciones/{}?aviso=editada",
                quote.summary.id
            )))
        }
        Err(err) => refused(state, user, id, err, &origins).await,
    }
}

/// Why an update was refused: stale (409, with the version now, so a second
/// save replaces the other change knowingly), no draft any more (409), the
/// client (422), a problem of the request (422); anything else is an error.
async fn refused(
    state: &AppState,
    user: &SignedIn,
    id: QuoteId,
    err: ApiError,
    origins: &super::form::Origins,
) -> Result<Result<String, Refused>, WebError> {
    let t = page::texts();
    if err.status().is_server_error() || err.code() == "quote_not_found" {
        return Err(err.into());
    }
    if matches!(err.code(), "version_mismatch" | "invalid_status") {
        let (quote, tag) = lifecycle::get(state, &user.ctx, id).await?;
        let (message, version) = if quote.summary.status == QuoteStatus::Draft {
            let number = [("number", quote.summary.reference.as_str())];
            (fill(t.builder.edit_stale, &number), Some(tag))
        } else {
            (not_draft(&quote), None)
        };
        return Ok(Err(Refused {
            status: StatusCode::CONFLICT,
            problems: vec![general(&message)],
            version,
        }));
    }
    let problem: Problem = if err.code() == "client_not_found" || err.field() == Some("client_id") {
        general(t.quote_client_missing)
    } else {
        problem_of(t, err, origins)
    };
    Ok(Err(Refused::invalid(vec![problem])))
}
