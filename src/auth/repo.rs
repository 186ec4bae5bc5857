//! SQL for sessions, logins, throttling and platform keys.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

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

/// When the (tenant, email) pair is locked until, if it is locked now. Locks the row
/// so concurrent attempts are counted one after another.
pub async fn locked_until(
    tx: &mut TenantTx,
    email: &str,
) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    let tenant = tx.tenant();
    sqlx::query_scalar(
        r#"SELECT locked_until FROM login_attempts
            WHERE tenant_id = $1 AND email = $2 AND locked_until > now()
              FOR UPDATE"#,
    )
    .bind(tenant)
    .bind(email)
    .fetch_optional(tx.conn())
    .await
    .map(Option::flatten)
}

/// Counts a failed attempt; locks the pair once `max_failures` is reached.
pub async fn record_failure(
    tx: &mut TenantTx,
    email: &str,
    max_failures: i32,
    lockout_seconds: i64,
) -> Result<(), sqlx::Error> {
    let tenant = tx.tenant();
    sqlx::query(
        r#"
        INSERT INTO login_attempts AS a (tenant_id, email, failures, updated_at)
        VALUES ($1, $2, 1, now())
        ON CONFLICT (tenant_id, email) DO UPDATE
           SET failures = CASE WHEN a.locked_until IS NOT NULL AND a.locked_until <= now()
                               THEN 1 ELSE a.failures + 1 END,
               locked_until = CASE WHEN a.locked_until IS NOT NULL AND a.locked_until <= now()
                                   THEN NULL ELSE a.locked_until END,
               updated_at = now()
        "#,
    )
    .bind(tenant)
    .bind(email)
    .execute(tx.conn())
    .await?;
    sqlx::query(
        r#"UPDATE login_attempts
              SET locked_until = now() + $4 * interval '1 second', failures = 0
            WHERE tenant_id = $1 AND email = $2 AND failures >= $3"#,
    )
    .bind(tenant)
    .bind(email)
    .bind(max_failures)
    .bind(lockout_seconds)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Forgets failed attempts after a successful login.
pub async fn clear_failures(tx: &mut TenantTx, email: &str) -> Result<(), sqlx::Error> {
    let tenant = tx.tenant();
    sqlx::query("DELETE FROM login_attempts WHERE tenant_id = $1 AND email = $2")
        .bind(tenant)
        .bind(email)
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
    pool: &PgPool,
    key_hash: &[u8],
) -> Result<Option<PlatformCtx>, sqlx::Error> {
    let row: Option<(PlatformKeyId, String)> = sqlx::query_as(
        r#"UPDATE platform_api_keys SET last_used_at = now()
            WHERE key_hash = $1 AND revoked_at IS NULL
        RETURNING id, name"#,
    )
    .bind(key_hash)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(key_id, key_name)| PlatformCtx { key_id, key_name }))
}

/// Stores a new platform key's hash.
pub async fn insert_platform_key(
    pool: &PgPool,
    id: PlatformKeyId,
    name: &str,
    key_hash: &[u8],
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO platform_api_keys (id, name, key_hash) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(name)
        .bind(key_hash)
        .execute(pool)
        .await?;
    Ok(())
}

/// Revokes a platform key; false if there was no live key with that id.
pub async fn revoke_platform_key(pool: &PgPool, id: PlatformKeyId) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE platform_api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL",
    )
    .bind(id)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Every platform key (never the secret): id, name, created, last used, revoked.
pub async fn list_platform_keys(
    pool: &PgPool,
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
    sqlx::query_as("SELECT id, name, created_at, last_used_at, revoked_at FROM platform_api_keys ORDER BY created_at")
        .fetch_all(pool)
        .await
}
