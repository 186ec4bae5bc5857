//! The rules of a tenant's webhooks, shared by the API (`api.rs`) and the web
//! page (`web::admin::webhooks`): the URL and event checks, registration (at most
//! [`MAX_WEBHOOKS`]), listing, secret rotation and deletion.

use url::Url;

use super::model::{Delivery, EventName, EventType, Webhook, WebhookWithSecret};
use super::repo;
use super::secret::new_nonce;
use super::target::check_url;
use crate::auth::TenantCtx;
use crate::db::TenantTx;
use crate::error::{ApiError, ApiResult};
use crate::http::PageRequest;
use crate::ids::{WebhookDeliveryId, WebhookId};
use crate::state::AppState;

/// The most webhooks one tenant may have: every event is sent to each of them.
pub const MAX_WEBHOOKS: i64 = 16;

/// 404 `webhook_not_found`.
pub fn not_found(id: WebhookId) -> ApiError {
    ApiError::not_found(
        "webhook_not_found",
        format!("no webhook {id} in this tenant"),
    )
    .with_details(serde_json::json!({ "id": id }))
}

/// The receiver's URL, trimmed and checked (`target::check_url`); 422 `url`.
pub fn checked_url(state: &AppState, raw: &str) -> ApiResult<Url> {
    let allow_private = state.webhooks.allow_private_targets;
    check_url(raw.trim(), allow_private)
        .map_err(|refused| ApiError::invalid_field("url", refused.0))
}

/// The event types named, each known and listed once; 422 naming the one that is
/// not (`events[1]`), or `events` when none is named.
pub fn event_types(names: &[EventName]) -> ApiResult<Vec<EventType>> {
    if names.is_empty() {
        return Err(ApiError::invalid_field(
            "events",
            "name at least one event type",
        ));
    }
    let mut types = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let known = EventType::parse(&name.0).ok_or_else(|| {
            let names: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
            ApiError::invalid_field(
                &format!("events[{i}]"),
                format!(
                    "unknown event type {:?}; known: {}",
                    name.0,
                    names.join(", ")
                ),
            )
        })?;
        if !types.contains(&known) {
            types.push(known);
        }
    }
    Ok(types)
}

/// The webhook with its secret, made from its nonce.
pub fn with_secret(state: &AppState, webhook: Webhook, nonce: &[u8]) -> WebhookWithSecret {
    let secret = state.webhooks.key.secret(webhook.id, nonce);
    WebhookWithSecret::new(webhook, secret)
}

/// Registers a webhook (URL and events already checked); 409
/// `too_many_webhooks` at [`MAX_WEBHOOKS`]. The answer carries its secret.
pub async fn create(
    state: &AppState,
    ctx: &TenantCtx,
    url: &Url,
    events: &[EventType],
) -> ApiResult<WebhookWithSecret> {
    let mut tx = ctx.tx(state).await?;
    if repo::count(&mut tx).await? >= MAX_WEBHOOKS {
        return Err(ApiError::conflict(
            "too_many_webhooks",
            format!("a tenant has at most {MAX_WEBHOOKS} webhooks; delete one first"),
        ));
    }
    let nonce = new_nonce();
    let id = WebhookId::new_random();
    let webhook = repo::insert(&mut tx, id, url.as_str(), events, &nonce, ctx.user).await?;
    tx.commit().await?;
    tracing::info!(webhook_id = %id, "webhook registered");
    Ok(with_secret(state, webhook, &nonce))
}

/// Every webhook of the tenant's, oldest first (at most [`MAX_WEBHOOKS`]).
pub async fn all(tx: &mut TenantTx) -> ApiResult<Vec<Webhook>> {
    let page = PageRequest::parse(Some(100), None)?;
    let (rows, _) = repo::page(tx, &page).await?;
    Ok(rows)
}

/// Gives a webhook a new signing secret; the old one signs nothing more. The
/// answer carries the new secret (shown once); 404 when the tenant has no such
/// webhook.
pub async fn rotate(
    state: &AppState,
    ctx: &TenantCtx,
    id: WebhookId,
) -> ApiResult<WebhookWithSecret> {
    let mut tx = ctx.tx(state).await?;
    let nonce = new_nonce();
    let webhook = repo::rotate(&mut tx, id, &nonce)
        .await?
        .ok_or_else(|| not_found(id))?;
    tx.commit().await?;
    tracing::info!(webhook_id = %id, version = webhook.secret_version, "webhook secret rotated");
    Ok(with_secret(state, webhook, &nonce))
}

/// Deletes a webhook with its deliveries; 404 when the tenant has no such one.
pub async fn remove(state: &AppState, ctx: &TenantCtx, id: WebhookId) -> ApiResult<()> {
    let mut tx = ctx.tx(state).await?;
    if !repo::delete(&mut tx, id).await? {
        return Err(not_found(id));
    }
    tx.commit().await?;
    tracing::info!(webhook_id = %id, "webhook deleted");
    Ok(())
}

/// A page of a webhook's deliveries, newest first, and how many it has; 404
/// when the tenant has no such webhook.
pub async fn deliveries(
    tx: &mut TenantTx,
    id: WebhookId,
    page: &PageRequest<WebhookDeliveryId>,
) -> ApiResult<(Vec<Delivery>, i64)> {
    if repo::get(tx, id).await?.is_none() {
        return Err(not_found(id));
    }
    Ok(repo::deliveries(tx, id, page).await?)
}
