//! Connection pools and [`TenantTx`], the only way to touch tenant data.

use std::time::Duration;

use anyhow::Context as _;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgConnection, PgPool, Postgres, Transaction};

use crate::config::{DatabaseSettings, ExposeSecret as _, SecretString};
use crate::ids::TenantId;

pub mod citus;
pub mod repo;

pub use repo::role_problem;

/// The embedded migrations (`migrations/`), run as the owner role.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The server's two pools. Tenant requests only ever use `app`.
#[derive(Clone)]
pub struct Db {
    /// Runtime role: row-level security applies to everything it does.
    pub app: Pool,
    /// Platform role: onboarding and the global default catalogue.
    pub platform: Pool,
}

/// A pool and the statement timeout every transaction begun on it sets for itself.
///
/// Nothing here depends on a connection's start-up parameters: behind PgBouncer in
/// transaction pooling, consecutive transactions of one client run on different
/// server connections, and PgBouncer refuses start-up parameters it cannot track
/// (`options`, `extra_float_digits`). So the timeout, like the tenant, is set with
/// `SET LOCAL` at the start of each transaction, in the same round trip as `BEGIN`.
/// A statement run outside a transaction has the role's own timeout
/// (`deploy/db/roles.sql` sets one). Derefs to the [`PgPool`] for those.
#[derive(Clone)]
pub struct Pool {
    pg: PgPool,
    statement_timeout_ms: u64,
}

impl Pool {
    /// Wraps `pg`; transactions begun through [`Pool::begin`] or [`TenantTx::begin`]
    /// time out their statements after `statement_timeout_ms` (0: never).
    pub fn new(pg: PgPool, statement_timeout_ms: u64) -> Self {
        Self {
            pg,
            statement_timeout_ms,
        }
    }

    /// Begins a transaction with no tenant bound (platform work, queues), its
    /// statement timeout set transaction-locally. Shadows [`PgPool::begin`].
    pub async fn begin(&self) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
        self.pg
            .begin_with(repo::begin_unbound(self.statement_timeout_ms))
            .await
    }
}

impl std::ops::Deref for Pool {
    type Target = PgPool;

    fn deref(&self) -> &PgPool {
        &self.pg
    }
}

/// What [`TenantTx::begin`] opens a transaction on: a [`Pool`] (its statement
/// timeout set per transaction) or a bare [`PgPool`] (tests and tooling: the
/// connection's own timeout applies).
pub trait TxSource: Sync {
    /// The pool connections come from.
    fn pg(&self) -> &PgPool;
    /// The statement timeout to set in each transaction, if any.
    fn statement_timeout_ms(&self) -> Option<u64>;
}

impl TxSource for Pool {
    fn pg(&self) -> &PgPool {
        &self.pg
    }

    fn statement_timeout_ms(&self) -> Option<u64> {
        Some(self.statement_timeout_ms)
    }
}

impl TxSource for PgPool {
    fn pg(&self) -> &PgPool {
        self
    }

    fn statement_timeout_ms(&self) -> Option<u64> {
        None
    }
}

impl Db {
    /// Opens both pools lazily: no connection is made until first use. (The server
    /// itself connects at start-up to check its roles, so it does not start while
    /// PostgreSQL is down; once running, `/ready` reports the database state.)
    pub fn connect_lazy(settings: &DatabaseSettings) -> anyhow::Result<Self> {
        let pool = |url: &SecretString, max: u32| -> anyhow::Result<Pool> {
            let pg = pool_options(settings, max).connect_lazy_with(connect_options(url)?);
            Ok(Pool::new(pg, settings.statement_timeout_ms))
        };
        Ok(Self {
            app: pool(&settings.url, settings.max_connections)?,
            platform: pool(&settings.platform_url, settings.platform_max_connections)?,
        })
    }

    /// Refuses to serve if either role could bypass row-level security: superuser,
    /// BYPASSRLS, or owner (directly or through membership) of any table.
    pub async fn check_roles(&self) -> anyhow::Result<()> {
        for (name, pool) in [("runtime", &self.app), ("platform", &self.platform)] {
            let problem = role_problem(pool)
                .await
                .with_context(|| format!("checking the {name} database role"))?;
            if let Some(problem) = problem {
                anyhow::bail!("refusing to start: the {name} database role {problem}");
            }
        }
        Ok(())
    }
}

/// A connection idle for longer than this is pinged before it is handed out.
const PING_IF_IDLE_FOR: Duration = Duration::from_secs(1);

fn pool_options(settings: &DatabaseSettings, max: u32) -> PgPoolOptions {
    // sqlx pings every connection on acquire by default: a round trip before each
    // transaction, the largest single cost of an uncached lookup. A connection that
    // was in use a moment ago is almost surely alive, so only idle ones are checked
    // (a connection broken in between fails its request with a 503 and is dropped).
    let options = PgPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(Duration::from_millis(settings.acquire_timeout_ms))
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for > PING_IF_IDLE_FOR {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        });
    if settings.citus {
        // Per connection, on the coordinator only: a role default would reach the
        // workers too, which then fail on nested propagation.
        options.after_connect(|conn, _| Box::pin(repo::propagate_set_locally(conn)))
    } else {
        options
    }
}

/// Only start-up parameters PgBouncer passes on: `application_name` (which it
/// tracks per client). sqlx's default `extra_float_digits` is left out (PgBouncer
/// refuses it unless told to ignore it; nothing here reads floats as text), and
/// the statement timeout is set per transaction, not in `options`.
fn connect_options(url: &SecretString) -> anyhow::Result<PgConnectOptions> {
    let options: PgConnectOptions = url
        .expose_secret()
        .parse()
        .context("invalid database URL")?;
    Ok(options
        .application_name("ventanas")
        .extra_float_digits(None))
}

/// A pool of the owner role for the command line's work on tenant data (`tenants
/// import`, `tenants purge`): one connection, and with `database.citus` the same
/// per-connection setting as the server's pools, so the `SET LOCAL` binding of
/// each transaction reaches the workers.
pub async fn connect_owner(settings: &DatabaseSettings) -> anyhow::Result<PgPool> {
    let options = PgPoolOptions::new().max_connections(1);
    let options = if settings.citus {
        options.after_connect(|conn, _| Box::pin(repo::propagate_set_locally(conn)))
    } else {
        options
    };
    options
        .connect(settings.owner_url.expose_secret())
        .await
        .context("connecting as the owner role (database.owner_url)")
}

/// Runs pending migrations as the owner role.
pub async fn migrate(owner_url: &SecretString) -> anyhow::Result<()> {
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect(owner_url.expose_secret())
        .await
        .context("connecting as the owner role")?;
    MIGRATOR.run(&pool).await.context("running migrations")?;
    pool.close().await;
    Ok(())
}

/// A transaction with a tenant bound to it. Repositories take this, never a pool:
/// holding one is the proof that row-level security scopes every statement in it
/// to exactly one tenant.
pub struct TenantTx {
    tx: Transaction<'static, Postgres>,
    tenant: TenantId,
}

impl TenantTx {
    /// Begins a transaction with `tenant` bound to it, and the pool's statement
    /// timeout, transaction-locally, in one round trip ([`repo::begin_bound`]): both
    /// end with the transaction, so a pooled connection (or a PgBouncer server
    /// connection) never carries them into the next request. The acquire-time
    /// metric covers waiting for a connection and the `BEGIN`.
    pub async fn begin<P: TxSource + ?Sized>(
        pool: &P,
        tenant: TenantId,
    ) -> Result<Self, sqlx::Error> {
        let started = std::time::Instant::now();
        let statement = repo::begin_bound(tenant, pool.statement_timeout_ms());
        let tx = pool.pg().begin_with(statement).await?;
        crate::ops::metrics::acquired("tenant_tx", started.elapsed());
        Ok(Self { tx, tenant })
    }

    /// The bound tenant.
    pub fn tenant(&self) -> TenantId {
        self.tenant
    }

    /// The connection, for running queries.
    pub fn conn(&mut self) -> &mut PgConnection {
        &mut self.tx
    }

    /// Commits. Dropping without committing rolls back.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }

    /// Rolls back now (rather than when dropped), e.g. after a dry run.
    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
    }
}

/// `name` as a quoted SQL identifier, for the few statements whose table or column
/// names come from code or from the catalogue (never from a request).
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `text` as an ILIKE pattern matching it anywhere, its wildcards escaped.
pub fn like_pattern(text: &str) -> String {
    format!(
        "%{}%",
        text.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    )
}
