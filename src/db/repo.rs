//! The database layer's own SQL: a transaction bound to a tenant, checking the
//! roles the server connects as, and a liveness probe.

use sqlx::PgConnection;

use super::{Conn, Pool};

use crate::ids::TenantId;

/// The statement that opens a transaction with `tenant` bound to it: `BEGIN`,
/// `SET LOCAL app.tenant_id` and (given one) `SET LOCAL statement_timeout` sent
/// together as one simple query, so binding costs no round trip of its own. `SET LOCAL` lasts until the transaction ends, so a pooled
/// connection never carries the tenant into the next request, and it is what Citus
/// forwards to its workers (`set_config` is not). The value is a formatted UUID
/// (hex digits and hyphens only), so it cannot break out of the literal.
pub fn begin_bound(tenant: TenantId, statement_timeout_ms: Option<u64>) -> String {
    let mut statement = format!(
        "BEGIN; SET LOCAL app.tenant_id = '{}'",
        tenant.0.hyphenated()
    );
    if let Some(ms) = statement_timeout_ms {
        statement.push_str(&format!("; SET LOCAL statement_timeout = {ms}"));
    }
    statement
}

/// The statement that opens a transaction with no tenant bound, its statement
/// timeout set transaction-locally (an integer: no quoting to get wrong).
pub fn begin_unbound(statement_timeout_ms: u64) -> String {
    format!("BEGIN; SET LOCAL statement_timeout = {statement_timeout_ms}")
}

/// Makes the Citus coordinator forward this connection's `SET LOCAL` commands to
/// the workers its transactions touch: the tenant binding of [`begin_bound`] then
/// holds on every shard (`database.citus`).
pub async fn propagate_set_locally(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::Executor::execute(conn, "SET citus.propagate_set_commands = 'local'").await?;
    Ok(())
}

/// Answers when the database does: readiness.
pub async fn ping(pool: &Pool) -> Result<(), sqlx::Error> {
    let mut one = pool.single().await?;
    sqlx::query_scalar::<_, i32>("SELECT 1")
        .fetch_one(one.conn())
        .await?;
    one.finish().await?;
    Ok(())
}

/// Why the current role is unfit to serve tenant requests, if it is.
pub async fn role_problem(pool: &Pool) -> Result<Option<String>, sqlx::Error> {
    let mut one = pool.single().await?;
    let (user, superuser, bypass): (String, bool, bool) = sqlx::query_as(
        "SELECT rolname::text, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user",
    )
    .fetch_one(one.conn())
    .await?;
    if superuser {
        return Ok(Some(format!("{user:?} is a superuser")));
    }
    if bypass {
        return Ok(Some(format!("{user:?} has BYPASSRLS")));
    }
    let owned: Option<String> = sqlx::query_scalar(
        r#"
        SELECT c.relname::text
          FROM pg_class c
          JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p', 'v', 'm')
           AND n.nspname NOT IN ('pg_catalog', 'information_schema')
           AND n.nspname NOT LIKE 'pg_toast%'
           AND pg_has_role(current_user, c.relowner, 'MEMBER')
         LIMIT 1
        "#,
    )
    .fetch_optional(one.conn())
    .await?;
    one.finish().await?;
    Ok(owned.map(|table| {
        format!("{user:?} owns table {table:?} (owners can bypass row-level security)")
    }))
}

/// Bind parameters one statement may carry (PostgreSQL's protocol limit).
const MAX_BINDS: usize = 65_535;

/// Inserts `rows` with multi-row `INSERT ... VALUES` statements, as many rows per
/// statement as the bind limit allows for `columns` binds a row; `head` is the
/// statement up to `VALUES` (exclusive), `tail` what follows the rows (`ON
/// CONFLICT ...`), and `bind` pushes one row's `columns` values. Answers the rows
/// written. Not `INSERT ... SELECT`: Citus writes the rows of one whose source is
/// not a co-located shard through `COPY`, which row-level security refuses, while
/// a `VALUES` insert of one tenant's rows is a router query (docs/scaling.md).
pub async fn insert_values<'a, T, F>(
    mut conn: Conn<'_>,
    (head, tail): (&str, &str),
    columns: usize,
    rows: &'a [T],
    mut bind: F,
) -> Result<u64, sqlx::Error>
where
    F: FnMut(&mut sqlx::query_builder::Separated<'_, 'a, sqlx::Postgres, &'static str>, &'a T),
{
    let mut written = 0;
    for chunk in rows.chunks((MAX_BINDS / columns.max(1)).max(1)) {
        let mut insert = sqlx::QueryBuilder::new(head);
        insert.push(" ");
        insert.push_values(chunk, |mut row, item| bind(&mut row, item));
        insert.push(" ");
        insert.push(tail);
        written += insert
            .build()
            .execute(conn.reborrow())
            .await?
            .rows_affected();
    }
    Ok(written)
}
