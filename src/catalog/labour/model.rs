//! Labour rates: per m² of window, by window type, times a complexity factor.

use poem_openapi::Object;
use rust_decimal::Decimal;

use crate::catalog::model::{Source, WindowType};
use crate::error::{ApiError, ApiResult};
use crate::money::{Factor, Money};

/// Labour for one window type: `rate_per_m2 × complexity` per m² of window.
#[derive(Debug, Clone, Object)]
pub struct LabourRate {
    /// The window type it applies to.
    pub window_type: WindowType,
    /// Labour per m² of window, before the complexity factor.
    pub rate_per_m2: Money,
    /// The multiplier for this window type, e.g. `"1.200"`.
    pub complexity: Factor,
    /// `tenant` for the tenant's own rate, `global` when inherited.
    pub source: Source,
}

/// A labour rate to set.
#[derive(Debug, Clone, Object, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabourRateInput {
    /// Labour per m² of window, before the complexity factor, e.g. `"280.00"`.
    pub rate_per_m2: Money,
    /// A multiplier greater than 0, e.g. `"1.200"`.
    pub complexity: Factor,
}

crate::page_of!(
    /// Labour rates, by window type, in one page.
    LabourRatePage,
    LabourRate
);

impl LabourRateInput {
    /// Checks what the types do not: the complexity is more than 0.
    pub fn check(&self) -> ApiResult<()> {
        if self.complexity.amount() <= Decimal::ZERO {
            return Err(ApiError::invalid_field("complexity", "must be more than 0"));
        }
        Ok(())
    }
}

/// A window type named in a path, or a 422 listing the window types.
pub fn parse_window_type(raw: &str) -> ApiResult<WindowType> {
    WindowType::parse(raw).ok_or_else(|| {
        ApiError::invalid_field(
            "window_type",
            format!(
                "{raw:?} is not a window type ({})",
                WindowType::ALL.map(WindowType::as_str).join(", ")
            ),
        )
    })
}
