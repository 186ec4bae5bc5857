//! Announcing a platform change of a default price to the tenants that inherit it.
//!
//! The change was recorded in `webhook_global_changes` by the platform's own
//! transaction. A worker claims it and walks the tenant registry in id order,
//! binding each tenant in turn: under that tenant it checks that the code is still
//! inherited (no active row of the tenant's own) and publishes the event, which
//! writes nothing unless a webhook subscribes. Progress is saved after every round
//! of tenants; a round repeated after a crash adds nothing, since an event records
//! the change it announces (one per tenant and change).

use crate::db::Pool;
use tokio::sync::watch;

use super::event::Event;
use super::repo::{self, GlobalChange};
use crate::catalog::model::Source;
use crate::db::TenantTx;
use crate::money::Money;

/// Tenants bound one after another between two saves of the progress.
const TENANTS_PER_ROUND: i64 = 200;

/// Announces every change not yet announced; returns when none is left, or early
/// when `stop` is set.
pub(super) async fn announce_pending(
    pool: &Pool,
    lease_ms: i64,
    stop: &watch::Receiver<bool>,
) -> Result<(), sqlx::Error> {
    while !*stop.borrow() {
        let Some(change) = repo::claim_global_change(pool, lease_ms).await? else {
            break;
        };
        announce(pool, &change, lease_ms, stop).await?;
    }
    Ok(())
}

async fn announce(
    pool: &Pool,
    change: &GlobalChange,
    lease_ms: i64,
    stop: &watch::Receiver<bool>,
) -> Result<(), sqlx::Error> {
    let money = |d| {
        Money::try_from_decimal(d).map_err(|e| {
            sqlx::Error::Decode(format!("webhook_global_changes {}: {e}", change.id).into())
        })
    };
    let event = Event::PriceChanged {
        code: change.code.clone(),
        old: change.old_price.map(money).transpose()?,
        new: money(change.new_price)?,
        source: Source::Global,
        user_id: None,
    };
    let mut after = change.after_tenant;
    loop {
        let tenants = repo::tenants_after(pool, after, TENANTS_PER_ROUND).await?;
        for &tenant in &tenants {
            let mut tx = TenantTx::begin(pool, tenant).await?;
            if repo::inherits(&mut tx, &change.code).await? {
                super::publish_event(&mut tx, &event, Some(change.id)).await?;
            }
            tx.commit().await?;
        }
        after = tenants.last().copied().or(after);
        let done = tenants.len() < usize::try_from(TENANTS_PER_ROUND).unwrap_or(usize::MAX);
        if *stop.borrow() && !done {
            // Hand the rest to whichever instance claims it next, at once.
            return repo::global_progress(pool, change.id, after, 0, false).await;
        }
        repo::global_progress(pool, change.id, after, lease_ms, done).await?;
        if done {
            return Ok(());
        }
    }
}
