//! Connection pools and [`TenantTx`], the only way to touch tenant data.

use std::time::Duration;

use anyhow::Context as _;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgConnection, PgPool, Postgres, Transaction};

use crate::config::{DatabaseSettings, ExposeSecret as _, SecretString};
use crate::ids::TenantId;

pub mod repo;

pub use repo::role_problem;

/// The embedded migrations (`migrations/`), run as the owner role.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The server's two pools. Tenant requests only ever use `app`.
#[derive(Clone)]
pub struct Db {
    /// Runtime role: row-level security applies to everything it does.
    pub app: PgPool,
    /// Platform role: onboarding and the global default catalogue.
    pub platform: PgPool,
}

impl Db {
    /// Opens both pools lazily: no connection is made until first use. (The server
    /// itself connects at start-up to check its roles, so it does not start while
    /// PostgreSQL is down; once running, `/ready` reports the database state.)
    pub fn connect_lazy(settings: &DatabaseSettings) -> anyhow::Result<Self> {
        let app = pool_options(settings, settings.max_connections).connect_lazy_with(
            connect_options(&settings.url, settings.statement_timeout_ms)?,
        );
        let platform = pool_options(settings, settings.platform_max_connections).connect_lazy_with(
            connect_options(&settings.platform_url, settings.statement_timeout_ms)?,
        );
        Ok(Self { app, platform })
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
    PgPoolOptions::new()
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
        })
}

fn connect_options(
    url: &SecretString,
    statement_timeout_ms: u64,
) -> anyhow::Result<PgConnectOptions> {
    let options: PgConnectOptions = url
        .expose_secret()
        .parse()
        .context("invalid database URL")?;
    Ok(options
        .application_name("ventanas")
        .options([("statement_timeout", statement_timeout_ms.to_string())]))
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
    /// Begins a transaction with `tenant` bound to it, transaction-locally, in one
    /// round trip ([`repo::begin_bound`]): the binding ends with the transaction, so a
    /// pooled connection never carries it into the next request. The acquire-time
    /// metric covers waiting for a connection and the `BEGIN`.
    pub async fn begin(pool: &PgPool, tenant: TenantId) -> Result<Self, sqlx::Error> {
        let started = std::time::Instant::now();
        let tx = pool.begin_with(repo::begin_bound(tenant)).await?;
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

/// `text` as an ILIKE pattern matching it anywhere, its wildcards escaped.
pub fn like_pattern(text: &str) -> String {
    format!(
        "%{}%",
        text.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    )
}
