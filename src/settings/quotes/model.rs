//! A tenant's quote settings: default rates, currency, validity and the pricing
//! rules, and how they become the engine's rates and rules.

use poem_openapi::types::Example;
use poem_openapi::{Enum, Object};
use rust_decimal::Decimal;

use crate::error::{ApiError, ApiResult};
use crate::money::{Centimetres, Quantity, Rate};
use crate::pricing::{GlassRule, ProfileRule, Rates, Rounding, Rules};

/// How profiles are billed: `whole_bars_per_line` (whole bars per BOM line and
/// window, the original app's rule), `per_metre` (metres × waste at the price per
/// metre) or `cut_plan_per_job` (whole bars for the whole job from a cut plan).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Enum,
    serde::Serialize,
    serde::Deserialize,
    sqlx::Encode,
    sqlx::Decode,
)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum ProfileBilling {
    /// The original app's rule: whole bars per BOM line and window.
    WholeBarsPerLine,
    /// Metres × waste factor at the price per metre.
    PerMetre,
    /// Whole bars for the whole job from a cut plan (first-fit decreasing with kerf
    /// and trims) over the BOM lines with a piece length; the plan is returned.
    CutPlanPerJob,
}

crate::db::text_type!(ProfileBilling);

/// How glass is billed: `window_area` (the window's whole area plus 5 %, the
/// original app's rule) or `bom_pieces` (the BOM's glass pieces, rounded up to
/// `glass_step_cm`, at least `glass_min_area_m2` each).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    Enum,
    serde::Serialize,
    serde::Deserialize,
    sqlx::Encode,
    sqlx::Decode,
)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum GlassBilling {
    /// The original app's rule: the window's whole area plus 5 %.
    #[default]
    WindowArea,
    /// The BOM's glass pieces, sides rounded up to `glass_step_cm`, at least
    /// `glass_min_area_m2` each, times the line's waste factor.
    BomPieces,
}

crate::db::text_type!(GlassBilling);

/// How shown amounts are rounded to cents: `half_up` (half away from zero,
/// 2.345 → 2.35) or `half_even` (banker's rounding, 2.345 → 2.34).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    Enum,
    serde::Serialize,
    serde::Deserialize,
    sqlx::Encode,
    sqlx::Decode,
)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum RoundingMode {
    /// Half away from zero, as the original app: 2.345 → 2.35.
    #[default]
    HalfUp,
    /// Half to even (banker's rounding): 2.345 → 2.34.
    HalfEven,
}

crate::db::text_type!(RoundingMode);

fn default_kerf_mm() -> u32 {
    4
}

fn default_trim_mm() -> u32 {
    10
}

/// A tenant's quote settings. Fields with a default may be left out of a `PUT`;
/// answers always carry every field (`tax_code` only when set).
#[derive(Debug, Clone, Object, serde::Serialize, serde::Deserialize)]
#[oai(example)]
#[serde(deny_unknown_fields)]
pub struct QuoteSettings {
    /// Default profit on cost, e.g. `"0.25"`.
    pub profit_rate: Rate,
    /// Default indirect costs on cost, e.g. `"0.15"`.
    pub indirect_rate: Rate,
    /// Default tax (IVA) on the amount before tax: `"0.16"` general, `"0.08"` border region.
    pub tax_rate: Rate,
    /// ISO 4217 code, e.g. `MXN`.
    #[oai(validator(pattern = "^[A-Z]{3}$"))]
    pub currency: String,
    /// Days a sent quote stays valid, 1 to 365.
    #[oai(validator(minimum(value = "1"), maximum(value = "365")))]
    pub validity_days: u32,
    /// How profiles are billed.
    pub profile_billing: ProfileBilling,
    /// Apply BOM waste factors to hardware (the original did).
    pub waste_on_hardware: bool,
    /// A tax code (see `/api/v1/tax-rates`) whose rate in force on the day a quote is
    /// priced replaces `tax_rate`, e.g. `IVA16` or `IVA8`.
    #[serde(default)]
    #[oai(skip_serializing_if_is_none)]
    pub tax_code: Option<String>,
    /// How glass is billed.
    #[serde(default)]
    #[oai(default)]
    pub glass_billing: GlassBilling,
    /// Glass pieces' sides are rounded up to a multiple of this, in cm, 0 to 100
    /// (0: no rounding).
    #[serde(default)]
    #[oai(default)]
    pub glass_step_cm: Centimetres,
    /// The least area billed per glass piece, in m², 0 to 10.
    #[serde(default)]
    #[oai(default)]
    pub glass_min_area_m2: Quantity,
    /// Saw kerf between pieces in a cut plan, 0 to 20 mm.
    #[serde(default = "default_kerf_mm")]
    #[oai(default = "default_kerf_mm", validator(maximum(value = "20")))]
    pub kerf_mm: u32,
    /// Trimmed off each end of a bar in a cut plan, 0 to 500 mm.
    #[serde(default = "default_trim_mm")]
    #[oai(default = "default_trim_mm", validator(maximum(value = "500")))]
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

impl Example for QuoteSettings {
    fn example() -> Self {
        Self {
            validity_days: 15,
            tax_code: Some("IVA16".to_owned()),
            glass_billing: GlassBilling::BomPieces,
            glass_step_cm: Centimetres::parse("5").unwrap_or(Centimetres::ZERO),
            glass_min_area_m2: Quantity::parse("0.25").unwrap_or(Quantity::ZERO),
            ..Self::default()
        }
    }
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
        match self.problems().into_iter().next() {
            Some(first) => Err(first),
            None => Ok(()),
        }
    }

    /// Every field's problem, in the order [`QuoteSettings::check`] answers them.
    pub fn problems(&self) -> Vec<ApiError> {
        let mut found = Vec::new();
        if self.tax_rate.amount() > Decimal::ONE {
            found.push(ApiError::invalid_field(
                "tax_rate",
                "a tax rate is at most 1 (100 %)",
            ));
        }
        if self.currency.len() != 3 || !self.currency.bytes().all(|b| b.is_ascii_uppercase()) {
            found.push(ApiError::invalid_field(
                "currency",
                format!("{:?} is not an ISO 4217 code like MXN", self.currency),
            ));
        }
        if !(1..=365).contains(&self.validity_days) {
            found.push(ApiError::invalid_field("validity_days", "must be 1 to 365"));
        }
        if self.glass_step_cm.amount() > Decimal::ONE_HUNDRED {
            found.push(ApiError::invalid_field("glass_step_cm", "must be 0 to 100"));
        }
        if self.glass_min_area_m2.amount() > Decimal::TEN {
            found.push(ApiError::invalid_field(
                "glass_min_area_m2",
                "must be 0 to 10",
            ));
        }
        if self.kerf_mm > 20 {
            found.push(ApiError::invalid_field("kerf_mm", "must be 0 to 20"));
        }
        if self.trim_mm > 500 {
            found.push(ApiError::invalid_field("trim_mm", "must be 0 to 500"));
        }
        found
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
