//! SQL for tax rates: the tenant's own under row-level security, and the global
//! defaults (platform role).

use crate::db::Conn;
use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::catalog::model::Source;
use crate::db::TenantTx;
use crate::money::Rate;
use crate::pricing::TaxRate;

/// The tenant's tax rates, oldest first per code, with their source: the tenant's own
/// rows, and the defaults of a code up to the tenant's first row of it. So a tenant
/// scheduling a new rate keeps the default in force until then, and a tenant row dated
/// before every default replaces the defaults of that code entirely.
pub async fn effective_tax_rates(
    tx: &mut TenantTx,
) -> Result<Vec<(String, TaxRate, Source)>, sqlx::Error> {
    let tenant = tx.tenant();
    let rows: Vec<(String, NaiveDate, String, Decimal, Source)> = sqlx::query_as(
        r#"SELECT code, valid_from, name, rate, 'tenant' AS source FROM tax_rates WHERE tenant_id = $1
           UNION ALL
           SELECT code, valid_from, name, rate, 'global' FROM global_tax_rates g
            WHERE NOT EXISTS (SELECT 1 FROM tax_rates t WHERE t.tenant_id = $1 AND t.code = g.code
                                 AND t.valid_from <= g.valid_from)
           ORDER BY 1, 2"#,
    )
    .bind(tenant)
    .fetch_all(tx.conn())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(code, valid_from, name, rate, source)| {
            (
                code,
                TaxRate {
                    valid_from,
                    name,
                    rate,
                },
                source,
            )
        })
        .collect())
}

/// Adds one of the tenant's rates; false if the code already has a rate starting
/// that day.
pub async fn insert(
    tx: &mut TenantTx,
    code: &str,
    valid_from: NaiveDate,
    name: &str,
    rate: Rate,
) -> Result<bool, sqlx::Error> {
    let tenant = tx.tenant();
    let inserted = sqlx::query(
        r#"INSERT INTO tax_rates (tenant_id, code, valid_from, name, rate) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT DO NOTHING"#,
    )
    .bind(tenant)
    .bind(code)
    .bind(valid_from)
    .bind(name)
    .bind(rate)
    .execute(tx.conn())
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// Removes one of the tenant's rates; false if it had none for that code and day.
pub async fn delete(
    tx: &mut TenantTx,
    code: &str,
    valid_from: NaiveDate,
) -> Result<bool, sqlx::Error> {
    let tenant = tx.tenant();
    let done =
        sqlx::query("DELETE FROM tax_rates WHERE tenant_id = $1 AND code = $2 AND valid_from = $3")
            .bind(tenant)
            .bind(code)
            .bind(valid_from)
            .execute(tx.conn())
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Adds or corrects a default tax rate (the `tenants sync` path).
pub async fn upsert_global_tax_rate(
    mut conn: Conn<'_>,
    code: &str,
    valid_from: NaiveDate,
    name: &str,
    rate: Decimal,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        r#"INSERT INTO global_tax_rates (code, valid_from, name, rate) VALUES ($1, $2, $3, $4)
           ON CONFLICT (code, valid_from) DO UPDATE SET name = EXCLUDED.name, rate = EXCLUDED.rate"#,
    )
    .bind(code)
    .bind(valid_from)
    .bind(name)
    .bind(rate)
    .execute(conn.reborrow())
    .await?;
    Ok(())
}
