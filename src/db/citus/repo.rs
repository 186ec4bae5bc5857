//! The catalogue queries and Citus calls of `ventanas citus distribute`.

use sqlx::PgConnection;

/// The installed Citus version, if the extension is there.
pub async fn citus_version(conn: &mut PgConnection) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT extversion FROM pg_extension WHERE extname = 'citus'")
        .fetch_optional(conn)
        .await
}

/// Active primary workers (the coordinator, group 0, not counted).
pub async fn worker_count(conn: &mut PgConnection) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT count(*) FROM pg_dist_node WHERE groupid <> 0 AND isactive AND noderole = 'primary'",
    )
    .fetch_one(conn)
    .await
}

/// Sets up this session for distributing: tables with row triggers are accepted
/// (each of ours acts on its own row only, which Citus runs on the shard), and a
/// table referenced by tables not distributed yet may become a reference table
/// without Citus turning those into coordinator-local tables (which could then
/// never be distributed, being referenced by each other).
pub async fn prepare_session(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(
        "SET citus.enable_unsafe_triggers = on; \
         SET citus.enable_local_reference_table_foreign_keys = off",
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Tables Citus knows already (distributed, reference or Citus-local).
pub async fn citus_tables(conn: &mut PgConnection) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_dist_partition p JOIN pg_class c ON c.oid = p.logicalrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'",
    )
    .fetch_all(conn)
    .await
}

/// Ordinary tables of the public schema with a `tenant_id` column.
pub async fn tenant_tables(conn: &mut PgConnection) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
           JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
          WHERE c.relkind IN ('r', 'p') ORDER BY 1",
    )
    .fetch_all(conn)
    .await
}

/// Every foreign key of the public schema: (table, referenced table).
pub async fn tenant_references(
    conn: &mut PgConnection,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c
           JOIN pg_class r ON r.oid = c.conrelid
           JOIN pg_namespace n ON n.oid = r.relnamespace AND n.nspname = 'public'
          WHERE c.contype = 'f'",
    )
    .fetch_all(conn)
    .await
}

/// Ordinary tables of the public schema that Citus does not know.
pub async fn local_tables(conn: &mut PgConnection) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
          WHERE c.relkind IN ('r', 'p')
            AND NOT EXISTS (SELECT 1 FROM pg_dist_partition p WHERE p.logicalrelid = c.oid)
          ORDER BY 1",
    )
    .fetch_all(conn)
    .await
}

/// Makes `table` a reference table (a copy on every node).
pub async fn create_reference_table(
    conn: &mut PgConnection,
    table: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT create_reference_table($1::regclass)")
        .bind(table)
        .execute(conn)
        .await?;
    Ok(())
}

/// Distributes `table` by `tenant_id`, co-located with `colocate_with`.
pub async fn create_distributed_table(
    conn: &mut PgConnection,
    table: &str,
    colocate_with: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT create_distributed_table($1::regclass, 'tenant_id', colocate_with => $2)")
        .bind(table)
        .bind(colocate_with)
        .execute(conn)
        .await?;
    Ok(())
}
