//! The database layer's own SQL: binding a tenant to a transaction, checking the
//! roles the server connects as, and a liveness probe.

use sqlx::{PgConnection, PgPool};

use crate::ids::TenantId;

/// Binds `tenant` to the current transaction only (`set_config(..., true)`), so a
/// pooled connection never carries it into the next request. This is the one place
/// to change for Citus, which forwards `SET LOCAL` rather than `set_config`.
pub async fn bind_tenant(conn: &mut PgConnection, tenant: TenantId) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(tenant.0.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// Answers when the database does: readiness.
pub async fn ping(pool: &PgPool) -> Result<(), sqlx::Error> {
    sqlx::query_scalar::<_, i32>("SELECT 1")
        .fetch_one(pool)
        .await?;
    Ok(())
}

/// Why the current role is unfit to serve tenant requests, if it is.
pub async fn role_problem(pool: &PgPool) -> Result<Option<String>, sqlx::Error> {
    let (user, superuser, bypass): (String, bool, bool) = sqlx::query_as(
        "SELECT rolname::text, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user",
    )
    .fetch_one(pool)
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
    .fetch_optional(pool)
    .await?;
    Ok(owned.map(|table| {
        format!("{user:?} owns table {table:?} (owners can bypass row-level security)")
    }))
}
