//! SQL of the web app's own: only what the shared areas do not already answer.

use crate::db::TenantTx;

/// The shop's offset from UTC now, in seconds (its `time_zone` setting), to show
/// dates on the day they fall on in the shop.
pub async fn utc_offset_seconds(tx: &mut TenantTx) -> Result<i32, sqlx::Error> {
    let tenant = tx.tenant();
    sqlx::query_scalar(
        r#"SELECT EXTRACT(EPOCH FROM (now() AT TIME ZONE tenant_time_zone($1))
                                     - (now() AT TIME ZONE 'UTC'))::integer"#,
    )
    .bind(tenant)
    .fetch_one(tx.conn())
    .await
}
