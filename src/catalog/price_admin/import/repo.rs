//! SQL of a CSV import: the rows it compares against, and its writes in bulk.

use rust_decimal::Decimal;

use crate::catalog::price_admin::repo::uuids;
use crate::catalog::{Category, Unit};
use crate::db::repo::insert_values;
use crate::db::TenantTx;
use crate::ids::{MaterialId, UserId};

/// A material row as an import compares it: the tenant's own (with its id) or a
/// default's.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Current {
    pub id: Option<MaterialId>,
    pub code: String,
    pub name: String,
    pub category: Category,
    pub unit: Unit,
    pub price: Decimal,
    pub bar_length_m: Option<Decimal>,
    pub active: bool,
}

/// The tenant's own rows of these codes, locked in code order, and the defaults
/// of these codes.
pub async fn import_state(
    tx: &mut TenantTx,
    codes: &[String],
) -> Result<(Vec<Current>, Vec<Current>), sqlx::Error> {
    let tenant = tx.tenant();
    let own = sqlx::query_as(
        r#"SELECT id, code, name, category, unit, price, bar_length_m, active FROM materials
            WHERE tenant_id = $1 AND code = ANY($2) ORDER BY code FOR UPDATE"#,
    )
    .bind(tenant)
    .bind(codes)
    .fetch_all(tx.conn())
    .await?;
    let defaults = sqlx::query_as(
        r#"SELECT NULL::uuid AS id, code, name, category, unit, price, bar_length_m, active
             FROM global_materials WHERE code = ANY($1)"#,
    )
    .bind(codes)
    .fetch_all(tx.conn())
    .await?;
    Ok((own, defaults))
}

/// Rows an import writes, as parallel columns.
#[derive(Default)]
pub struct RowWrites {
    pub ids: Vec<MaterialId>,
    pub codes: Vec<String>,
    pub names: Vec<String>,
    pub categories: Vec<&'static str>,
    pub units: Vec<&'static str>,
    pub prices: Vec<Decimal>,
    pub bar_lengths: Vec<Option<Decimal>>,
    pub active: Vec<bool>,
}

/// Inserts the tenant's new rows, with multi-row `VALUES` ([`insert_values`]);
/// answers how many.
pub async fn insert_rows(
    tx: &mut TenantTx,
    rows: &RowWrites,
    by: Option<UserId>,
) -> Result<u64, sqlx::Error> {
    let tenant = tx.tenant();
    let index: Vec<usize> = (0..rows.ids.len()).collect();
    insert_values(
        tx.conn(),
        (
            "INSERT INTO materials (tenant_id, id, code, name, category, unit, price, bar_length_m, active, updated_by)",
            "",
        ),
        10,
        &index,
        |row, &i| {
            row.push_bind(tenant)
                .push_bind(rows.ids[i])
                .push_bind(&rows.codes[i])
                .push_bind(&rows.names[i])
                .push_bind(rows.categories[i])
                .push_bind(rows.units[i])
                .push_bind(rows.prices[i])
                .push_bind(rows.bar_lengths[i])
                .push_bind(rows.active[i])
                .push_bind(by);
        },
    )
    .await
}

/// Overwrites the tenant's rows (by id) in one statement, bumping their versions;
/// answers how many.
pub async fn update_rows(
    tx: &mut TenantTx,
    rows: &RowWrites,
    by: Option<UserId>,
) -> Result<u64, sqlx::Error> {
    let tenant = tx.tenant();
    let done = sqlx::query(
        r#"UPDATE materials m
              SET name = u.name, category = u.category, unit = u.unit, price = u.price,
                  bar_length_m = u.bar, active = u.active, version = m.version + 1, updated_by = $2
             FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::numeric[],
                         $8::numeric[], $9::bool[])
                  AS u(id, name, category, unit, price, bar, active)
            WHERE m.tenant_id = $1 AND m.id = u.id"#,
    )
    .bind(tenant)
    .bind(by)
    .bind(uuids(&rows.ids))
    .bind(&rows.names)
    .bind(&rows.categories)
    .bind(&rows.units)
    .bind(&rows.prices)
    .bind(&rows.bar_lengths)
    .bind(&rows.active)
    .execute(tx.conn())
    .await?;
    Ok(done.rows_affected())
}
