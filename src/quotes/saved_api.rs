//! `/api/v1/quotes`: saved quotes. A quote is addressed to a client and moves
//! through draft → sent → accepted / rejected / expired:
//!
//! - a **draft** is edited freely; each save prices it with the current catalogue;
//! - **sending** freezes the version (request, rates and result never change again)
//!   and starts its validity (the tenant's `validity_days`);
//! - a sent quote is **accepted** or **rejected**, or reads as **expired** once its
//!   validity date has passed;
//! - **revising** a sent, rejected or expired quote opens a new draft version priced
//!   with today's catalogue; the frozen versions stay readable;
//! - **duplicating** makes a new draft quote from any quote's current version.

use chrono::{DateTime, NaiveDate, Utc};
use poem::http::StatusCode;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::{Binary, Json};
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::api::{price_with, ItemRequest, MaterialItemRequest, PreviewRequest, QuotePreview};
use super::store::{
    self, EventRow, PartySnapshot, Priced, QuoteRow, QuoteStatus, Snapshot, VersionInfoRow,
};
use crate::auth::rbac::Permission;
use crate::auth::{TenantAuth, TenantCtx};
use crate::catalog::snapshot::tenant_catalog;
use crate::clients::repo as clients;
use crate::db::TenantTx;
use crate::documents::{lines as document, pdf};
use crate::error::{ApiError, ApiResult};
use crate::http::check_if_match;
use crate::http::optional_text;
use crate::http::ApiTags;
use crate::http::JsonBody;
use crate::money::{Money, Rate};
use crate::settings::company::{self, repo as company_repo};
use crate::settings::quotes::repo as settings;
use crate::state::AppState;

/// A new quote: its client, an optional title and notes, and what to price (the
/// body of `POST /api/v1/quotes/preview`). Rates left out follow the tenant's
/// settings; rates given are kept on the quote through edits and revisions.
#[derive(Debug, Clone, Object, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuoteCreate {
    pub client_id: Uuid,
    /// A short title, e.g. `Casa Pérez, planta alta`.
    pub title: Option<String>,
    /// Notes printed on the quote.
    pub notes: Option<String>,
    #[oai(default)]
    #[serde(default)]
    pub items: Vec<ItemRequest>,
    #[oai(default)]
    #[serde(default)]
    pub material_items: Vec<MaterialItemRequest>,
    pub profit_rate: Option<Rate>,
    pub indirect_rate: Option<Rate>,
    pub tax_rate: Option<Rate>,
    /// A tax code whose rate in force on the day of pricing applies (not with `tax_rate`).
    pub tax_code: Option<String>,
    pub labour_rate_override_per_m2: Option<Money>,
    /// Defaults to the client's standing discount.
    pub discount_rate: Option<Rate>,
}

/// Changes to a draft. Absent fields stay as they are; `items` and `material_items`
/// replace the lists when given; a rate set to `null` goes back to the tenant's
/// default; an empty `title` or `notes` clears it. Saving re-prices the draft.
#[derive(Debug, Clone, Object, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuotePatch {
    pub client_id: Option<Uuid>,
    pub title: Option<String>,
    pub notes: Option<String>,
    pub items: Option<Vec<ItemRequest>>,
    pub material_items: Option<Vec<MaterialItemRequest>>,
    #[serde(default)]
    pub profit_rate: MaybeUndefined<Rate>,
    #[serde(default)]
    pub indirect_rate: MaybeUndefined<Rate>,
    #[serde(default)]
    pub tax_rate: MaybeUndefined<Rate>,
    #[serde(default)]
    pub tax_code: MaybeUndefined<String>,
    #[serde(default)]
    pub labour_rate_override_per_m2: MaybeUndefined<Money>,
    #[serde(default)]
    pub discount_rate: MaybeUndefined<Rate>,
}

/// The client a quote is addressed to.
#[derive(Debug, Clone, Object)]
pub struct ClientRef {
    pub id: Uuid,
    pub name: String,
}

/// A quote in a list.
#[derive(Debug, Clone, Object)]
pub struct QuoteSummary {
    pub id: Uuid,
    /// Sequential per tenant.
    pub number: i64,
    /// The number as printed, e.g. `COT-000042`.
    pub reference: String,
    pub client: ClientRef,
    #[oai(skip_serializing_if_is_none)]
    pub title: Option<String>,
    pub status: QuoteStatus,
    /// The current version: the draft being edited, or the last one sent.
    pub version: i32,
    /// The current version's total.
    pub total: Money,
    pub currency: String,
    /// Last valid day of the sent version.
    #[oai(skip_serializing_if_is_none)]
    pub valid_until: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One version of a quote, without its documents.
#[derive(Debug, Clone, Object)]
pub struct VersionInfo {
    pub version: i32,
    pub total: Money,
    pub priced_at: DateTime<Utc>,
    /// When it was sent; a sent version never changes.
    #[oai(skip_serializing_if_is_none)]
    pub sent_at: Option<DateTime<Utc>>,
    #[oai(skip_serializing_if_is_none)]
    pub valid_until: Option<NaiveDate>,
}

/// One entry of a quote's history.
#[derive(Debug, Clone, Object)]
pub struct QuoteEvent {
    pub version: i32,
    /// `created`, `edited`, `sent`, `accepted`, `rejected` or `revised`.
    pub action: String,
    pub user_id: Uuid,
    pub at: DateTime<Utc>,
}

/// A quote with its current version in full.
#[derive(Debug, Clone, Object)]
pub struct Quote {
    #[oai(flatten)]
    pub summary: QuoteSummary,
    #[oai(skip_serializing_if_is_none)]
    pub notes: Option<String>,
    pub created_by: Uuid,
    /// What the current version asks for: items, loose materials, rate overrides.
    pub request: PreviewRequest,
    /// The current version priced: a draft as of its last save, a sent version as sent.
    pub result: QuotePreview,
    pub priced_at: DateTime<Utc>,
    #[oai(skip_serializing_if_is_none)]
    pub sent_at: Option<DateTime<Utc>>,
    pub versions: Vec<VersionInfo>,
    pub history: Vec<QuoteEvent>,
}

/// One version of a quote in full.
#[derive(Debug, Clone, Object)]
pub struct QuoteVersion {
    pub quote_id: Uuid,
    pub reference: String,
    pub version: i32,
    /// True once sent: the figures are those the client received.
    pub frozen: bool,
    pub request: PreviewRequest,
    pub result: QuotePreview,
    pub priced_at: DateTime<Utc>,
    #[oai(skip_serializing_if_is_none)]
    pub sent_at: Option<DateTime<Utc>>,
    #[oai(skip_serializing_if_is_none)]
    pub valid_until: Option<NaiveDate>,
}

#[derive(ApiResponse)]
enum QuoteList {
    #[oai(status = 200)]
    Ok(Json<Vec<QuoteSummary>>),
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

/// Everything a quote's PDF needs, owned, so it can be rendered off the async workers.
struct PdfJob {
    reference: String,
    version: i32,
    issued_on: NaiveDate,
    valid_until: Option<NaiveDate>,
    draft: bool,
    result: QuotePreview,
    document: Snapshot,
    logo: Option<company::Logo>,
}

impl PdfJob {
    fn render(self) -> ApiResult<Vec<u8>> {
        fn party(p: &PartySnapshot) -> pdf::Party<'_> {
            pdf::Party {
                name: &p.name,
                rfc: p.rfc.as_deref(),
                address: p.address.as_deref(),
                phone: p.phone.as_deref(),
                email: p.email.as_deref(),
            }
        }
        let seller = &self.document.company;
        let (lines, totals) = document::customer_lines(&self.result);
        let doc = pdf::QuoteDocument {
            company: pdf::Company {
                name: &seller.name,
                rfc: seller.rfc.as_deref(),
                address: seller.address.as_deref(),
                phone: seller.phone.as_deref(),
                email: seller.email.as_deref(),
            },
            logo: self.logo.as_ref().map(company::Logo::for_pdf),
            number: &self.reference,
            version: self.version,
            title: self.document.title.as_deref(),
            issued_on: self.issued_on,
            valid_until: self.valid_until,
            draft: self.draft,
            client: self.document.client.as_ref().map(party),
            currency: &self.result.currency,
            lines,
            totals,
            notes: self.document.notes.as_deref(),
        };
        match pdf::render(&doc) {
            Ok(bytes) => Ok(bytes),
            // A stored logo that no longer decodes must not stop the quote printing.
            Err(err @ pdf::PdfError::Logo(_)) if doc.logo.is_some() => {
                tracing::warn!(error = %err, "logo left out of the quote PDF");
                pdf::render(&pdf::QuoteDocument { logo: None, ..doc })
                    .map_err(|e| ApiError::internal("rendering a quote PDF", e))
            }
            Err(err) => Err(ApiError::internal("rendering a quote PDF", err)),
        }
    }
}

/// The printed form of a quote number.
pub fn reference(number: i64) -> String {
    format!("COT-{number:06}")
}

fn not_found(id: Uuid) -> ApiError {
    ApiError::not_found("quote_not_found", format!("no quote {id} in this tenant"))
}

fn money(value: rust_decimal::Decimal) -> ApiResult<Money> {
    Money::try_from_decimal(value)
        .map_err(|m| ApiError::internal("stored quote total", anyhow::anyhow!(m)))
}

/// 409: the quote's status does not allow `action`.
fn wrong_status(row: &QuoteRow, action: &str, hint: &str) -> ApiError {
    let status = row.status;
    ApiError::conflict(
        "invalid_status",
        format!(
            "{} is {}: it cannot be {action}{hint}",
            reference(row.number),
            status.as_str()
        ),
    )
    .with_details(serde_json::json!({ "status": status.as_str(), "action": action }))
}

fn etag(row: &QuoteRow) -> String {
    format!("\"q{}-{}\"", row.version, row.updated_at.timestamp_micros())
}

/// The client, if it exists in the tenant (404) and is not archived (422).
async fn check_client(tx: &mut TenantTx, id: Uuid) -> ApiResult<clients::Client> {
    match clients::get(tx, id).await? {
        None => Err(ApiError::not_found(
            "client_not_found",
            format!("no client {id} in this tenant"),
        )
        .with_details(serde_json::json!({ "field": "client_id" }))),
        Some(c) if !c.active => Err(ApiError::invalid_field(
            "client_id",
            format!("client {} is archived; restore it to quote for it", c.name),
        )),
        Some(c) => Ok(c),
    }
}

fn priced<'a>(request: &'a PreviewRequest, result: &'a QuotePreview) -> Priced<'a> {
    Priced {
        request,
        result,
        total: result.totals.total.amount(),
    }
}

fn summary(row: &QuoteRow) -> ApiResult<QuoteSummary> {
    Ok(QuoteSummary {
        id: row.id,
        number: row.number,
        reference: reference(row.number),
        client: ClientRef {
            id: row.client_id,
            name: row.client_name.clone(),
        },
        title: row.title.clone(),
        status: row.status,
        version: row.version,
        total: money(row.total)?,
        currency: row.currency.clone(),
        valid_until: row.valid_until,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn version_info(v: VersionInfoRow) -> ApiResult<VersionInfo> {
    Ok(VersionInfo {
        version: v.version,
        total: money(v.total)?,
        priced_at: v.priced_at,
        sent_at: v.sent_at,
        valid_until: v.valid_until,
    })
}

fn event(e: EventRow) -> QuoteEvent {
    QuoteEvent {
        version: e.version,
        action: e.action,
        user_id: e.user_id,
        at: e.at,
    }
}

/// The title, notes, client and company of a quote as they read now.
async fn snapshot(tx: &mut TenantTx, row: &QuoteRow) -> ApiResult<Snapshot> {
    let profile = company_repo::load(tx).await?;
    let client = clients::get(tx, row.client_id).await?;
    let logo = company_repo::current_logo_hash(tx).await?;
    Ok(Snapshot {
        logo_sha256: logo.map(hex::encode),
        title: row.title.clone(),
        notes: row.notes.clone(),
        client: client.map(|c| PartySnapshot {
            name: c.name,
            rfc: c.rfc,
            address: c.address,
            phone: c.phone,
            email: c.email,
        }),
        company: PartySnapshot {
            name: profile.legal_name,
            rfc: profile.rfc,
            address: profile.address,
            phone: profile.phone,
            email: profile.email,
        },
    })
}

/// The whole quote as the API shows it, read in `tx`.
async fn load(tx: &mut TenantTx, id: Uuid) -> ApiResult<(Quote, String)> {
    let row = store::get(tx, id, false)
        .await?
        .ok_or_else(|| not_found(id))?;
    let current = store::version(tx, id, row.version)
        .await?
        .ok_or_else(|| not_found(id))?;
    let versions = store::versions(tx, id)
        .await?
        .into_iter()
        .map(version_info)
        .collect::<ApiResult<Vec<_>>>()?;
    let history = store::events(tx, id)
        .await?
        .into_iter()
        .map(event)
        .collect();
    let tag = etag(&row);
    Ok((
        Quote {
            summary: summary(&row)?,
            notes: row.notes.clone(),
            created_by: row.created_by,
            request: current.request.0,
            result: current.result.0,
            priced_at: current.priced_at,
            sent_at: current.sent_at,
            versions,
            history,
        },
        tag,
    ))
}

/// The request of `body` with the overrides of `base` kept unless changed.
fn patched(body: &QuotePatch, base: &PreviewRequest) -> PreviewRequest {
    fn pick<T: Clone>(new: &MaybeUndefined<T>, old: Option<T>) -> Option<T> {
        match new {
            MaybeUndefined::Undefined => old,
            MaybeUndefined::Null => None,
            MaybeUndefined::Value(v) => Some(v.clone()),
        }
    }
    PreviewRequest {
        items: body.items.clone().unwrap_or_else(|| base.items.clone()),
        material_items: body
            .material_items
            .clone()
            .unwrap_or_else(|| base.material_items.clone()),
        profit_rate: pick(&body.profit_rate, base.profit_rate),
        indirect_rate: pick(&body.indirect_rate, base.indirect_rate),
        tax_rate: pick(&body.tax_rate, base.tax_rate),
        tax_code: pick(&body.tax_code, base.tax_code.clone()),
        labour_rate_override_per_m2: pick(
            &body.labour_rate_override_per_m2,
            base.labour_rate_override_per_m2,
        ),
        discount_rate: pick(&body.discount_rate, base.discount_rate),
    }
}

/// Saved-quote endpoints.
pub struct SavedQuotesApi {
    pub state: AppState,
}

impl SavedQuotesApi {
    /// Locks the quote and its current version for a change.
    async fn lock(
        &self,
        ctx: &TenantCtx,
        id: Uuid,
    ) -> ApiResult<(TenantTx, QuoteRow, store::VersionRow)> {
        let mut tx = ctx.tx(&self.state).await?;
        let row = store::get(&mut tx, id, true)
            .await?
            .ok_or_else(|| not_found(id))?;
        let current = store::version(&mut tx, id, row.version)
            .await?
            .ok_or_else(|| not_found(id))?;
        Ok((tx, row, current))
    }

    /// Locks a draft for a change: 412 if `If-Match` is given and stale, 409 (naming
    /// `action`) unless the quote is a draft.
    async fn lock_draft(
        &self,
        ctx: &TenantCtx,
        id: Uuid,
        if_match: Option<&str>,
        action: &str,
        hint: &str,
    ) -> ApiResult<(TenantTx, QuoteRow, store::VersionRow)> {
        let (tx, row, current) = self.lock(ctx, id).await?;
        if let Some(tag) = if_match {
            check_if_match("quote", Some(tag), &etag(&row))?;
        }
        if row.status != QuoteStatus::Draft {
            return Err(wrong_status(&row, action, hint));
        }
        Ok((tx, row, current))
    }

    /// Reads the quote back after a change, commits, and answers it.
    async fn answer(&self, mut tx: TenantTx, id: Uuid, created: bool) -> ApiResult<QuoteAnswer> {
        let (quote, tag) = load(&mut tx, id).await?;
        tx.commit().await?;
        Ok(if created {
            QuoteAnswer::Created(Json(quote), tag)
        } else {
            QuoteAnswer::Ok(Json(quote), tag)
        })
    }

    /// Moves a sent quote to accepted or rejected.
    async fn decide(&self, ctx: &TenantCtx, id: Uuid, to: QuoteStatus) -> ApiResult<QuoteAnswer> {
        ctx.require(Permission::WriteQuotes)?;
        let (mut tx, row, _) = self.lock(ctx, id).await?;
        let (action, allowed) = match to {
            QuoteStatus::Accepted => ("accepted", row.status == QuoteStatus::Sent),
            _ => (
                "rejected",
                matches!(row.status, QuoteStatus::Sent | QuoteStatus::Expired),
            ),
        };
        if !allowed {
            let hint = match row.status {
                QuoteStatus::Expired => "; revise it to send a new version",
                QuoteStatus::Draft => "; send it first",
                _ => "",
            };
            return Err(wrong_status(&row, action, hint));
        }
        store::set_status(&mut tx, id, to, row.valid_until).await?;
        store::add_event(&mut tx, id, row.version, action, ctx.user.0).await?;
        self.answer(tx, id, false).await
    }
}

#[OpenApi(prefix_path = "/api/v1/quotes", tag = "ApiTags::Quotes")]
impl SavedQuotesApi {
    /// Quotes, most recently changed first, a page at a time (`limit` 1 to 100,
    /// default 50). Filters: `status`, `client_id`, and `search` (title, client
    /// name, or the number, e.g. `COT-000042` or `42`).
    #[oai(path = "/", method = "get", operation_id = "quotes_list")]
    async fn list(
        &self,
        auth: TenantAuth,
        status: Query<Option<QuoteStatus>>,
        client_id: Query<Option<Uuid>>,
        search: Query<Option<String>>,
        limit: Query<Option<i64>>,
        offset: Query<Option<i64>>,
    ) -> ApiResult<QuoteList> {
        let ctx = auth.ctx();
        ctx.require(Permission::ReadQuotes)?;
        let (limit, offset) = crate::http::payload::page(limit.0, offset.0)?;
        let search = optional_text("search", search.0.as_ref(), 100)?;
        let mut tx = ctx.tx(&self.state).await?;
        let rows = store::list(
            &mut tx,
            &store::ListFilter {
                status: status.0,
                client_id: client_id.0,
                search: search.as_deref(),
                limit,
                offset,
            },
        )
        .await?;
        tx.commit().await?;
        let quotes = rows.iter().map(summary).collect::<ApiResult<Vec<_>>>()?;
        Ok(QuoteList::Ok(Json(quotes)))
    }

    /// Save a new draft quote for a client, priced with the current catalogue.
    /// Errors are those of the preview, plus `client_not_found`; nothing is saved
    /// from a request that fails.
    #[oai(path = "/", method = "post", operation_id = "quotes_create")]
    async fn create(
        &self,
        auth: TenantAuth,
        body: JsonBody<QuoteCreate>,
    ) -> ApiResult<QuoteAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteQuotes)?;
        let body = body.0;
        let title = optional_text("title", body.title.as_ref(), 200)?;
        let notes = optional_text("notes", body.notes.as_ref(), 2000)?;
        let request = PreviewRequest {
            items: body.items,
            material_items: body.material_items,
            profit_rate: body.profit_rate,
            indirect_rate: body.indirect_rate,
            tax_rate: body.tax_rate,
            tax_code: body.tax_code,
            labour_rate_override_per_m2: body.labour_rate_override_per_m2,
            discount_rate: body.discount_rate,
        };
        let catalog = tenant_catalog(&self.state, ctx).await?;
        let mut tx = ctx.tx(&self.state).await?;
        let client = check_client(&mut tx, body.client_id).await?;
        let mut request = request;
        if request.discount_rate.is_none() && !client.discount_rate.amount().is_zero() {
            request.discount_rate = Some(client.discount_rate);
        }
        let result = price_with(&catalog, &request)?;
        let header = store::Header {
            client_id: body.client_id,
            title: title.as_deref(),
            notes: notes.as_deref(),
        };
        let id = store::insert(&mut tx, &header, &priced(&request, &result), ctx.user.0).await?;
        self.answer(tx, id, true).await
    }

    /// One quote: its current version in full, every version's total, and its history.
    #[oai(path = "/:id", method = "get", operation_id = "quotes_get")]
    async fn get(&self, auth: TenantAuth, id: Path<Uuid>) -> ApiResult<QuoteAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::ReadQuotes)?;
        let tx = ctx.tx(&self.state).await?;
        self.answer(tx, id.0, false).await
    }

    /// Edit a draft (409 once sent: revise it instead). Absent fields stay; rate
    /// overrides are kept unless set (or set to `null`). The draft is re-priced with
    /// the current catalogue. `If-Match` with the quote's `ETag` is optional; when
    /// sent and stale, the answer is 412.
    #[oai(path = "/:id", method = "patch", operation_id = "quotes_update")]
    async fn update(
        &self,
        auth: TenantAuth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match: Header<Option<String>>,
        body: JsonBody<QuotePatch>,
    ) -> ApiResult<QuoteAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteQuotes)?;
        let catalog = tenant_catalog(&self.state, ctx).await?;
        let (mut tx, row, current) = self
            .lock_draft(
                ctx,
                id.0,
                if_match.0.as_deref(),
                "edited",
                "; revise it to make a new version",
            )
            .await?;
        let title = match &body.title {
            Some(t) => optional_text("title", Some(t), 200)?,
            None => row.title.clone(),
        };
        let notes = match &body.notes {
            Some(n) => optional_text("notes", Some(n), 2000)?,
            None => row.notes.clone(),
        };
        let client_id = body.client_id.unwrap_or(row.client_id);
        if client_id != row.client_id {
            check_client(&mut tx, client_id).await?;
        }
        let request = patched(&body, &current.request.0);
        let result = price_with(&catalog, &request)?;
        let header = store::Header {
            client_id,
            title: title.as_deref(),
            notes: notes.as_deref(),
        };
        store::update_draft(
            &mut tx,
            row.id,
            row.version,
            &header,
            &priced(&request, &result),
        )
        .await?;
        store::add_event(&mut tx, row.id, row.version, "edited", ctx.user.0).await?;
        self.answer(tx, row.id, false).await
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
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match: Header<Option<String>>,
    ) -> ApiResult<QuoteAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteQuotes)?;
        let catalog = tenant_catalog(&self.state, ctx).await?;
        let (mut tx, row, current) = self
            .lock_draft(
                ctx,
                id.0,
                if_match.0.as_deref(),
                "sent",
                "; revise it to send a new version",
            )
            .await?;
        let request = current.request.0;
        let result = price_with(&catalog, &request)?;
        if result != current.result.0 {
            let header = store::Header {
                client_id: row.client_id,
                title: row.title.as_deref(),
                notes: row.notes.as_deref(),
            };
            let p = priced(&request, &result);
            store::update_draft(&mut tx, row.id, row.version, &header, &p).await?;
            store::add_event(&mut tx, row.id, row.version, "edited", ctx.user.0).await?;
            tx.commit().await?;
            return Err(ApiError::conflict(
                "quote_repriced",
                format!(
                    "prices changed since {} was saved; it now totals {} instead of {}: review it and send again",
                    reference(row.number),
                    result.totals.total,
                    current.result.0.totals.total
                ),
            )
            .with_details(serde_json::json!({
                "previous_total": current.result.0.totals.total,
                "total": result.totals.total,
            })));
        }
        let settings = settings::load(&mut tx).await?;
        let days = i32::try_from(settings.validity_days)
            .map_err(|_| ApiError::internal("validity days", anyhow::anyhow!("out of range")))?;
        let document = snapshot(&mut tx, &row).await?;
        store::mark_sent(&mut tx, row.id, row.version, days, &document).await?;
        store::add_event(&mut tx, row.id, row.version, "sent", ctx.user.0).await?;
        self.answer(tx, row.id, false).await
    }

    /// The client accepted a sent quote (409 if it is not sent or has expired).
    #[oai(path = "/:id/accept", method = "post", operation_id = "quotes_accept")]
    async fn accept(&self, auth: TenantAuth, id: Path<Uuid>) -> ApiResult<QuoteAnswer> {
        self.decide(auth.ctx(), id.0, QuoteStatus::Accepted).await
    }

    /// The client turned down a sent (or expired) quote.
    #[oai(path = "/:id/reject", method = "post", operation_id = "quotes_reject")]
    async fn reject(&self, auth: TenantAuth, id: Path<Uuid>) -> ApiResult<QuoteAnswer> {
        self.decide(auth.ctx(), id.0, QuoteStatus::Rejected).await
    }

    /// Open a new draft version of a sent, rejected or expired quote, with the same
    /// items and rate overrides, priced with today's catalogue. Earlier versions stay
    /// as they were sent.
    #[oai(path = "/:id/revise", method = "post", operation_id = "quotes_revise")]
    async fn revise(&self, auth: TenantAuth, id: Path<Uuid>) -> ApiResult<QuoteAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteQuotes)?;
        let catalog = tenant_catalog(&self.state, ctx).await?;
        let (mut tx, row, current) = self.lock(ctx, id.0).await?;
        let hint = match row.status {
            QuoteStatus::Sent | QuoteStatus::Rejected | QuoteStatus::Expired => None,
            QuoteStatus::Draft => Some("; it is a draft: edit it"),
            QuoteStatus::Accepted => Some("; it was accepted: duplicate it for a new quote"),
        };
        if let Some(hint) = hint {
            return Err(wrong_status(&row, "revised", hint));
        }
        let request = current.request.0;
        let result = price_with(&catalog, &request)?;
        let next = row.version + 1;
        let p = priced(&request, &result);
        store::insert_version(&mut tx, row.id, next, &p, ctx.user.0).await?;
        store::reopen_as_draft(&mut tx, row.id, next, p.total).await?;
        store::add_event(&mut tx, row.id, next, "revised", ctx.user.0).await?;
        self.answer(tx, row.id, false).await
    }

    /// A new draft quote with the current version's client, title, notes, items and
    /// rate overrides, priced with today's catalogue.
    #[oai(
        path = "/:id/duplicate",
        method = "post",
        operation_id = "quotes_duplicate"
    )]
    async fn duplicate(&self, auth: TenantAuth, id: Path<Uuid>) -> ApiResult<QuoteAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteQuotes)?;
        let catalog = tenant_catalog(&self.state, ctx).await?;
        let mut tx = ctx.tx(&self.state).await?;
        let row = store::get(&mut tx, id.0, false)
            .await?
            .ok_or_else(|| not_found(id.0))?;
        let current = store::version(&mut tx, id.0, row.version)
            .await?
            .ok_or_else(|| not_found(id.0))?;
        let request = current.request.0;
        let result = price_with(&catalog, &request)?;
        check_client(&mut tx, row.client_id).await?;
        let header = store::Header {
            client_id: row.client_id,
            title: row.title.as_deref(),
            notes: row.notes.as_deref(),
        };
        let new = store::insert(&mut tx, &header, &priced(&request, &result), ctx.user.0).await?;
        self.answer(tx, new, true).await
    }

    /// The quote as a PDF in Spanish, with the company's details and logo, the client,
    /// one line per item at its sale price, discount, IVA, total and validity.
    /// `version` picks an earlier version (default: the current one); a draft is
    /// marked BORRADOR.
    #[oai(path = "/:id/pdf", method = "get", operation_id = "quotes_pdf")]
    async fn pdf(
        &self,
        auth: TenantAuth,
        id: Path<Uuid>,
        version: Query<Option<i32>>,
    ) -> ApiResult<PdfAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::ReadQuotes)?;
        let mut tx = ctx.tx(&self.state).await?;
        let row = store::get(&mut tx, id.0, false)
            .await?
            .ok_or_else(|| not_found(id.0))?;
        let number = version.0.unwrap_or(row.version);
        let v = store::version(&mut tx, id.0, number)
            .await?
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::NOT_FOUND,
                    "version_not_found",
                    format!("{} has no version {number}", reference(row.number)),
                )
            })?;
        // A sent version prints as it was sent, logo included; a draft with today's.
        let (document, logo) = match v.document {
            Some(doc) => {
                let hash = doc
                    .0
                    .logo_sha256
                    .as_deref()
                    .and_then(|h| hex::decode(h).ok());
                let logo = match hash {
                    Some(hash) => company_repo::load_logo_by_hash(&mut tx, &hash).await?,
                    None => None,
                };
                (doc.0, logo)
            }
            None => (
                snapshot(&mut tx, &row).await?,
                company_repo::load_logo(&mut tx).await?,
            ),
        };
        tx.commit().await?;

        let reference = reference(row.number);
        let filename = format!("{reference}-v{}.pdf", v.version);
        let job = PdfJob {
            reference,
            version: v.version,
            issued_on: v.issued_on,
            valid_until: v.valid_until,
            draft: v.sent_at.is_none(),
            result: v.result.0,
            document,
            logo,
        };
        let bytes = tokio::task::spawn_blocking(move || job.render())
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
        id: Path<Uuid>,
        version: Path<i32>,
    ) -> ApiResult<VersionAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::ReadQuotes)?;
        let mut tx = ctx.tx(&self.state).await?;
        let row = store::get(&mut tx, id.0, false)
            .await?
            .ok_or_else(|| not_found(id.0))?;
        let v = store::version(&mut tx, id.0, version.0)
            .await?
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::NOT_FOUND,
                    "version_not_found",
                    format!("{} has no version {}", reference(row.number), version.0),
                )
            })?;
        tx.commit().await?;
        Ok(VersionAnswer::Ok(Json(QuoteVersion {
            quote_id: row.id,
            reference: reference(row.number),
            version: v.version,
            frozen: v.sent_at.is_some(),
            request: v.request.0,
            result: v.result.0,
            priced_at: v.priced_at,
            sent_at: v.sent_at,
            valid_until: v.valid_until,
        })))
    }
}
