//! Tax rates as data: each code (e.g. `IVA16`) has rates that take effect on a day.

use chrono::NaiveDate;
use poem_openapi::types::Example;
use poem_openapi::Object;
use rust_decimal::Decimal;

use crate::catalog::colours::model::is_code;
use crate::catalog::model::Source;
use crate::error::{ApiError, ApiResult};
use crate::money::Rate;

/// A tax rate in force from a day on.
#[derive(Debug, Clone, Object)]
pub struct TaxRateView {
    /// The tax code, e.g. `IVA16`.
    pub code: String,
    /// Its name, e.g. `IVA general`.
    pub name: String,
    /// `"0.1600"` is 16 %.
    pub rate: Rate,
    /// The first day (the shop's local day) the rate is in force.
    pub valid_from: NaiveDate,
    /// True for the rate of its code in force today.
    pub current: bool,
    /// `tenant` for the tenant's own rate, `global` when inherited.
    pub source: Source,
}

/// A tax rate to add: from `valid_from` on, `code` is taxed at `rate`.
#[derive(Debug, Clone, Object, serde::Deserialize)]
#[oai(example)]
#[serde(deny_unknown_fields)]
pub struct TaxRateInput {
    /// The tax code: 1 to 16 of `A-Z`, `0-9`, `_` and `-`, e.g. `IVA16`.
    pub code: String,
    /// Its name, 1 to 200 characters, e.g. `IVA general`.
    pub name: String,
    /// The rate as a fraction, at most 1: `"0.16"` is 16 %.
    pub rate: Rate,
    /// The first day it is in force (`YYYY-MM-DD`, the shop's local day).
    pub valid_from: NaiveDate,
}

impl Example for TaxRateInput {
    fn example() -> Self {
        Self {
            code: "IVA16".to_owned(),
            name: "IVA general".to_owned(),
            rate: Rate::parse("0.16").unwrap_or(Rate::ZERO),
            valid_from: NaiveDate::from_ymd_opt(2030, 1, 1).unwrap_or_default(),
        }
    }
}

/// A default tax rate's name and rate.
#[derive(Debug, Clone, poem_openapi::Object, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GlobalTaxRateInput {
    /// Its name, 1 to 200 characters, e.g. `IVA frontera`.
    pub name: String,
    /// The rate as a fraction, at most 1: `"0.08"` is 8 %.
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
