//! `/api/v1/price-updates`: bulk price updates with a preview, the applied batches
//! (bulk updates, CSV imports, reverts) and their revert. Admins only.

use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use uuid::Uuid;

use super::batch;
use super::bulk::{self, Request};
use super::model::{
    PriceBatch, PriceBatchPage, PriceUpdatePreview, PriceUpdatePreviewRequest, PriceUpdateRequest,
    RevertRequest,
};
use super::repo;
use super::revert;
use crate::auth::rbac::Permission;
use crate::auth::TenantAuth;
use crate::error::ApiResult;
use crate::http::{ApiTags, JsonBody, OptionalJsonBody, PageRequest};
use crate::ids::BatchId;
use crate::state::AppState;

#[derive(ApiResponse)]
enum PreviewAnswer {
    /// What the update would change; nothing changed.
    #[oai(status = 200)]
    Ok(Json<PriceUpdatePreview>),
}

#[derive(ApiResponse)]
enum BatchCreated {
    /// Applied, as one batch (or, for a repeated `Idempotency-Key`, the first
    /// answer again).
    #[oai(status = 201)]
    Created(Json<PriceBatch>),
}

#[derive(ApiResponse)]
enum BatchAnswer {
    /// The batch with its items.
    #[oai(status = 200)]
    Ok(Json<PriceBatch>),
}

#[derive(ApiResponse)]
enum BatchList {
    /// A page of batches, newest first.
    #[oai(status = 200)]
    Ok(Json<PriceBatchPage>),
}

/// Bulk price update endpoints.
pub struct PriceUpdatesApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1/price-updates", tag = "ApiTags::PriceAdmin")]
impl PriceUpdatesApi {
    /// Previews a bulk price update.
    ///
    /// Lists every material whose price the update would change, with its price
    /// now (`old`), after (`new`) and where it comes from now (`source`), and a
    /// `fingerprint` to apply exactly this; changes nothing. The filter's fields
    /// combine (all must match); inherited defaults are included only with
    /// `include_inherited`. Admins only.
    ///
    /// Errors: 400 invalid_field, malformed_json; 403 forbidden; 422 invalid_field,
    /// no_materials_matched, no_price_changes.
    #[oai(
        path = "/preview",
        method = "post",
        operation_id = "price_updates_preview"
    )]
    async fn preview(
        &self,
        auth: TenantAuth,
        body: JsonBody<PriceUpdatePreviewRequest>,
    ) -> ApiResult<PreviewAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteCatalog)?;
        let request = Request::parse(&body.filter, &body.change, body.rounding.as_ref())?;
        let mut tx = ctx.tx(&self.state).await?;
        let preview = bulk::preview(&mut tx, &request).await?;
        tx.commit().await?;
        Ok(PreviewAnswer::Ok(Json(preview)))
    }

    /// Applies a previewed bulk price update.
    ///
    /// Takes the previewed request and its `fingerprint`, and applies exactly what
    /// the preview showed, in one transaction, as one batch recorded in the price
    /// history (kind `bulk`); inherited defaults it changes become the tenant's own
    /// rows. If any price moved since the preview, nothing changes: 409
    /// `preview_outdated`. Every instance serves the new prices on the next read.
    /// Admins only.
    ///
    /// Errors: 400 invalid_field, malformed_json; 403 forbidden; 409
    /// preview_outdated; 422 invalid_field, no_materials_matched, no_price_changes,
    /// idempotency_key_reused.
    #[oai(path = "/", method = "post", operation_id = "price_updates_apply")]
    async fn apply(
        &self,
        auth: TenantAuth,
        /// Makes a retry safe: within 24 hours, the same request with the same key
        /// returns the first answer (`Idempotent-Replayed: true`) instead of applying
        /// again; another request with it is 422. 1 to 255 visible ASCII characters,
        /// e.g. a UUID.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: Header<Option<String>>,
        body: JsonBody<PriceUpdateRequest>,
    ) -> ApiResult<BatchCreated> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteCatalog)?;
        let request = Request::parse(&body.filter, &body.change, body.rounding.as_ref())?;
        let mut tx = ctx.tx(&self.state).await?;
        let batch = bulk::apply(&mut tx, ctx.user, &request, &body.fingerprint).await?;
        ctx.commit_catalog_change(&self.state, tx).await?;
        tracing::info!(batch = %batch.id, count = batch.count, "bulk price update applied");
        Ok(BatchCreated::Created(Json(batch)))
    }

    /// Lists applied batches.
    ///
    /// Bulk updates, CSV imports and reverts, newest first, paged (pass `next` back
    /// as `cursor`). Admins only.
    ///
    /// Errors: 403 forbidden; 422 invalid_field.
    #[oai(path = "/", method = "get", operation_id = "price_updates_list")]
    async fn list(
        &self,
        auth: TenantAuth,
        /// Batches per page, 1 to 100 (default 50).
        limit: Query<Option<i64>>,
        /// The `next` of the previous page.
        cursor: Query<Option<String>>,
    ) -> ApiResult<BatchList> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteCatalog)?;
        let page = PageRequest::parse(limit.0, cursor.0.as_deref())?;
        let mut tx = ctx.tx(&self.state).await?;
        let (rows, total) = repo::batch_page(&mut tx, &page).await?;
        tx.commit().await?;
        let (items, next) = page.finish(rows, |b| (b.created_at, b.id.0));
        Ok(BatchList::Ok(Json(PriceBatchPage { items, total, next })))
    }

    /// Reads an applied batch.
    ///
    /// The batch with every material it changed. Admins only.
    ///
    /// Errors: 403 forbidden; 404 batch_not_found.
    #[oai(path = "/:id", method = "get", operation_id = "price_updates_get")]
    async fn get(
        &self,
        auth: TenantAuth,
        /// The batch id.
        id: Path<Uuid>,
    ) -> ApiResult<BatchAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteCatalog)?;
        let mut tx = ctx.tx(&self.state).await?;
        let (summary, items) = batch::load(&mut tx, BatchId(id.0)).await?;
        tx.commit().await?;
        Ok(BatchAnswer::Ok(Json(batch::with_items(summary, items))))
    }

    /// Reverts a batch.
    ///
    /// Applies the batch's inverse as a new batch (kind `revert`): every price it
    /// changed goes back, and rows it created are withdrawn so the default (if
    /// any) applies again. If a later change touched any of its materials, nothing
    /// changes (409 `batch_superseded`, naming them) unless the body is
    /// `{"force": true}`. The body is optional. Admins only.
    ///
    /// Errors: 400 invalid_field, malformed_json; 403 forbidden; 404
    /// batch_not_found; 409 batch_superseded, nothing_to_revert; 422
    /// idempotency_key_reused.
    #[oai(
        path = "/:id/revert",
        method = "post",
        operation_id = "price_updates_revert"
    )]
    async fn revert(
        &self,
        auth: TenantAuth,
        /// The batch id.
        id: Path<Uuid>,
        /// Makes a retry safe: within 24 hours, the same request with the same key
        /// returns the first answer (`Idempotent-Replayed: true`) instead of applying
        /// again; another request with it is 422. 1 to 255 visible ASCII characters,
        /// e.g. a UUID.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: Header<Option<String>>,
        body: OptionalJsonBody<RevertRequest>,
    ) -> ApiResult<BatchCreated> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteCatalog)?;
        let force = body.force.unwrap_or(false);
        let mut tx = ctx.tx(&self.state).await?;
        let batch = revert::revert(&mut tx, ctx.user, BatchId(id.0), force).await?;
        ctx.commit_catalog_change(&self.state, tx).await?;
        tracing::info!(batch = %batch.id, count = batch.count, "price batch reverted");
        Ok(BatchCreated::Created(Json(batch)))
    }
}
