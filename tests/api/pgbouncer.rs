//! The service behind PgBouncer in transaction pooling, on a private `pgbouncer`
//! each test starts (built by `deploy/local/lib.sh`'s `ensure_pgbouncer` into
//! `target/pgbouncer/pgbouncer`; `PGBOUNCER_BIN` overrides). Consecutive transactions
//! of one client run on whichever server connection is free, so the tenant binding
//! and the statement timeout must come with each transaction, never from the
//! connection's start-up: the pooler here ignores no start-up parameter at all.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use std::str::FromStr as _;

use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection as _, PgConnection};
use ventanas::config::{ExposeSecret as _, SecretString, Settings};
use ventanas::db::TenantTx;
use ventanas::ids::TenantId;

use crate::helpers::{repo_dir, slug, spawn_app_with, TestApp};

/// A `pgbouncer` of our own on a free loopback port, in front of the local
/// PostgreSQL; killed when dropped.
struct PrivateBouncer {
    child: Child,
    port: u16,
    dir: PathBuf,
}

/// How the pooler is set up for a test.
struct BouncerSetup {
    /// Server connections per (database, role): 1 makes every client share one.
    pool_size: u32,
    /// PgBouncer's `max_prepared_statements`: 0 passes no named statement through.
    max_prepared_statements: u32,
}

fn pgbouncer_binary() -> PathBuf {
    std::env::var_os("PGBOUNCER_BIN").map_or_else(
        || repo_dir().join("target/pgbouncer/pgbouncer"),
        PathBuf::from,
    )
}

/// PgBouncer refuses to run as root unless told which user to become.
fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.trim_ascii() == b"0")
}

impl PrivateBouncer {
    /// Starts one whose `auth_file` holds the roles (and passwords) of `settings`'
    /// runtime and platform URLs, so it can log in to PostgreSQL as either.
    async fn start(settings: &Settings, setup: &BouncerSetup) -> Self {
        let binary = pgbouncer_binary();
        assert!(
            binary.is_file(),
            "no pgbouncer at {}: run `bash -c 'source deploy/local/lib.sh; ensure_pgbouncer'` \
             (deploy/local/test builds it) or set PGBOUNCER_BIN",
            binary.display()
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let dir = std::env::temp_dir().join(format!("ventanas-pgbouncer-{port}"));
        std::fs::create_dir_all(&dir).expect("pgbouncer folder");
        let users: Vec<String> = [&settings.database.url, &settings.database.platform_url]
            .into_iter()
            .map(|url| {
                let url: url::Url = url.expose_secret().parse().expect("database URL");
                format!(
                    "\"{}\" \"{}\"",
                    url.username(),
                    url.password().unwrap_or("")
                )
            })
            .collect();
        std::fs::write(dir.join("users.txt"), users.join("\n") + "\n").expect("auth file");
        let config = format!(
            "[databases]\n\
             * = host=127.0.0.1 port=5432\n\
             [pgbouncer]\n\
             listen_addr = 127.0.0.1\n\
             listen_port = {port}\n\
             unix_socket_dir =\n\
             auth_type = trust\n\
             auth_file = {users}\n\
             pool_mode = transaction\n\
             default_pool_size = {pool}\n\
             min_pool_size = 0\n\
             reserve_pool_size = 0\n\
             max_prepared_statements = {prepared}\n\
             {user}",
            users = dir.join("users.txt").display(),
            pool = setup.pool_size,
            prepared = setup.max_prepared_statements,
            user = if running_as_root() {
                "user = nobody\n"
            } else {
                ""
            },
        );
        let ini = dir.join("pgbouncer.ini");
        std::fs::write(&ini, config).expect("pgbouncer.ini");
        // It logs to stderr, into a file opened before it drops root (if it had it).
        let log = std::fs::File::create(dir.join("pgbouncer.log")).expect("log file");
        let child = Command::new(&binary)
            .arg(&ini)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("pgbouncer starts");
        let bouncer = Self { child, port, dir };
        bouncer.wait_up(settings).await;
        bouncer
    }

    async fn wait_up(&self, settings: &Settings) {
        // As the server connects: without sqlx's default `extra_float_digits`,
        // which this pooler (told to ignore no start-up parameter) would refuse.
        let options =
            PgConnectOptions::from_str(self.through(&settings.database.url).expose_secret())
                .expect("database URL")
                .extra_float_digits(None);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match PgConnection::connect_with(&options).await {
                Ok(conn) => {
                    let _ = conn.close().await;
                    return;
                }
                Err(err) => assert!(
                    Instant::now() < deadline,
                    "pgbouncer never answered: {err}; its log: {}",
                    std::fs::read_to_string(self.dir.join("pgbouncer.log")).unwrap_or_default()
                ),
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// `url` with the pooler's port in place of PostgreSQL's.
    fn through(&self, url: &SecretString) -> SecretString {
        let text = url.expose_secret();
        assert!(text.contains(":5432/"), "the test URLs name port 5432");
        text.replace(":5432/", &format!(":{}/", self.port)).into()
    }
}

impl Drop for PrivateBouncer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The app with its runtime and platform pools behind a private pooler (migrations
/// and the test's own superuser checks go direct), no cache in front of PostgreSQL,
/// and the statement timeout at `statement_timeout_ms`.
async fn spawn_behind_bouncer(
    setup: &BouncerSetup,
    statement_timeout_ms: u64,
) -> (TestApp, PrivateBouncer) {
    let base = crate::helpers::test_settings("postgres");
    let bouncer = PrivateBouncer::start(&base, setup).await;
    let app = spawn_app_with(|s| {
        s.database.url = bouncer.through(&s.database.url);
        s.database.platform_url = bouncer.through(&s.database.platform_url);
        s.database.statement_timeout_ms = statement_timeout_ms;
        // A pooler that passes no named statement needs the unnamed ones.
        s.database.named_statements = setup.max_prepared_statements > 0;
        // Every read goes to PostgreSQL: a cached price would prove nothing.
        s.cache.l1_ttl_ms = 0;
        s.redis.url = String::new().into();
    })
    .await;
    (app, bouncer)
}

/// Server connections the runtime role holds to the app's database.
async fn runtime_backends(app: &TestApp) -> i64 {
    let owner = app.settings.clone().with_database_name(&app.db_name);
    let mut conn = PgConnection::connect(owner.database.owner_url.expose_secret())
        .await
        .expect("owner connects");
    sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND usename = 'ventanas_app'",
    )
    .fetch_one(&mut conn)
    .await
    .expect("backends counted")
}

/// Two tenants edit and read the same code in interleaved rounds, all through the
/// pooler's `pool_size` server connections: each only ever sees its own price.
async fn two_tenants_never_see_each_others_prices(setup: BouncerSetup) {
    let (app, bouncer) = spawn_behind_bouncer(&setup, 5000).await;
    let a = app.onboard(&slug("bouncer-a")).await;
    let b = app.onboard(&slug("bouncer-b")).await;
    let code = "VID-CLARO-4";
    assert_eq!(app.price_of(code, &a.admin_token).await, "85.00");
    assert_eq!(app.price_of(code, &b.admin_token).await, "85.00");
    for round in 1..=12u32 {
        let (price_a, price_b) = (format!("{}.25", 100 + round), format!("{}.75", 300 + round));
        if round % 3 == 0 {
            // Both write at once, then four reads race each other.
            tokio::join!(
                app.set_price(code, &a.admin_token, &price_a),
                app.set_price(code, &b.admin_token, &price_b),
            );
        } else {
            // A writes, B reads its own (unchanged or last) price, then B writes.
            app.set_price(code, &a.admin_token, &price_a).await;
            let previous_b = if round == 1 {
                "85.00".to_owned()
            } else {
                format!("{}.75", 300 + round - 1)
            };
            assert_eq!(
                app.price_of(code, &b.admin_token).await,
                previous_b,
                "round {round}: B's price after A's write"
            );
            app.set_price(code, &b.admin_token, &price_b).await;
        }
        let (read_a, read_b, again_b, again_a) = tokio::join!(
            app.price_of(code, &a.admin_token),
            app.price_of(code, &b.admin_token),
            app.price_of(code, &b.admin_token),
            app.price_of(code, &a.admin_token),
        );
        assert_eq!(
            (read_a, again_a),
            (price_a.clone(), price_a),
            "round {round}: A"
        );
        assert_eq!(
            (read_b, again_b),
            (price_b.clone(), price_b),
            "round {round}: B"
        );
    }
    // The history of each is its own twelve edits, none of the other's.
    for (tenant, cents) in [(&a, ".25"), (&b, ".75")] {
        let history = app
            .get_items(
                &format!("/api/v1/materials/{code}/history"),
                &tenant.admin_token,
            )
            .await;
        let prices: Vec<&str> = history
            .as_array()
            .expect("history items")
            .iter()
            .filter(|h| h["source"] == "tenant" && h["old_price"].is_string())
            .filter_map(|h| h["new_price"].as_str())
            .collect();
        assert_eq!(prices.len(), 12, "{}: {prices:?}", tenant.slug);
        assert!(
            prices.iter().all(|p| p.ends_with(cents)),
            "{}: {prices:?}",
            tenant.slug
        );
    }
    let backends = runtime_backends(&app).await;
    assert!(
        (1..=i64::from(setup.pool_size)).contains(&backends),
        "the runtime role held {backends} server connections, the pooler allows {}",
        setup.pool_size
    );
    app.cleanup().await;
    drop(bouncer);
}

#[tokio::test]
async fn two_tenants_sharing_one_server_connection_never_see_each_others_prices() {
    two_tenants_never_see_each_others_prices(BouncerSetup {
        pool_size: 1,
        max_prepared_statements: 200,
    })
    .await;
}

#[tokio::test]
async fn two_tenants_sharing_two_server_connections_never_see_each_others_prices() {
    two_tenants_never_see_each_others_prices(BouncerSetup {
        pool_size: 2,
        max_prepared_statements: 200,
    })
    .await;
}

/// PgBouncer before 1.21 (or `max_prepared_statements = 0`) passes no named
/// statement: with `database.named_statements = false` the service runs the same
/// scenario, onboarding and logins included, on unnamed statements.
#[tokio::test]
async fn without_named_statements_two_tenants_sharing_two_server_connections_never_see_each_others_prices(
) {
    two_tenants_never_see_each_others_prices(BouncerSetup {
        pool_size: 2,
        max_prepared_statements: 0,
    })
    .await;
}

/// `SELECT pg_sleep(1)` in `tx` fails with `query_canceled` (57014) well before
/// the second is up.
async fn times_out(conn: ventanas::db::Conn<'_>, what: &str) {
    let started = Instant::now();
    let err = sqlx::query("SELECT pg_sleep(1)")
        .execute(conn)
        .await
        .expect_err(what);
    let code = err
        .as_database_error()
        .and_then(|e| e.code())
        .map(|c| c.into_owned());
    assert_eq!(code.as_deref(), Some("57014"), "{what}: {err}");
    assert!(started.elapsed() < Duration::from_millis(900), "{what}");
}

#[tokio::test]
async fn statement_timeouts_fire_through_the_pooler_for_the_runtime_and_platform_roles() {
    let setup = BouncerSetup {
        pool_size: 1,
        max_prepared_statements: 200,
    };
    let (app, bouncer) = spawn_behind_bouncer(&setup, 200).await;
    let t = app.onboard(&slug("bouncer-timeout")).await;
    let db = &app.state.db;

    let mut tx = TenantTx::begin(&db.app, TenantId(t.id))
        .await
        .expect("tenant transaction");
    let timeout: String = sqlx::query_scalar("SHOW statement_timeout")
        .fetch_one(tx.conn())
        .await
        .expect("runtime timeout");
    assert_eq!(timeout, "200ms", "runtime role, in a tenant transaction");
    times_out(tx.conn(), "runtime role, in a tenant transaction").await;
    drop(tx);

    let mut tx = db.platform.begin().await.expect("platform transaction");
    let timeout: String = sqlx::query_scalar("SHOW statement_timeout")
        .fetch_one(tx.conn())
        .await
        .expect("platform timeout");
    assert_eq!(timeout, "200ms", "platform role, in a transaction");
    times_out(tx.conn(), "platform role, in a transaction").await;
    drop(tx);

    // The platform role binding a tenant (onboarding, tenants sync) too.
    let mut tx = TenantTx::begin(&db.platform, TenantId(t.id))
        .await
        .expect("platform tenant transaction");
    times_out(tx.conn(), "platform role, in a tenant transaction").await;
    drop(tx);

    // Statements outside a transaction have the role's own default
    // (deploy/db/roles.sql), whatever server connection runs them.
    for (role, pool) in [("runtime", db.app.pg()), ("platform", db.platform.pg())] {
        let timeout: String = sqlx::query_scalar("SHOW statement_timeout")
            .fetch_one(pool)
            .await
            .expect("role default");
        assert_eq!(
            timeout, "5s",
            "the {role} role's default statement timeout (run ensure_roles)"
        );
    }

    // And a request still answers after its connection's transactions timed out.
    assert_eq!(app.price_of("VID-CLARO-4", &t.admin_token).await, "85.00");
    app.cleanup().await;
    drop(bouncer);
}

/// Why an older PgBouncer (no `max_prepared_statements`, like Debian 12's 1.18) is
/// not supported, pinned so that a sqlx upgrade that changes it is noticed: sqlx 0.8
/// names every statement it prepares (`sqlx_s_<n>`, counted per client connection)
/// even with its statement cache off, so two clients sharing a server connection
/// collide; only unnamed statements (`persistent(false)` on every query) get
/// through, and only inside a transaction (sqlx syncs between Parse and Bind, and
/// outside one the pooler may hand the Bind to another server connection).
#[tokio::test]
async fn without_pooler_prepared_statements_sqlx_named_statements_collide_even_with_its_cache_off()
{
    let setup = BouncerSetup {
        pool_size: 1,
        max_prepared_statements: 0,
    };
    let settings = crate::helpers::test_settings("postgres");
    let bouncer = PrivateBouncer::start(&settings, &setup).await;
    let url = bouncer.through(&settings.database.platform_url);
    for (cache, persistent, collides) in [(100, true, true), (0, true, true), (0, false, false)] {
        let options = PgConnectOptions::from_str(url.expose_secret())
            .expect("database URL")
            .extra_float_digits(None)
            .statement_cache_capacity(cache);
        let mut clients = [
            PgConnection::connect_with(&options)
                .await
                .expect("client a"),
            PgConnection::connect_with(&options)
                .await
                .expect("client b"),
        ];
        let mut failures = Vec::new();
        for n in 0..20_i64 {
            let conn = &mut clients[usize::from(n % 2 == 1)];
            let mut tx = conn.begin().await.expect("begin");
            let sql = if n % 4 < 2 {
                "SELECT $1::bigint + 0"
            } else {
                "SELECT $1::bigint * 1"
            };
            match sqlx::query_scalar::<_, i64>(sql)
                .bind(n)
                .persistent(persistent)
                .fetch_one(&mut *tx)
                .await
            {
                Ok(value) => assert_eq!(value, n, "cache {cache}, persistent {persistent}"),
                Err(err) => failures.push(err.to_string()),
            }
            let _ = tx.commit().await;
        }
        assert_eq!(
            !failures.is_empty(),
            collides,
            "cache {cache}, persistent {persistent}: {failures:?}"
        );
        assert!(
            failures.iter().all(|f| f.contains("already exists")),
            "{failures:?}"
        );
    }
    drop(bouncer);
}

/// Through a pooler in transaction mode a `LISTEN` gets no lasting connection, so
/// the webhook worker listens on `database.listen_url`, straight to PostgreSQL. With
/// polling all but off (once a minute), a price change still reaches the receiver at
/// once: the worker was woken by the notification.
#[tokio::test]
async fn the_webhook_worker_is_woken_through_its_direct_listen_url() {
    let setup = BouncerSetup {
        pool_size: 2,
        max_prepared_statements: 200,
    };
    let base = crate::helpers::test_settings("postgres");
    let bouncer = PrivateBouncer::start(&base, &setup).await;
    let app = spawn_app_with(|s| {
        s.database.listen_url = s.database.url.clone();
        s.database.url = bouncer.through(&s.database.url);
        s.database.platform_url = bouncer.through(&s.database.platform_url);
        s.webhooks.poll_interval_ms = 60_000;
    })
    .await;
    let t = app.onboard(&slug("bouncer-listen")).await;
    let receiver = crate::webhooks::receiver::Receiver::start(&[]).await;
    crate::webhooks::register(&app, &t.admin_token, &receiver.url, &["price.changed"]).await;
    app.set_price("VID-CLARO-4", &t.admin_token, "91.5").await;
    let got = receiver.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(got[0].json()["data"]["new"], "91.50");
    assert_eq!(got[0].json()["data"]["code"], "VID-CLARO-4");
    app.cleanup().await;
    drop(bouncer);
}
