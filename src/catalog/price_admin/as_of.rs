//! The effective price of a code at a past moment, read from the price history.

use chrono::{DateTime, Utc};

use super::repo;
use crate::catalog::materials::model::Price;
use crate::catalog::materials::repo as materials;
use crate::catalog::{MaterialCode, CURRENCY};
use crate::db::TenantTx;
use crate::error::{ApiError, ApiResult};
use crate::money::Money;

/// The price of `code` at `at`: the tenant's own price then, else the default's,
/// with the source and when it was set. Name, category and unit are the
/// material's today. 404 `price_not_found` when it had no price then.
pub async fn price(tx: &mut TenantTx, code: &MaterialCode, at: DateTime<Utc>) -> ApiResult<Price> {
    let not_found = || {
        ApiError::not_found(
            "price_not_found",
            format!("no price for {code} at {}", at.to_rfc3339()),
        )
        .with_details(serde_json::json!({ "code": code.as_str(), "as_of": at }))
    };
    let Some((amount, source, set_at)) = repo::price_as_of(tx, code.as_str(), at).await? else {
        return Err(not_found());
    };
    let material = match materials::effective_one(tx, code.as_str()).await? {
        Some(m) => Some(m),
        None => match materials::global_row(tx.conn(), code.as_str()).await? {
            Some(g) => Some(g),
            None => materials::own_row_for_update(tx, code.as_str())
                .await?
                .map(|(_, m)| m),
        },
    };
    let material = material.ok_or_else(not_found)?;
    Ok(Price {
        code: material.code,
        name: material.name,
        category: material.category,
        unit: material.unit,
        price: Money::try_from_decimal(amount)
            .map_err(|m| ApiError::internal("a recorded price", anyhow::anyhow!(m)))?,
        currency: CURRENCY.to_owned(),
        source,
        updated_at: set_at,
    })
}
