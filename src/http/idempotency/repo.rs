//! SQL for idempotency records: tenant keys in `idempotency_keys` (row-level
//! security, reached only through [`TenantTx`]), platform keys in
//! `platform_idempotency_keys` (the platform pool).
//!
//! Each step is its own short transaction: the claim must be visible to concurrent
//! requests before the endpoint runs, and the endpoint's own transaction must not
//! hold a lock on the record while it works.

use chrono::{DateTime, Utc};

use crate::db::{Conn, Db, TenantTx, Tx};
use crate::ids::TenantId;

/// Whose keys a request uses: its tenant's, or the platform operator's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Tenant(TenantId),
    Platform,
}

/// Where a record stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Encode, sqlx::Decode)]
#[sqlx(rename_all = "snake_case")]
pub enum State {
    /// Claimed: the endpoint is running (or the server stopped while it ran).
    InProgress,
    /// The endpoint answered 2xx; the answer is stored.
    Done,
}

crate::db::text_type!(State);

/// A stored record.
#[derive(Debug, sqlx::FromRow)]
pub struct Record {
    pub fingerprint: Vec<u8>,
    pub state: State,
    pub status: Option<i16>,
    pub content_type: Option<String>,
    pub etag: Option<String>,
    pub location: Option<String>,
    pub body: Option<Vec<u8>>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A successful answer to keep for replays.
#[derive(Debug)]
pub struct Answer {
    pub status: i16,
    pub content_type: Option<String>,
    pub etag: Option<String>,
    pub location: Option<String>,
    pub body: Vec<u8>,
}

/// The outcome of a claim.
#[derive(Debug)]
pub enum Claimed {
    /// The key is ours: run the endpoint.
    Taken,
    /// The key is held by an earlier request (done or still running).
    Held(Record),
    /// The key changed hands repeatedly while we looked: treat it as in progress.
    Contended,
}

/// The statements of one table. Both tables have the same columns; the tenant
/// table's `tenant_id` defaults to the tenant bound to the transaction and
/// row-level security confines every statement to it.
struct Statements {
    purge: &'static str,
    claim: &'static str,
    find: &'static str,
    complete: &'static str,
    release: &'static str,
}

const TENANT_SQL: Statements = Statements {
    purge: "DELETE FROM idempotency_keys WHERE expires_at <= now()",
    claim: r#"
        INSERT INTO idempotency_keys (key, fingerprint, expires_at)
        VALUES ($1, $2, now() + interval '24 hours')
        ON CONFLICT DO NOTHING
    "#,
    find: r#"
        SELECT fingerprint, state, status, content_type, etag, location, body, created_at, expires_at
          FROM idempotency_keys
         WHERE key = $1
    "#,
    complete: r#"
        UPDATE idempotency_keys
           SET state = 'done', status = $3, content_type = $4, etag = $5, location = $6, body = $7
         WHERE key = $1 AND fingerprint = $2 AND state = 'in_progress'
    "#,
    release:
        "DELETE FROM idempotency_keys WHERE key = $1 AND fingerprint = $2 AND state = 'in_progress'",
};

const PLATFORM_SQL: Statements = Statements {
    purge: "DELETE FROM platform_idempotency_keys WHERE expires_at <= now()",
    claim: r#"
        INSERT INTO platform_idempotency_keys (key, fingerprint, expires_at)
        VALUES ($1, $2, now() + interval '24 hours')
        ON CONFLICT DO NOTHING
    "#,
    find: r#"
        SELECT fingerprint, state, status, content_type, etag, location, body, created_at, expires_at
          FROM platform_idempotency_keys
         WHERE key = $1
    "#,
    complete: r#"
        UPDATE platform_idempotency_keys
           SET state = 'done', status = $3, content_type = $4, etag = $5, location = $6, body = $7
         WHERE key = $1 AND fingerprint = $2 AND state = 'in_progress'
    "#,
    release: "DELETE FROM platform_idempotency_keys WHERE key = $1 AND fingerprint = $2 AND state = 'in_progress'",
};

/// A transaction on the scope's table: tenant keys only through [`TenantTx`].
enum ScopeTx {
    Tenant(TenantTx),
    Platform(Tx),
}

impl ScopeTx {
    async fn begin(db: &Db, scope: Scope) -> Result<Self, sqlx::Error> {
        Ok(match scope {
            Scope::Tenant(tenant) => Self::Tenant(TenantTx::begin(&db.app, tenant).await?),
            Scope::Platform => Self::Platform(db.platform.begin().await?),
        })
    }

    fn parts(&mut self) -> (Conn<'_>, &'static Statements) {
        match self {
            Self::Tenant(tx) => (tx.conn(), &TENANT_SQL),
            Self::Platform(tx) => (tx.conn(), &PLATFORM_SQL),
        }
    }

    async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Self::Tenant(tx) => tx.commit().await,
            Self::Platform(tx) => tx.commit().await,
        }
    }
}

/// Claims `key` for a request with `fingerprint`, after deleting the scope's expired
/// records (this key's included: an expired key is new again). A claim that
/// vanishes between the insert and the read (its request failed and released it)
/// is claimed again, a few times.
pub async fn claim(
    db: &Db,
    scope: Scope,
    key: &str,
    fingerprint: &[u8],
) -> Result<Claimed, sqlx::Error> {
    for _ in 0..3 {
        let mut tx = ScopeTx::begin(db, scope).await?;
        let (mut conn, sql) = tx.parts();
        sqlx::query(sql.purge).execute(conn.reborrow()).await?;
        let inserted = sqlx::query(sql.claim)
            .bind(key)
            .bind(fingerprint)
            .execute(conn.reborrow())
            .await?
            .rows_affected();
        let found = if inserted == 1 {
            None
        } else {
            sqlx::query_as::<_, Record>(sql.find)
                .bind(key)
                .fetch_optional(conn.reborrow())
                .await?
        };
        tx.commit().await?;
        match (inserted, found) {
            (1, _) => return Ok(Claimed::Taken),
            (_, Some(record)) => return Ok(Claimed::Held(record)),
            (_, None) => continue,
        }
    }
    Ok(Claimed::Contended)
}

/// Stores the answer of a claimed key. False if the claim is gone (it expired).
pub async fn complete(
    db: &Db,
    scope: Scope,
    key: &str,
    fingerprint: &[u8],
    answer: &Answer,
) -> Result<bool, sqlx::Error> {
    let mut tx = ScopeTx::begin(db, scope).await?;
    let (conn, sql) = tx.parts();
    let updated = sqlx::query(sql.complete)
        .bind(key)
        .bind(fingerprint)
        .bind(answer.status)
        .bind(answer.content_type.as_deref())
        .bind(answer.etag.as_deref())
        .bind(answer.location.as_deref())
        .bind(answer.body.as_slice())
        .execute(conn)
        .await?
        .rows_affected();
    tx.commit().await?;
    Ok(updated == 1)
}

/// Gives a claimed key up, so that a corrected retry can run.
pub async fn release(
    db: &Db,
    scope: Scope,
    key: &str,
    fingerprint: &[u8],
) -> Result<(), sqlx::Error> {
    let mut tx = ScopeTx::begin(db, scope).await?;
    let (conn, sql) = tx.parts();
    sqlx::query(sql.release)
        .bind(key)
        .bind(fingerprint)
        .execute(conn)
        .await?;
    tx.commit().await
}
