//! "Guardar para cliente": the rows saved as a draft for a client through the
//! API's `quotes::lifecycle::create` (the same `QuoteCreate`); the saved quote's
//! page is [`super::detail`].
//!
//! The form carries a nonce (`envio`, a UUID made when the page is rendered),
//! claimed in the API's idempotency records ([`crate::http::idempotency::form`])
//! before the quote is created: a second post of the same form (a double click)
//! goes to the quote the first one saved instead of saving another.

use std::time::Duration;

use super::form::{Posted, Problem};
use super::{client_id, problem_of, request, terms};
use crate::http::idempotency::form::{self as nonces, FormClaim, FormKey};
use crate::pricing::Catalog;
use crate::quotes::lifecycle;
use crate::quotes::model::QuoteCreate;
use crate::state::AppState;
use crate::web::page::{self, SignedIn, WebError};

/// A quote-wide problem (no row).
fn general(message: &str) -> Problem {
    Problem {
        row: None,
        field: "",
        message: message.to_owned(),
        detail: None,
    }
}

/// Claims the form's nonce: `Ok(None)` when the form has none (no guard);
/// `Err` with the page of an earlier post of the same form, or the problem while
/// that post still runs (waited for a few seconds first).
async fn claim(
    state: &AppState,
    user: &SignedIn,
    nonce: &str,
) -> Result<Result<Option<FormKey>, Result<String, Vec<Problem>>>, WebError> {
    let Ok(nonce) = uuid::Uuid::parse_str(nonce.trim()) else {
        return Ok(Ok(None));
    };
    for _ in 0..20 {
        match nonces::claim(&state.db, &user.ctx, "cotizar", nonce).await? {
            FormClaim::Taken(key) => return Ok(Ok(Some(key))),
            FormClaim::Done(location) => return Ok(Err(Ok(location))),
            FormClaim::Busy => tokio::time::sleep(Duration::from_millis(150)).await,
        }
    }
    Ok(Err(Err(vec![general(page::texts().quote_save_busy)])))
}

/// Saves the posted rows for the chosen client: the saved quote's page (the
/// first post's, when the form was posted before), or what is wrong (nothing
/// saved). Server failures are errors, not problems.
pub async fn save(
    state: &AppState,
    user: &SignedIn,
    catalog: &Catalog,
    posted: &Posted,
) -> Result<Result<String, Vec<Problem>>, WebError> {
    let key = match claim(state, user, &posted.nonce).await? {
        Ok(key) => key,
        Err(earlier) => return Ok(earlier),
    };
    let saved = create(state, user, catalog, posted).await;
    if let Some(key) = key {
        match &saved {
            Ok(Ok(location)) => {
                if let Err(err) = nonces::complete(&state.db, &key, location).await {
                    tracing::warn!(error = %err, "storing the saved quote's form nonce failed");
                }
            }
            _ => nonces::release(&state.db, &key).await?,
        }
    }
    saved
}

/// Creates the quote through the API's `lifecycle::create`: its page, or what
/// is wrong.
async fn create(
    state: &AppState,
    user: &SignedIn,
    catalog: &Catalog,
    posted: &Posted,
) -> Result<Result<String, Vec<Problem>>, WebError> {
    let t = page::texts();
    let Some(client) = client_id(&posted.client) else {
        return Ok(Err(vec![general(t.quote_client_missing)]));
    };
    let (preview, items) = match request(t, &posted.rows, &posted.terms) {
        Ok(found) => found,
        Err(problems) => return Ok(Err(problems)),
    };
    if items.is_empty() {
        return Ok(Err(vec![general(t.quote_no_items)]));
    }
    let body = QuoteCreate {
        client_id: client,
        title: terms::text(&posted.terms.titulo),
        notes: terms::text(&posted.terms.notas),
        items: preview.items,
        material_items: preview.material_items,
        profit_rate: preview.profit_rate,
        indirect_rate: preview.indirect_rate,
        tax_rate: None,
        tax_code: preview.tax_code,
        labour_rate_override_per_m2: None,
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
            Ok(Err(vec![general(t.quote_client_missing)]))
        }
        Err(err) => Ok(Err(vec![problem_of(t, catalog, err, &items)])),
    }
}
