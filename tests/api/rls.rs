//! Row-level security, proven as the server's own runtime role.

use sqlx::{PgPool, Row};
use uuid::Uuid;
use ventanas::config::ExposeSecret as _;
use ventanas::db::{role_problem, TenantTx};
use ventanas::ids::TenantId;
use ventanas::startup::Application;

use crate::helpers::{slug, spawn_app, TestApp, TestTenant};

/// Every tenant-owned table. `every_table_with_a_tenant_id_is_listed_here` keeps it
/// complete as the schema grows.
pub(crate) const TENANT_TABLES: &[&str] = &[
    "users",
    "memberships",
    "sessions",
    "materials",
    "price_batches",
    "price_history",
    "colours",
    "colour_prices",
    "products",
    "bom_lines",
    "labour_rates",
    "quote_settings",
    "clients",
    "quote_counters",
    "quotes",
    "quote_versions",
    "quote_events",
    "company_profiles",
    "tax_rates",
    "company_logos",
    "idempotency_keys",
    "webhooks",
    "webhook_events",
    "webhook_deliveries",
];

/// Tables with a `tenant_id` that hold no tenant data and are read across tenants on
/// purpose (so they have no row-level security), with every column they may have:
/// a new column fails the guard below, so no tenant data can slip in unnoticed.
/// `webhook_queue` is the delivery worker's index of due deliveries.
const WORK_TABLES: &[(&str, &[&str])] = &[(
    "webhook_queue",
    &[
        "delivery_id",
        "due_at",
        "lease_token",
        "lease_until",
        "tenant_id",
    ],
)];

/// Two tenants with rows in every tenant table: onboarding fills users, memberships
/// and materials; logins fill sessions; the quoting catalogue rows (and an
/// idempotency record) are written here directly, as the runtime role.
pub(crate) async fn two_tenants(app: &TestApp) -> (TestTenant, TestTenant) {
    let a = app.onboard(&slug("a")).await;
    let b = app.onboard(&slug("b")).await;
    let pool = app.runtime_pool(1).await;
    for t in [&a, &b] {
        let mut tx = TenantTx::begin(&pool, TenantId(t.id)).await.expect("bind");
        let product = Uuid::new_v4();
        // Looked up first: Citus runs no subquery inside an INSERT's VALUES.
        let admin: Uuid = sqlx::query_scalar("SELECT id FROM users WHERE tenant_id = $1 LIMIT 1")
            .bind(t.id)
            .fetch_one(tx.conn())
            .await
            .expect("the admin");
        for sql in [
            "INSERT INTO colours (tenant_id, code, name) VALUES ($1, 'ROJO', 'Rojo')",
            "INSERT INTO colour_prices (tenant_id, material_code, colour_code, price) VALUES ($1, 'PER-NAC3-RS', 'ROJO', 70)",
            "INSERT INTO labour_rates (tenant_id, window_type, rate, complexity) VALUES ($1, 'fija', 50, 1)",
            "INSERT INTO quote_settings (tenant_id, profit_rate, indirect_rate, tax_rate, currency, validity_days,
                                         profile_rule, waste_on_hardware)
             VALUES ($1, 0.25, 0.15, 0.16, 'MXN', 30, 'per_metre', false)",
            "INSERT INTO clients (tenant_id, id, name) VALUES ($1, $2, 'Cliente')",
            "INSERT INTO products (tenant_id, id, code, name, kind, min_width_cm, max_width_cm, min_height_cm, max_height_cm)
             VALUES ($1, $2, 'VEN-PROPIA', 'Propia', 'window', 10, 100, 10, 100)",
            "INSERT INTO bom_lines (tenant_id, product_id, position, description, material_code, kind, quantity_formula, waste_factor)
             VALUES ($1, $2, 0, 'Marco', 'PER-NAC3-RS', 'profile', 'perimeter_m', 1)",
            "INSERT INTO quote_counters (tenant_id, last_number) VALUES ($1, 1)",
            "INSERT INTO quotes (tenant_id, id, number, client_id, status, version, total, currency, created_by)
             VALUES ($1, $2, 1, $2, 'draft', 1, 0, 'MXN', $2)",
            "INSERT INTO quote_versions (tenant_id, quote_id, version, format, request, result, total, priced_at, created_by)
             VALUES ($1, $2, 1, 1, '{}', '{}', 0, now(), $2)",
            "INSERT INTO quote_events (tenant_id, quote_id, version, action, user_id) VALUES ($1, $2, 1, 'created', $2)",
            "INSERT INTO company_profiles (tenant_id, legal_name) VALUES ($1, 'Aluminios SA de CV')",
            "INSERT INTO tax_rates (tenant_id, code, valid_from, name, rate) VALUES ($1, 'IVA16', '2030-01-01', 'IVA', 0.17)",
            "INSERT INTO company_logos (tenant_id, sha256, content_type, bytes) VALUES ($1, sha256('x'), 'image/png', 'x')",
            "INSERT INTO idempotency_keys (tenant_id, key, fingerprint, expires_at) VALUES ($1, 'rls-key', sha256('x'), now() + interval '1 day')",
            "INSERT INTO price_batches (tenant_id, id, kind, format, payload, count) VALUES ($1, $2, 'bulk', 1, '{\"items\": []}', 1)",
            "INSERT INTO webhooks (tenant_id, id, url, events, secret_nonce, created_by)
             VALUES ($1, $2, 'https://erp.example.com/h', '{price.changed}', sha256('n'), $3)",
            "INSERT INTO webhook_events (tenant_id, id, type, format, data) VALUES ($1, $2, 'price.changed', 1, '{}')",
            // Not queued: the worker has nothing to send.
            "INSERT INTO webhook_deliveries (tenant_id, id, webhook_id, event_id, next_attempt_at)
             VALUES ($1, $2, $2, $2, now() + interval '1 day')",
        ] {
            let query = sqlx::query(sql).bind(t.id);
            let query = if sql.contains("$2") { query.bind(product) } else { query };
            let query = if sql.contains("$3") { query.bind(admin) } else { query };
            query.execute(tx.conn()).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
        tx.commit().await.expect("commit");
    }
    (a, b)
}

async fn tenant_ids_visible(pool: &PgPool, bound: Option<Uuid>, table: &str) -> Vec<Uuid> {
    let mut tx = pool.begin().await.expect("begin");
    if let Some(tenant) = bound {
        sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
            .bind(tenant.to_string())
            .execute(&mut *tx)
            .await
            .expect("bind tenant");
    }
    let rows = sqlx::query(&format!("SELECT tenant_id FROM {table}"))
        .fetch_all(&mut *tx)
        .await
        .expect("select");
    rows.iter().map(|r| r.get::<Uuid, _>(0)).collect()
}

#[tokio::test]
async fn with_a_tenant_bound_the_runtime_role_sees_only_that_tenants_rows_in_every_table() {
    let app = spawn_app().await;
    let (a, b) = two_tenants(&app).await;
    let pool = app.runtime_pool(2).await;
    for table in TENANT_TABLES {
        for tenant in [&a, &b] {
            let seen = tenant_ids_visible(&pool, Some(tenant.id), table).await;
            assert!(
                !seen.is_empty(),
                "{table}: tenant {} should have rows",
                tenant.slug
            );
            assert!(
                seen.iter().all(|id| *id == tenant.id),
                "{table}: saw another tenant's rows"
            );
        }
    }
    app.cleanup().await;
}

#[tokio::test]
async fn with_no_tenant_bound_nothing_is_visible_and_nothing_can_be_written() {
    let app = spawn_app().await;
    let (a, _b) = two_tenants(&app).await;
    let pool = app.runtime_pool(1).await;
    for table in TENANT_TABLES {
        assert!(
            tenant_ids_visible(&pool, None, table).await.is_empty(),
            "{table} visible without a tenant"
        );
    }
    let insert = sqlx::query(
        "INSERT INTO materials (tenant_id, id, code, name, category, unit, price) VALUES ($1, $2, 'X-1', 'x', 'glass', 'm2', 1)",
    )
    .bind(a.id)
    .bind(Uuid::new_v4())
    .execute(&pool)
    .await;
    assert!(
        insert.is_err(),
        "an unbound connection must not insert tenant rows"
    );
    let updated = sqlx::query("UPDATE materials SET price = 0")
        .execute(&pool)
        .await
        .expect("update runs");
    assert_eq!(
        updated.rows_affected(),
        0,
        "an unbound connection must not update tenant rows"
    );
    let deleted = sqlx::query("DELETE FROM users")
        .execute(&pool)
        .await
        .expect("delete runs");
    assert_eq!(deleted.rows_affected(), 0);
    app.cleanup().await;
}

#[tokio::test]
async fn with_tenant_a_bound_rows_cannot_be_written_to_or_moved_into_tenant_b() {
    let app = spawn_app().await;
    let (a, b) = two_tenants(&app).await;
    let pool = app.runtime_pool(1).await;

    let mut tx = TenantTx::begin(&pool, TenantId(a.id))
        .await
        .expect("bind A");
    let insert = sqlx::query(
        "INSERT INTO materials (tenant_id, id, code, name, category, unit, price) VALUES ($1, $2, 'X-1', 'x', 'glass', 'm2', 1)",
    )
    .bind(b.id)
    .bind(Uuid::new_v4())
    .execute(tx.conn())
    .await;
    let err = insert.expect_err("insert into B must fail");
    assert!(err.to_string().contains("row-level security"), "{err}");
    drop(tx);

    let mut tx = TenantTx::begin(&pool, TenantId(a.id))
        .await
        .expect("bind A");
    let moved = sqlx::query("UPDATE materials SET tenant_id = $1 WHERE code = 'VID-CLARO-4'")
        .bind(b.id)
        .execute(tx.conn())
        .await;
    assert!(moved.is_err(), "moving A's row into B must fail");
    drop(tx);

    let mut tx = TenantTx::begin(&pool, TenantId(a.id))
        .await
        .expect("bind A");
    let touched = sqlx::query("UPDATE materials SET price = 1 WHERE tenant_id = $1")
        .bind(b.id)
        .execute(tx.conn())
        .await
        .expect("update runs");
    assert_eq!(touched.rows_affected(), 0, "A must not update B's rows");
    let removed = sqlx::query("DELETE FROM materials WHERE tenant_id = $1")
        .bind(b.id)
        .execute(tx.conn())
        .await
        .expect("delete runs");
    assert_eq!(removed.rows_affected(), 0, "A must not delete B's rows");
    tx.commit().await.expect("commit");

    // The price history is append-only for the runtime role, in any tenant.
    for statement in [
        "UPDATE price_history SET new_price = 1",
        "DELETE FROM price_history",
        "UPDATE price_batches SET count = 1",
        "DELETE FROM price_batches",
    ] {
        let mut tx = TenantTx::begin(&pool, TenantId(a.id))
            .await
            .expect("bind A");
        let err = sqlx::query(statement)
            .execute(tx.conn())
            .await
            .expect_err(statement);
        assert!(
            err.to_string().contains("permission denied"),
            "{statement}: {err}"
        );
    }

    // B's prices are untouched.
    assert_eq!(app.price_of("VID-CLARO-4", &b.admin_token).await, "85.00");
    app.cleanup().await;
}

#[tokio::test]
async fn a_pooled_connection_reused_after_a_tenant_transaction_carries_no_tenant() {
    let app = spawn_app().await;
    let (a, _b) = two_tenants(&app).await;
    // One connection, so the second use is certainly the same connection.
    let pool = app.runtime_pool(1).await;
    let pid_before: i32 = {
        let mut tx = TenantTx::begin(&pool, TenantId(a.id))
            .await
            .expect("bind A");
        let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM materials")
            .fetch_one(tx.conn())
            .await
            .expect("count");
        assert_eq!(seen, 7, "A sees its seven glass prices");
        let pid = sqlx::query_scalar("SELECT pg_backend_pid()")
            .fetch_one(tx.conn())
            .await
            .expect("pid");
        tx.commit().await.expect("commit");
        pid
    };
    // And after a rolled-back one.
    {
        let mut tx = TenantTx::begin(&pool, TenantId(a.id))
            .await
            .expect("bind A");
        let _: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
            .fetch_one(tx.conn())
            .await
            .expect("count");
        drop(tx);
    }
    let mut conn = pool.acquire().await.expect("same connection");
    let pid_after: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut *conn)
        .await
        .expect("pid");
    assert_eq!(
        pid_before, pid_after,
        "the pool must have reused the connection"
    );
    let setting: Option<String> =
        sqlx::query_scalar("SELECT current_setting('app.tenant_id', true)")
            .fetch_one(&mut *conn)
            .await
            .expect("setting");
    assert_eq!(
        setting.as_deref().unwrap_or(""),
        "",
        "the tenant binding must not outlive its transaction"
    );
    let bound: Option<Uuid> = sqlx::query_scalar("SELECT app_current_tenant()")
        .fetch_one(&mut *conn)
        .await
        .expect("fn");
    assert_eq!(bound, None);
    let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM materials")
        .fetch_one(&mut *conn)
        .await
        .expect("count");
    assert_eq!(seen, 0, "a reused connection must see no tenant rows");
    app.cleanup().await;
}

#[tokio::test]
async fn every_table_with_a_tenant_id_is_listed_here_and_forces_rls_with_using_and_check() {
    let app = spawn_app().await;
    let pool = app.runtime_pool(1).await;
    let tables: Vec<String> = sqlx::query_scalar(
        r#"SELECT c.relname::text FROM pg_class c
             JOIN pg_namespace n ON n.oid = c.relnamespace
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
            WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 1"#,
    )
    .fetch_all(&pool)
    .await
    .expect("tables");
    let mut expected: Vec<String> = TENANT_TABLES
        .iter()
        .chain(WORK_TABLES.iter().map(|(t, _)| t))
        .map(|t| t.to_string())
        .collect();
    expected.sort();
    assert_eq!(
        tables, expected,
        "a new tenant table must be added to TENANT_TABLES (and get RLS)"
    );
    for (table, allowed) in WORK_TABLES {
        let columns: Vec<String> = sqlx::query_scalar(
            "SELECT column_name::text FROM information_schema.columns
              WHERE table_schema = 'public' AND table_name = $1 ORDER BY 1",
        )
        .bind(table)
        .fetch_all(&pool)
        .await
        .expect("columns");
        assert_eq!(
            columns, *allowed,
            "{table} holds ids and times only; anything else is tenant data and needs RLS"
        );
    }
    for table in TENANT_TABLES {
        let (enabled, forced): (bool, bool) = sqlx::query_as(
            "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = $1",
        )
        .bind(table)
        .fetch_one(&pool)
        .await
        .expect("flags");
        assert!(enabled && forced, "{table}: RLS must be enabled and forced");
        let (using, check): (Option<String>, Option<String>) =
            sqlx::query_as("SELECT qual, with_check FROM pg_policies WHERE tablename = $1")
                .bind(table)
                .fetch_one(&pool)
                .await
                .expect("policy");
        for clause in [using, check] {
            let clause = clause.unwrap_or_default();
            assert!(
                clause.contains("app_current_tenant()"),
                "{table}: policy clause {clause:?}"
            );
        }
    }
    app.cleanup().await;
}

#[tokio::test]
async fn the_runtime_role_is_fit_and_the_server_refuses_roles_that_bypass_rls() {
    let app = spawn_app().await;
    let pool = app.runtime_pool(1).await;
    assert_eq!(
        role_problem(&ventanas::db::Pool::new(pool.clone(), 0))
            .await
            .expect("check runs"),
        None
    );

    // The owner role owns the tables: the server must refuse it.
    let mut settings = app.settings.clone();
    settings.database.url = settings.database.owner_url.clone();
    let err = Application::build(settings)
        .await
        .err()
        .expect("owner role refused");
    assert!(format!("{err:#}").contains("owns table"), "{err:#}");

    // A superuser must be refused too.
    let mut settings = app.settings.clone();
    settings.database.url = format!("postgres://postgres@127.0.0.1:5432/{}", app.db_name).into();
    if let Ok(super_pool) = sqlx::PgPool::connect(settings.database.url.expose_secret()).await {
        super_pool.close().await;
        let err = Application::build(settings)
            .await
            .err()
            .expect("superuser refused");
        assert!(format!("{err:#}").contains("superuser"), "{err:#}");
    }
    app.cleanup().await;
}

#[tokio::test]
async fn the_platform_role_is_also_confined_by_rls_and_the_runtime_role_cannot_touch_platform_tables(
) {
    let app = spawn_app().await;
    let (_a, _b) = two_tenants(&app).await;
    let platform = app.platform_pool().await;
    assert!(tenant_ids_visible(&platform, None, "users")
        .await
        .is_empty());
    let runtime = app.runtime_pool(1).await;
    let keys = sqlx::query("SELECT count(*) FROM platform_api_keys")
        .fetch_one(&runtime)
        .await;
    assert!(
        keys.is_err(),
        "the runtime role must not read platform keys"
    );
    let answers = sqlx::query("SELECT count(*) FROM platform_idempotency_keys")
        .fetch_one(&runtime)
        .await;
    assert!(
        answers.is_err(),
        "the runtime role must not read the platform's stored answers"
    );
    let write = sqlx::query("UPDATE global_materials SET price = 1")
        .execute(&runtime)
        .await;
    assert!(
        write.is_err(),
        "the runtime role must not write the global catalogue"
    );
    app.cleanup().await;
}
