//! SQL for quote settings, under the bound tenant.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::model::{GlassBilling, ProfileBilling, QuoteSettings, RoundingMode};
use crate::db::TenantTx;
use crate::ids::UserId;
use crate::money::{Centimetres, Quantity, Rate};

#[derive(sqlx::FromRow)]
struct Row {
    profit_rate: Decimal,
    indirect_rate: Decimal,
    tax_rate: Decimal,
    currency: String,
    validity_days: i32,
    profile_rule: ProfileBilling,
    waste_on_hardware: bool,
    tax_code: Option<String>,
    glass_rule: GlassBilling,
    glass_step_cm: Decimal,
    glass_min_area_m2: Decimal,
    kerf_mm: i32,
    trim_mm: i32,
    rounding: RoundingMode,
    time_zone: String,
}

/// The bound tenant's settings, or the defaults when it has none.
pub async fn load(tx: &mut TenantTx) -> Result<QuoteSettings, sqlx::Error> {
    let tenant = tx.tenant();
    let row: Option<Row> = sqlx::query_as(
        r#"SELECT profit_rate, indirect_rate, tax_rate, currency, validity_days, profile_rule,
                  waste_on_hardware, tax_code, glass_rule, glass_step_cm, glass_min_area_m2,
                  kerf_mm, trim_mm, rounding, time_zone
             FROM quote_settings WHERE tenant_id = $1"#,
    )
    .bind(tenant)
    .fetch_optional(tx.conn())
    .await?;
    let Some(r) = row else {
        return Ok(QuoteSettings::default());
    };
    let bad = || sqlx::Error::Decode("quote settings: bad value".into());
    Ok(QuoteSettings {
        profit_rate: Rate::try_from_decimal(r.profit_rate).map_err(|_| bad())?,
        indirect_rate: Rate::try_from_decimal(r.indirect_rate).map_err(|_| bad())?,
        tax_rate: Rate::try_from_decimal(r.tax_rate).map_err(|_| bad())?,
        currency: r.currency,
        validity_days: u32::try_from(r.validity_days).map_err(|_| bad())?,
        profile_billing: r.profile_rule,
        waste_on_hardware: r.waste_on_hardware,
        tax_code: r.tax_code,
        glass_billing: r.glass_rule,
        glass_step_cm: Centimetres::try_from_decimal(r.glass_step_cm).map_err(|_| bad())?,
        glass_min_area_m2: Quantity::try_from_decimal(r.glass_min_area_m2).map_err(|_| bad())?,
        kerf_mm: u32::try_from(r.kerf_mm).map_err(|_| bad())?,
        trim_mm: u32::try_from(r.trim_mm).map_err(|_| bad())?,
        rounding: r.rounding,
        time_zone: r.time_zone,
    })
}

/// Writes the bound tenant's settings; answers when they changed.
pub async fn save(
    tx: &mut TenantTx,
    s: &QuoteSettings,
    by: UserId,
) -> Result<DateTime<Utc>, sqlx::Error> {
    let tenant = tx.tenant();
    sqlx::query_scalar(
        r#"INSERT INTO quote_settings AS q (tenant_id, profit_rate, indirect_rate, tax_rate, currency,
                                            validity_days, profile_rule, waste_on_hardware, updated_by,
                                            tax_code, glass_rule, glass_step_cm, glass_min_area_m2,
                                            kerf_mm, trim_mm, rounding, time_zone)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
           ON CONFLICT (tenant_id) DO UPDATE
              SET profit_rate = EXCLUDED.profit_rate, indirect_rate = EXCLUDED.indirect_rate,
                  tax_rate = EXCLUDED.tax_rate, currency = EXCLUDED.currency,
                  validity_days = EXCLUDED.validity_days, profile_rule = EXCLUDED.profile_rule,
                  waste_on_hardware = EXCLUDED.waste_on_hardware, updated_by = EXCLUDED.updated_by,
                  tax_code = EXCLUDED.tax_code, glass_rule = EXCLUDED.glass_rule,
                  glass_step_cm = EXCLUDED.glass_step_cm,
                  glass_min_area_m2 = EXCLUDED.glass_min_area_m2,
                  kerf_mm = EXCLUDED.kerf_mm, trim_mm = EXCLUDED.trim_mm,
                  rounding = EXCLUDED.rounding, time_zone = EXCLUDED.time_zone,
                  updated_at = EXCLUDED.updated_at
        RETURNING updated_at"#,
    )
    .bind(tenant)
    .bind(s.profit_rate)
    .bind(s.indirect_rate)
    .bind(s.tax_rate)
    .bind(&s.currency)
    .bind(i32::try_from(s.validity_days).unwrap_or(i32::MAX))
    .bind(s.profile_billing)
    .bind(s.waste_on_hardware)
    .bind(by)
    .bind(&s.tax_code)
    .bind(s.glass_billing)
    .bind(s.glass_step_cm)
    .bind(s.glass_min_area_m2)
    .bind(i32::try_from(s.kerf_mm).unwrap_or(i32::MAX))
    .bind(i32::try_from(s.trim_mm).unwrap_or(i32::MAX))
    .bind(s.rounding)
    .bind(&s.time_zone)
    .fetch_one(tx.conn())
    .await
}

/// Whether PostgreSQL knows the time zone `name` (an IANA name).
pub async fn time_zone_exists(tx: &mut TenantTx, name: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = $1)")
        .bind(name)
        .fetch_one(tx.conn())
        .await
}

/// The bound tenant's local date today, in the time zone of its settings.
pub async fn today(tx: &mut TenantTx) -> Result<NaiveDate, sqlx::Error> {
    let tenant = tx.tenant();
    sqlx::query_scalar("SELECT tenant_date($1, now())")
        .bind(tenant)
        .fetch_one(tx.conn())
        .await
}
