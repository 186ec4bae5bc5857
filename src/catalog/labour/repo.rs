//! SQL for labour rates: the tenant's own under row-level security, and the global
//! defaults (platform role).

use crate::db::Conn;
use rust_decimal::Decimal;

use super::model::{LabourRate, LabourRateInput};
use crate::catalog::model::{Source, WindowType};
use crate::db::TenantTx;
use crate::money::{Factor, Money};

/// The tenant's labour rates: its own over the defaults, by window type.
pub async fn effective(tx: &mut TenantTx) -> Result<Vec<LabourRate>, sqlx::Error> {
    let tenant = tx.tenant();
    let rows: Vec<(WindowType, Money, Factor, Source)> = sqlx::query_as(
        r#"SELECT window_type, rate, complexity, 'tenant' AS source FROM labour_rates WHERE tenant_id = $1
           UNION ALL
           SELECT window_type, rate, complexity, 'global' FROM global_labour_rates g
            WHERE NOT EXISTS (SELECT 1 FROM labour_rates l
                               WHERE l.tenant_id = $1 AND l.window_type = g.window_type)
           ORDER BY 1"#,
    )
    .bind(tenant)
    .fetch_all(tx.conn())
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(window_type, rate_per_m2, complexity, source)| LabourRate {
                window_type,
                rate_per_m2,
                complexity,
                source,
            },
        )
        .collect())
}

/// Sets the tenant's own labour rate of a window type.
pub async fn put(
    tx: &mut TenantTx,
    window_type: WindowType,
    input: &LabourRateInput,
) -> Result<(), sqlx::Error> {
    let tenant = tx.tenant();
    sqlx::query(
        r#"INSERT INTO labour_rates (tenant_id, window_type, rate, complexity)
           VALUES ($1, $2, $3, $4)
           ON CONFLICT (tenant_id, window_type) DO UPDATE
              SET rate = EXCLUDED.rate, complexity = EXCLUDED.complexity, updated_at = EXCLUDED.updated_at"#,
    )
    .bind(tenant)
    .bind(window_type)
    .bind(input.rate_per_m2)
    .bind(input.complexity)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Removes the tenant's own labour rate of a window type; false if it had none.
pub async fn delete(tx: &mut TenantTx, window_type: WindowType) -> Result<bool, sqlx::Error> {
    let tenant = tx.tenant();
    let done = sqlx::query("DELETE FROM labour_rates WHERE tenant_id = $1 AND window_type = $2")
        .bind(tenant)
        .bind(window_type)
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Upserts a global labour rate.
pub async fn upsert_global_labour(
    mut conn: Conn<'_>,
    window_type: WindowType,
    rate: Decimal,
    complexity: Decimal,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        r#"INSERT INTO global_labour_rates (window_type, rate, complexity) VALUES ($1, $2, $3)
           ON CONFLICT (window_type) DO UPDATE
              SET rate = EXCLUDED.rate, complexity = EXCLUDED.complexity, updated_at = EXCLUDED.updated_at
            WHERE (global_labour_rates.rate, global_labour_rates.complexity)
                  IS DISTINCT FROM (EXCLUDED.rate, EXCLUDED.complexity)"#,
    )
    .bind(window_type)
    .bind(rate)
    .bind(complexity)
    .execute(conn.reborrow())
    .await?;
    Ok(())
}
