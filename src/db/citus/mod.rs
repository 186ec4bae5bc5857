//! `ventanas citus distribute`: the schema sharded by tenant on a Citus cluster
//! (docs/scaling.md). Run after `migrate`, as the owner role, on the coordinator's
//! database (the extension created and the workers added by a superuser first).
//! Idempotent: what is distributed already is left as it is.
//!
//! - Every table with a `tenant_id` is distributed by it, all in one co-location
//!   group (`users`' ), so a tenant's rows, their keys and their references live on
//!   one shard and a request bound to one tenant is a router query.
//! - `tenants` and the global default catalogue are reference tables (a copy on
//!   every node): small, read by every request and joined with tenant rows (the
//!   fallback to the default price), and the target of every tenant table's
//!   foreign key to `tenants` (a distributed table may reference a reference table,
//!   not a table sharded another way). `tenants` distributed by `id` would make the
//!   login's lookup by slug a query on every shard.
//! - The platform's own tables (API keys, their idempotency records, the login
//!   throttle, the global change queue) and sqlx's migration record stay plain tables
//!   on the coordinator: no tenant reads them with tenant rows.

use std::collections::BTreeSet;

use anyhow::{bail, Context as _};
use sqlx::PgPool;

pub mod repo;

/// The global catalogue and the tenant registry: a copy on every node.
pub const REFERENCE_TABLES: &[&str] = &[
    "tenants",
    "global_materials",
    "global_price_history",
    "global_colours",
    "global_colour_prices",
    "global_products",
    "global_bom_lines",
    "global_labour_rates",
    "global_tax_rates",
];

/// The tenant table the others are co-located with.
const ANCHOR: &str = "users";

/// Tables that stay on the coordinator alone.
pub const COORDINATOR_TABLES: &[&str] = &[
    "_sqlx_migrations",
    "platform_api_keys",
    "platform_idempotency_keys",
    "login_throttle",
    "webhook_global_changes",
];

/// What [`distribute`] did.
#[derive(Debug, Default)]
pub struct Report {
    /// Tables made reference tables now.
    pub reference: Vec<String>,
    /// Tables distributed by `tenant_id` now, in the order they were.
    pub distributed: Vec<String>,
    /// Tables found distributed already.
    pub already: usize,
}

/// Distributes the schema (see the module's documentation) through `owner`, a
/// connection pool to the coordinator as the tables' owner.
pub async fn distribute(owner: &PgPool) -> anyhow::Result<Report> {
    let mut conn = owner
        .acquire()
        .await
        .context("connecting as the owner role")?;
    let conn = &mut *conn;
    let Some(version) = repo::citus_version(conn).await? else {
        bail!(
            "the database has no citus extension: a superuser runs CREATE EXTENSION citus \
             in it (and on every worker) and adds the workers (citus_add_node) first"
        );
    };
    if repo::worker_count(conn).await? == 0 {
        bail!("Citus {version} has no worker node: add them with citus_add_node first");
    }
    repo::prepare_session(conn).await?;
    let done: BTreeSet<String> = repo::citus_tables(conn).await?.into_iter().collect();
    let mut report = Report::default();
    for table in REFERENCE_TABLES {
        if done.contains(*table) {
            report.already += 1;
        } else {
            repo::create_reference_table(conn, table)
                .await
                .with_context(|| format!("making {table} a reference table"))?;
            report.reference.push((*table).to_owned());
        }
    }
    let tables = repo::tenant_tables(conn).await?;
    if !tables.iter().any(|t| t == ANCHOR) {
        bail!("no {ANCHOR} table with a tenant_id: is the database migrated?");
    }
    let mut order = referenced_first(tables, repo::tenant_references(conn).await?)?;
    // The anchor references no tenant table: it can go first.
    order.sort_by_key(|t| t != ANCHOR);
    for table in &order {
        if done.contains(table) {
            report.already += 1;
            continue;
        }
        let colocate_with = if table == ANCHOR { "default" } else { ANCHOR };
        repo::create_distributed_table(conn, table, colocate_with)
            .await
            .with_context(|| format!("distributing {table} by tenant_id"))?;
        report.distributed.push(table.clone());
    }
    let left: Vec<String> = repo::local_tables(conn)
        .await?
        .into_iter()
        .filter(|t| !COORDINATOR_TABLES.contains(&t.as_str()))
        .collect();
    if !left.is_empty() {
        bail!(
            "neither distributed nor listed to stay on the coordinator: {left:?} \
             (src/db/citus: REFERENCE_TABLES or COORDINATOR_TABLES)"
        );
    }
    Ok(report)
}

/// `tables` ordered so that each comes after the tables it references (a foreign
/// key to a table not yet distributed is refused). `references`: (table, referenced).
fn referenced_first(
    tables: Vec<String>,
    references: Vec<(String, String)>,
) -> anyhow::Result<Vec<String>> {
    let mut left: Vec<String> = tables;
    let mut order: Vec<String> = Vec::with_capacity(left.len());
    while !left.is_empty() {
        let ready: Vec<String> = left
            .iter()
            .filter(|t| {
                references.iter().all(|(from, to)| {
                    from != *t || to == *t || order.contains(to) || !left.contains(to)
                })
            })
            .cloned()
            .collect();
        if ready.is_empty() {
            bail!("foreign keys in a cycle among {left:?}");
        }
        left.retain(|t| !ready.contains(t));
        order.extend(ready);
    }
    Ok(order)
}

#[cfg(test)]
mod tests {
    use super::referenced_first;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|t| (*t).to_owned()).collect()
    }

    #[test]
    fn referenced_tables_come_first() {
        let order = referenced_first(
            s(&["sessions", "memberships", "users", "quotes", "clients"]),
            vec![
                ("sessions".into(), "users".into()),
                ("memberships".into(), "users".into()),
                ("quotes".into(), "clients".into()),
                ("users".into(), "tenants".into()),
                ("users".into(), "users".into()),
            ],
        )
        .expect("no cycle");
        let at = |t: &str| order.iter().position(|o| o == t).expect("listed");
        assert_eq!(order.len(), 5);
        assert!(at("users") < at("sessions") && at("users") < at("memberships"));
        assert!(at("clients") < at("quotes"));
        let cycle = referenced_first(
            s(&["a", "b"]),
            vec![("a".into(), "b".into()), ("b".into(), "a".into())],
        );
        assert!(cycle.is_err());
    }
}
