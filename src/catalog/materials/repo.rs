//! SQL for materials (the tenant's own rows over the global defaults), effective
//! prices and price history.

use crate::db::Conn;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::model::{Material, PriceChange};
use crate::audit::{Actor, ActorKind};
use crate::catalog::model::{Category, Source, Unit, CURRENCY};
use crate::db::TenantTx;
use crate::http::PageRequest;
use crate::ids::{MaterialId, UserId};
use crate::money::{Metres, Money};

/// A material row as selected by every query here.
#[derive(sqlx::FromRow)]
struct Row {
    code: String,
    name: String,
    category: Category,
    unit: Unit,
    price: Decimal,
    bar_length_m: Option<Decimal>,
    active: bool,
    source: Source,
    version: i32,
    updated_at: DateTime<Utc>,
}

impl TryFrom<Row> for Material {
    type Error = sqlx::Error;
    fn try_from(r: Row) -> Result<Self, sqlx::Error> {
        let bad =
            |what: &str| sqlx::Error::Decode(format!("material {}: bad {what}", r.code).into());
        Ok(Material {
            category: r.category,
            unit: r.unit,
            price: Money::try_from_decimal(r.price).map_err(|_| bad("price"))?,
            bar_length_m: r
                .bar_length_m
                .map(Metres::try_from_decimal)
                .transpose()
                .map_err(|_| bad("bar length"))?,
            source: r.source,
            currency: CURRENCY.to_owned(),
            code: r.code,
            name: r.name,
            active: r.active,
            version: r.version,
            updated_at: r.updated_at,
        })
    }
}

fn convert(rows: Vec<Row>) -> Result<Vec<Material>, sqlx::Error> {
    rows.into_iter().map(Material::try_from).collect()
}

const COLUMNS: &str =
    "code, name, category, unit, price, bar_length_m, active, version, updated_at";

/// The tenant's effective materials: its own active rows, and every active global
/// row it has no active row of its own for. Optionally one category.
pub async fn effective(
    tx: &mut TenantTx,
    category: Option<Category>,
) -> Result<Vec<Material>, sqlx::Error> {
    let tenant = tx.tenant();
    let rows: Vec<Row> = sqlx::query_as(&format!(
        r#"
        SELECT {COLUMNS}, 'tenant' AS source
          FROM materials
         WHERE tenant_id = $1 AND active AND ($2::text IS NULL OR category = $2)
        UNION ALL
        SELECT {COLUMNS}, 'global' AS source
          FROM global_materials g
         WHERE g.active AND ($2::text IS NULL OR g.category = $2)
           AND NOT EXISTS (SELECT 1 FROM materials m
                            WHERE m.tenant_id = $1 AND m.code = g.code AND m.active)
         ORDER BY category, code
        "#
    ))
    .bind(tenant)
    .bind(category.map(Category::as_str))
    .fetch_all(tx.conn())
    .await?;
    convert(rows)
}

/// The tenant's effective material for one code: its own active row, else the
/// active global row. A query of its own rather than [`effective`] with a code
/// filter: with every condition on the indexed columns, PostgreSQL keeps one
/// generic plan for it instead of planning each lookup again.
pub async fn effective_one(tx: &mut TenantTx, code: &str) -> Result<Option<Material>, sqlx::Error> {
    let tenant = tx.tenant();
    let row: Option<Row> = sqlx::query_as(&format!(
        r#"
        SELECT {COLUMNS}, 'tenant' AS source
          FROM materials
         WHERE tenant_id = $1 AND code = $2 AND active
        UNION ALL
        SELECT {COLUMNS}, 'global' AS source
          FROM global_materials
         WHERE code = $2 AND active
           AND NOT EXISTS (SELECT 1 FROM materials m
                            WHERE m.tenant_id = $1 AND m.code = $2 AND m.active)
        "#
    ))
    .bind(tenant)
    .bind(code)
    .fetch_optional(tx.conn())
    .await?;
    row.map(Material::try_from).transpose()
}

/// Where a material list goes on from: the sort key (category, code, source) of the
/// last material shown.
pub type ListKey = (Category, String, Source);

/// The key a material is listed by.
pub fn list_key(m: &Material) -> ListKey {
    (m.category, m.code.clone(), m.source)
}

/// A page of the tenant's catalogue by category and code, and how many materials
/// it has in all: its effective materials, plus its inactive rows on request.
pub async fn page(
    tx: &mut TenantTx,
    category: Option<Category>,
    include_inactive: bool,
    page: &PageRequest<ListKey>,
) -> Result<(Vec<Material>, i64), sqlx::Error> {
    let tenant = tx.tenant();
    let listed = format!(
        r#"SELECT {COLUMNS}, 'tenant' AS source FROM materials
            WHERE tenant_id = $1 AND (active OR $3) AND ($2::text IS NULL OR category = $2)
           UNION ALL
           SELECT {COLUMNS}, 'global' FROM global_materials g
            WHERE g.active AND ($2::text IS NULL OR g.category = $2)
              AND NOT EXISTS (SELECT 1 FROM materials m
                               WHERE m.tenant_id = $1 AND m.code = g.code AND m.active)"#
    );
    let (after_category, after_code, after_source) = match &page.after {
        Some((c, code, s)) => (Some(*c), Some(code.as_str()), Some(*s)),
        None => (None, None, None),
    };
    let rows: Vec<Row> = sqlx::query_as(&format!(
        r#"SELECT * FROM ({listed}) m
            WHERE $4::text IS NULL OR (m.category, m.code, m.source) > ($4, $5, $6)
            ORDER BY m.category, m.code, m.source
            LIMIT $7"#
    ))
    .bind(tenant)
    .bind(category.map(Category::as_str))
    .bind(include_inactive)
    .bind(after_category)
    .bind(after_code)
    .bind(after_source)
    .bind(page.fetch())
    .fetch_all(tx.conn())
    .await?;
    let total = sqlx::query_scalar(&format!("SELECT count(*) FROM ({listed}) m"))
        .bind(tenant)
        .bind(category.map(Category::as_str))
        .bind(include_inactive)
        .fetch_one(tx.conn())
        .await?;
    Ok((convert(rows)?, total))
}

/// The tenant's own row for a code, active or not, locked for update.
pub async fn own_row_for_update(
    tx: &mut TenantTx,
    code: &str,
) -> Result<Option<(MaterialId, Material)>, sqlx::Error> {
    let tenant = tx.tenant();
    let row: Option<(MaterialId,)> =
        sqlx::query_as("SELECT id FROM materials WHERE tenant_id = $1 AND code = $2 FOR UPDATE")
            .bind(tenant)
            .bind(code)
            .fetch_optional(tx.conn())
            .await?;
    let Some((id,)) = row else { return Ok(None) };
    let material: Row = sqlx::query_as(&format!(
        "SELECT {COLUMNS}, 'tenant' AS source FROM materials WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_one(tx.conn())
    .await?;
    Ok(Some((id, material.try_into()?)))
}

/// The global row for a code, active or not.
pub async fn global_row(mut conn: Conn<'_>, code: &str) -> Result<Option<Material>, sqlx::Error> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS}, 'global' AS source FROM global_materials WHERE code = $1"
    ))
    .bind(code)
    .fetch_optional(conn.reborrow())
    .await?;
    row.map(Material::try_from).transpose()
}

/// Every global row, optionally of one category.
pub async fn global_list(
    mut conn: Conn<'_>,
    category: Option<Category>,
) -> Result<Vec<Material>, sqlx::Error> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        r#"SELECT {COLUMNS}, 'global' AS source FROM global_materials
            WHERE $1::text IS NULL OR category = $1 ORDER BY category, code"#
    ))
    .bind(category.map(Category::as_str))
    .fetch_all(conn.reborrow())
    .await?;
    convert(rows)
}

/// A page of the global catalogue by category and code, and how many rows it has.
pub async fn global_page(
    mut conn: Conn<'_>,
    category: Option<Category>,
    page: &PageRequest<ListKey>,
) -> Result<(Vec<Material>, i64), sqlx::Error> {
    let (after_category, after_code) = match &page.after {
        Some((c, code, _)) => (Some(*c), Some(code.as_str())),
        None => (None, None),
    };
    let rows: Vec<Row> = sqlx::query_as(&format!(
        r#"SELECT {COLUMNS}, 'global' AS source FROM global_materials
            WHERE ($1::text IS NULL OR category = $1)
              AND ($2::text IS NULL OR (category, code) > ($2, $3))
            ORDER BY category, code
            LIMIT $4"#
    ))
    .bind(category.map(Category::as_str))
    .bind(after_category)
    .bind(after_code)
    .bind(page.fetch())
    .fetch_all(conn.reborrow())
    .await?;
    let total = sqlx::query_scalar(
        "SELECT count(*) FROM global_materials WHERE $1::text IS NULL OR category = $1",
    )
    .bind(category.map(Category::as_str))
    .fetch_one(conn.reborrow())
    .await?;
    Ok((convert(rows)?, total))
}

/// Fields of a material row to write.
pub struct MaterialFields<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub category: Category,
    pub unit: Unit,
    pub price: Money,
    pub bar_length_m: Option<Metres>,
    pub active: bool,
}

/// Inserts the tenant's own row; fails on `materials_tenant_id_code_key` if the code
/// is taken.
pub async fn insert_own(
    tx: &mut TenantTx,
    id: MaterialId,
    f: &MaterialFields<'_>,
    by: Option<UserId>,
) -> Result<Material, sqlx::Error> {
    let tenant = tx.tenant();
    let row: Row = sqlx::query_as(&format!(
        r#"INSERT INTO materials (tenant_id, id, code, name, category, unit, price, bar_length_m, active, updated_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           RETURNING {COLUMNS}, 'tenant' AS source"#
    ))
    .bind(tenant)
    .bind(id)
    .bind(f.code)
    .bind(f.name)
    .bind(f.category.as_str())
    .bind(f.unit.as_str())
    .bind(f.price)
    .bind(f.bar_length_m)
    .bind(f.active)
    .bind(by)
    .fetch_one(tx.conn())
    .await?;
    row.try_into()
}

/// Overwrites the tenant's own row and bumps its version.
pub async fn overwrite_own(
    tx: &mut TenantTx,
    id: MaterialId,
    f: &MaterialFields<'_>,
    by: Option<UserId>,
) -> Result<Material, sqlx::Error> {
    let tenant = tx.tenant();
    let row: Row = sqlx::query_as(&format!(
        r#"UPDATE materials
              SET name = $3, category = $4, unit = $5, price = $6, bar_length_m = $7, active = $8,
                  updated_by = $9, version = version + 1
            WHERE tenant_id = $1 AND id = $2
        RETURNING {COLUMNS}, 'tenant' AS source"#
    ))
    .bind(tenant)
    .bind(id)
    .bind(f.name)
    .bind(f.category.as_str())
    .bind(f.unit.as_str())
    .bind(f.price)
    .bind(f.bar_length_m)
    .bind(f.active)
    .bind(by)
    .fetch_one(tx.conn())
    .await?;
    row.try_into()
}

/// Records a price change of the tenant's row.
pub async fn record_price(
    tx: &mut TenantTx,
    material_id: MaterialId,
    code: &str,
    old: Option<Money>,
    new: Money,
    by: &Actor,
) -> Result<(), sqlx::Error> {
    let tenant = tx.tenant();
    // The column holds users only (row-level security scopes them with the tenant);
    // a seed's change is recorded without one, as kind `seed`.
    let kind = match by.kind {
        ActorKind::Seed => "seed",
        ActorKind::User | ActorKind::Platform => "edit",
    };
    sqlx::query(
        r#"INSERT INTO price_history (tenant_id, id, material_id, code, old_price, new_price, changed_by, kind)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"#,
    )
    .bind(tenant)
    .bind(Uuid::new_v4())
    .bind(material_id)
    .bind(code)
    .bind(old)
    .bind(new)
    .bind(by.user_id())
    .bind(kind)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Records that the tenant's own price of a code was withdrawn (its row
/// deactivated): `price` was its price, `new` the default's that applies again
/// (or `price` when there is none).
pub async fn record_withdrawal(
    tx: &mut TenantTx,
    material_id: MaterialId,
    code: &str,
    price: Money,
    new: Money,
    by: &Actor,
) -> Result<(), sqlx::Error> {
    let tenant = tx.tenant();
    sqlx::query(
        r#"INSERT INTO price_history
                (tenant_id, id, material_id, code, old_price, new_price, changed_by, withdrawn)
           VALUES ($1, $2, $3, $4, $5, $6, $7, true)"#,
    )
    .bind(tenant)
    .bind(Uuid::new_v4())
    .bind(material_id)
    .bind(code)
    .bind(price)
    .bind(new)
    .bind(by.user_id())
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Where a price history goes on from: when the last change shown was made, its
/// source and its id.
pub type HistoryKey = (DateTime<Utc>, Source, String);

/// A history row: code, old price, new price, who, when, source, and its id as text.
type HistoryRow = (
    String,
    Option<Decimal>,
    Decimal,
    Option<String>,
    DateTime<Utc>,
    Source,
    String,
);

fn to_change((code, old, new, by, at, source, id): HistoryRow) -> (PriceChange, HistoryKey) {
    let changed_by = by.as_deref().and_then(Actor::from_label);
    // Columns are numeric(12, 2) >= 0, so these conversions cannot fail.
    let money = |d: Decimal| Money::try_from_decimal(d).unwrap_or(Money::ZERO);
    let change = PriceChange {
        code,
        old_price: old.map(money),
        new_price: money(new),
        changed_by,
        changed_at: at,
        source,
    };
    (change, (at, source, id))
}

/// A page of the price changes of a code, oldest first: the tenant's own and the
/// global default's; with each, its key; and how many there are in all.
pub async fn history(
    tx: &mut TenantTx,
    code: &str,
    page: &PageRequest<HistoryKey>,
) -> Result<(Vec<(PriceChange, HistoryKey)>, i64), sqlx::Error> {
    let tenant = tx.tenant();
    let changes = r#"
        SELECT code, old_price, new_price, 'user:' || changed_by::text, changed_at, 'tenant' AS source,
               id::text AS id
          FROM price_history WHERE tenant_id = $1 AND code = $2
        UNION ALL
        SELECT code, old_price, new_price, changed_by, changed_at, 'global', id::text
          FROM global_price_history WHERE code = $2"#;
    let (at, source, id) = match &page.after {
        Some((at, source, id)) => (Some(*at), Some(*source), Some(id.as_str())),
        None => (None, None, None),
    };
    let rows: Vec<HistoryRow> = sqlx::query_as(&format!(
        r#"SELECT * FROM ({changes}) h
            WHERE $3::timestamptz IS NULL OR (h.changed_at, h.source, h.id) > ($3, $4, $5)
            ORDER BY h.changed_at, h.source, h.id
            LIMIT $6"#
    ))
    .bind(tenant)
    .bind(code)
    .bind(at)
    .bind(source)
    .bind(id)
    .bind(page.fetch())
    .fetch_all(tx.conn())
    .await?;
    let total = sqlx::query_scalar(&format!("SELECT count(*) FROM ({changes}) h"))
        .bind(tenant)
        .bind(code)
        .fetch_one(tx.conn())
        .await?;
    Ok((rows.into_iter().map(to_change).collect(), total))
}

/// A page of the global history of one code, oldest first, and its size.
pub async fn global_history(
    mut conn: Conn<'_>,
    code: &str,
    page: &PageRequest<HistoryKey>,
) -> Result<(Vec<(PriceChange, HistoryKey)>, i64), sqlx::Error> {
    let after = page.after.as_ref().map(|(at, _, id)| (*at, id.as_str()));
    let (at, id) = after.unzip();
    let rows: Vec<HistoryRow> = sqlx::query_as(
        r#"SELECT code, old_price, new_price, changed_by, changed_at, 'global', id::text
             FROM global_price_history
            WHERE code = $1 AND ($2::timestamptz IS NULL OR (changed_at, id::text) > ($2, $3))
            ORDER BY changed_at, id::text
            LIMIT $4"#,
    )
    .bind(code)
    .bind(at)
    .bind(id)
    .bind(page.fetch())
    .fetch_all(conn.reborrow())
    .await?;
    let total = sqlx::query_scalar("SELECT count(*) FROM global_price_history WHERE code = $1")
        .bind(code)
        .fetch_one(conn.reborrow())
        .await?;
    Ok((rows.into_iter().map(to_change).collect(), total))
}

/// Inserts or overwrites a global row (platform role only), bumping its version and
/// recording the price change when there is one. When the price inheriting tenants
/// pay changes (an active default's price, or a default made active again), the
/// change is recorded for their webhooks too, in the same transaction. Returns the
/// row after the write.
pub async fn upsert_global(
    mut conn: Conn<'_>,
    f: &MaterialFields<'_>,
    actor: &Actor,
) -> Result<Material, sqlx::Error> {
    let old: Option<(Decimal, bool)> =
        sqlx::query_as("SELECT price, active FROM global_materials WHERE code = $1 FOR UPDATE")
            .bind(f.code)
            .fetch_optional(conn.reborrow())
            .await?;
    let old_price = old.map(|(price, _)| price);
    let row: Option<Row> = sqlx::query_as(&format!(
        r#"INSERT INTO global_materials AS g (code, name, category, unit, price, bar_length_m, active)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (code) DO UPDATE
              SET name = EXCLUDED.name, category = EXCLUDED.category, unit = EXCLUDED.unit,
                  price = EXCLUDED.price, bar_length_m = EXCLUDED.bar_length_m,
                  active = EXCLUDED.active, version = g.version + 1
            WHERE (g.name, g.category, g.unit, g.price, g.bar_length_m, g.active)
                  IS DISTINCT FROM
                  (EXCLUDED.name, EXCLUDED.category, EXCLUDED.unit, EXCLUDED.price,
                   EXCLUDED.bar_length_m, EXCLUDED.active)
        RETURNING {COLUMNS}, 'global' AS source"#
    ))
    .bind(f.code)
    .bind(f.name)
    .bind(f.category.as_str())
    .bind(f.unit.as_str())
    .bind(f.price)
    .bind(f.bar_length_m)
    .bind(f.active)
    .fetch_optional(conn.reborrow())
    .await?;
    let Some(row) = row else {
        // Nothing differed, so nothing was written: answer the row as it is.
        return global_row(conn.reborrow(), f.code)
            .await?
            .ok_or(sqlx::Error::RowNotFound);
    };
    let material: Material = row.try_into()?;
    if old_price != Some(material.price.amount()) {
        sqlx::query("INSERT INTO global_price_history (code, old_price, new_price, changed_by) VALUES ($1, $2, $3, $4)")
            .bind(f.code)
            .bind(old_price)
            .bind(material.price)
            .bind(actor.label())
            .execute(conn.reborrow())
            .await?;
    }
    if let Some((price, active)) = old {
        // A new code had no price before: there is no change to announce.
        let inherited = active
            .then(|| Money::try_from_decimal(price).ok())
            .flatten();
        if material.active && inherited != Some(material.price) {
            crate::webhooks::record_global_price_change(
                conn.reborrow(),
                f.code,
                inherited,
                material.price,
            )
            .await?;
        }
    }
    Ok(material)
}

/// Locks a global row and returns it, for a versioned update.
pub async fn global_row_for_update(
    mut conn: Conn<'_>,
    code: &str,
) -> Result<Option<Material>, sqlx::Error> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS}, 'global' AS source FROM global_materials WHERE code = $1 FOR UPDATE"
    ))
    .bind(code)
    .fetch_optional(conn.reborrow())
    .await?;
    row.map(Material::try_from).transpose()
}
