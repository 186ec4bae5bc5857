//! Tenant quote settings (`/api/v1/settings/quotes`): default rates, currency,
//! validity and the pricing rules.

use chrono::{DateTime, Utc};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use rust_decimal::Decimal;

use crate::api::ApiTags;
use crate::auth::rbac::Permission;
use crate::auth::TenantAuth;
use crate::cache::Scope;
use crate::db::TenantTx;
use crate::error::{ApiError, ApiResult};
use crate::ids::UserId;
use crate::money::{Centimetres, Quantity, Rate};
use crate::payload::JsonBody;
use crate::pricing::{GlassRule, ProfileRule, Rates, Rounding, Rules};
use crate::state::AppState;

/// How profiles are billed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, serde::Serialize, serde::Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ProfileBilling {
    /// The original app's rule: whole bars per BOM line and window.
    WholeBarsPerLine,
    /// Metres × waste factor at the price per metre.
    PerMetre,
    /// Whole bars for the whole job from a cut plan (first-fit decreasing with kerf
    /// and trims) over the BOM lines with a piece length; the plan is returned.
    CutPlanPerJob,
}

impl ProfileBilling {
    fn as_str(self) -> &'static str {
        match self {
            ProfileBilling::WholeBarsPerLine => "whole_bars_per_line",
            ProfileBilling::PerMetre => "per_metre",
            ProfileBilling::CutPlanPerJob => "cut_plan_per_job",
        }
    }

    fn from_db(s: &str) -> Self {
        match s {
            "per_metre" => ProfileBilling::PerMetre,
            "cut_plan_per_job" => ProfileBilling::CutPlanPerJob,
            _ => ProfileBilling::WholeBarsPerLine,
        }
    }
}

/// How glass is billed.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Enum, serde::Serialize, serde::Deserialize,
)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum GlassBilling {
    /// The original app's rule: the window's whole area plus 5 %.
    #[default]
    WindowArea,
    /// The BOM's glass pieces, sides rounded up to `glass_step_cm`, at least
    /// `glass_min_area_m2` each, times the line's waste factor.
    BomPieces,
}

impl GlassBilling {
    fn as_str(self) -> &'static str {
        match self {
            GlassBilling::WindowArea => "window_area",
            GlassBilling::BomPieces => "bom_pieces",
        }
    }
}

/// How shown amounts are rounded to cents.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Enum, serde::Serialize, serde::Deserialize,
)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum RoundingMode {
    /// Half away from zero, as the original app: 2.345 → 2.35.
    #[default]
    HalfUp,
    /// Half to even (banker's rounding): 2.345 → 2.34.
    HalfEven,
}

impl RoundingMode {
    fn as_str(self) -> &'static str {
        match self {
            RoundingMode::HalfUp => "half_up",
            RoundingMode::HalfEven => "half_even",
        }
    }
}

fn default_kerf_mm() -> u32 {
    4
}

fn default_trim_mm() -> u32 {
    10
}

/// A tenant's quote settings.
#[derive(Debug, Clone, Object, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuoteSettings {
    /// Default profit on cost, e.g. `"0.25"`.
    pub profit_rate: Rate,
    /// Default indirect costs on cost, e.g. `"0.15"`.
    pub indirect_rate: Rate,
    /// Default tax (IVA) on the amount before tax: `"0.16"` general, `"0.08"` border region.
    pub tax_rate: Rate,
    /// ISO 4217 code, e.g. `MXN`.
    pub currency: String,
    /// Days a sent quote stays valid.
    pub validity_days: u32,
    pub profile_billing: ProfileBilling,
    /// Apply BOM waste factors to hardware (the original did).
    pub waste_on_hardware: bool,
    /// A tax code (see `/api/v1/tax-rates`) whose rate in force on the day a quote is
    /// priced replaces `tax_rate`, e.g. `IVA16` or `IVA8`.
    #[serde(default)]
    #[oai(skip_serializing_if_is_none)]
    pub tax_code: Option<String>,
    #[serde(default)]
    #[oai(default)]
    pub glass_billing: GlassBilling,
    /// Glass pieces' sides are rounded up to a multiple of this, in cm (0: no rounding).
    #[serde(default)]
    #[oai(default)]
    pub glass_step_cm: Centimetres,
    /// The least area billed per glass piece, in m².
    #[serde(default)]
    #[oai(default)]
    pub glass_min_area_m2: Quantity,
    /// Saw kerf between pieces in a cut plan, 0 to 20 mm.
    #[serde(default = "default_kerf_mm")]
    #[oai(default = "default_kerf_mm")]
    pub kerf_mm: u32,
    /// Trimmed off each end of a bar in a cut plan, 0 to 500 mm.
    #[serde(default = "default_trim_mm")]
    #[oai(default = "default_trim_mm")]
    pub trim_mm: u32,
    /// How every shown amount is rounded to cents.
    #[serde(default)]
    #[oai(default)]
    pub rounding: RoundingMode,
    /// The shop's time zone (IANA name): quotes are dated, valid and expire on its
    /// local days, and tax rates take effect on them.
    #[serde(default = "default_time_zone")]
    #[oai(default = "default_time_zone")]
    pub time_zone: String,
}

/// Where tenants without settings are.
pub const DEFAULT_TIME_ZONE: &str = "America/Mexico_City";

fn default_time_zone() -> String {
    DEFAULT_TIME_ZONE.to_owned()
}

impl Default for QuoteSettings {
    /// The original app's behaviour.
    fn default() -> Self {
        let rates = Rates::default();
        let rate = |d: Decimal| Rate::try_from_decimal(d).unwrap_or(Rate::ZERO);
        Self {
            profit_rate: rate(rates.profit),
            indirect_rate: rate(rates.indirect),
            tax_rate: rate(rates.tax),
            currency: "MXN".to_owned(),
            validity_days: 30,
            profile_billing: ProfileBilling::WholeBarsPerLine,
            waste_on_hardware: true,
            tax_code: None,
            glass_billing: GlassBilling::WindowArea,
            glass_step_cm: Centimetres::ZERO,
            glass_min_area_m2: Quantity::ZERO,
            kerf_mm: default_kerf_mm(),
            trim_mm: default_trim_mm(),
            rounding: RoundingMode::HalfUp,
            time_zone: default_time_zone(),
        }
    }
}

impl QuoteSettings {
    /// Checks what the types do not; errors name the field.
    pub fn check(&self) -> ApiResult<()> {
        if self.tax_rate.amount() > Decimal::ONE {
            return Err(ApiError::invalid_field(
                "tax_rate",
                "a tax rate is at most 1 (100 %)",
            ));
        }
        if self.currency.len() != 3 || !self.currency.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(ApiError::invalid_field(
                "currency",
                format!("{:?} is not an ISO 4217 code like MXN", self.currency),
            ));
        }
        if !(1..=365).contains(&self.validity_days) {
            return Err(ApiError::invalid_field("validity_days", "must be 1 to 365"));
        }
        if self.glass_step_cm.amount() > Decimal::ONE_HUNDRED {
            return Err(ApiError::invalid_field("glass_step_cm", "must be 0 to 100"));
        }
        if self.glass_min_area_m2.amount() > Decimal::TEN {
            return Err(ApiError::invalid_field(
                "glass_min_area_m2",
                "must be 0 to 10",
            ));
        }
        if self.kerf_mm > 20 {
            return Err(ApiError::invalid_field("kerf_mm", "must be 0 to 20"));
        }
        if self.trim_mm > 500 {
            return Err(ApiError::invalid_field("trim_mm", "must be 0 to 500"));
        }
        Ok(())
    }

    /// The default rates of a quote.
    pub fn rates(&self) -> Rates {
        Rates {
            profit: self.profit_rate.amount(),
            indirect: self.indirect_rate.amount(),
            tax: self.tax_rate.amount(),
            ..Rates::default()
        }
    }

    /// The pricing rules.
    pub fn rules(&self) -> Rules {
        Rules {
            profiles: match self.profile_billing {
                ProfileBilling::WholeBarsPerLine => ProfileRule::WholeBarsPerLine,
                ProfileBilling::PerMetre => ProfileRule::PerMetre,
                ProfileBilling::CutPlanPerJob => ProfileRule::CutPlanPerJob,
            },
            waste_on_hardware: self.waste_on_hardware,
            glass: match self.glass_billing {
                GlassBilling::WindowArea => GlassRule::WindowArea,
                GlassBilling::BomPieces => GlassRule::BomPieces {
                    step_cm: self.glass_step_cm.amount(),
                    min_area_m2: self.glass_min_area_m2.amount(),
                },
            },
            kerf_mm: self.kerf_mm,
            trim_mm: self.trim_mm,
            rounding: match self.rounding {
                RoundingMode::HalfUp => Rounding::HalfUp,
                RoundingMode::HalfEven => Rounding::HalfEven,
            },
        }
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    profit_rate: Decimal,
    indirect_rate: Decimal,
    tax_rate: Decimal,
    currency: String,
    validity_days: i32,
    profile_rule: String,
    waste_on_hardware: bool,
    tax_code: Option<String>,
    glass_rule: String,
    glass_step_cm: Decimal,
    glass_min_area_m2: Decimal,
    kerf_mm: i32,
    trim_mm: i32,
    rounding: String,
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
        profile_billing: ProfileBilling::from_db(&r.profile_rule),
        waste_on_hardware: r.waste_on_hardware,
        tax_code: r.tax_code,
        glass_billing: if r.glass_rule == "bom_pieces" {
            GlassBilling::BomPieces
        } else {
            GlassBilling::WindowArea
        },
        glass_step_cm: Centimetres::try_from_decimal(r.glass_step_cm).map_err(|_| bad())?,
        glass_min_area_m2: Quantity::try_from_decimal(r.glass_min_area_m2).map_err(|_| bad())?,
        kerf_mm: u32::try_from(r.kerf_mm).map_err(|_| bad())?,
        trim_mm: u32::try_from(r.trim_mm).map_err(|_| bad())?,
        rounding: if r.rounding == "half_even" {
            RoundingMode::HalfEven
        } else {
            RoundingMode::HalfUp
        },
        time_zone: r.time_zone,
    })
}

async fn save(
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
                  updated_at = now()
        RETURNING updated_at"#,
    )
    .bind(tenant)
    .bind(s.profit_rate)
    .bind(s.indirect_rate)
    .bind(s.tax_rate)
    .bind(&s.currency)
    .bind(i32::try_from(s.validity_days).unwrap_or(i32::MAX))
    .bind(s.profile_billing.as_str())
    .bind(s.waste_on_hardware)
    .bind(by)
    .bind(&s.tax_code)
    .bind(s.glass_billing.as_str())
    .bind(s.glass_step_cm)
    .bind(s.glass_min_area_m2)
    .bind(i32::try_from(s.kerf_mm).unwrap_or(i32::MAX))
    .bind(i32::try_from(s.trim_mm).unwrap_or(i32::MAX))
    .bind(s.rounding.as_str())
    .bind(&s.time_zone)
    .fetch_one(tx.conn())
    .await
}

#[derive(ApiResponse)]
enum SettingsAnswer {
    #[oai(status = 200)]
    Ok(Json<QuoteSettings>),
}

/// Settings endpoints.
pub struct SettingsApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1/settings/quotes", tag = "ApiTags::Quotes")]
impl SettingsApi {
    /// The tenant's quote settings (the classic defaults until an admin changes them).
    #[oai(path = "/", method = "get", operation_id = "quote_settings_get")]
    async fn get(&self, auth: TenantAuth) -> ApiResult<SettingsAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::ReadCatalog)?;
        let mut tx = ctx.tx(&self.state).await?;
        let settings = load(&mut tx).await?;
        tx.commit().await?;
        Ok(SettingsAnswer::Ok(Json(settings)))
    }

    /// Replace the tenant's quote settings (admins only). New previews use them at once.
    #[oai(path = "/", method = "put", operation_id = "quote_settings_put")]
    async fn put(
        &self,
        auth: TenantAuth,
        body: JsonBody<QuoteSettings>,
    ) -> ApiResult<SettingsAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteSettings)?;
        body.check()?;
        let mut tx = ctx.tx(&self.state).await?;
        let known: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = $1)")
                .bind(&body.time_zone)
                .fetch_one(tx.conn())
                .await?;
        if !known {
            return Err(ApiError::invalid_field(
                "time_zone",
                format!(
                    "{:?} is not a time zone name like America/Mexico_City",
                    body.time_zone
                ),
            ));
        }
        if let Some(code) = &body.tax_code {
            let rates = super::repo::effective_tax_rates(&mut tx).await?;
            let today = super::store::today(&mut tx).await?;
            let mut of_code = rates.iter().filter(|(c, _, _)| c == code).peekable();
            if of_code.peek().is_none() {
                return Err(ApiError::not_found(
                    "tax_rate_not_found",
                    format!("no tax rate with code {code}"),
                )
                .with_details(serde_json::json!({ "field": "tax_code" })));
            }
            if !of_code.any(|(_, t, _)| t.valid_from <= today) {
                return Err(ApiError::invalid_field(
                    "tax_code",
                    format!("tax {code} has no rate in force today"),
                ));
            }
        }
        save(&mut tx, &body, ctx.user).await?;
        tx.commit().await?;
        self.state.cache.invalidate(Scope::Tenant(ctx.tenant)).await;
        Ok(SettingsAnswer::Ok(Json(body.0)))
    }
}
