//! `/api/v1/quotes`: pricing a quote without saving it, and saved quotes through
//! their life (see [`super::lifecycle`]).

use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::{Binary, Json};
use poem_openapi::{ApiResponse, OpenApi};

use super::lifecycle::{self, reference, Tagged};
use super::model::{Quote, QuoteCreate, QuoteList, QuotePatch, QuoteStatus, QuoteVersion};
use super::preview::{price_with, PreviewRequest};
use super::repo::ListFilter;
use super::view::QuotePreview;
use crate::auth::rbac::Permission;
use crate::auth::TenantAuth;
use crate::catalog::snapshot::tenant_catalog;
use crate::error::{ApiError, ApiResult};
use crate::http::{optional_text, ApiTags, JsonBody, PageRequest};
use crate::ids::{ClientId, QuoteId};
use crate::state::AppState;

#[derive(ApiResponse)]
enum PreviewAnswer {
    #[oai(status = 200)]
    Ok(Json<QuotePreview>),
}

#[derive(ApiResponse)]
enum QuoteListAnswer {
    #[oai(status = 200)]
    Ok(Json<QuoteList>),
}

#[derive(ApiResponse)]
enum QuoteAnswer {
    /// The quote; `ETag` may be sent back in `If-Match` to guard an edit.
    #[oai(status = 200)]
    Ok(Json<Quote>, #[oai(header = "ETag")] String),
    #[oai(status = 201)]
    Created(Json<Quote>, #[oai(header = "ETag")] String),
}

#[derive(ApiResponse)]
enum VersionAnswer {
    #[oai(status = 200)]
    Ok(Json<QuoteVersion>),
}

#[derive(ApiResponse)]
enum PdfAnswer {
    /// The quote as a PDF document, in Spanish.
    #[oai(status = 200, content_type = "application/pdf")]
    Ok(
        Binary<Vec<u8>>,
        #[oai(header = "Content-Disposition")] String,
        #[oai(header = "Cache-Control")] String,
    ),
}

impl QuoteAnswer {
    fn ok((quote, tag): Tagged) -> Self {
        QuoteAnswer::Ok(Json(quote), tag)
    }

    fn created((quote, tag): Tagged) -> Self {
        QuoteAnswer::Created(Json(quote), tag)
    }
}

/// Quote endpoints.
pub struct QuotesApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1/quotes", tag = "ApiTags::Quotes")]
impl QuotesApi {
    /// Price a quote without saving it: every BOM line with its formula, quantities,
    /// waste, bars, unit price and amount; category totals per item; labour;
    /// overhead, tax and total. Unknown codes are 404 and out-of-range inputs 422,
    /// each naming the field (e.g. `items[0].width_cm`).
    #[oai(path = "/preview", method = "post", operation_id = "quotes_preview")]
    async fn preview(
        &self,
        auth: TenantAuth,
        body: JsonBody<PreviewRequest>,
    ) -> ApiResult<PreviewAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteQuotes)?;
        let catalog = tenant_catalog(&self.state, ctx).await?;
        let preview: QuotePreview = price_with(&catalog, &body)?;
        Ok(PreviewAnswer::Ok(Json(preview)))
    }

    /// Quotes, most recently changed first, a page at a time (`limit` 1 to 100,
    /// default 50; `cursor` from the previous page's `next`). Filters: `status`,
    /// `client_id`, and `search` (title, client name, or the number, e.g.
    /// `COT-000042` or `42`).
    #[oai(path = "/", method = "get", operation_id = "quotes_list")]
    async fn list(
        &self,
        auth: TenantAuth,
        status: Query<Option<QuoteStatus>>,
        client_id: Query<Option<ClientId>>,
        search: Query<Option<String>>,
        limit: Query<Option<i64>>,
        cursor: Query<Option<String>>,
    ) -> ApiResult<QuoteListAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::ReadQuotes)?;
        let page = PageRequest::parse(limit.0, cursor.0.as_deref())?;
        let search = optional_text("search", search.0.as_ref(), 100)?;
        let filter = ListFilter {
            status: status.0,
            client_id: client_id.0,
            search: search.as_deref(),
        };
        let quotes = lifecycle::list(&self.state, ctx, &filter, &page).await?;
        Ok(QuoteListAnswer::Ok(Json(quotes)))
    }

    /// Save a new draft quote for a client, priced with the current catalogue.
    /// Errors are those of the preview, plus `client_not_found`; nothing is saved
    /// from a request that fails.
    #[oai(path = "/", method = "post", operation_id = "quotes_create")]
    async fn create(
        &self,
        auth: TenantAuth,
        /// Makes a retry safe: within 24 hours, the same request with the same key
        /// returns the first answer (`Idempotent-Replayed: true`) instead of creating
        /// again; another request with it is 422. 1 to 255 visible ASCII characters,
        /// e.g. a UUID.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: Header<Option<String>>,
        body: JsonBody<QuoteCreate>,
    ) -> ApiResult<QuoteAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteQuotes)?;
        let tagged = lifecycle::create(&self.state, ctx, body.0).await?;
        Ok(QuoteAnswer::created(tagged))
    }

    /// One quote: its current version in full, every version's total, and its history.
    #[oai(path = "/:id", method = "get", operation_id = "quotes_get")]
    async fn get(&self, auth: TenantAuth, id: Path<QuoteId>) -> ApiResult<QuoteAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::ReadQuotes)?;
        Ok(QuoteAnswer::ok(
            lifecycle::get(&self.state, ctx, id.0).await?,
        ))
    }

    /// Edit a draft (409 once sent: revise it instead). Absent fields stay; rate
    /// overrides are kept unless set (or set to `null`). The draft is re-priced with
    /// the current catalogue. `If-Match` with the quote's `ETag` is optional; when
    /// sent and stale, the answer is 412.
    #[oai(path = "/:id", method = "patch", operation_id = "quotes_update")]
    async fn update(
        &self,
        auth: TenantAuth,
        id: Path<QuoteId>,
        #[oai(name = "If-Match")] if_match: Header<Option<String>>,
        body: JsonBody<QuotePatch>,
    ) -> ApiResult<QuoteAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteQuotes)?;
        let if_match = if_match.0.as_deref();
        let tagged = lifecycle::update(&self.state, ctx, id.0, if_match, &body).await?;
        Ok(QuoteAnswer::ok(tagged))
    }

    /// Send a draft: its version is frozen (figures, rates, and the title, notes,
    /// client and company details as printed) and valid for the tenant's
    /// `validity_days` from today, the last day included. If prices changed since
    /// the draft was last saved, nothing is sent: the draft is saved with today's
    /// figures and the answer is 409 `quote_repriced`, to be reviewed and sent again.
    /// `If-Match` with the quote's `ETag` is optional; when sent and stale, 412.
    #[oai(path = "/:id/send", method = "post", operation_id = "quotes_send")]
    async fn send(
        &self,
        auth: TenantAuth,
        id: Path<QuoteId>,
        #[oai(name = "If-Match")] if_match: Header<Option<String>>,
    ) -> ApiResult<QuoteAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteQuotes)?;
        let tagged = lifecycle::send(&self.state, ctx, id.0, if_match.0.as_deref()).await?;
        Ok(QuoteAnswer::ok(tagged))
    }

    /// The client accepted a sent quote (409 if it is not sent or has expired).
    #[oai(path = "/:id/accept", method = "post", operation_id = "quotes_accept")]
    async fn accept(&self, auth: TenantAuth, id: Path<QuoteId>) -> ApiResult<QuoteAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteQuotes)?;
        let tagged = lifecycle::decide(&self.state, ctx, id.0, QuoteStatus::Accepted).await?;
        Ok(QuoteAnswer::ok(tagged))
    }

    /// The client turned down a sent (or expired) quote.
    #[oai(path = "/:id/reject", method = "post", operation_id = "quotes_reject")]
    async fn reject(&self, auth: TenantAuth, id: Path<QuoteId>) -> ApiResult<QuoteAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteQuotes)?;
        let tagged = lifecycle::decide(&self.state, ctx, id.0, QuoteStatus::Rejected).await?;
        Ok(QuoteAnswer::ok(tagged))
    }

    /// Open a new draft version of a sent, rejected or expired quote, with the same
    /// items and rate overrides, priced with today's catalogue. Earlier versions stay
    /// as they were sent.
    #[oai(path = "/:id/revise", method = "post", operation_id = "quotes_revise")]
    async fn revise(&self, auth: TenantAuth, id: Path<QuoteId>) -> ApiResult<QuoteAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteQuotes)?;
        Ok(QuoteAnswer::ok(
            lifecycle::revise(&self.state, ctx, id.0).await?,
        ))
    }

    /// A new draft quote with the current version's client, title, notes, items and
    /// rate overrides, priced with today's catalogue.
    #[oai(
        path = "/:id/duplicate",
        method = "post",
        operation_id = "quotes_duplicate"
    )]
    async fn duplicate(
        &self,
        auth: TenantAuth,
        id: Path<QuoteId>,
        /// Makes a retry safe: within 24 hours, the same request with the same key
        /// returns the first answer (`Idempotent-Replayed: true`) instead of creating
        /// again; another request with it is 422. 1 to 255 visible ASCII characters,
        /// e.g. a UUID.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: Header<Option<String>>,
    ) -> ApiResult<QuoteAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteQuotes)?;
        let tagged = lifecycle::duplicate(&self.state, ctx, id.0).await?;
        Ok(QuoteAnswer::created(tagged))
    }

    /// The quote as a PDF in Spanish, with the company's details and logo, the client,
    /// one line per item at its sale price, discount, IVA, total and validity.
    /// `version` picks an earlier version (default: the current one); a draft is
    /// marked BORRADOR.
    #[oai(path = "/:id/pdf", method = "get", operation_id = "quotes_pdf")]
    async fn pdf(
        &self,
        auth: TenantAuth,
        id: Path<QuoteId>,
        version: Query<Option<i32>>,
    ) -> ApiResult<PdfAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::ReadQuotes)?;
        let (job, filename) = lifecycle::pdf_job(&self.state, ctx, id.0, version.0).await?;
        let bytes = tokio::task::spawn_blocking(move || {
            let started = std::time::Instant::now();
            let rendered = job.render();
            crate::ops::metrics::pdf_rendered(started.elapsed());
            rendered
        })
        .await
        .map_err(|e| ApiError::internal("rendering a quote PDF", e))??;
        Ok(PdfAnswer::Ok(
            Binary(bytes),
            format!("inline; filename=\"{filename}\""),
            "private, no-store".to_owned(),
        ))
    }

    /// One version of a quote in full; sent versions are exactly as the client got them.
    #[oai(
        path = "/:id/versions/:version",
        method = "get",
        operation_id = "quotes_version"
    )]
    async fn version(
        &self,
        auth: TenantAuth,
        id: Path<QuoteId>,
        version: Path<i32>,
    ) -> ApiResult<VersionAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::ReadQuotes)?;
        let (row, v) = lifecycle::version(&self.state, ctx, id.0, version.0).await?;
        Ok(VersionAnswer::Ok(Json(QuoteVersion {
            quote_id: row.id,
            reference: reference(row.number),
            version: v.version,
            frozen: v.sent_at.is_some(),
            request: PreviewRequest::try_from(&v.stored.request)
                .map_err(|e| ApiError::internal("reading a stored quote", anyhow::anyhow!(e)))?,
            result: lifecycle::stored_result(&v)?,
            priced_at: v.priced_at,
            sent_at: v.sent_at,
            valid_until: v.valid_until,
        })))
    }
}
