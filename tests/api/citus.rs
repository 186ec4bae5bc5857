//! ventanas on a Citus cluster (issue #11): a coordinator and two workers on
//! loopback ports, started by `deploy/local/test citus` (deploy/citus/cluster;
//! CITUS_PORTS moves them: coordinator first). Each test gets its own database on
//! every node, with the extension, the workers added, the schema migrated and
//! distributed by `ventanas citus distribute`'s own code, and the server on the
//! coordinator with `database.citus` on. Ignored in the normal suite.

use std::time::{Duration, Instant};

use sqlx::{Connection as _, PgConnection, PgPool, Row as _};
use uuid::Uuid;
use ventanas::config::{ExposeSecret as _, Settings};
use ventanas::db::TenantTx;
use ventanas::ids::TenantId;

use crate::helpers::{migrate_seed_and_start, new_database_name, test_settings, TestApp};
use crate::rls::{two_tenants, TENANT_TABLES};

const IGNORED: &str = "needs the Citus cluster: deploy/local/test citus";

/// The cluster's ports: the coordinator, then the workers.
fn ports() -> Vec<u16> {
    std::env::var("CITUS_PORTS")
        .unwrap_or_else(|_| "5441 5442 5443".to_owned())
        .split_whitespace()
        .map(|p| p.parse().expect("CITUS_PORTS: port numbers"))
        .collect()
}

async fn superuser(port: u16, database: &str) -> PgConnection {
    PgConnection::connect(&format!("postgres://postgres@127.0.0.1:{port}/{database}"))
        .await
        .unwrap_or_else(|e| panic!("superuser on port {port} ({e}): {IGNORED}"))
}

async fn run(conn: &mut PgConnection, sql: &str) {
    sqlx::raw_sql(sql)
        .execute(conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Points every database URL at `port`.
fn on_port(settings: &mut Settings, port: u16) {
    for url in [
        &mut settings.database.url,
        &mut settings.database.platform_url,
        &mut settings.database.owner_url,
    ] {
        let mut parsed = url::Url::parse(url.expose_secret()).expect("url");
        parsed.set_port(Some(port)).expect("port");
        *url = parsed.to_string().into();
    }
}

/// The app on a fresh database of the cluster, its schema distributed. Four shards
/// per table (Citus's default is 32) keep a test database quick to make.
pub(crate) async fn spawn_citus_app() -> TestApp {
    // One at a time: Citus propagates the roles to the workers as each database is
    // set up, and two at once collide ("tuple concurrently updated").
    static SETUP: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let setup = SETUP.lock().await;
    let name = new_database_name();
    let ports = ports();
    for port in &ports {
        let mut conn = superuser(*port, "postgres").await;
        run(
            &mut conn,
            &format!(r#"CREATE DATABASE "{name}" OWNER ventanas_owner"#),
        )
        .await;
        run(
            &mut conn,
            &format!(r#"ALTER DATABASE "{name}" SET citus.shard_count = 4"#),
        )
        .await;
        run(&mut superuser(*port, &name).await, "CREATE EXTENSION citus").await;
    }
    let mut coordinator = superuser(ports[0], &name).await;
    run(
        &mut coordinator,
        &format!(
            "SELECT citus_set_coordinator_host('127.0.0.1', {})",
            ports[0]
        ),
    )
    .await;
    for worker in &ports[1..] {
        run(
            &mut coordinator,
            &format!("SELECT citus_add_node('127.0.0.1', {worker})"),
        )
        .await;
    }
    let mut settings = test_settings(&name);
    on_port(&mut settings, ports[0]);
    settings.database.citus = true;
    ventanas::db::migrate(&settings.database.owner_url)
        .await
        .unwrap_or_else(|e| panic!("migrations on the coordinator: {e:#}"));
    let owner = PgPool::connect(settings.database.owner_url.expose_secret())
        .await
        .expect("owner connects");
    let started = Instant::now();
    let report = ventanas::db::citus::distribute(&owner)
        .await
        .expect("the schema distributes");
    eprintln!(
        "citus: {} tables distributed, {} reference tables, in {:?}",
        report.distributed.len(),
        report.reference.len(),
        started.elapsed()
    );
    let again = ventanas::db::citus::distribute(&owner)
        .await
        .expect("again");
    assert_eq!(
        (
            again.distributed.len(),
            again.reference.len(),
            again.already
        ),
        (0, 0, report.distributed.len() + report.reference.len()),
        "distribute is idempotent"
    );
    owner.close().await;
    drop(setup);
    migrate_seed_and_start(settings, name).await
}

/// Drops the test's database on every node, as the superuser: the owner role the
/// app's cleanup uses may not end Citus's own background connections to it.
pub(crate) async fn cleanup(mut app: TestApp) {
    app.stop_server().await;
    for port in ports() {
        let mut conn = superuser(port, "postgres").await;
        let drop = format!(r#"DROP DATABASE IF EXISTS "{}" WITH (FORCE)"#, app.db_name);
        let mut tries = 0;
        while let Err(e) = sqlx::raw_sql(&drop).execute(&mut conn).await {
            tries += 1;
            if tries == 5 {
                eprintln!("{} not dropped on port {port}: {e}", app.db_name);
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// `(distributed tables, their co-location groups, reference tables)`, and the
/// workers holding shards of `materials`.
async fn layout(app: &TestApp) -> ((i64, i64, i64), i64) {
    let mut conn = superuser(ports()[0], &app.db_name).await;
    let counts = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE partmethod = 'h'),
                count(DISTINCT colocationid) FILTER (WHERE partmethod = 'h'),
                count(*) FILTER (WHERE partmethod = 'n' AND repmodel = 't')
           FROM pg_dist_partition",
    )
    .fetch_one(&mut conn)
    .await
    .expect("layout");
    let workers = sqlx::query_scalar(
        "SELECT count(DISTINCT nodeport) FROM citus_shards WHERE table_name = 'materials'::regclass",
    )
    .fetch_one(&mut conn)
    .await
    .expect("placements");
    (counts, workers)
}

/// The tenant ids a query answers, in a transaction bound to `tenant` by the
/// server's own [`TenantTx`].
async fn seen(pool: &PgPool, tenant: Uuid, sql: &str, other: Uuid) -> Vec<Uuid> {
    let mut tx = TenantTx::begin(pool, TenantId(tenant)).await.expect("bind");
    let query = sqlx::query(sql);
    let query = if sql.contains("$1") {
        query.bind(other)
    } else {
        query
    };
    let rows = query
        .fetch_all(tx.conn())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.iter().map(|r| r.get::<Uuid, _>(0)).collect()
}

#[tokio::test]
#[ignore = "needs the Citus cluster: deploy/local/test citus"]
async fn every_tenant_table_is_sharded_and_no_query_sees_or_writes_another_tenants_rows() {
    let app = spawn_citus_app().await;
    let work_tables = 1; // webhook_queue: a tenant_id, no row-level security
    assert_eq!(
        layout(&app).await,
        ((TENANT_TABLES.len() as i64 + work_tables, 1, 9), 2),
        "every tenant table distributed in one co-location group, shards on both workers"
    );
    let (a, b) = two_tenants(&app).await;
    let pool = app.runtime_pool(2).await;
    for table in TENANT_TABLES {
        for (own, other) in [(a.id, b.id), (b.id, a.id)] {
            // Multi-shard: no tenant filter, every shard asked.
            let all = seen(&pool, own, &format!("SELECT tenant_id FROM {table}"), other).await;
            assert!(!all.is_empty(), "{table}: no rows of its own (multi-shard)");
            assert!(
                all.iter().all(|t| *t == own),
                "{table}: another tenant's rows (multi-shard)"
            );
            // Router: the other tenant's shard, asked by name.
            let sql = format!("SELECT tenant_id FROM {table} WHERE tenant_id = $1");
            assert_eq!(
                seen(&pool, own, &sql, other).await,
                Vec::<Uuid>::new(),
                "{table}: router"
            );
            assert_eq!(
                seen(&pool, own, &sql, own).await.len(),
                all.len(),
                "{table}: router query on its own shard"
            );
            // Writes: no router or multi-shard update or delete reaches the other's
            // rows (where the runtime role may update or delete at all).
            for sql in [
                format!("DELETE FROM {table} WHERE tenant_id = $1"),
                // A cast defeats shard pruning: every shard is asked.
                format!("DELETE FROM {table} WHERE tenant_id::text = $1::uuid::text"),
                format!("UPDATE {table} SET tenant_id = tenant_id WHERE tenant_id = $1"),
                format!("UPDATE {table} SET tenant_id = tenant_id WHERE tenant_id::text = $1::uuid::text"),
            ] {
                let mut tx = TenantTx::begin(&pool, TenantId(own)).await.expect("bind");
                match sqlx::query(&sql).bind(other).execute(tx.conn()).await {
                    Ok(done) => assert_eq!(done.rows_affected(), 0, "{sql}"),
                    Err(e) => assert!(e.to_string().contains("permission denied"), "{sql}: {e}"),
                }
                tx.rollback().await.expect("rollback");
            }
            // An update of every row, on every shard, touches exactly the shop's own.
            let mut tx = TenantTx::begin(&pool, TenantId(own)).await.expect("bind");
            let sql = format!("UPDATE {table} SET tenant_id = tenant_id");
            match sqlx::query(&sql).execute(tx.conn()).await {
                Ok(done) => assert_eq!(done.rows_affected(), all.len() as u64, "{sql}"),
                Err(e) => assert!(e.to_string().contains("permission denied"), "{sql}: {e}"),
            }
            tx.rollback().await.expect("rollback");
        }
    }
    // And nobody writes a row into another tenant's shard.
    let mut tx = TenantTx::begin(&pool, TenantId(a.id)).await.expect("bind");
    let err = sqlx::query(
        "INSERT INTO materials (tenant_id, id, code, name, category, unit, price)
         VALUES ($1, $2, 'X-1', 'x', 'glass', 'm2', 1)",
    )
    .bind(b.id)
    .bind(Uuid::new_v4())
    .execute(tx.conn())
    .await
    .expect_err("an insert into B bound to A");
    assert!(err.to_string().contains("row-level security"), "{err}");
    drop(tx);
    cleanup(app).await;
}

/// Without the per-connection setting (or with `set_config` binding the tenant) the
/// workers see no tenant, and every tenant query answers nothing: what
/// `database.citus` is for.
#[tokio::test]
#[ignore = "needs the Citus cluster: deploy/local/test citus"]
async fn without_the_per_connection_setting_the_workers_see_no_tenant() {
    let app = spawn_citus_app().await;
    let (a, _b) = two_tenants(&app).await;
    let count = "SELECT count(*) FROM materials WHERE tenant_id = $1";
    let plain = PgPool::connect(app.settings.database.url.expose_secret())
        .await
        .expect("runtime role connects");
    let mut tx = TenantTx::begin(&plain, TenantId(a.id)).await.expect("bind");
    let n: i64 = sqlx::query_scalar(count)
        .bind(a.id)
        .fetch_one(tx.conn())
        .await
        .expect("count");
    assert_eq!(
        n, 0,
        "a plain connection's SET LOCAL stays on the coordinator"
    );
    drop(tx);

    let pool = app.runtime_pool(1).await;
    let mut tx = pool.begin().await.expect("begin");
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(a.id.to_string())
        .execute(&mut *tx)
        .await
        .expect("set_config");
    let n: i64 = sqlx::query_scalar(count)
        .bind(a.id)
        .fetch_one(&mut *tx)
        .await
        .expect("count");
    assert_eq!(n, 0, "set_config is not forwarded to the workers");
    drop(tx);

    let mut tx = TenantTx::begin(&pool, TenantId(a.id)).await.expect("bind");
    let n: i64 = sqlx::query_scalar(count)
        .bind(a.id)
        .fetch_one(tx.conn())
        .await
        .expect("count");
    assert!(
        n >= 7,
        "with the setting the tenant's materials are seen: {n}"
    );
    drop(tx);
    cleanup(app).await;
}

#[tokio::test]
#[ignore = "needs the Citus cluster: deploy/local/test citus"]
async fn http_isolation_and_the_fallback_to_the_global_defaults_hold_on_citus() {
    let app = spawn_citus_app().await;
    crate::http_isolation::every_endpoint_called_with_tenant_a_on_tenant_b_resources_answers_404_and_changes_nothing_on(&app).await;
    crate::fallback::deactivating_the_tenants_copy_falls_back_to_the_global_default_on(&app).await;
    crate::fallback::a_code_added_to_the_defaults_after_onboarding_is_visible_through_the_fallback_on(&app).await;
    cleanup(app).await;
}

#[tokio::test]
#[ignore = "needs the Citus cluster: deploy/local/test citus"]
async fn quotes_are_priced_saved_sent_frozen_and_revised_on_citus() {
    let app = spawn_citus_app().await;
    let started = Instant::now();
    crate::quotes::the_preview_itemises_every_bom_line_and_uses_the_tenants_own_prices_at_once_on(
        &app,
    )
    .await;
    crate::saved_quotes::a_quote_goes_from_draft_to_sent_frozen_then_revised_from_current_prices_and_accepted_on(&app).await;
    crate::saved_quotes::a_sent_version_is_frozen_in_the_database_too_on(&app).await;
    crate::saved_quotes::another_tenants_quotes_are_404_and_unchanged_and_viewers_only_read_on(
        &app,
    )
    .await;
    assert!(
        started.elapsed() < Duration::from_secs(120),
        "quotes took {:?}",
        started.elapsed()
    );
    cleanup(app).await;
}
