//! "Guardar para cliente": the rows saved as a draft for a client through the
//! API's `quotes::lifecycle::create` (the same `QuoteCreate`), or, for a draft
//! being edited, updated through `lifecycle::update` ([`super::edit`]); the
//! saved quote's page is [`super::detail`].
//!
//! The form carries a nonce (`envio`, a UUID made when the page is rendered),
//! claimed ([`super::once`]) before the quote is written: a second post of the
//! same form (a double click) goes to the quote the first one saved instead of
//! saving another.

use poem::http::StatusCode;

use super::form::{Posted, Problem};
use super::once::{self, Claim};
use super::{client_id, problem_of, request, terms};
use crate::quotes::lifecycle;
use crate::quotes::model::QuoteCreate;
use crate::state::AppState;
use crate::web::page::{self, SignedIn, WebError};

/// A save that did not happen: the status to answer, what is wrong, and, for a
/// stale edit, the draft's entity tag now (the form then carries it).
pub struct Refused {
    pub status: StatusCode,
    pub problems: Vec<Problem>,
    pub version: Option<String>,
}

impl Refused {
    /// 422: what is wrong with the form.
    pub fn invalid(problems: Vec<Problem>) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            problems,
            version: None,
        }
    }
}

/// A quote-wide problem (no row).
pub fn general(message: &str) -> Problem {
    Problem {
        row: None,
        field: "",
        message: message.to_owned(),
    }
}

/// Saves the posted form (a new quote, or the draft being edited): the saved
/// quote's page (the first post's, when the form was posted before), or why not
/// (nothing saved). Server failures are errors, not problems.
pub async fn save(
    state: &AppState,
    user: &SignedIn,
    posted: &Posted,
) -> Result<Result<String, Refused>, WebError> {
    let key = match once::claim(state, user, "cotizar", &posted.nonce).await? {
        Claim::Go(key) => key,
        Claim::Earlier(location) => return Ok(Ok(location)),
        Claim::Busy => {
            let busy = general(page::texts().quote_save_busy);
            return Ok(Err(Refused::invalid(vec![busy])));
        }
    };
    let saved = if posted.quote.trim().is_empty() {
        create(state, user, posted).await
    } else {
        super::edit::update(state, user, posted).await
    };
    let location = match &saved {
        Ok(Ok(location)) => Some(location.as_str()),
        _ => None,
    };
    once::finish(state, key, location).await?;
    saved
}

/// Creates the quote through the API's `lifecycle::create`: its page, or what
/// is wrong.
async fn create(
    state: &AppState,
    user: &SignedIn,
    posted: &Posted,
) -> Result<Result<String, Refused>, WebError> {
    let t = page::texts();
    let refused = |problem: Problem| Ok(Err(Refused::invalid(vec![problem])));
    let Some(client) = client_id(&posted.client) else {
        return refused(general(t.quote_client_missing));
    };
    let (preview, origins) = match request(t, posted) {
        Ok(found) => found,
        Err(problems) => return Ok(Err(Refused::invalid(problems))),
    };
    if origins.is_empty() {
        return refused(general(t.quote_no_items));
    }
    let body = QuoteCreate {
        client_id: client,
        title: terms::text(&posted.terms.titulo),
        notes: terms::text(&posted.terms.notas),
        items: preview.items,
        material_items: preview.material_items,
        profit_rate: preview.profit_rate,
        indirect_rate: preview.indirect_rate,
        tax_rate: preview.tax_rate,
        tax_code: preview.tax_code,
        labour_rate_override_per_m2: preview.labour_rate_override_per_m2,
        discount_rate: preview.discount_rate,
    };
    match lifecycle::create(state, &user.ctx, body).await {
        Ok((quote, _)) => {
            tracing::info!(quote = %quote.summary.id, "quote saved from the web app");
            let id = quote.summary.id;
            Ok(Ok(format!("/cotizaciones/{id}?aviso=guardada")))
        }
        Err(err) if err.status().is_server_error() => Err(err.into()),
        Err(err) if err.code() == "client_not_found" || err.field() == Some("client_id") => {
            refused(general(t.quote_client_missing))
        }
        Err(err) => refused(problem_of(t, err, &origins)),
    }
}
