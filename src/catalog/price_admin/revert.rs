//! Reverting a batch: its inverse applied as a new batch. A material the batch
//! priced goes back to its old price; a row the batch created (a default made the
//! tenant's own, a material an import added) is withdrawn, so what applied before
//! applies again; a price a revert withdrew comes back.

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::batch::{self, BatchItem, Changes};
use super::model::{BatchKind, PriceBatch};
use super::repo;
use crate::catalog::Source;
use crate::db::TenantTx;
use crate::error::{ApiError, ApiResult};
use crate::ids::{BatchId, MaterialId, UserId};
use crate::money::Money;

/// The tenant's row of a code as it is now.
struct Row {
    id: MaterialId,
    price: Money,
    active: bool,
}

/// What reverting one item does.
enum Step {
    /// Set the row's price (and make it active).
    Price(MaterialId, Money),
    /// Deactivate the row.
    Withdraw(MaterialId),
}

fn money(d: Decimal) -> ApiResult<Money> {
    Money::try_from_decimal(d).map_err(|m| ApiError::internal("a stored price", anyhow::anyhow!(m)))
}

/// Reverts batch `id` as a new batch. Without `force`, a later change to any of
/// its materials is a 409 `batch_superseded` naming them.
pub async fn revert(
    tx: &mut TenantTx,
    by: UserId,
    id: BatchId,
    force: bool,
) -> ApiResult<PriceBatch> {
    repo::allow_long_statements(tx).await?;
    let (summary, items) = batch::load(tx, id).await?;
    let codes: Vec<String> = items.iter().map(|i| i.code.clone()).collect();
    let rows: HashMap<String, Row> = repo::lock_own_rows(tx, &codes)
        .await?
        .into_iter()
        .map(|(id, code, price, active)| {
            Ok((
                code,
                Row {
                    id,
                    price: money(price)?,
                    active,
                },
            ))
        })
        .collect::<ApiResult<_>>()?;
    if !force {
        let changed = repo::changed_since(tx, id, summary.created_at, &codes).await?;
        if !changed.is_empty() {
            let how = if summary.reverted_by.0.is_some() {
                "the batch was already reverted; "
            } else {
                ""
            };
            return Err(ApiError::conflict(
                "batch_superseded",
                format!(
                    "{how}later changes touched {}; send {{\"force\": true}} to revert anyway",
                    changed.join(", ")
                ),
            )
            .with_details(serde_json::json!({ "codes": changed })));
        }
    }
    let defaults: HashMap<String, Decimal> = repo::default_prices(tx, &codes)
        .await?
        .into_iter()
        .collect();
    let mut prices = (Vec::new(), Vec::new());
    let mut withdrawn = Vec::new();
    let mut changes = Vec::new();
    for item in items {
        let Some(row) = rows.get(&item.code) else {
            continue;
        };
        let default = defaults.get(&item.code).copied().map(money).transpose()?;
        let Some((step, inverse)) = inverse(&item, row, default) else {
            continue;
        };
        match step {
            Step::Price(id, price) => {
                prices.0.push(id);
                prices.1.push(price);
            }
            Step::Withdraw(id) => withdrawn.push(id),
        }
        changes.push((row.id, inverse));
    }
    if changes.is_empty() {
        return Err(ApiError::conflict(
            "nothing_to_revert",
            "every material of the batch is already as it was before it",
        ));
    }
    repo::set_own_prices(tx, &prices.0, &prices.1, Some(by)).await?;
    repo::withdraw(tx, &withdrawn, Some(by)).await?;
    let changes = Changes {
        kind: BatchKind::Revert,
        items: changes,
        reverts: Some(id),
    };
    batch::record(tx, by, changes).await
}

/// How one item is undone given its row now, and the change recorded for it;
/// `None` when the row is already as it was.
fn inverse(item: &BatchItem, row: &Row, default: Option<Money>) -> Option<(Step, BatchItem)> {
    let current = Some(row.price).filter(|_| row.active);
    let (step, new, withdrawn) = if item.created_row {
        // Back to what applied before: the default, or no price at all.
        let now = current?;
        (Step::Withdraw(row.id), default.unwrap_or(now), true)
    } else {
        let old = item.old?;
        if current == Some(old) {
            return None;
        }
        (Step::Price(row.id, old), old, false)
    };
    let source = if row.active {
        Source::Tenant
    } else {
        Source::Global
    };
    let change = BatchItem {
        code: item.code.clone(),
        name: item.name.clone(),
        old: current.or(default),
        new,
        source,
        created_row: item.withdrawn && !row.active,
        withdrawn,
    };
    Some((step, change))
}
