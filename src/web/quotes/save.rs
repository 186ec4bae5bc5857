//! "Guardar para cliente": the rows saved as a draft for a client through the
//! API's `quotes::lifecycle::create` (the same `QuoteCreate`); the saved quote's
//! page is [`super::detail`].

use super::form::{Posted, Problem};
use super::{client_id, problem_of, request};
use crate::ids::QuoteId;
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
