//! The same records for the web app's forms: a form rendered with a nonce (a
//! UUID in a hidden field) claims `web:{form}:{nonce}` in the tenant's
//! `idempotency_keys` before it creates anything, so a second post of the same
//! form (a double click, a reload) answers with the first one's result instead
//! of creating again. The record keeps the page the first post went to.
//!
//! The fingerprint is a SHA-256 of the user and the key (the form's fields are
//! not part of it: the nonce names one rendered form), so another user of the
//! shop who sends the same nonce never gets the first user's page.

use sha2::{Digest as _, Sha256};

use super::repo::{self, Answer, Claimed, Scope, State};
use crate::auth::TenantCtx;
use crate::db::Db;

/// A claimed form key: what it takes to complete or release it.
pub struct FormKey {
    scope: Scope,
    key: String,
    fingerprint: Vec<u8>,
}

/// The outcome of claiming a form's nonce.
pub enum FormClaim {
    /// The nonce is ours: create, then [`complete`] or [`release`].
    Taken(FormKey),
    /// An earlier post of the form finished: the page it went to.
    Done(String),
    /// An earlier post of the form is still running (or another user's).
    Busy,
}

/// Claims `nonce` of `form` (e.g. `cotizar`) for the user. The nonce is a UUID.
pub async fn claim(
    db: &Db,
    ctx: &TenantCtx,
    form: &str,
    nonce: uuid::Uuid,
) -> Result<FormClaim, sqlx::Error> {
    let key = format!("web:{form}:{nonce}");
    let mut hash = Sha256::new();
    for part in [ctx.user.to_string(), key.clone()] {
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part.as_bytes());
    }
    let fingerprint = hash.finalize().to_vec();
    let scope = Scope::Tenant(ctx.tenant);
    Ok(match repo::claim(db, scope, &key, &fingerprint).await? {
        Claimed::Taken => FormClaim::Taken(FormKey {
            scope,
            key,
            fingerprint,
        }),
        Claimed::Held(record) if record.fingerprint != fingerprint => FormClaim::Busy,
        Claimed::Held(record) => match (record.state, record.location) {
            (State::Done, Some(location)) => FormClaim::Done(location),
            _ => FormClaim::Busy,
        },
        Claimed::Contended => FormClaim::Busy,
    })
}

/// Keeps the page the post went to, for the next post of the same form.
pub async fn complete(db: &Db, key: &FormKey, location: &str) -> Result<bool, sqlx::Error> {
    let answer = Answer {
        status: 201,
        content_type: None,
        etag: None,
        location: Some(location.to_owned()),
        body: Vec::new(),
    };
    repo::complete(db, key.scope, &key.key, &key.fingerprint, &answer).await
}

/// Frees the nonce after a post that created nothing, so a corrected one can run.
pub async fn release(db: &Db, key: &FormKey) -> Result<(), sqlx::Error> {
    repo::release(db, key.scope, &key.key, &key.fingerprint).await
}
