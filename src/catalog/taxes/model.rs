//! Tax rates as data: each code (e.g. `IVA16`) has rates that take effect on a day.

use chrono::NaiveDate;
use poem_openapi::Object;
use rust_decimal::Decimal;

use crate::catalog::colours::model::is_code;
use crate::catalog::model::Source;
use crate::error::{ApiError, ApiResult};
use crate::money::Rate;

/// A tax rate in force from a day on.
#[derive(Debug, Clone, Object)]
pub struct TaxRateView {
    /// e.g. `IVA16`.
    pub code: String,
    pub name: String,
    /// `"0.1600"` is 16 %.
    pub rate: Rate,
    pub valid_from: NaiveDate,
    /// True for the rate of its code in force today.
    pub current: bool,
    pub source: Source,
}

/// A tax rate to add: from `valid_from` on, `code` is taxed at `rate`.
#[derive(Debug, Clone, Object, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaxRateInput {
    pub code: String,
    pub name: String,
    pub rate: Rate,
    pub valid_from: NaiveDate,
}

/// A default tax rate's name and rate.
#[derive(Debug, Clone, poem_openapi::Object, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GlobalTaxRateInput {
    pub name: String,
    pub rate: Rate,
}

crate::page_of!(
    /// Tax rates by code, oldest first, in one page.
    TaxRatePage,
    TaxRateView
);

/// A tax code from a request (`IVA16`: 1 to 16 of A-Z, 0-9, `_` and `-`), or a 422.
pub fn check_tax_code(field: &str, code: &str) -> ApiResult<()> {
    if is_code(code) {
        Ok(())
    } else {
        Err(ApiError::invalid_field(
            field,
            format!("{code:?} is not a tax code (1 to 16 of A-Z, 0-9, _ and -)"),
        ))
    }
}

/// A tax rate is at most 1 (100 %).
pub fn check_tax_rate(rate: Rate) -> ApiResult<()> {
    if rate.amount() > Decimal::ONE {
        return Err(ApiError::invalid_field(
            "rate",
            "a tax rate is at most 1 (100 %)",
        ));
    }
    Ok(())
}

/// Marks, in rows ordered oldest first per code, the rate of each code in force on
/// `today`: the last one started.
pub fn mark_current(views: &mut [TaxRateView], today: NaiveDate) {
    for i in 0..views.len() {
        let started = views[i].valid_from <= today;
        let next_started = views
            .get(i + 1)
            .is_some_and(|n| n.code == views[i].code && n.valid_from <= today);
        views[i].current = started && !next_started;
    }
}
