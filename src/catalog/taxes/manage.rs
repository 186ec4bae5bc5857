//! Adding and removing the tenant's tax rates: the rules the API and the web app
//! share (the code, name and rate checks, a rate already starting that day, the
//! default tax code keeping a rate in force), and the rates as the API lists them.

use chrono::NaiveDate;

use super::model::{check_tax_code, check_tax_rate, mark_current, TaxRateInput, TaxRateView};
use super::repo;
use crate::auth::TenantCtx;
use crate::db::TenantTx;
use crate::error::{ApiError, ApiResult};
use crate::http::check_name;
use crate::money::Rate;
use crate::settings::quotes::repo as settings;
use crate::state::AppState;

/// The tenant's effective rates, oldest first per code, with the one in force
/// today marked (`GET /api/v1/tax-rates`).
pub async fn views(tx: &mut TenantTx) -> ApiResult<Vec<TaxRateView>> {
    let rows = repo::effective_tax_rates(tx).await?;
    let today = settings::today(tx).await?;
    let mut views = rows
        .into_iter()
        .map(|(code, t, source)| {
            Ok(TaxRateView {
                rate: Rate::try_from_decimal(t.rate)
                    .map_err(|m| ApiError::internal("stored tax rate", anyhow::anyhow!(m)))?,
                code,
                name: t.name,
                valid_from: t.valid_from,
                current: false,
                source,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    mark_current(&mut views, today);
    Ok(views)
}

/// The tax codes with a rate in force today, by code, each with that rate's name
/// (the codes the quote settings may name).
pub async fn codes_in_force(tx: &mut TenantTx) -> ApiResult<Vec<(String, String)>> {
    Ok(views(tx)
        .await?
        .into_iter()
        .filter(|v| v.current)
        .map(|v| (v.code, v.name))
        .collect())
}

/// Every problem of a rate to add (422 `invalid_field`), in the order [`create`]
/// answers the first: `code`, `name`, `rate`.
pub fn problems(input: &TaxRateInput) -> Vec<ApiError> {
    [
        check_tax_code("code", &input.code),
        check_name("name", &input.name).map(|_| ()),
        check_tax_rate(input.rate),
    ]
    .into_iter()
    .filter_map(Result::err)
    .collect()
}

/// Adds the tenant's rate after [`problems`] (the first one is the answer); a rate
/// of the code already starting that day is 409 `tax_rate_exists`. The caller has
/// checked `WriteCatalog`. The rate as listed.
pub async fn create(
    state: &AppState,
    ctx: &TenantCtx,
    input: &TaxRateInput,
) -> ApiResult<TaxRateView> {
    if let Some(first) = problems(input).into_iter().next() {
        return Err(first);
    }
    let name = check_name("name", &input.name)?;
    let mut tx = ctx.tx(state).await?;
    if !repo::insert(&mut tx, &input.code, input.valid_from, name, input.rate).await? {
        return Err(ApiError::conflict(
            "tax_rate_exists",
            format!(
                "{} already has a rate from {}; remove it first",
                input.code, input.valid_from
            ),
        ));
    }
    let created = views(&mut tx)
        .await?
        .into_iter()
        .find(|v| v.code == input.code && v.valid_from == input.valid_from)
        .ok_or_else(|| ApiError::internal("tax rate", anyhow::anyhow!("not saved")))?;
    ctx.commit_catalog_change(state, tx).await?;
    Ok(created)
}

/// Removes one of the tenant's rates: 404 `tax_rate_not_found` when it has none of
/// that code and day; 409 `tax_code_in_use` (nothing removed) when the tenant's
/// default tax code would be left without a rate in force. The caller has checked
/// `WriteCatalog`.
pub async fn remove(
    state: &AppState,
    ctx: &TenantCtx,
    code: &str,
    valid_from: NaiveDate,
) -> ApiResult<()> {
    let mut tx = ctx.tx(state).await?;
    if !repo::delete(&mut tx, code, valid_from).await? {
        return Err(ApiError::not_found(
            "tax_rate_not_found",
            format!("this tenant has no rate of its own for {code} from {valid_from}"),
        ));
    }
    check_default_code_keeps_a_rate(&mut tx, code).await?;
    ctx.commit_catalog_change(state, tx).await
}

/// 409 when removing a rate leaves the tenant's default tax code without a rate in
/// force today.
async fn check_default_code_keeps_a_rate(tx: &mut TenantTx, code: &str) -> ApiResult<()> {
    let settings = settings::load(tx).await?;
    if settings.tax_code.as_deref() != Some(code) {
        return Ok(());
    }
    let today = settings::today(tx).await?;
    let in_force = repo::effective_tax_rates(tx)
        .await?
        .iter()
        .any(|(c, t, _)| c == code && t.valid_from <= today);
    if in_force {
        return Ok(());
    }
    Err(ApiError::conflict(
        "tax_code_in_use",
        format!(
            "{code} is the tenant's default tax code and would have no rate in force; change the quote settings first"
        ),
    ))
}
