//! The schema stays ready to be sharded by tenant (Citus, issue #11): on every table
//! with a `tenant_id`, each primary key, unique constraint, unique index, exclusion
//! constraint and foreign key leads with `tenant_id`, and a foreign key to another
//! tenant table pairs `tenant_id` with `tenant_id`, so that each tenant's rows and
//! their references can live on one shard. Tables without `tenant_id` (tenants, the
//! global catalogue) become reference tables, which any table may reference.

use crate::helpers::spawn_app;

/// Table, constraint or index, kind, first column, and for a foreign key the
/// referenced table and its first column.
type Key = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
);

#[tokio::test]
async fn every_key_and_reference_of_a_tenant_table_leads_with_tenant_id() {
    let app = spawn_app().await;
    let pool = app.runtime_pool(1).await;
    let keys: Vec<Key> = sqlx::query_as(
        r#"WITH tenant_tables AS (
                 SELECT c.oid FROM pg_class c
                   JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
                   JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id'
                                      AND NOT a.attisdropped
                  WHERE c.relkind IN ('r', 'p'))
               SELECT con.conrelid::regclass::text, con.conname::text, con.contype::text,
                      a.attname::text, con.confrelid::regclass::text, fa.attname::text
                 FROM pg_constraint con
                 JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1]
                 LEFT JOIN pg_attribute fa ON fa.attrelid = con.confrelid
                                          AND fa.attnum = con.confkey[1]
                WHERE con.conrelid IN (SELECT oid FROM tenant_tables)
                  AND con.contype IN ('p', 'u', 'f', 'x')
               UNION ALL
               SELECT i.indrelid::regclass::text, i.indexrelid::regclass::text, 'unique index',
                      coalesce(a.attname::text, 'an expression'), NULL, NULL
                 FROM pg_index i
                 LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                WHERE i.indrelid IN (SELECT oid FROM tenant_tables) AND i.indisunique
               ORDER BY 1, 2"#,
    )
    .fetch_all(&pool)
    .await
    .expect("keys");
    assert!(keys.len() > 40, "only {} keys found", keys.len());
    let tenant_tables: Vec<String> = keys.iter().map(|k| k.0.clone()).collect();
    let mut problems = Vec::new();
    for (table, name, kind, first, referenced, referenced_first) in &keys {
        if first != "tenant_id" {
            problems.push(format!("{table}.{name} ({kind}) leads with {first}"));
        }
        if let (Some(to), Some(to_first)) = (referenced, referenced_first) {
            if tenant_tables.contains(to) && to_first != "tenant_id" {
                problems.push(format!("{table}.{name} references {to} by {to_first}"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "not shardable by tenant: {problems:#?}"
    );
    app.cleanup().await;
}
