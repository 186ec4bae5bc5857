//! The actions of a saved quote's page, as plain forms: `POST
//! /cotizaciones/{id}/{enviar|aceptar|rechazar|revisar|duplicar}`, each through
//! the lifecycle function of the API's operation (`send`, `decide`, `revise`,
//! `duplicate`), so the status rules are the API's. Origin and token first, then
//! the API's write permission (403 before anything is read). The form carries the
//! quote's entity tag: a send is checked as the API's `If-Match`, and accept,
//! reject and revise get the same check in the lifecycle (the API's operations
//! take none). After the action, 303 back with a flash; a refused one answers the
//! page as it is now with the reason in Spanish (409).

use std::sync::Arc;

use poem::http::StatusCode;
use poem::web::{Data, Form, Path};
use poem::{handler, Request, Response};

use super::detail::{page_of, quote_id, status_name};
use super::once::{self, Claim};
use crate::error::ApiError;
use crate::ids::QuoteId;
use crate::quotes::lifecycle::{self, Tagged};
use crate::quotes::model::QuoteStatus;
use crate::state::AppState;
use crate::web::format;
use crate::web::i18n::fill;
use crate::web::page::{self, html, signed_in_post, SignedIn, WebError};
use crate::web::Web;

/// An action form: the token and the quote's entity tag as read.
#[derive(Debug, Default, serde::Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: String,
    /// The "Duplicar" form's nonce ([`super::once`]).
    #[serde(default)]
    envio: String,
}

/// The actions, by their path segment.
#[derive(Debug, Clone, Copy)]
enum Act {
    Send,
    Accept,
    Reject,
    Revise,
    Duplicate,
}

impl Act {
    fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "enviar" => Self::Send,
            "aceptar" => Self::Accept,
            "rechazar" => Self::Reject,
            "revisar" => Self::Revise,
            "duplicar" => Self::Duplicate,
            _ => return None,
        })
    }

    /// The flash after it.
    fn flash(self) -> &'static str {
        match self {
            Self::Send => "enviada",
            Self::Accept => "aceptada",
            Self::Reject => "rechazada",
            Self::Revise => "revisada",
            Self::Duplicate => "duplicada",
        }
    }

    /// The infinitive for "no se puede …".
    fn verb(self) -> &'static str {
        let t = page::texts();
        match self {
            Self::Send => t.quote_verb_send,
            Self::Accept => t.quote_verb_accept,
            Self::Reject => t.quote_verb_reject,
            Self::Revise => t.quote_verb_revise,
            Self::Duplicate => t.quote_duplicate,
        }
    }

    /// Runs it through the API's lifecycle function.
    async fn run(
        self,
        state: &AppState,
        user: &SignedIn,
        id: QuoteId,
        tag: &str,
    ) -> Result<Tagged, ApiError> {
        let ctx = &user.ctx;
        let tag = Some(tag);
        match self {
            Self::Send => lifecycle::send(state, ctx, id, tag).await,
            Self::Accept => lifecycle::decide(state, ctx, id, QuoteStatus::Accepted, tag).await,
            Self::Reject => lifecycle::decide(state, ctx, id, QuoteStatus::Rejected, tag).await,
            Self::Revise => lifecycle::revise(state, ctx, id, tag).await,
            Self::Duplicate => lifecycle::duplicate(state, ctx, id).await,
        }
    }
}

/// `POST /cotizaciones/{id}/{accion}`.
#[handler]
pub async fn post_action(
    req: &Request,
    state: Data<&AppState>,
    web: Data<&Arc<Web>>,
    Path((id, action)): Path<(String, String)>,
    Form(form): Form<ActionForm>,
) -> Result<Response, WebError> {
    let user = signed_in_post(req, &state, &web, &form.csrf).await?;
    if !super::quoter(&user) {
        return Err(WebError::Forbidden);
    }
    let what = Act::parse(&action).ok_or(WebError::NotFound)?;
    let id = quote_id(&id)?;
    // Duplicating creates: a second post of the same form goes to the first copy.
    let key = match what {
        Act::Duplicate => match once::claim(&state, &user, "duplicar", &form.envio).await? {
            Claim::Go(key) => key,
            Claim::Earlier(location) => return Ok(page::redirect(&location)),
            Claim::Busy => {
                let message = page::texts().builder.duplicate_busy.to_owned();
                let tagged = lifecycle::get(&state, &user.ctx, id).await?;
                return refusal(&state, &user, tagged, StatusCode::CONFLICT, message).await;
            }
        },
        _ => None,
    };
    let location = match what.run(&state, &user, id, form.version.trim()).await {
        Ok((quote, _)) => format!("/cotizaciones/{}?aviso={}", quote.summary.id, what.flash()),
        Err(err) => {
            once::finish(&state, key, None).await?;
            return refused(&state, &user, id, what, &err).await;
        }
    };
    once::finish(&state, key, Some(&location)).await?;
    tracing::info!(quote = %id, action = what.flash(), "quote action from the web app");
    Ok(page::redirect(&location))
}

/// The quote's page as it is now with why the action was refused.
async fn refusal(
    state: &AppState,
    user: &SignedIn,
    tagged: Tagged,
    status: StatusCode,
    message: String,
) -> Result<Response, WebError> {
    let mut view = page_of(state, user, tagged).await?;
    view.problem = Some(message);
    Ok(html(status, &view))
}

/// A refused action: the page as it is now with the reason (409, or 422 for an
/// archived client), or the error itself when it is no such refusal.
async fn refused(
    state: &AppState,
    user: &SignedIn,
    id: QuoteId,
    what: Act,
    err: &ApiError,
) -> Result<Response, WebError> {
    let t = page::texts();
    let known = matches!(
        err.code(),
        "version_mismatch" | "invalid_status" | "quote_repriced"
    ) || (err.status() == StatusCode::UNPROCESSABLE_ENTITY
        && err.field() == Some("client_id"));
    if !known {
        return Err(err.clone().into());
    }
    let tagged = lifecycle::get(state, &user.ctx, id).await?;
    let status = tagged.0.summary.status;
    let amount = |key: &str| {
        err.details()
            .and_then(|d| d.get(key))
            .and_then(|v| v.as_str())
            .map(format::money)
            .unwrap_or_default()
    };
    let (code, message) = match err.code() {
        "version_mismatch" => (StatusCode::CONFLICT, t.quote_stale.to_owned()),
        "invalid_status" => (
            StatusCode::CONFLICT,
            fill(
                t.quote_wrong_status,
                &[("status", status_name(t, status)), ("action", what.verb())],
            ),
        ),
        "quote_repriced" => (
            StatusCode::CONFLICT,
            fill(
                t.quote_repriced,
                &[
                    ("total", &amount("total")),
                    ("before", &amount("previous_total")),
                ],
            ),
        ),
        _ => (
            StatusCode::UNPROCESSABLE_ENTITY,
            t.quote_client_archived.to_owned(),
        ),
    };
    refusal(state, user, tagged, code, message).await
}
