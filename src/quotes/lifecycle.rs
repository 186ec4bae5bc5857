//! The life of a saved quote. A quote is addressed to a client and moves through
//! draft → sent → accepted / rejected / expired:
//!
//! - a **draft** is edited freely; each save prices it with the current catalogue;
//! - **sending** freezes the version (request, rates and result never change again)
//!   and starts its validity (the tenant's `validity_days`);
//! - a sent quote is **accepted** or **rejected**, or reads as **expired** once its
//!   validity date has passed;
//! - **revising** a sent, rejected or expired quote opens a new draft version priced
//!   with today's catalogue; the frozen versions stay readable;
//! - **duplicating** makes a new draft quote from any quote's current version.
//!
//! Each action runs in one tenant transaction and answers the quote as it is after
//! the commit, with its entity tag.

use poem::http::StatusCode;
use poem_openapi::types::MaybeUndefined;

use super::model::{
    ClientRef, Quote, QuoteAction, QuoteCreate, QuoteEvent, QuoteList, QuotePatch, QuoteStatus,
    QuoteSummary, VersionInfo,
};
use super::preview::{price_with, PreviewRequest};
use super::repo::{self, EventRow, Priced, QuoteRow, VersionInfoRow, VersionRow};
use super::stored;
use super::view::QuotePreview;
use crate::auth::TenantCtx;
use crate::catalog::snapshot::tenant_catalog;
use crate::clients::model::Client;
use crate::clients::repo as clients;
use crate::db::TenantTx;
use crate::documents::quote::PdfJob;
use crate::error::{ApiError, ApiResult};
use crate::http::{check_if_match, optional_text, PageRequest};
use crate::ids::{ClientId, QuoteId};
use crate::money::Money;
use crate::settings::company::repo as company;
use crate::settings::quotes::repo as settings;
use crate::state::AppState;

/// A quote as answered, with its entity tag.
pub type Tagged = (Quote, String);

/// The printed form of a quote number.
pub fn reference(number: i64) -> String {
    format!("COT-{number:06}")
}

fn not_found(id: QuoteId) -> ApiError {
    ApiError::not_found("quote_not_found", format!("no quote {id} in this tenant"))
}

fn money(value: rust_decimal::Decimal) -> ApiResult<Money> {
    Money::try_from_decimal(value)
        .map_err(|m| ApiError::internal("stored quote total", anyhow::anyhow!(m)))
}

/// 409: the quote's status does not allow `action`.
fn wrong_status(row: &QuoteRow, action: QuoteAction, hint: &str) -> ApiError {
    let status = row.status;
    ApiError::conflict(
        "invalid_status",
        format!(
            "{} is {}: it cannot be {}{hint}",
            reference(row.number),
            status.as_str(),
            action.as_str()
        ),
    )
    .with_details(serde_json::json!({ "status": status.as_str(), "action": action.as_str() }))
}

fn etag(row: &QuoteRow) -> String {
    format!("\"q{}-{}\"", row.version, row.updated_at.timestamp_micros())
}

/// The client, if it exists in the tenant (404) and is not archived (422).
async fn check_client(tx: &mut TenantTx, id: ClientId) -> ApiResult<Client> {
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

/// A priced version in the stored format.
fn priced(request: &PreviewRequest, result: &QuotePreview) -> Priced {
    Priced {
        request: request.into(),
        result: result.into(),
        total: result.totals.total.amount(),
    }
}

/// A stored version's request as the API takes it, to price it again.
fn stored_request(v: &VersionRow) -> ApiResult<PreviewRequest> {
    PreviewRequest::try_from(&v.stored.request)
        .map_err(|e| ApiError::internal("reading a stored quote", anyhow::anyhow!(e)))
}

/// A stored version's result as the API shows it.
pub fn stored_result(v: &VersionRow) -> ApiResult<QuotePreview> {
    QuotePreview::try_from(&v.stored.result)
        .map_err(|e| ApiError::internal("reading a stored quote", anyhow::anyhow!(e)))
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
async fn snapshot(tx: &mut TenantTx, row: &QuoteRow) -> ApiResult<stored::Document> {
    let profile = company::load(tx).await?;
    let client = clients::get(tx, row.client_id).await?;
    let logo = company::current_logo_hash(tx).await?;
    Ok(stored::Document {
        logo_sha256: logo.map(hex::encode),
        title: row.title.clone(),
        notes: row.notes.clone(),
        client: client.map(|c| stored::Party {
            name: c.name,
            rfc: c.rfc,
            address: c.address,
            phone: c.phone,
            email: c.email,
        }),
        company: stored::Party {
            name: profile.legal_name,
            rfc: profile.rfc,
            address: profile.address,
            phone: profile.phone,
            email: profile.email,
        },
    })
}

/// The whole quote as the API shows it, read in `tx`.
async fn load(tx: &mut TenantTx, id: QuoteId) -> ApiResult<(Quote, String)> {
    let row = repo::get(tx, id, false)
        .await?
        .ok_or_else(|| not_found(id))?;
    let current = repo::version(tx, id, row.version)
        .await?
        .ok_or_else(|| not_found(id))?;
    let versions = repo::versions(tx, id)
        .await?
        .into_iter()
        .map(version_info)
        .collect::<ApiResult<Vec<_>>>()?;
    let history = repo::events(tx, id).await?.into_iter().map(event).collect();
    let tag = etag(&row);
    Ok((
        Quote {
            summary: summary(&row)?,
            notes: row.notes.clone(),
            created_by: row.created_by,
            request: stored_request(&current)?,
            result: stored_result(&current)?,
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
/// Locks the quote and its current version for a change.
async fn lock(
    state: &AppState,
    ctx: &TenantCtx,
    id: QuoteId,
) -> ApiResult<(TenantTx, QuoteRow, VersionRow)> {
    let mut tx = ctx.tx(state).await?;
    let row = repo::get(&mut tx, id, true)
        .await?
        .ok_or_else(|| not_found(id))?;
    let current = repo::version(&mut tx, id, row.version)
        .await?
        .ok_or_else(|| not_found(id))?;
    Ok((tx, row, current))
}

/// Locks a draft for a change: 412 if `If-Match` is given and stale, 409 (naming
/// `action`) unless the quote is a draft.
async fn lock_draft(
    state: &AppState,
    ctx: &TenantCtx,
    id: QuoteId,
    if_match: Option<&str>,
    (action, hint): (QuoteAction, &str),
) -> ApiResult<(TenantTx, QuoteRow, VersionRow)> {
    let (tx, row, current) = lock(state, ctx, id).await?;
    if let Some(tag) = if_match {
        check_if_match("quote", Some(tag), &etag(&row))?;
    }
    if row.status != QuoteStatus::Draft {
        return Err(wrong_status(&row, action, hint));
    }
    Ok((tx, row, current))
}

/// Reads the quote back after a change, commits, and answers it.
async fn answer(mut tx: TenantTx, id: QuoteId) -> ApiResult<Tagged> {
    let tagged = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(tagged)
}

/// One quote, as it is now.
pub async fn get(state: &AppState, ctx: &TenantCtx, id: QuoteId) -> ApiResult<Tagged> {
    answer(ctx.tx(state).await?, id).await
}

/// A page of quotes, how many match in all, and the next page's cursor.
pub async fn list(
    state: &AppState,
    ctx: &TenantCtx,
    filter: &repo::ListFilter<'_>,
    page: &PageRequest<repo::ListKey>,
) -> ApiResult<QuoteList> {
    let mut tx = ctx.tx(state).await?;
    let (rows, total) = repo::list(&mut tx, filter, page).await?;
    tx.commit().await?;
    let (rows, next) = page.finish(rows, |r| (r.updated_at, r.number));
    Ok(QuoteList {
        items: rows.iter().map(summary).collect::<ApiResult<_>>()?,
        total,
        next,
    })
}

/// Saves a new draft for a client, priced with the current catalogue; the client's
/// standing discount applies unless the request sets one.
pub async fn create(state: &AppState, ctx: &TenantCtx, body: QuoteCreate) -> ApiResult<Tagged> {
    let title = optional_text("title", body.title.as_ref(), 200)?;
    let notes = optional_text("notes", body.notes.as_ref(), 2000)?;
    let mut request = PreviewRequest {
        items: body.items,
        material_items: body.material_items,
        profit_rate: body.profit_rate,
        indirect_rate: body.indirect_rate,
        tax_rate: body.tax_rate,
        tax_code: body.tax_code,
        labour_rate_override_per_m2: body.labour_rate_override_per_m2,
        discount_rate: body.discount_rate,
    };
    let catalog = tenant_catalog(state, ctx).await?;
    let mut tx = ctx.tx(state).await?;
    let client = check_client(&mut tx, body.client_id).await?;
    if request.discount_rate.is_none() && !client.discount_rate.amount().is_zero() {
        request.discount_rate = Some(client.discount_rate);
    }
    let result = price_with(&catalog, &request)?;
    let header = repo::Header {
        client_id: body.client_id,
        title: title.as_deref(),
        notes: notes.as_deref(),
    };
    let id = repo::insert(&mut tx, &header, &priced(&request, &result), ctx.user).await?;
    answer(tx, id).await
}

/// Edits a draft and prices it again.
pub async fn update(
    state: &AppState,
    ctx: &TenantCtx,
    id: QuoteId,
    if_match: Option<&str>,
    body: &QuotePatch,
) -> ApiResult<Tagged> {
    let catalog = tenant_catalog(state, ctx).await?;
    let action = (QuoteAction::Edited, "; revise it to make a new version");
    let (mut tx, row, current) = lock_draft(state, ctx, id, if_match, action).await?;
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
    let request = patched(body, &stored_request(&current)?);
    let result = price_with(&catalog, &request)?;
    let header = repo::Header {
        client_id,
        title: title.as_deref(),
        notes: notes.as_deref(),
    };
    let p = priced(&request, &result);
    repo::update_draft(&mut tx, row.id, row.version, &header, &p).await?;
    repo::add_event(&mut tx, row.id, row.version, QuoteAction::Edited, ctx.user).await?;
    answer(tx, row.id).await
}

/// Sends a draft, freezing its version; if prices moved since it was saved, saves
/// it with today's figures instead and answers 409 `quote_repriced`.
pub async fn send(
    state: &AppState,
    ctx: &TenantCtx,
    id: QuoteId,
    if_match: Option<&str>,
) -> ApiResult<Tagged> {
    let catalog = tenant_catalog(state, ctx).await?;
    let action = (QuoteAction::Sent, "; revise it to send a new version");
    let (mut tx, row, current) = lock_draft(state, ctx, id, if_match, action).await?;
    let request = stored_request(&current)?;
    let result = price_with(&catalog, &request)?;
    // Compared as shown: a draft saved before amounts were shown to the cent
    // stored exact intermediates that read back the same.
    if result != stored_result(&current)? {
        let p = priced(&request, &result);
        let header = repo::Header {
            client_id: row.client_id,
            title: row.title.as_deref(),
            notes: row.notes.as_deref(),
        };
        repo::update_draft(&mut tx, row.id, row.version, &header, &p).await?;
        repo::add_event(&mut tx, row.id, row.version, QuoteAction::Edited, ctx.user).await?;
        tx.commit().await?;
        return Err(repriced(&row, current.stored.result.totals.total, &result));
    }
    let settings = settings::load(&mut tx).await?;
    let days = i32::try_from(settings.validity_days)
        .map_err(|_| ApiError::internal("validity days", anyhow::anyhow!("out of range")))?;
    let document = snapshot(&mut tx, &row).await?;
    repo::mark_sent(&mut tx, row.id, row.version, days, &document).await?;
    repo::add_event(&mut tx, row.id, row.version, QuoteAction::Sent, ctx.user).await?;
    answer(tx, row.id).await
}

/// 409 `quote_repriced`: the saved figures were not today's.
fn repriced(row: &QuoteRow, before: rust_decimal::Decimal, now: &QuotePreview) -> ApiError {
    ApiError::conflict(
        "quote_repriced",
        format!(
            "prices changed since {} was saved; it now totals {} instead of {}: review it and send again",
            reference(row.number),
            now.totals.total,
            before
        ),
    )
    .with_details(serde_json::json!({
        "previous_total": Money::try_from_decimal(before).ok(),
        "total": now.totals.total,
    }))
}

/// Moves a sent quote to accepted or rejected. `if_match` (the web app's check;
/// the API passes none): 412 if stale.
pub async fn decide(
    state: &AppState,
    ctx: &TenantCtx,
    id: QuoteId,
    to: QuoteStatus,
    if_match: Option<&str>,
) -> ApiResult<Tagged> {
    let (mut tx, row, _) = lock(state, ctx, id).await?;
    if let Some(tag) = if_match {
        check_if_match("quote", Some(tag), &etag(&row))?;
    }
    let (action, allowed) = match to {
        QuoteStatus::Accepted => (QuoteAction::Accepted, row.status == QuoteStatus::Sent),
        _ => (
            QuoteAction::Rejected,
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
    repo::set_status(&mut tx, id, to, row.valid_until).await?;
    repo::add_event(&mut tx, id, row.version, action, ctx.user).await?;
    answer(tx, id).await
}

/// Opens a new draft version of a sent, rejected or expired quote, priced today.
/// `if_match` as for [`decide`].
pub async fn revise(
    state: &AppState,
    ctx: &TenantCtx,
    id: QuoteId,
    if_match: Option<&str>,
) -> ApiResult<Tagged> {
    let catalog = tenant_catalog(state, ctx).await?;
    let (mut tx, row, current) = lock(state, ctx, id).await?;
    if let Some(tag) = if_match {
        check_if_match("quote", Some(tag), &etag(&row))?;
    }
    let hint = match row.status {
        QuoteStatus::Sent | QuoteStatus::Rejected | QuoteStatus::Expired => None,
        QuoteStatus::Draft => Some("; it is a draft: edit it"),
        QuoteStatus::Accepted => Some("; it was accepted: duplicate it for a new quote"),
    };
    if let Some(hint) = hint {
        return Err(wrong_status(&row, QuoteAction::Revised, hint));
    }
    let request = stored_request(&current)?;
    let result = price_with(&catalog, &request)?;
    let next = row.version + 1;
    let p = priced(&request, &result);
    repo::insert_version(&mut tx, row.id, next, &p, ctx.user).await?;
    repo::reopen_as_draft(&mut tx, row.id, next, p.total).await?;
    repo::add_event(&mut tx, row.id, next, QuoteAction::Revised, ctx.user).await?;
    answer(tx, row.id).await
}

/// A new draft quote from a quote's current version, priced today.
pub async fn duplicate(state: &AppState, ctx: &TenantCtx, id: QuoteId) -> ApiResult<Tagged> {
    let catalog = tenant_catalog(state, ctx).await?;
    let mut tx = ctx.tx(state).await?;
    let row = repo::get(&mut tx, id, false)
        .await?
        .ok_or_else(|| not_found(id))?;
    let current = repo::version(&mut tx, id, row.version)
        .await?
        .ok_or_else(|| not_found(id))?;
    let request = stored_request(&current)?;
    let result = price_with(&catalog, &request)?;
    check_client(&mut tx, row.client_id).await?;
    let header = repo::Header {
        client_id: row.client_id,
        title: row.title.as_deref(),
        notes: row.notes.as_deref(),
    };
    let new = repo::insert(&mut tx, &header, &priced(&request, &result), ctx.user).await?;
    answer(tx, new).await
}

/// The quote and version `number` (default: the current one), or 404.
async fn quote_version(
    tx: &mut TenantTx,
    id: QuoteId,
    number: Option<i32>,
) -> ApiResult<(QuoteRow, VersionRow)> {
    let row = repo::get(tx, id, false)
        .await?
        .ok_or_else(|| not_found(id))?;
    let number = number.unwrap_or(row.version);
    let version = repo::version(tx, id, number).await?.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "version_not_found",
            format!("{} has no version {number}", reference(row.number)),
        )
    })?;
    Ok((row, version))
}

/// One version of a quote, with the quote it belongs to.
pub async fn version(
    state: &AppState,
    ctx: &TenantCtx,
    id: QuoteId,
    number: i32,
) -> ApiResult<(QuoteRow, VersionRow)> {
    let mut tx = ctx.tx(state).await?;
    let found = quote_version(&mut tx, id, Some(number)).await?;
    tx.commit().await?;
    Ok(found)
}

/// What a version's PDF needs: a sent version prints as it was sent, logo included;
/// a draft with today's company details and logo. Answers the file name too.
pub async fn pdf_job(
    state: &AppState,
    ctx: &TenantCtx,
    id: QuoteId,
    number: Option<i32>,
) -> ApiResult<(PdfJob, String)> {
    let mut tx = ctx.tx(state).await?;
    let (row, v) = quote_version(&mut tx, id, number).await?;
    let (document, hash) = match v.stored.document {
        Some(doc) => {
            let hash = doc.logo_sha256.as_deref().and_then(|h| hex::decode(h).ok());
            (doc, hash)
        }
        None => (
            snapshot(&mut tx, &row).await?,
            company::current_logo_hash(&mut tx).await?,
        ),
    };
    // The logo's bytes are read only when it is not kept decoded already.
    let logo = match hash {
        Some(hash) => {
            let load = company::load_logo_by_hash(&mut tx, &hash);
            state.pdf.logo(ctx.tenant, &hash, load).await?
        }
        None => None,
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
        result: v.stored.result,
        document,
        logo,
    };
    Ok((job, filename))
}
