//! The registration's answer as `Idempotency-Key` keeps it: without the signing
//! secret, which a replay derives again (see `http::idempotency::secrets`).

use poem_openapi::types::ToJSON as _;
use serde_json::Value;

use super::manage::not_found;
use super::model::WebhookWithSecret;
use super::repo;
use crate::db::TenantTx;
use crate::error::ApiError;
use crate::http::idempotency::secrets::{Restored, SecretAnswer};
use crate::ids::{TenantId, WebhookId};
use crate::state::AppState;

/// Takes `secret` out of a stored registration and derives it again on replay.
pub struct RegistrationSecret;

impl SecretAnswer for RegistrationSecret {
    fn redact(&self, body: &[u8]) -> Vec<u8> {
        match serde_json::from_slice(body) {
            Ok(Value::Object(mut answer)) => {
                answer.remove("secret");
                Value::Object(answer).to_string().into_bytes()
            }
            // Never stored as it is: it could hold the secret.
            _ => b"{}".to_vec(),
        }
    }

    /// The webhook as it is now, with its current secret (a rotation since the
    /// first answer made the first secret unusable anyway); 404 once deleted.
    fn restore<'a>(&'a self, state: &'a AppState, tenant: TenantId, body: Vec<u8>) -> Restored<'a> {
        Box::pin(async move {
            let stored: Value = serde_json::from_slice(&body)
                .map_err(|e| ApiError::internal("replaying a webhook registration", e))?;
            let id = stored["id"]
                .as_str()
                .and_then(|id| id.parse().ok())
                .map(WebhookId)
                .ok_or_else(|| {
                    ApiError::internal(
                        "replaying a webhook registration",
                        anyhow::anyhow!("the stored answer names no webhook"),
                    )
                })?;
            let mut tx = TenantTx::begin(&state.db.app, tenant).await?;
            let found = repo::get(&mut tx, id).await?;
            tx.commit().await?;
            let (webhook, nonce) = found.ok_or_else(|| not_found(id))?;
            let secret = state.webhooks.key.secret(id, &nonce);
            let answer = WebhookWithSecret::new(webhook, secret).to_json();
            Ok(answer.unwrap_or(Value::Null).to_string().into_bytes())
        })
    }
}
