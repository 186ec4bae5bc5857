//! Answers that hold a secret the server can make again (a webhook's signing
//! secret, derived from a server key): the record keeps the answer without it, and a
//! replay gets it put back, so no secret sits in `idempotency_keys`. An operation
//! opts in with [`super::Idempotency::with_secret_answer`].

use std::future::Future;
use std::pin::Pin;

use crate::error::ApiResult;
use crate::ids::TenantId;
use crate::state::AppState;

/// A future answering a restored body.
pub type Restored<'a> = Pin<Box<dyn Future<Output = ApiResult<Vec<u8>>> + Send + 'a>>;

/// How to take a secret out of an answer and put it back.
pub trait SecretAnswer: Send + Sync {
    /// The answer as stored: `body` without the secret.
    fn redact(&self, body: &[u8]) -> Vec<u8>;

    /// A stored answer of `tenant`'s with the secret put back, as the replay's body.
    /// An error (the thing the secret belongs to is gone) is answered instead.
    fn restore<'a>(&'a self, state: &'a AppState, tenant: TenantId, body: Vec<u8>) -> Restored<'a>;
}
