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
    /// The quote priced, line by line.
    #[oai(status = 200)]
    Ok(Json<QuotePreview>),
}

#[derive(ApiResponse)]
enum QuoteListAnswer {
    /// A page of quotes.
    #[oai(status = 200)]
    Ok(Json<QuoteList>),
}

#[derive(ApiResponse)]
enum QuoteAnswer {
    /// The quote; `ETag` may be sent back in `If-Match` to guard an edit.
    #[oai(status = 200)]
    Ok(Json<Quote>, #[oai(header = "ETag")] String),
}

#[derive(ApiResponse)]
enum QuoteCreated {
    /// The new draft (or, for a repeated `Idempotency-Key`, the first answer
    /// again); `ETag` may be sent back in `If-Match` to guard an edit.
    #[oai(status = 201)]
    Created(Json<Quote>, #[oai(header = "ETag")] String),
}

#[derive(ApiResponse)]
enum VersionAnswer {
    /// The version in full.
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
}

impl QuoteCreated {
    fn new((quote, tag): Tagged) -> Self {
        QuoteCreated::Created(Json(quote), tag)
    }
}

/// Quote endpoints.
pub struct QuotesApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1/quotes", tag = "ApiTags::Quotes")]
impl QuotesApi {
    /// Price a quote without saving it (estimators and admins).
    ///
    /// Every BOM line with its formula, quantities, waste, bars, unit price and
    /// amount; category totals per item; labour; overhead, tax and total, with the
    /// tenant's current prices and settings. Unknown codes are 404 and out-of-range
    /// inputs 422, each naming the field (e.g. `items[0].width_cm`).
    ///
    /// Errors: 403 forbidden; 404 product_not_found, material_not_found,
    /// tax_rate_not_found; 422 invalid_field.
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

    /// Quotes, most recently changed first, a page at a time.
    ///
    /// Any role may read them. Filters combine: `status`, `client_id`, and
    /// `search` (title, client name, or the number, e.g. `COT-000042` or `42`).
    ///
    /// Errors: 422 invalid_field.
    #[oai(path = "/", method = "get", operation_id = "quotes_list")]
    async fn list(
        &self,
        auth: TenantAuth,
        /// Only quotes in this status, e.g. `sent`.
        status: Query<Option<QuoteStatus>>,
        /// Only the quotes of this client.
        client_id: Query<Option<ClientId>>,
        /// Part of the title or of the client's name (any case), or the quote's
        /// number (`COT-000042` or `42`); at most 100 characters.
        search: Query<Option<String>>,
        /// Quotes per page, 1 to 100 (default 50).
        limit: Query<Option<i64>>,
        /// The previous page's `next`, to read the page after it.
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

    /// Save a new draft quote for a client (estimators and admins).
    ///
    /// The draft is priced with the current catalogue; the client's standing
    /// discount applies unless `discount_rate` is given. Errors are those of the
    /// preview, plus `client_not_found` (and 422 for an archived client); nothing
    /// is saved from a request that fails.
    ///
    /// Errors: 403 forbidden; 404 client_not_found, product_not_found,
    /// material_not_found, tax_rate_not_found; 422 invalid_field.
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
    ) -> ApiResult<QuoteCreated> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteQuotes)?;
        let tagged = lifecycle::create(&self.state, ctx, body.0).await?;
        Ok(QuoteCreated::new(tagged))
    }

    /// One quote: its current version in full, every version's total, and its history.
    ///
    /// Any role may read it. A sent version is shown exactly as it was sent; a
    /// draft as of its last save.
    ///
    /// Errors: 404 quote_not_found.
    #[oai(path = "/:id", method = "get", operation_id = "quotes_get")]
    async fn get(
        &self,
        auth: TenantAuth,
        /// The quote's id.
        id: Path<QuoteId>,
    ) -> ApiResult<QuoteAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::ReadQuotes)?;
        Ok(QuoteAnswer::ok(
            lifecycle::get(&self.state, ctx, id.0).await?,
        ))
    }

    /// Edit a draft (estimators and admins).
    ///
    /// 409 once sent: revise it instead. Absent fields stay; rate overrides are
    /// kept unless set (or set to `null`). The draft is re-priced with the current
    /// catalogue. `If-Match` with the quote's `ETag` is optional; when sent and
    /// stale, the answer is 412.
    ///
    /// Errors: 403 forbidden; 404 quote_not_found, client_not_found,
    /// product_not_found, material_not_found, tax_rate_not_found; 409
    /// invalid_status; 412 version_mismatch; 422 invalid_field.
    #[oai(path = "/:id", method = "patch", operation_id = "quotes_update")]
    async fn update(
        &self,
        auth: TenantAuth,
        /// The quote's id.
        id: Path<QuoteId>,
        /// The quote's `ETag` as last read; optional. When given and the quote
        /// changed since, nothing is saved (412).
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: JsonBody<QuotePatch>,
    ) -> ApiResult<QuoteAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteQuotes)?;
        let if_match = if_match.0.as_deref();
        let tagged = lifecycle::update(&self.state, ctx, id.0, if_match, &body).await?;
        Ok(QuoteAnswer::ok(tagged))
    }

    /// Send a draft to the client (estimators and admins).
    ///
    /// Its version is frozen (figures, rates, and the title, notes, client and
    /// company details as printed) and valid for the tenant's `validity_days` from
    /// today, the last day included. If prices changed since the draft was last
    /// saved, nothing is sent: the draft is saved with today's figures and the
    /// answer is 409 `quote_repriced`, to be reviewed and sent again. `If-Match`
    /// with the quote's `ETag` is optional; when sent and stale, 412.
    ///
    /// Errors: 403 forbidden; 404 quote_not_found, product_not_found,
    /// material_not_found, tax_rate_not_found; 409 invalid_status, quote_repriced;
    /// 412 version_mismatch; 422 invalid_field.
    #[oai(path = "/:id/send", method = "post", operation_id = "quotes_send")]
    async fn send(
        &self,
        auth: TenantAuth,
        /// The quote's id.
        id: Path<QuoteId>,
        /// The quote's `ETag` as last read; optional. When given and the quote
        /// changed since, nothing is sent (412).
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
    ) -> ApiResult<QuoteAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteQuotes)?;
        let tagged = lifecycle::send(&self.state, ctx, id.0, if_match.0.as_deref()).await?;
        Ok(QuoteAnswer::ok(tagged))
    }

    /// Record that the client accepted a sent quote (estimators and admins).
    ///
    /// Only a sent quote still in its validity can be accepted (409 otherwise: a
    /// draft must be sent first; an expired one revised and sent again).
    ///
    /// Errors: 403 forbidden; 404 quote_not_found; 409 invalid_status.
    #[oai(path = "/:id/accept", method = "post", operation_id = "quotes_accept")]
    async fn accept(
        &self,
        auth: TenantAuth,
        /// The quote's id.
        id: Path<QuoteId>,
    ) -> ApiResult<QuoteAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteQuotes)?;
        let tagged = lifecycle::decide(&self.state, ctx, id.0, QuoteStatus::Accepted, None).await?;
        Ok(QuoteAnswer::ok(tagged))
    }

    /// Record that the client turned down a sent (or expired) quote (estimators and
    /// admins).
    ///
    /// A rejected quote can still be revised into a new version.
    ///
    /// Errors: 403 forbidden; 404 quote_not_found; 409 invalid_status.
    #[oai(path = "/:id/reject", method = "post", operation_id = "quotes_reject")]
    async fn reject(
        &self,
        auth: TenantAuth,
        /// The quote's id.
        id: Path<QuoteId>,
    ) -> ApiResult<QuoteAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteQuotes)?;
        let tagged = lifecycle::decide(&self.state, ctx, id.0, QuoteStatus::Rejected, None).await?;
        Ok(QuoteAnswer::ok(tagged))
    }

    /// Open a new draft version of a sent, rejected or expired quote (estimators and
    /// admins).
    ///
    /// The new version has the same items and rate overrides, priced with today's
    /// catalogue. Earlier versions stay as they were sent. A draft is edited
    /// instead, an accepted quote duplicated (409).
    ///
    /// Errors: 403 forbidden; 404 quote_not_found, product_not_found,
    /// material_not_found, tax_rate_not_found; 409 invalid_status; 422
    /// invalid_field.
    #[oai(path = "/:id/revise", method = "post", operation_id = "quotes_revise")]
    async fn revise(
        &self,
        auth: TenantAuth,
        /// The quote's id.
        id: Path<QuoteId>,
    ) -> ApiResult<QuoteAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteQuotes)?;
        Ok(QuoteAnswer::ok(
            lifecycle::revise(&self.state, ctx, id.0, None).await?,
        ))
    }

    /// Start a new draft quote from an existing one (estimators and admins).
    ///
    /// The copy has the current version's client, title, notes, items and rate
    /// overrides, priced with today's catalogue, and a number of its own. Any
    /// quote can be duplicated, whatever its status.
    ///
    /// Errors: 403 forbidden; 404 quote_not_found, product_not_found,
    /// material_not_found, tax_rate_not_found; 422 invalid_field.
    #[oai(
        path = "/:id/duplicate",
        method = "post",
        operation_id = "quotes_duplicate"
    )]
    async fn duplicate(
        &self,
        auth: TenantAuth,
        /// The id of the quote to copy.
        id: Path<QuoteId>,
        /// Makes a retry safe: within 24 hours, the same request with the same key
        /// returns the first answer (`Idempotent-Replayed: true`) instead of creating
        /// again; another request with it is 422. 1 to 255 visible ASCII characters,
        /// e.g. a UUID.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: Header<Option<String>>,
    ) -> ApiResult<QuoteCreated> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteQuotes)?;
        let tagged = lifecycle::duplicate(&self.state, ctx, id.0).await?;
        Ok(QuoteCreated::new(tagged))
    }

    /// The quote as a PDF document, in Spanish.
    ///
    /// With the company's details and logo, the client, one line per item at its
    /// sale price, discount, IVA, total and validity. `version` picks an earlier
    /// version (default: the current one); a draft is marked BORRADOR and printed
    /// with today's company details, a sent version as it was sent. A few PDFs
    /// render at once; a request that waits too long for its turn is 503 with
    /// `Retry-After`.
    ///
    /// Errors: 404 quote_not_found, version_not_found; 503 pdf_busy.
    #[oai(path = "/:id/pdf", method = "get", operation_id = "quotes_pdf")]
    async fn pdf(
        &self,
        auth: TenantAuth,
        /// The quote's id.
        id: Path<QuoteId>,
        /// The version to print, from 1 (default: the current one).
        version: Query<Option<i32>>,
    ) -> ApiResult<PdfAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::ReadQuotes)?;
        // The slot is held from loading (a logo may need decoding) to the last byte;
        // no connection is held while waiting for it.
        ctx.release_parked();
        let slot = self.state.pdf.slot().await?;
        let (job, filename) = lifecycle::pdf_job(&self.state, ctx, id.0, version.0).await?;
        let bytes = self.state.pdf.render(&slot, job).await?;
        Ok(PdfAnswer::Ok(
            Binary(bytes),
            format!("inline; filename=\"{filename}\""),
            "private, no-store".to_owned(),
        ))
    }

    /// One version of a quote in full.
    ///
    /// Sent versions are exactly as the client got them; the current draft as of
    /// its last save.
    ///
    /// Errors: 404 quote_not_found, version_not_found.
    #[oai(
        path = "/:id/versions/:version",
        method = "get",
        operation_id = "quotes_version"
    )]
    async fn version(
        &self,
        auth: TenantAuth,
        /// The quote's id.
        id: Path<QuoteId>,
        /// The version number, from 1.
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
