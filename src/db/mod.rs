//! Connection pools and [`TenantTx`], the only way to touch tenant data.

use std::time::Duration;

use anyhow::Context as _;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres, Transaction};

use crate::config::{DatabaseSettings, ExposeSecret as _, SecretString};
use crate::ids::TenantId;

pub mod citus;
mod exec;
pub mod repo;

pub use exec::Conn;

pub use repo::role_problem;

/// Maps an enum kept in a `text` column (its `sqlx::Encode` / `sqlx::Decode`
/// derived, `rename_all` naming the values) to PostgreSQL's `text` by OID. The
/// derive's `#[sqlx(type_name = "text")]` names the type instead, which sqlx
/// resolves on every new connection with a statement of its own (`SELECT
/// $1::regtype::oid`, prepared under a name): one more round trip, and a name
/// collision behind a pooler that passes no named statement.
macro_rules! text_type {
    ($name:ident) => {
        impl sqlx::Type<sqlx::Postgres> for $name {
            fn type_info() -> sqlx::postgres::PgTypeInfo {
                <str as sqlx::Type<sqlx::Postgres>>::type_info()
            }

            fn compatible(ty: &sqlx::postgres::PgTypeInfo) -> bool {
                <str as sqlx::Type<sqlx::Postgres>>::compatible(ty)
            }
        }

        impl sqlx::postgres::PgHasArrayType for $name {
            fn array_type_info() -> sqlx::postgres::PgTypeInfo {
                <&str as sqlx::postgres::PgHasArrayType>::array_type_info()
            }
        }
    };
}
pub(crate) use text_type;

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
/// (`deploy/db/roles.sql` sets one).
///
/// Statements run only inside transactions ([`Pool::begin`], [`TenantTx::begin`]),
/// whose [`Conn`] prepares them as `database.named_statements` says: unnamed
/// statements are only safe behind a pooler when a transaction pins the server
/// connection (see [`exec`]).
#[derive(Clone)]
pub struct Pool {
    pg: PgPool,
    statement_timeout_ms: u64,
    unnamed: bool,
}

impl Pool {
    /// Wraps `pg`; transactions begun through [`Pool::begin`] or [`TenantTx::begin`]
    /// time out their statements after `statement_timeout_ms` (0: never), and use
    /// named prepared statements.
    pub fn new(pg: PgPool, statement_timeout_ms: u64) -> Self {
        Self {
            pg,
            statement_timeout_ms,
            unnamed: false,
        }
    }

    /// The same, every statement sent as the unnamed statement when
    /// `named_statements` is false.
    #[must_use]
    pub fn with_named_statements(self, named_statements: bool) -> Self {
        Self {
            unnamed: !named_statements,
            ..self
        }
    }

    /// Begins a transaction with no tenant bound (platform work, queues), its
    /// statement timeout set transaction-locally.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        let tx = self
            .pg
            .begin_with(repo::begin_unbound(self.statement_timeout_ms))
            .await?;
        Ok(Tx {
            tx,
            unnamed: self.unnamed,
        })
    }

    /// A connection for statements that need no transaction of their own (a
    /// lookup, an upsert that stands alone). With unnamed statements it is a
    /// transaction after all, the only way they are safe behind a pooler: call
    /// [`Single::finish`] to commit what it wrote.
    pub async fn single(&self) -> Result<Single, sqlx::Error> {
        Ok(Single(if self.unnamed {
            SingleConn::Tx(self.begin().await?)
        } else {
            SingleConn::Pooled(self.pg.acquire().await?)
        }))
    }

    /// The sqlx pool, for what is not a statement: its size, closing it, a
    /// `LISTEN` connection.
    pub fn pg(&self) -> &PgPool {
        &self.pg
    }
}

/// See [`Pool::single`].
pub struct Single(SingleConn);

enum SingleConn {
    Pooled(PoolConnection<Postgres>),
    Tx(Tx),
}

impl Single {
    /// The connection, for running statements.
    pub fn conn(&mut self) -> Conn<'_> {
        match &mut self.0 {
            SingleConn::Pooled(conn) => Conn::new(conn, false),
            SingleConn::Tx(tx) => tx.conn(),
        }
    }

    /// Ends it: commits when it is a transaction, else returns the connection.
    pub async fn finish(self) -> Result<(), sqlx::Error> {
        match self.0 {
            SingleConn::Pooled(_) => Ok(()),
            SingleConn::Tx(tx) => tx.commit().await,
        }
    }
}

/// A transaction with no tenant bound: platform work, the queues' claims, checks
/// that read no tenant data. Row-level security still applies (nothing is
/// visible in a tenant table without a tenant).
pub struct Tx {
    tx: Transaction<'static, Postgres>,
    unnamed: bool,
}

impl Tx {
    /// The connection, for running statements.
    pub fn conn(&mut self) -> Conn<'_> {
        Conn::new(&mut self.tx, self.unnamed)
    }

    /// Commits. Dropping without committing rolls back.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }

    /// Rolls back now (rather than when dropped).
    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
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
    /// Whether statements go as the unnamed statement ([`Conn`]).
    fn unnamed_statements(&self) -> bool {
        false
    }
}

impl TxSource for Pool {
    fn pg(&self) -> &PgPool {
        &self.pg
    }

    fn statement_timeout_ms(&self) -> Option<u64> {
        Some(self.statement_timeout_ms)
    }

    fn unnamed_statements(&self) -> bool {
        self.unnamed
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
            Ok(Pool::new(pg, settings.statement_timeout_ms)
                .with_named_statements(settings.named_statements))
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
    unnamed: bool,
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
        Ok(Self {
            tx,
            tenant,
            unnamed: pool.unnamed_statements(),
        })
    }

    /// The bound tenant.
    pub fn tenant(&self) -> TenantId {
        self.tenant
    }

    /// The connection, for running statements.
    pub fn conn(&mut self) -> Conn<'_> {
        Conn::new(&mut self.tx, self.unnamed)
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
