//! A form that creates something, posted once: its nonce (`envio`, a UUID made
//! when the page is rendered) is claimed in the API's idempotency records
//! ([`crate::http::idempotency::form`]) before anything is written. A second
//! post of the same form (a double click, a reload) gets the page the first one
//! went to; a post that wrote nothing frees the nonce for the corrected one.
//! Cotizar's "Guardar", its "Crear y elegir cliente" and the quote page's
//! "Duplicar" share it.

use std::time::Duration;

use crate::http::idempotency::form::{self as nonces, FormClaim, FormKey};
use crate::state::AppState;
use crate::web::page::{SignedIn, WebError};

/// The outcome of claiming a form's nonce.
pub enum Claim {
    /// Go ahead; `None` when the form carries no nonce (older pages: unguarded).
    Go(Option<FormKey>),
    /// An earlier post of the same form finished: where it went.
    Earlier(String),
    /// An earlier post of the same form still runs (waited for 3 s).
    Busy,
}

/// Claims `nonce` of `form` (e.g. `cotizar`), waiting up to 3 s while an
/// earlier post of the same form still runs.
pub async fn claim(
    state: &AppState,
    user: &SignedIn,
    form: &str,
    nonce: &str,
) -> Result<Claim, WebError> {
    let Ok(nonce) = uuid::Uuid::parse_str(nonce.trim()) else {
        return Ok(Claim::Go(None));
    };
    for _ in 0..20 {
        match nonces::claim(&state.db, &user.ctx, form, nonce).await? {
            FormClaim::Taken(key) => return Ok(Claim::Go(Some(key))),
            FormClaim::Done(location) => return Ok(Claim::Earlier(location)),
            FormClaim::Busy => tokio::time::sleep(Duration::from_millis(150)).await,
        }
    }
    Ok(Claim::Busy)
}

/// Completes a claimed nonce with where the post went (`Some`), or frees it when
/// the post wrote nothing (`None`).
pub async fn finish(
    state: &AppState,
    key: Option<FormKey>,
    location: Option<&str>,
) -> Result<(), WebError> {
    let Some(key) = key else {
        return Ok(());
    };
    match location {
        Some(location) => {
            if let Err(err) = nonces::complete(&state.db, &key, location).await {
                tracing::warn!(error = %err, "storing a form's nonce failed");
            }
        }
        None => nonces::release(&state.db, &key).await?,
    }
    Ok(())
}
