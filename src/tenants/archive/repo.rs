//! SQL of tenant archives. Table names come only from [`super::TABLES`] and column
//! names only from the catalogue of the database itself, each quoted: nothing an
//! archive says becomes SQL text.

use serde_json::Value;

use crate::db::repo::insert_values;
use crate::db::{ident, Conn, Pool};
use crate::ids::TenantId;

/// The tenant's row of `tenants`, as JSON.
pub async fn tenant_row(pool: &Pool, tenant: TenantId) -> Result<Option<Value>, sqlx::Error> {
    let mut one = pool.single().await?;
    let value = sqlx::query_scalar("SELECT to_jsonb(t) FROM tenants t WHERE id = $1")
        .bind(tenant)
        .fetch_optional(one.conn())
        .await?;
    one.finish().await?;
    Ok(value)
}

/// Every row of `table` that row-level security lets the bound tenant see, as JSON
/// objects, in a stable order.
pub async fn rows(mut conn: Conn<'_>, table: &str) -> Result<Vec<Value>, sqlx::Error> {
    let sql = format!(
        "SELECT coalesce(jsonb_agg(to_jsonb(t) ORDER BY to_jsonb(t)), '[]'::jsonb) FROM {} t",
        ident(table)
    );
    let all: Value = sqlx::query_scalar(&sql).fetch_one(conn.reborrow()).await?;
    Ok(match all {
        Value::Array(rows) => rows,
        _ => Vec::new(),
    })
}

/// Makes the transaction read one snapshot, and only read.
pub async fn snapshot(mut conn: Conn<'_>) -> Result<(), sqlx::Error> {
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(conn.reborrow())
        .await
        .map(drop)
}

/// The newest migration applied to the database.
pub async fn schema_version(mut conn: Conn<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT coalesce(max(version), 0) FROM _sqlx_migrations WHERE success")
        .fetch_one(conn.reborrow())
        .await
}

/// Whether a tenant with this id or slug exists.
pub async fn tenant_exists(
    mut conn: Conn<'_>,
    id: TenantId,
    slug: &str,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM tenants WHERE id = $1 OR slug = $2)")
        .bind(id)
        .bind(slug)
        .fetch_one(conn.reborrow())
        .await
}

/// The columns of `table` today, in their order.
pub async fn columns(mut conn: Conn<'_>, table: &str) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT column_name::text FROM information_schema.columns
          WHERE table_schema = 'public' AND table_name = $1 AND is_generated = 'NEVER'
          ORDER BY ordinal_position",
    )
    .bind(table)
    .fetch_all(conn.reborrow())
    .await
}

/// The SQL types of `table`'s `columns`, in that order.
async fn column_types(
    mut conn: Conn<'_>,
    table: &str,
    columns: &[String],
) -> Result<Vec<String>, sqlx::Error> {
    let types: Vec<(String, String)> = sqlx::query_as(
        "SELECT attname::text, format_type(atttypid, atttypmod) FROM pg_attribute
          WHERE attrelid = ('public.' || quote_ident($1))::regclass AND attnum > 0
            AND NOT attisdropped",
    )
    .bind(table)
    .fetch_all(conn.reborrow())
    .await?;
    columns
        .iter()
        .map(|c| {
            types
                .iter()
                .find(|(name, _)| name == c)
                .map(|(_, ty)| ty.clone())
                .ok_or_else(|| sqlx::Error::ColumnNotFound(c.clone()))
        })
        .collect()
}

/// Inserts `rows` (JSON objects) into `table`, setting only `columns` (the others
/// take their defaults), identity columns included; returns how many went in.
///
/// PostgreSQL reads the JSON (`jsonb_populate_recordset`, no table touched) into
/// each column's text form, which goes back in as a typed parameter of a multi-row
/// `VALUES` insert ([`insert_values`]): on Citus an `INSERT ... SELECT` from the
/// JSON would be written through COPY, which row-level security refuses.
pub async fn insert_rows(
    mut conn: Conn<'_>,
    table: &str,
    columns: &[String],
    rows: &[Value],
) -> Result<u64, sqlx::Error> {
    let types = column_types(conn.reborrow(), table, columns).await?;
    let as_text = columns
        .iter()
        .map(|c| format!("p.{}::text", ident(c)))
        .collect::<Vec<_>>()
        .join(", ");
    let values: Vec<Vec<Option<String>>> = sqlx::query_scalar(&format!(
        "SELECT ARRAY[{as_text}]::text[] FROM jsonb_populate_recordset(NULL::{table}, $1) p",
        table = ident(table),
    ))
    .bind(Value::Array(rows.to_vec()))
    .fetch_all(conn.reborrow())
    .await?;
    let list = columns
        .iter()
        .map(|c| ident(c))
        .collect::<Vec<_>>()
        .join(", ");
    let head = format!(
        "INSERT INTO {table} ({list}) OVERRIDING SYSTEM VALUE",
        table = ident(table)
    );
    insert_values(
        conn.reborrow(),
        (&head, ""),
        columns.len(),
        &values,
        |row, value| {
            for (v, ty) in value.iter().zip(&types) {
                row.push_bind(v.as_deref())
                    .push_unseparated(format!("::{ty}"));
            }
        },
    )
    .await
}

/// Moves the sequences behind `table`'s identity columns past every value now in
/// the table, so rows added later do not collide with imported ones. The highest
/// value is read first, on its own (a subquery on a distributed table inside
/// `setval`'s arguments is not planned by Citus), and the sequence's own last value
/// by its id (naming every sequence of `pg_sequences` as a `regclass` needs rights
/// on every schema, Citus's `columnar_internal` too).
pub async fn advance_identities(mut conn: Conn<'_>, table: &str) -> Result<(), sqlx::Error> {
    let identities: Vec<String> = sqlx::query_scalar(
        "SELECT column_name::text FROM information_schema.columns
          WHERE table_schema = 'public' AND table_name = $1 AND is_identity = 'YES'",
    )
    .bind(table)
    .fetch_all(conn.reborrow())
    .await?;
    for column in identities {
        let highest: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT max({col})::bigint FROM {table}",
            col = ident(&column),
            table = ident(table),
        ))
        .fetch_one(conn.reborrow())
        .await?;
        sqlx::query(
            "SELECT setval(pg_get_serial_sequence($1, $2),
                           greatest($3,
                                    pg_sequence_last_value(pg_get_serial_sequence($1, $2)::regclass),
                                    1))",
        )
        .bind(table)
        .bind(&column)
        .bind(highest)
        .execute(conn.reborrow())
        .await?;
    }
    Ok(())
}

/// Inserts the `tenants` row of an archive.
pub async fn insert_tenant(
    mut conn: Conn<'_>,
    columns: &[String],
    row: &Value,
) -> Result<(), sqlx::Error> {
    insert_rows(
        conn.reborrow(),
        "tenants",
        columns,
        std::slice::from_ref(row),
    )
    .await
    .map(drop)
}
