//! `/api/v1/webhooks`: a tenant's webhooks (admins only) and their deliveries.

use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::manage::{self, not_found};
use super::model::{CreateWebhook, Webhook, WebhookDeliveryPage, WebhookPage, WebhookWithSecret};
use super::repo;
use crate::auth::rbac::Permission;
use crate::auth::{TenantAuth, TenantCtx};
use crate::db::TenantTx;
use crate::error::ApiResult;
use crate::http::{ApiTags, JsonBody, PageRequest};
use crate::ids::WebhookId;
use crate::state::AppState;

#[derive(ApiResponse)]
enum WebhookList {
    /// A page of the tenant's webhooks, oldest first.
    #[oai(status = 200)]
    Ok(Json<WebhookPage>),
}

#[derive(ApiResponse)]
enum WebhookCreated {
    /// Registered (or, for a repeated `Idempotency-Key`, the first answer again),
    /// with its signing secret, which is not shown again.
    #[oai(status = 201)]
    Created(Json<WebhookWithSecret>),
}

#[derive(ApiResponse)]
enum WebhookAnswer {
    /// The webhook (its secret is never shown again).
    #[oai(status = 200)]
    Ok(Json<Webhook>),
}

#[derive(ApiResponse)]
enum SecretRotated {
    /// The webhook with its new signing secret, which is not shown again; the old
    /// secret no longer signs anything.
    #[oai(status = 200)]
    Ok(Json<WebhookWithSecret>),
}

#[derive(ApiResponse)]
enum Deleted {
    /// Deleted, with its deliveries: nothing more is sent to it.
    #[oai(status = 204)]
    Done,
}

#[derive(ApiResponse)]
enum DeliveryList {
    /// A page of the webhook's deliveries, newest first.
    #[oai(status = 200)]
    Ok(Json<WebhookDeliveryPage>),
}

/// Webhook endpoints.
pub struct WebhooksApi {
    pub state: AppState,
}

impl WebhooksApi {
    /// A transaction of an admin's (403 for other roles).
    async fn admin_tx(&self, auth: &TenantAuth) -> ApiResult<(TenantCtx, TenantTx)> {
        let ctx = auth.ctx();
        ctx.require(Permission::ManageWebhooks)?;
        let tx = ctx.tx(&self.state).await?;
        Ok((ctx.clone(), tx))
    }
}

#[OpenApi(prefix_path = "/api/v1/webhooks", tag = "ApiTags::Webhooks")]
impl WebhooksApi {
    /// The tenant's webhooks, oldest first, a page at a time (admins only).
    ///
    /// Secrets are never listed: they are shown once, when made.
    ///
    /// Errors: 403 forbidden; 422 invalid_field.
    #[oai(path = "/", method = "get", operation_id = "webhooks_list")]
    async fn list(
        &self,
        auth: TenantAuth,
        /// Webhooks per page, 1 to 100 (default 50).
        limit: Query<Option<i64>>,
        /// The previous page's `next`, to read the page after it.
        cursor: Query<Option<String>>,
    ) -> ApiResult<WebhookList> {
        let page = PageRequest::parse(limit.0, cursor.0.as_deref())?;
        let (_, mut tx) = self.admin_tx(&auth).await?;
        let (rows, total) = repo::page(&mut tx, &page).await?;
        tx.commit().await?;
        let (items, next) = page.finish(rows, |w| w.id);
        Ok(WebhookList::Ok(Json(WebhookPage { items, total, next })))
    }

    /// Register a webhook (admins only).
    ///
    /// Every event of the listed types that the tenant's changes publish from now
    /// on is POSTed to `url`, signed with the secret in this answer, which is not
    /// shown again. The URL must be `https` or `http`, without user or password, at
    /// a public address (loopback, private, link-local, metadata and similar
    /// addresses are refused, here and again when delivering). Unknown event types
    /// are 422 naming the entry (`events[1]`). A tenant has at most 16 webhooks.
    /// The secret is not kept for `Idempotency-Key` replays: a replay answers the
    /// webhook as it is then, with its current secret (404 once it is deleted).
    ///
    /// Errors: 403 forbidden; 404 webhook_not_found; 409 too_many_webhooks; 422
    /// invalid_field.
    #[oai(path = "/", method = "post", operation_id = "webhooks_create")]
    async fn create(
        &self,
        auth: TenantAuth,
        /// Makes a retry safe: within 24 hours, the same request with the same key
        /// returns the first answer (`Idempotent-Replayed: true`) instead of creating
        /// again; another request with it is 422. 1 to 255 visible ASCII characters,
        /// e.g. a UUID.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: Header<Option<String>>,
        body: JsonBody<CreateWebhook>,
    ) -> ApiResult<WebhookCreated> {
        auth.ctx().require(Permission::ManageWebhooks)?;
        let url = manage::checked_url(&self.state, &body.url)?;
        let events = manage::event_types(&body.events)?;
        let created = manage::create(&self.state, auth.ctx(), &url, &events).await?;
        Ok(WebhookCreated::Created(Json(created)))
    }

    /// One webhook (admins only).
    ///
    /// Its URL, event types and secret version; the secret itself is shown only
    /// when it is made (registration, rotation).
    ///
    /// Errors: 403 forbidden; 404 webhook_not_found.
    #[oai(path = "/:id", method = "get", operation_id = "webhooks_get")]
    async fn get(
        &self,
        auth: TenantAuth,
        /// The webhook's id.
        id: Path<WebhookId>,
    ) -> ApiResult<WebhookAnswer> {
        let (_, mut tx) = self.admin_tx(&auth).await?;
        let found = repo::get(&mut tx, id.0).await?;
        tx.commit().await?;
        let (webhook, _) = found.ok_or_else(|| not_found(id.0))?;
        Ok(WebhookAnswer::Ok(Json(webhook)))
    }

    /// Delete a webhook (admins only).
    ///
    /// Its deliveries go with it: nothing more is sent to it, retries included.
    ///
    /// Errors: 403 forbidden; 404 webhook_not_found.
    #[oai(path = "/:id", method = "delete", operation_id = "webhooks_delete")]
    async fn delete(
        &self,
        auth: TenantAuth,
        /// The webhook's id.
        id: Path<WebhookId>,
    ) -> ApiResult<Deleted> {
        auth.ctx().require(Permission::ManageWebhooks)?;
        manage::remove(&self.state, auth.ctx(), id.0).await?;
        Ok(Deleted::Done)
    }

    /// Give a webhook a new signing secret (admins only).
    ///
    /// The answer shows the new secret once. From now on every delivery, retries
    /// of earlier events included, is signed with it; the old one signs nothing
    /// more. Each call makes another secret.
    ///
    /// Errors: 403 forbidden; 404 webhook_not_found.
    #[oai(
        path = "/:id/rotate-secret",
        method = "post",
        operation_id = "webhooks_rotate_secret"
    )]
    async fn rotate_secret(
        &self,
        auth: TenantAuth,
        /// The webhook's id.
        id: Path<WebhookId>,
    ) -> ApiResult<SecretRotated> {
        auth.ctx().require(Permission::ManageWebhooks)?;
        let rotated = manage::rotate(&self.state, auth.ctx(), id.0).await?;
        Ok(SecretRotated::Ok(Json(rotated)))
    }

    /// A webhook's deliveries, newest first, a page at a time (admins only).
    ///
    /// One per event sent to it: its status (`pending`, `delivered`, `failed`), the
    /// attempts so far, the last attempt's HTTP status and error, and when the next
    /// attempt is due.
    ///
    /// Errors: 403 forbidden; 404 webhook_not_found; 422 invalid_field.
    #[oai(
        path = "/:id/deliveries",
        method = "get",
        operation_id = "webhooks_deliveries"
    )]
    async fn deliveries(
        &self,
        auth: TenantAuth,
        /// The webhook's id.
        id: Path<WebhookId>,
        /// Deliveries per page, 1 to 100 (default 50).
        limit: Query<Option<i64>>,
        /// The previous page's `next`, to read the page after it.
        cursor: Query<Option<String>>,
    ) -> ApiResult<DeliveryList> {
        let page = PageRequest::parse(limit.0, cursor.0.as_deref())?;
        let (_, mut tx) = self.admin_tx(&auth).await?;
        let (rows, total) = manage::deliveries(&mut tx, id.0, &page).await?;
        tx.commit().await?;
        let (items, next) = page.finish(rows, |d| d.id);
        Ok(DeliveryList::Ok(Json(WebhookDeliveryPage {
            items,
            total,
            next,
        })))
    }
}
