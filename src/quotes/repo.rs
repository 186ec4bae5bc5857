//! SQL for saved quotes: quotes, their versions and their history, always inside a
//! [`TenantTx`] (row-level security scopes every statement to the bound tenant).

use crate::ids::{ClientId, QuoteId, UserId};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::types::Json;

use super::model::{QuoteAction, QuoteStatus};
use super::stored::{self, Stored};
use crate::db::TenantTx;
use crate::http::PageRequest;

/// The status as read: a sent quote past its validity date is expired. Dates are
/// the tenant's local date (its `time_zone` setting), read here by a subquery on
/// the tenant's own settings rather than through `tenant_date()`: on Citus a
/// function that queries a distributed table cannot run inside a query sent to a
/// shard, while a subquery on the same tenant is sent along with it (a router
/// query: every query that uses this binds the tenant as `$1`). Same result
/// and rights as `tenant_time_zone()` (row-level security applies to both).
const STATUS: &str = "CASE WHEN q.status = 'sent' \
               AND q.valid_until < (now() AT TIME ZONE COALESCE( \
                   (SELECT s.time_zone FROM quote_settings s WHERE s.tenant_id = $1), \
                   'America/Mexico_City'))::date \
          THEN 'expired' ELSE q.status END";

/// A quote's header row, with its client's name.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct QuoteRow {
    pub id: QuoteId,
    pub number: i64,
    pub client_id: ClientId,
    pub client_name: String,
    pub title: Option<String>,
    pub notes: Option<String>,
    pub status: QuoteStatus,
    pub version: i32,
    pub total: Decimal,
    pub currency: String,
    pub valid_until: Option<NaiveDate>,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One version of a quote: what was asked and what it cost, in the stored format.
#[derive(Debug, Clone)]
pub struct VersionRow {
    pub version: i32,
    /// The request, the result and, once sent, the document wording.
    pub stored: Stored,
    pub priced_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub valid_until: Option<NaiveDate>,
    /// The tenant's local date of sending (or, for a draft, of pricing).
    pub issued_on: NaiveDate,
}

/// A version as selected, before its JSON is decoded by format.
#[derive(sqlx::FromRow)]
struct VersionRecord {
    version: i32,
    format: i16,
    request: Json<serde_json::Value>,
    result: Json<serde_json::Value>,
    document: Option<Json<serde_json::Value>>,
    priced_at: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
    valid_until: Option<NaiveDate>,
    issued_on: NaiveDate,
}

impl TryFrom<VersionRecord> for VersionRow {
    type Error = sqlx::Error;

    fn try_from(r: VersionRecord) -> Result<Self, sqlx::Error> {
        let stored = stored::decode(r.format, r.request.0, r.result.0, r.document.map(|d| d.0))
            .map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
        Ok(VersionRow {
            version: r.version,
            stored,
            priced_at: r.priced_at,
            sent_at: r.sent_at,
            valid_until: r.valid_until,
            issued_on: r.issued_on,
        })
    }
}

/// A version without its documents, for the quote's version list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VersionInfoRow {
    pub version: i32,
    pub total: Decimal,
    pub priced_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub valid_until: Option<NaiveDate>,
}

/// One entry of a quote's history.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    pub version: i32,
    pub action: QuoteAction,
    pub user_id: UserId,
    pub at: DateTime<Utc>,
}

/// The header fields a quote is saved with.
pub struct Header<'a> {
    pub client_id: ClientId,
    pub title: Option<&'a str>,
    pub notes: Option<&'a str>,
}

/// A priced version to store, in the newest stored format.
pub struct Priced {
    pub request: stored::Request,
    pub result: stored::Result,
    pub total: Decimal,
}

/// Filters of the quote list.
#[derive(Debug)]
pub struct ListFilter<'a> {
    pub status: Option<QuoteStatus>,
    pub client_id: Option<ClientId>,
    /// Matches the title or the client's name; digits also match the number.
    pub search: Option<&'a str>,
}

/// The sort key of the quote list: most recently changed first, then by number.
pub type ListKey = (DateTime<Utc>, i64);

fn select(tail: &str) -> String {
    format!(
        r#"SELECT q.id, q.number, q.client_id, c.name AS client_name, q.title, q.notes,
                  {STATUS} AS status, q.version, q.total, q.currency, q.valid_until,
                  q.created_by, q.created_at, q.updated_at
             FROM quotes q
             JOIN clients c ON c.tenant_id = q.tenant_id AND c.id = q.client_id
            WHERE q.tenant_id = $1 {tail}"#
    )
}

/// Hands out the tenant's next quote number.
pub async fn next_number(tx: &mut TenantTx) -> Result<i64, sqlx::Error> {
    let tenant = tx.tenant();
    sqlx::query_scalar(
        r#"INSERT INTO quote_counters (tenant_id, last_number) VALUES ($1, 1)
           ON CONFLICT (tenant_id) DO UPDATE SET last_number = quote_counters.last_number + 1
           RETURNING last_number"#,
    )
    .bind(tenant)
    .fetch_one(tx.conn())
    .await
}

/// Creates a draft quote with its first version.
pub async fn insert(
    tx: &mut TenantTx,
    header: &Header<'_>,
    priced: &Priced,
    user: UserId,
) -> Result<QuoteId, sqlx::Error> {
    let tenant = tx.tenant();
    let id = QuoteId::new_random();
    let number = next_number(tx).await?;
    sqlx::query(
        r#"INSERT INTO quotes (tenant_id, id, number, client_id, title, notes, status, version,
                               total, currency, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, 'draft', 1, $7, $8, $9)"#,
    )
    .bind(tenant)
    .bind(id)
    .bind(number)
    .bind(header.client_id)
    .bind(header.title)
    .bind(header.notes)
    .bind(priced.total)
    .bind(&priced.result.currency)
    .bind(user)
    .execute(tx.conn())
    .await?;
    insert_version(tx, id, 1, priced, user).await?;
    add_event(tx, id, 1, QuoteAction::Created, user).await?;
    Ok(id)
}

/// Stores a new version of a quote.
pub async fn insert_version(
    tx: &mut TenantTx,
    id: QuoteId,
    version: i32,
    priced: &Priced,
    user: UserId,
) -> Result<(), sqlx::Error> {
    let tenant = tx.tenant();
    sqlx::query(
        r#"INSERT INTO quote_versions (tenant_id, quote_id, version, format, request, result,
                                       total, priced_at, created_by)
           VALUES ($1, $2, $3, $8, $4, $5, $6, now(), $7)"#,
    )
    .bind(tenant)
    .bind(id)
    .bind(version)
    .bind(Json(&priced.request))
    .bind(Json(&priced.result))
    .bind(priced.total)
    .bind(user)
    .bind(stored::FORMAT)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Overwrites a draft's header and its current (unsent) version.
pub async fn update_draft(
    tx: &mut TenantTx,
    id: QuoteId,
    version: i32,
    header: &Header<'_>,
    priced: &Priced,
) -> Result<(), sqlx::Error> {
    let tenant = tx.tenant();
    sqlx::query(
        r#"UPDATE quote_versions
              SET format = $7, request = $4, result = $5, total = $6, priced_at = now()
            WHERE tenant_id = $1 AND quote_id = $2 AND version = $3"#,
    )
    .bind(tenant)
    .bind(id)
    .bind(version)
    .bind(Json(&priced.request))
    .bind(Json(&priced.result))
    .bind(priced.total)
    .bind(stored::FORMAT)
    .execute(tx.conn())
    .await?;
    sqlx::query(
        r#"UPDATE quotes SET client_id = $3, title = $4, notes = $5, total = $6, currency = $7
            WHERE tenant_id = $1 AND id = $2"#,
    )
    .bind(tenant)
    .bind(id)
    .bind(header.client_id)
    .bind(header.title)
    .bind(header.notes)
    .bind(priced.total)
    .bind(&priced.result.currency)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Makes `version` (already stored) the current draft of the quote.
pub async fn reopen_as_draft(
    tx: &mut TenantTx,
    id: QuoteId,
    version: i32,
    total: Decimal,
) -> Result<(), sqlx::Error> {
    let tenant = tx.tenant();
    sqlx::query(
        r#"UPDATE quotes SET status = 'draft', version = $3, total = $4, valid_until = NULL
            WHERE tenant_id = $1 AND id = $2"#,
    )
    .bind(tenant)
    .bind(id)
    .bind(version)
    .bind(total)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Freezes the current version and marks the quote sent, valid for `validity_days`
/// from today (the database's date, the same clock that expires it); answers the
/// last valid day.
pub async fn mark_sent(
    tx: &mut TenantTx,
    id: QuoteId,
    version: i32,
    validity_days: i32,
    document: &stored::Document,
) -> Result<NaiveDate, sqlx::Error> {
    let tenant = tx.tenant();
    let valid_until: NaiveDate = sqlx::query_scalar(
        r#"UPDATE quote_versions
              SET sent_at = now(),
                  valid_until = (now() AT TIME ZONE COALESCE(
                      (SELECT s.time_zone FROM quote_settings s WHERE s.tenant_id = $1),
                      'America/Mexico_City'))::date + $4::integer,
                  document = $5
            WHERE tenant_id = $1 AND quote_id = $2 AND version = $3
        RETURNING valid_until"#,
    )
    .bind(tenant)
    .bind(id)
    .bind(version)
    .bind(validity_days)
    .bind(Json(document))
    .fetch_one(tx.conn())
    .await?;
    set_status(tx, id, QuoteStatus::Sent, Some(valid_until)).await?;
    Ok(valid_until)
}

/// Sets the stored status (and validity date).
pub async fn set_status(
    tx: &mut TenantTx,
    id: QuoteId,
    status: QuoteStatus,
    valid_until: Option<NaiveDate>,
) -> Result<(), sqlx::Error> {
    let tenant = tx.tenant();
    sqlx::query("UPDATE quotes SET status = $3, valid_until = $4 WHERE tenant_id = $1 AND id = $2")
        .bind(tenant)
        .bind(id)
        .bind(status.as_str())
        .bind(valid_until)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Appends to a quote's history.
pub async fn add_event(
    tx: &mut TenantTx,
    id: QuoteId,
    version: i32,
    action: QuoteAction,
    user: UserId,
) -> Result<(), sqlx::Error> {
    let tenant = tx.tenant();
    sqlx::query(
        "INSERT INTO quote_events (tenant_id, quote_id, version, action, user_id) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(tenant)
    .bind(id)
    .bind(version)
    .bind(action)
    .bind(user)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// One quote; `lock` holds its row until the transaction ends, so concurrent
/// changes of the same quote queue up instead of overwriting each other.
pub async fn get(
    tx: &mut TenantTx,
    id: QuoteId,
    lock: bool,
) -> Result<Option<QuoteRow>, sqlx::Error> {
    let tenant = tx.tenant();
    let lock = if lock { "FOR UPDATE OF q" } else { "" };
    sqlx::query_as(&select(&format!("AND q.id = $2 {lock}")))
        .bind(tenant)
        .bind(id)
        .fetch_optional(tx.conn())
        .await
}

/// A page of quotes, most recently changed first, and how many match in all.
pub async fn list(
    tx: &mut TenantTx,
    f: &ListFilter<'_>,
    page: &PageRequest<ListKey>,
) -> Result<(Vec<QuoteRow>, i64), sqlx::Error> {
    let tenant = tx.tenant();
    let pattern = f.search.map(crate::db::like_pattern);
    // `42`, `COT-000042` or `cot42` name a number; other text does not.
    let number = f.search.and_then(|s| {
        let s = s.trim();
        let digits = s
            .strip_prefix("COT")
            .or_else(|| s.strip_prefix("cot"))
            .map_or(s, |rest| rest.trim_start_matches('-'));
        digits.parse::<i64>().ok()
    });
    let filters = format!(
        r#"AND ($2::text IS NULL OR {STATUS} = $2)
           AND ($3::uuid IS NULL OR q.client_id = $3)
           AND ($4::text IS NULL OR q.title ILIKE $4 OR c.name ILIKE $4 OR q.number = $5)"#
    );
    let (after_at, after_number) = page.after.unzip();
    let rows = sqlx::query_as(&select(&format!(
        r#"{filters}
           AND ($6::timestamptz IS NULL OR (q.updated_at, q.number) < ($6, $7))
         ORDER BY q.updated_at DESC, q.number DESC
         LIMIT $8"#
    )))
    .bind(tenant)
    .bind(f.status.map(QuoteStatus::as_str))
    .bind(f.client_id)
    .bind(&pattern)
    .bind(number)
    .bind(after_at)
    .bind(after_number)
    .bind(page.fetch())
    .fetch_all(tx.conn())
    .await?;
    let total: i64 = sqlx::query_scalar(&format!(
        r#"SELECT count(*) FROM quotes q
             JOIN clients c ON c.tenant_id = q.tenant_id AND c.id = q.client_id
            WHERE q.tenant_id = $1 {filters}"#
    ))
    .bind(tenant)
    .bind(f.status.map(QuoteStatus::as_str))
    .bind(f.client_id)
    .bind(&pattern)
    .bind(number)
    .fetch_one(tx.conn())
    .await?;
    Ok((rows, total))
}

/// One version of a quote.
pub async fn version(
    tx: &mut TenantTx,
    id: QuoteId,
    version: i32,
) -> Result<Option<VersionRow>, sqlx::Error> {
    let tenant = tx.tenant();
    let record: Option<VersionRecord> = sqlx::query_as(
        r#"SELECT version, format, request, result, priced_at, sent_at, valid_until, document,
                  (COALESCE(sent_at, priced_at) AT TIME ZONE COALESCE(
                      (SELECT s.time_zone FROM quote_settings s WHERE s.tenant_id = $1),
                      'America/Mexico_City'))::date AS issued_on
             FROM quote_versions WHERE tenant_id = $1 AND quote_id = $2 AND version = $3"#,
    )
    .bind(tenant)
    .bind(id)
    .bind(version)
    .fetch_optional(tx.conn())
    .await?;
    record.map(VersionRow::try_from).transpose()
}

/// Every version of a quote, oldest first.
pub async fn versions(tx: &mut TenantTx, id: QuoteId) -> Result<Vec<VersionInfoRow>, sqlx::Error> {
    let tenant = tx.tenant();
    sqlx::query_as(
        r#"SELECT version, total, priced_at, sent_at, valid_until
             FROM quote_versions WHERE tenant_id = $1 AND quote_id = $2 ORDER BY version"#,
    )
    .bind(tenant)
    .bind(id)
    .fetch_all(tx.conn())
    .await
}

/// A quote's history, oldest first.
pub async fn events(tx: &mut TenantTx, id: QuoteId) -> Result<Vec<EventRow>, sqlx::Error> {
    let tenant = tx.tenant();
    sqlx::query_as(
        r#"SELECT version, action, user_id, at
             FROM quote_events WHERE tenant_id = $1 AND quote_id = $2 ORDER BY seq"#,
    )
    .bind(tenant)
    .bind(id)
    .fetch_all(tx.conn())
    .await
}
