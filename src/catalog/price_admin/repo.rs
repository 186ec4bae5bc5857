//! SQL of price administration: the materials a bulk update matches, the row writes
//! of a batch, batches and the price history.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::model::{BatchKind, ChangeKind, PriceBatchSummary, PriceHistoryEntry};
use crate::catalog::{Category, Source};
use crate::db::repo::insert_values;
use crate::db::TenantTx;
use crate::http::{Nullable, PageRequest};
use crate::ids::{BatchId, MaterialId, UserId};
use crate::money::Money;

/// Which rows a bulk update looks at.
pub struct Scope<'a> {
    pub category: Option<Category>,
    pub codes: Option<&'a [String]>,
    pub prefix: Option<&'a str>,
    pub include_inherited: bool,
}

/// An effective material a bulk update may change.
#[derive(Debug, sqlx::FromRow)]
pub struct Candidate {
    pub code: String,
    pub name: String,
    pub price: Decimal,
    pub source: Source,
    /// The tenant's own row of the code, active or not.
    pub own_id: Option<MaterialId>,
}

const SCOPED: &str = "($2::text IS NULL OR category = $2)
      AND ($3::text[] IS NULL OR code = ANY($3))
      AND ($4::text IS NULL OR starts_with(code, $4))";

/// Lets this transaction's statements run up to a minute instead of the usual
/// `database.statement_timeout_ms`: a batch writes tens of thousands of rows in a
/// few statements (an import of 100,000 rows takes seconds per statement).
pub async fn allow_long_statements(tx: &mut TenantTx) -> Result<(), sqlx::Error> {
    sqlx::query("SET LOCAL statement_timeout = '60s'")
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Locks the tenant's rows in scope, in code order (so two batches never deadlock),
/// before they are read again and written.
pub async fn lock_scope(tx: &mut TenantTx, scope: &Scope<'_>) -> Result<(), sqlx::Error> {
    let tenant = tx.tenant();
    sqlx::query(&format!(
        "SELECT id FROM materials WHERE tenant_id = $1 AND {SCOPED} ORDER BY code FOR UPDATE"
    ))
    .bind(tenant)
    .bind(scope.category.map(Category::as_str))
    .bind(scope.codes)
    .bind(scope.prefix)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The effective materials in scope, by code: the tenant's own active rows, and the
/// active defaults it inherits when `include_inherited`.
pub async fn candidates(
    tx: &mut TenantTx,
    scope: &Scope<'_>,
) -> Result<Vec<Candidate>, sqlx::Error> {
    let tenant = tx.tenant();
    sqlx::query_as(&format!(
        r#"SELECT code, name, price, 'tenant' AS source, id AS own_id
             FROM materials WHERE tenant_id = $1 AND active AND {SCOPED}
           UNION ALL
           SELECT g.code, g.name, g.price, 'global', m.id
             FROM (SELECT * FROM global_materials WHERE active AND {SCOPED}) g
             LEFT JOIN materials m ON m.tenant_id = $1 AND m.code = g.code
            WHERE $5 AND (m.id IS NULL OR NOT m.active)
            ORDER BY code"#
    ))
    .bind(tenant)
    .bind(scope.category.map(Category::as_str))
    .bind(scope.codes)
    .bind(scope.prefix)
    .bind(scope.include_inherited)
    .fetch_all(tx.conn())
    .await
}

/// The codes of `codes` that name no material at all, the tenant's or a default.
pub async fn unknown_codes(
    tx: &mut TenantTx,
    codes: &[String],
) -> Result<Vec<String>, sqlx::Error> {
    let tenant = tx.tenant();
    sqlx::query_scalar(
        r#"SELECT c FROM unnest($2::text[]) AS c
            WHERE NOT EXISTS (SELECT 1 FROM materials WHERE tenant_id = $1 AND code = c)
              AND NOT EXISTS (SELECT 1 FROM global_materials WHERE code = c)
            ORDER BY c"#,
    )
    .bind(tenant)
    .bind(codes)
    .fetch_all(tx.conn())
    .await
}

/// The tenant's own rows of these codes, locked in code order: id, code, price,
/// active.
pub async fn lock_own_rows(
    tx: &mut TenantTx,
    codes: &[String],
) -> Result<Vec<(MaterialId, String, Decimal, bool)>, sqlx::Error> {
    let tenant = tx.tenant();
    sqlx::query_as(
        r#"SELECT id, code, price, active FROM materials
            WHERE tenant_id = $1 AND code = ANY($2) ORDER BY code FOR UPDATE"#,
    )
    .bind(tenant)
    .bind(codes)
    .fetch_all(tx.conn())
    .await
}

/// The active default prices of these codes.
pub async fn default_prices(
    tx: &mut TenantTx,
    codes: &[String],
) -> Result<Vec<(String, Decimal)>, sqlx::Error> {
    sqlx::query_as("SELECT code, price FROM global_materials WHERE active AND code = ANY($1)")
        .bind(codes)
        .fetch_all(tx.conn())
        .await
}

fn amounts(prices: &[Money]) -> Vec<Decimal> {
    prices.iter().map(|m| m.amount()).collect()
}

pub(super) fn uuids(ids: &[MaterialId]) -> Vec<Uuid> {
    ids.iter().map(|id| id.0).collect()
}

/// Sets the prices of the tenant's rows (making them active), bumping their
/// versions; answers how many rows changed.
pub async fn set_own_prices(
    tx: &mut TenantTx,
    ids: &[MaterialId],
    prices: &[Money],
    by: Option<UserId>,
) -> Result<u64, sqlx::Error> {
    let tenant = tx.tenant();
    let done = sqlx::query(
        r#"UPDATE materials m
              SET price = u.price, active = true, version = m.version + 1, updated_by = $2
             FROM unnest($3::uuid[], $4::numeric[]) AS u(id, price)
            WHERE m.tenant_id = $1 AND m.id = u.id"#,
    )
    .bind(tenant)
    .bind(by)
    .bind(uuids(ids))
    .bind(amounts(prices))
    .execute(tx.conn())
    .await?;
    Ok(done.rows_affected())
}

/// A default's columns a tenant's copy of it takes.
#[derive(sqlx::FromRow)]
struct DefaultRow {
    code: String,
    name: String,
    category: String,
    unit: String,
    bar_length_m: Option<Decimal>,
}

/// Makes the tenant's own copies of defaults at new prices; a code the tenant got a
/// row for meanwhile is skipped, and so is a code with no default, so the answer
/// (rows made) tells. Written with multi-row `VALUES` ([`insert_values`]).
pub async fn copy_defaults(
    tx: &mut TenantTx,
    ids: &[MaterialId],
    codes: &[String],
    prices: &[Money],
    by: Option<UserId>,
) -> Result<u64, sqlx::Error> {
    let tenant = tx.tenant();
    let defaults: Vec<DefaultRow> = sqlx::query_as(
        "SELECT code, name, category, unit, bar_length_m FROM global_materials WHERE code = ANY($1)",
    )
    .bind(codes)
    .fetch_all(tx.conn())
    .await?;
    let rows: Vec<(MaterialId, &DefaultRow, Decimal)> = ids
        .iter()
        .zip(codes)
        .zip(prices)
        .filter_map(|((id, code), price)| {
            let g = defaults.iter().find(|g| &g.code == code)?;
            Some((*id, g, price.amount()))
        })
        .collect();
    insert_values(
        tx.conn(),
        (
            "INSERT INTO materials (tenant_id, id, code, name, category, unit, price, bar_length_m, active, updated_by)",
            "ON CONFLICT (tenant_id, code) DO NOTHING",
        ),
        10,
        &rows,
        |row, (id, g, price)| {
            row.push_bind(tenant)
                .push_bind(*id)
                .push_bind(&g.code)
                .push_bind(&g.name)
                .push_bind(&g.category)
                .push_bind(&g.unit)
                .push_bind(*price)
                .push_bind(g.bar_length_m)
                .push_bind(true)
                .push_bind(by);
        },
    )
    .await
}

/// Deactivates the tenant's rows (the defaults apply again); answers how many.
pub async fn withdraw(
    tx: &mut TenantTx,
    ids: &[MaterialId],
    by: Option<UserId>,
) -> Result<u64, sqlx::Error> {
    let tenant = tx.tenant();
    let done = sqlx::query(
        r#"UPDATE materials SET active = false, version = version + 1, updated_by = $2
            WHERE tenant_id = $1 AND id = ANY($3) AND active"#,
    )
    .bind(tenant)
    .bind(by)
    .bind(uuids(ids))
    .execute(tx.conn())
    .await?;
    Ok(done.rows_affected())
}

/// A batch row to insert.
pub struct NewBatch<'a> {
    pub id: BatchId,
    pub kind: BatchKind,
    pub format: i16,
    /// The stored items as JSON text (see `stored`).
    pub payload: &'a str,
    pub count: i32,
    pub reverts: Option<BatchId>,
    pub by: Option<UserId>,
}

/// Inserts a batch; answers when it was made.
pub async fn insert_batch(
    tx: &mut TenantTx,
    b: &NewBatch<'_>,
) -> Result<DateTime<Utc>, sqlx::Error> {
    let tenant = tx.tenant();
    sqlx::query_scalar(
        r#"INSERT INTO price_batches (tenant_id, id, kind, format, payload, count, reverts, created_by)
           VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8) RETURNING created_at"#,
    )
    .bind(tenant)
    .bind(b.id)
    .bind(b.kind)
    .bind(b.format)
    .bind(b.payload)
    .bind(b.count)
    .bind(b.reverts)
    .bind(b.by)
    .fetch_one(tx.conn())
    .await
}

/// History rows to insert, one per material, as parallel columns.
#[derive(Default)]
pub struct HistoryRows {
    pub material_ids: Vec<MaterialId>,
    pub codes: Vec<String>,
    pub old: Vec<Option<Decimal>>,
    pub new: Vec<Decimal>,
    pub withdrawn: Vec<bool>,
}

/// Records a batch's changes in the history, with multi-row `VALUES`
/// ([`insert_values`]).
pub async fn insert_history(
    tx: &mut TenantTx,
    batch: BatchId,
    kind: ChangeKind,
    rows: &HistoryRows,
    by: Option<UserId>,
) -> Result<(), sqlx::Error> {
    let tenant = tx.tenant();
    let index: Vec<usize> = (0..rows.codes.len()).collect();
    insert_values(
        tx.conn(),
        (
            "INSERT INTO price_history
                (tenant_id, id, material_id, code, old_price, new_price, changed_by, kind, batch_id, withdrawn)",
            "",
        ),
        10,
        &index,
        |row, &i| {
            row.push_bind(tenant)
                .push_bind(Uuid::new_v4())
                .push_bind(rows.material_ids[i])
                .push_bind(&rows.codes[i])
                .push_bind(rows.old[i])
                .push_bind(rows.new[i])
                .push_bind(by)
                .push_bind(kind)
                .push_bind(batch)
                .push_bind(rows.withdrawn[i]);
        },
    )
    .await?;
    Ok(())
}

/// Where a batch list goes on from: the last batch shown.
pub type BatchKey = (DateTime<Utc>, Uuid);

#[derive(sqlx::FromRow)]
struct BatchRow {
    id: BatchId,
    kind: BatchKind,
    count: i32,
    created_at: DateTime<Utc>,
    created_by: Option<UserId>,
    reverts: Option<BatchId>,
    reverted_by: Option<BatchId>,
}

impl From<BatchRow> for PriceBatchSummary {
    fn from(r: BatchRow) -> Self {
        Self {
            id: r.id,
            kind: r.kind,
            count: i64::from(r.count),
            created_at: r.created_at,
            created_by: Nullable(r.created_by),
            reverts: Nullable(r.reverts),
            reverted_by: Nullable(r.reverted_by),
        }
    }
}

const BATCH_COLUMNS: &str = "b.id, b.kind, b.count, b.created_at, b.created_by, b.reverts,
    (SELECT r.id FROM price_batches r WHERE r.tenant_id = b.tenant_id AND r.reverts = b.id
      ORDER BY r.created_at LIMIT 1) AS reverted_by";

/// A page of the tenant's batches, newest first, and how many there are.
pub async fn batch_page(
    tx: &mut TenantTx,
    page: &PageRequest<BatchKey>,
) -> Result<(Vec<PriceBatchSummary>, i64), sqlx::Error> {
    let tenant = tx.tenant();
    let (at, id) = page.after.unzip();
    let rows: Vec<BatchRow> = sqlx::query_as(&format!(
        r#"SELECT {BATCH_COLUMNS} FROM price_batches b
            WHERE b.tenant_id = $1 AND ($2::timestamptz IS NULL OR (b.created_at, b.id) < ($2, $3))
            ORDER BY b.created_at DESC, b.id DESC LIMIT $4"#
    ))
    .bind(tenant)
    .bind(at)
    .bind(id)
    .bind(page.fetch())
    .fetch_all(tx.conn())
    .await?;
    let total = sqlx::query_scalar("SELECT count(*) FROM price_batches WHERE tenant_id = $1")
        .bind(tenant)
        .fetch_one(tx.conn())
        .await?;
    Ok((rows.into_iter().map(Into::into).collect(), total))
}

/// A batch row with its stored items.
#[derive(sqlx::FromRow)]
struct StoredBatchRow {
    #[sqlx(flatten)]
    summary: BatchRow,
    format: i16,
    payload: String,
}

/// One batch: its summary, and its stored items' format and payload (JSON text),
/// in one query.
pub async fn batch(
    tx: &mut TenantTx,
    id: BatchId,
) -> Result<Option<(PriceBatchSummary, i16, String)>, sqlx::Error> {
    let tenant = tx.tenant();
    let row: Option<StoredBatchRow> = sqlx::query_as(&format!(
        r#"SELECT {BATCH_COLUMNS}, b.format, b.payload::text AS payload
             FROM price_batches b WHERE b.tenant_id = $1 AND b.id = $2"#
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(tx.conn())
    .await?;
    Ok(row.map(|r| (r.summary.into(), r.format, r.payload)))
}

/// The codes among `codes` whose price changed after the batch, other than by it.
pub async fn changed_since(
    tx: &mut TenantTx,
    batch: BatchId,
    at: DateTime<Utc>,
    codes: &[String],
) -> Result<Vec<String>, sqlx::Error> {
    let tenant = tx.tenant();
    sqlx::query_scalar(
        r#"SELECT DISTINCT code FROM price_history
            WHERE tenant_id = $1 AND code = ANY($2) AND batch_id IS DISTINCT FROM $3
              AND changed_at >= $4
            ORDER BY code"#,
    )
    .bind(tenant)
    .bind(codes)
    .bind(batch)
    .bind(at)
    .fetch_all(tx.conn())
    .await
}

/// What the price history is filtered by; all given must match.
#[derive(Default)]
pub struct HistoryFilter {
    pub code: Option<String>,
    pub category: Option<Category>,
    pub user_id: Option<UserId>,
    pub batch_id: Option<BatchId>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// Where the price history goes on from: the last entry shown.
pub type HistoryKey = (DateTime<Utc>, Source, String);

#[derive(sqlx::FromRow)]
struct HistoryRow {
    code: String,
    old_price: Option<Decimal>,
    new_price: Decimal,
    kind: ChangeKind,
    batch_id: Option<BatchId>,
    user_id: Option<UserId>,
    at: DateTime<Utc>,
    source: Source,
    withdrawn: bool,
    id: String,
}

impl HistoryRow {
    fn into_entry(self) -> (PriceHistoryEntry, HistoryKey) {
        // The columns are numeric(12, 2) >= 0: the conversions cannot fail.
        let money = |d: Decimal| Money::try_from_decimal(d).unwrap_or(Money::ZERO);
        let entry = PriceHistoryEntry {
            code: self.code,
            old: Nullable(self.old_price.map(money)),
            new: money(self.new_price),
            kind: self.kind,
            batch_id: Nullable(self.batch_id),
            user_id: Nullable(self.user_id),
            at: self.at,
            source: self.source,
            withdrawn: self.withdrawn,
        };
        (entry, (self.at, self.source, self.id))
    }
}

/// The tenant's price changes and the platform's changes to the defaults it
/// inherits (it has no active row of its own for the code), each with its category.
const HISTORY: &str = r#"
    SELECT h.code, h.old_price, h.new_price, h.kind, h.batch_id, h.changed_by AS user_id,
           h.changed_at AS at, 'tenant' AS source, h.withdrawn, h.id::text AS id, m.category
      FROM price_history h
      JOIN materials m ON m.tenant_id = h.tenant_id AND m.id = h.material_id
     WHERE h.tenant_id = $1
    UNION ALL
    SELECT g.code, g.old_price, g.new_price, 'platform', NULL, NULL,
           g.changed_at, 'global', false, g.id::text, gm.category
      FROM global_price_history g
      JOIN global_materials gm ON gm.code = g.code
     WHERE NOT EXISTS (SELECT 1 FROM materials m
                        WHERE m.tenant_id = $1 AND m.code = g.code AND m.active)"#;

const HISTORY_FILTERS: &str = r#"($2::text IS NULL OR h.code = $2)
    AND ($3::text IS NULL OR h.category = $3)
    AND ($4::uuid IS NULL OR h.user_id = $4)
    AND ($5::uuid IS NULL OR h.batch_id = $5)
    AND ($6::timestamptz IS NULL OR h.at >= $6)
    AND ($7::timestamptz IS NULL OR h.at < $7)"#;

/// A page of the price history, newest first, and how many entries match.
pub async fn history(
    tx: &mut TenantTx,
    filter: &HistoryFilter,
    page: &PageRequest<HistoryKey>,
) -> Result<(Vec<(PriceHistoryEntry, HistoryKey)>, i64), sqlx::Error> {
    let tenant = tx.tenant();
    let (at, source, id) = match &page.after {
        Some((at, source, id)) => (Some(*at), Some(*source), Some(id.as_str())),
        None => (None, None, None),
    };
    let rows: Vec<HistoryRow> = sqlx::query_as(&format!(
        r#"SELECT h.* FROM ({HISTORY}) h
            WHERE {HISTORY_FILTERS}
              AND ($8::timestamptz IS NULL OR (h.at, h.source, h.id) < ($8, $9, $10))
            ORDER BY h.at DESC, h.source DESC, h.id DESC LIMIT $11"#
    ))
    .bind(tenant)
    .bind(filter.code.as_deref())
    .bind(filter.category.map(Category::as_str))
    .bind(filter.user_id)
    .bind(filter.batch_id)
    .bind(filter.from)
    .bind(filter.to)
    .bind(at)
    .bind(source)
    .bind(id)
    .bind(page.fetch())
    .fetch_all(tx.conn())
    .await?;
    let total = sqlx::query_scalar(&format!(
        "SELECT count(*) FROM ({HISTORY}) h WHERE {HISTORY_FILTERS}"
    ))
    .bind(tenant)
    .bind(filter.code.as_deref())
    .bind(filter.category.map(Category::as_str))
    .bind(filter.user_id)
    .bind(filter.batch_id)
    .bind(filter.from)
    .bind(filter.to)
    .fetch_one(tx.conn())
    .await?;
    Ok((
        rows.into_iter().map(HistoryRow::into_entry).collect(),
        total,
    ))
}

/// The price of a code at a moment: the tenant's latest change at or before it,
/// unless that withdrew its price, else the default's latest change. Answers the
/// price, where it came from and when it was set.
pub async fn price_as_of(
    tx: &mut TenantTx,
    code: &str,
    at: DateTime<Utc>,
) -> Result<Option<(Decimal, Source, DateTime<Utc>)>, sqlx::Error> {
    let tenant = tx.tenant();
    let own: Option<(Decimal, bool, DateTime<Utc>)> = sqlx::query_as(
        r#"SELECT new_price, withdrawn, changed_at FROM price_history
            WHERE tenant_id = $1 AND code = $2 AND changed_at <= $3
            ORDER BY changed_at DESC, id DESC LIMIT 1"#,
    )
    .bind(tenant)
    .bind(code)
    .bind(at)
    .fetch_optional(tx.conn())
    .await?;
    if let Some((price, false, when)) = own {
        return Ok(Some((price, Source::Tenant, when)));
    }
    let global: Option<(Decimal, DateTime<Utc>)> = sqlx::query_as(
        r#"SELECT new_price, changed_at FROM global_price_history
            WHERE code = $1 AND changed_at <= $2
            ORDER BY changed_at DESC, id DESC LIMIT 1"#,
    )
    .bind(code)
    .bind(at)
    .fetch_optional(tx.conn())
    .await?;
    Ok(global.map(|(price, when)| (price, Source::Global, when)))
}
