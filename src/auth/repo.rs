//! SQL for sessions, logins, throttling and platform keys.

use crate::db::Pool;
use chrono::{DateTime, Utc};

use super::{PlatformCtx, SessionPrincipal};
use crate::db::TenantTx;
use crate::ids::{PlatformKeyId, SessionId, UserId};
use crate::users::model::TenantRole;

/// A live session with its user's current role; `None` when revoked, expired,
/// or the user or tenant is deactivated.
pub async fn find_session(
    tx: &mut TenantTx,
    token_hash: &[u8],
) -> Result<Option<SessionPrincipal>, sqlx::Error> {
    let tenant = tx.tenant();
    let row: Option<(SessionId, UserId, TenantRole, String, DateTime<Utc>)> = sqlx::query_as(
        r#"
        SELECT s.id, s.user_id, m.role, u.email, s.expires_at
          FROM sessions s
          JOIN users u       ON u.tenant_id = s.tenant_id AND u.id = s.user_id
          JOIN memberships m ON m.tenant_id = s.tenant_id AND m.user_id = s.user_id
          JOIN tenants t     ON t.id = s.tenant_id
         WHERE s.tenant_id = $1 AND s.token_hash = $2
           AND s.revoked_at IS NULL AND s.expires_at > now()
           AND u.active AND t.active
        "#,
    )
    .bind(tenant)
    .bind(token_hash)
    .fetch_optional(tx.conn())
    .await?;
    Ok(row.map(
        |(session, user, role, email, expires_at)| SessionPrincipal {
            session,
            user,
            role,
            email,
            expires_at,
        },
    ))
}

/// What login needs to know about an account.
pub struct LoginRow {
    pub user: UserId,
    pub password_hash: String,
    pub active: bool,
}

/// The account with this email in the bound tenant.
pub async fn find_login(tx: &mut TenantTx, email: &str) -> Result<Option<LoginRow>, sqlx::Error> {
    let tenant = tx.tenant();
    let row: Option<(UserId, String, bool)> = sqlx::query_as(
        "SELECT id, password_hash, active FROM users WHERE tenant_id = $1 AND email = $2",
    )
    .bind(tenant)
    .bind(email)
    .fetch_optional(tx.conn())
    .await?;
    Ok(row.map(|(user, password_hash, active)| LoginRow {
        user,
        password_hash,
        active,
    }))
}

/// Stale throttle rows a reservation deletes on its way, so that rows of names tried
/// once (unknown shops, typos) do not pile up: each reservation removes more than it
/// can add.
const STALE_ROWS_PER_RESERVATION: i64 = 8;

/// What a reserved login attempt may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// The attempt is counted: check the password.
    Allowed,
    /// The name's attempts are spent: answer 429 without checking, retry after this
    /// many seconds.
    Locked { retry_after_seconds: i64 },
}

/// Counts one login attempt for the throttle key of a (shop, email) name before its
/// password is checked, atomically, so that concurrent attempts cannot outrun the
/// count: at most `max_attempts` are allowed until `lockout_seconds` pass without
/// one; the one that spends the last also starts the lockout. Known and unknown
/// shops and emails alike: the key is all it sees. Needs no tenant.
pub async fn reserve_attempt(
    pool: &Pool,
    key: &[u8],
    max_attempts: i32,
    lockout_seconds: i64,
) -> Result<Attempt, sqlx::Error> {
    let mut one = pool.single().await?;
    let (attempts, retry_after_seconds): (i32, i64) = sqlx::query_as(
        r#"
        WITH stale AS (
            DELETE FROM login_throttle
             WHERE key IN (SELECT key FROM login_throttle
                            WHERE expires_at <= now() AND key <> $1
                            ORDER BY expires_at LIMIT $4
                              FOR UPDATE SKIP LOCKED)
        )
        INSERT INTO login_throttle AS t (key, attempts, expires_at)
        VALUES ($1, 1, now() + $3 * interval '1 second')
        ON CONFLICT (key) DO UPDATE
           SET attempts = CASE WHEN t.expires_at <= now() THEN 1
                               ELSE least(t.attempts + 1, $2 + 1) END,
               expires_at = CASE WHEN t.expires_at <= now() OR t.attempts < $2
                                 THEN now() + $3 * interval '1 second'
                                 ELSE t.expires_at END
        RETURNING attempts, ceil(extract(epoch FROM t.expires_at - now()))::bigint
        "#,
    )
    .bind(key)
    .bind(max_attempts)
    .bind(lockout_seconds)
    .bind(STALE_ROWS_PER_RESERVATION)
    .fetch_one(one.conn())
    .await?;
    one.finish().await?;
    Ok(if attempts <= max_attempts {
        Attempt::Allowed
    } else {
        Attempt::Locked {
            retry_after_seconds: retry_after_seconds.max(1),
        }
    })
}

/// Forgets the attempts of a throttle key after a successful login.
pub async fn clear_attempts(tx: &mut TenantTx, key: &[u8]) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_throttle WHERE key = $1")
        .bind(key)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Stores a new session.
pub async fn insert_session(
    tx: &mut TenantTx,
    id: SessionId,
    user: UserId,
    token_hash: &[u8],
    expires_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let tenant = tx.tenant();
    sqlx::query(
        "INSERT INTO sessions (tenant_id, id, user_id, token_hash, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(tenant)
    .bind(id)
    .bind(user)
    .bind(token_hash)
    .bind(expires_at)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Revokes one session.
pub async fn revoke_session(tx: &mut TenantTx, id: SessionId) -> Result<(), sqlx::Error> {
    let tenant = tx.tenant();
    sqlx::query("UPDATE sessions SET revoked_at = now() WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL")
        .bind(tenant)
        .bind(id)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Revokes every session of a user (deactivation, role change).
pub async fn revoke_user_sessions(tx: &mut TenantTx, user: UserId) -> Result<u64, sqlx::Error> {
    let tenant = tx.tenant();
    let done = sqlx::query(
        "UPDATE sessions SET revoked_at = now() WHERE tenant_id = $1 AND user_id = $2 AND revoked_at IS NULL",
    )
    .bind(tenant)
    .bind(user)
    .execute(tx.conn())
    .await?;
    Ok(done.rows_affected())
}

/// A live platform key by hash; records its use.
pub async fn find_platform_key(
    pool: &Pool,
    key_hash: &[u8],
) -> Result<Option<PlatformCtx>, sqlx::Error> {
    let mut one = pool.single().await?;
    let row: Option<(PlatformKeyId, String)> = sqlx::query_as(
        r#"UPDATE platform_api_keys SET last_used_at = now()
            WHERE key_hash = $1 AND revoked_at IS NULL
        RETURNING id, name"#,
    )
    .bind(key_hash)
    .fetch_optional(one.conn())
    .await?;
    one.finish().await?;
    Ok(row.map(|(key_id, key_name)| PlatformCtx { key_id, key_name }))
}

/// Stores a new platform key's hash.
pub async fn insert_platform_key(
    pool: &Pool,
    id: PlatformKeyId,
    name: &str,
    key_hash: &[u8],
) -> Result<(), sqlx::Error> {
    let mut one = pool.single().await?;
    sqlx::query("INSERT INTO platform_api_keys (id, name, key_hash) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(name)
        .bind(key_hash)
        .execute(one.conn())
        .await?;
    one.finish().await?;
    Ok(())
}

/// Revokes a platform key; false if there was no live key with that id.
pub async fn revoke_platform_key(pool: &Pool, id: PlatformKeyId) -> Result<bool, sqlx::Error> {
    let mut one = pool.single().await?;
    let done = sqlx::query(
        "UPDATE platform_api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL",
    )
    .bind(id)
    .execute(one.conn())
    .await?;
    one.finish().await?;
    Ok(done.rows_affected() == 1)
}

/// Every platform key (never the secret): id, name, created, last used, revoked.
pub async fn list_platform_keys(
    pool: &Pool,
) -> Result<
    Vec<(
        PlatformKeyId,
        String,
        DateTime<Utc>,
        Option<DateTime<Utc>>,
        Option<DateTime<Utc>>,
    )>,
    sqlx::Error,
> {
    let mut one = pool.single().await?;
    let value = sqlx::query_as("SELECT id, name, created_at, last_used_at, revoked_at FROM platform_api_keys ORDER BY created_at")
        .fetch_all(one.conn())
        .await?;
    one.finish().await?;
    Ok(value)
}
