//! Purging deleted shops: `ventanas tenants purge [--grace-days N] [--dry-run]`.
//!
//! A shop deleted through the platform API (`DELETE /api/v1/platform/tenants/{slug}`)
//! is only marked: inactive, restorable. Once its deletion is older than the grace
//! period, the purge removes every row of it, one shop per transaction, as the
//! owner role (the only one the frozen quote versions let delete, and only for a
//! deleted shop).

use chrono::{DateTime, Duration, Utc};
use sqlx::PgPool;

use super::archive;
use super::repo::{self, Tenant};
use crate::db::{Pool, TenantTx};

/// The grace period when the operator gives none.
pub const DEFAULT_GRACE_DAYS: u32 = 30;

/// Tenant tables not in an archive, children first; then the archived ones
/// (parents first there) follow in reverse.
const OPERATIONAL_FIRST: &[&str] = &[
    "webhook_queue",
    "webhook_deliveries",
    "webhook_events",
    "idempotency_keys",
    "sessions",
];

/// Every tenant table in the order rows must go (children before parents).
pub fn purge_order() -> Vec<&'static str> {
    OPERATIONAL_FIRST
        .iter()
        .copied()
        .chain(archive::TABLES.iter().rev().copied())
        .collect()
}

/// A shop purged (or, in a dry run, that would be).
#[derive(Debug, Clone)]
pub struct Purged {
    pub tenant: Tenant,
    /// Rows removed, the tenant's own row included (0 in a dry run).
    pub rows: u64,
}

/// The deletions older than `grace` at `now`.
pub fn cutoff(now: DateTime<Utc>, grace_days: u32) -> DateTime<Utc> {
    now - Duration::days(i64::from(grace_days))
}

/// Purges every shop deleted before `cutoff`; with `dry_run`, only lists them.
/// `owner` is the owner role's pool.
pub async fn purge(
    owner: &PgPool,
    cutoff: DateTime<Utc>,
    dry_run: bool,
) -> Result<Vec<Purged>, sqlx::Error> {
    let due = repo::deleted_before(&Pool::new(owner.clone(), 0), cutoff).await?;
    let order = purge_order();
    let mut done = Vec::with_capacity(due.len());
    for tenant in due {
        let rows = if dry_run {
            0
        } else {
            let mut tx = TenantTx::begin(owner, tenant.id).await?;
            let rows = repo::purge(&mut tx, &order).await?;
            tx.commit().await?;
            rows
        };
        done.push(Purged { tenant, rows });
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purge_order_covers_archived_and_operational_tables_once() {
        let order = purge_order();
        for table in archive::TABLES.iter().chain(archive::LEFT_OUT) {
            assert_eq!(order.iter().filter(|t| *t == table).count(), 1, "{table}");
        }
        let position = |t: &str| order.iter().position(|x| *x == t).expect(t);
        assert!(position("quote_versions") < position("quotes"));
        assert!(position("memberships") < position("users"));
        assert!(position("webhook_queue") < position("webhook_deliveries"));
    }

    #[test]
    fn the_cutoff_is_the_grace_period_before_now() {
        let now = Utc::now();
        assert_eq!(cutoff(now, 30), now - Duration::days(30));
        assert_eq!(cutoff(now, 0), now);
    }
}
