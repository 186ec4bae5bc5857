//! SQL for users and memberships.

use crate::db::TenantTx;
use crate::http::PageRequest;
use crate::ids::UserId;

use super::model::{TenantRole, User};

const SELECT_USER: &str = r#"
    SELECT u.id, u.email, m.role, u.active, u.created_at, greatest(u.updated_at, m.updated_at) AS updated_at
      FROM users u
      JOIN memberships m ON m.tenant_id = u.tenant_id AND m.user_id = u.id
"#;

/// A page of the bound tenant's users by email (after the email `after`), and how
/// many there are in all.
pub async fn list(
    tx: &mut TenantTx,
    page: &PageRequest<String>,
) -> Result<(Vec<User>, i64), sqlx::Error> {
    let tenant = tx.tenant();
    let rows = sqlx::query_as(&format!(
        "{SELECT_USER} WHERE u.tenant_id = $1 AND ($2::text IS NULL OR u.email > $2)
          ORDER BY u.email LIMIT $3"
    ))
    .bind(tenant)
    .bind(page.after.as_deref())
    .bind(page.fetch())
    .fetch_all(tx.conn())
    .await?;
    let total = sqlx::query_scalar("SELECT count(*) FROM users WHERE tenant_id = $1")
        .bind(tenant)
        .fetch_one(tx.conn())
        .await?;
    Ok((rows, total))
}

/// One user of the bound tenant.
pub async fn get(tx: &mut TenantTx, id: UserId) -> Result<Option<User>, sqlx::Error> {
    let tenant = tx.tenant();
    sqlx::query_as(&format!(
        "{SELECT_USER} WHERE u.tenant_id = $1 AND u.id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(tx.conn())
    .await
}

/// The user's role name, if the user exists.
pub async fn role_of(tx: &mut TenantTx, id: UserId) -> Result<Option<TenantRole>, sqlx::Error> {
    let tenant = tx.tenant();
    sqlx::query_scalar("SELECT role FROM memberships WHERE tenant_id = $1 AND user_id = $2")
        .bind(tenant)
        .bind(id)
        .fetch_optional(tx.conn())
        .await
}

/// Creates a user and its membership. A duplicate email fails with the
/// `users_tenant_id_email_key` constraint.
pub async fn insert(
    tx: &mut TenantTx,
    id: UserId,
    email: &str,
    password_hash: &str,
    role: TenantRole,
) -> Result<(), sqlx::Error> {
    let tenant = tx.tenant();
    sqlx::query("INSERT INTO users (tenant_id, id, email, password_hash) VALUES ($1, $2, $3, $4)")
        .bind(tenant)
        .bind(id)
        .bind(email)
        .bind(password_hash)
        .execute(tx.conn())
        .await?;
    sqlx::query("INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, $3)")
        .bind(tenant)
        .bind(id)
        .bind(role)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Changes role and/or active flag; false if no such user.
pub async fn update(
    tx: &mut TenantTx,
    id: UserId,
    role: Option<TenantRole>,
    active: Option<bool>,
) -> Result<bool, sqlx::Error> {
    let tenant = tx.tenant();
    let users = sqlx::query(
        "UPDATE users SET active = coalesce($3, active) WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(active)
    .execute(tx.conn())
    .await?;
    if users.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE memberships SET role = coalesce($3, role) WHERE tenant_id = $1 AND user_id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(role)
    .execute(tx.conn())
    .await?;
    Ok(true)
}

/// Locks the bound tenant's admin memberships until the transaction ends, in one
/// order. Every change that may remove an admin takes this first: two of them then
/// take turns, and the second's last-admin check sees what the first committed (at
/// READ COMMITTED each statement reads the latest commits, and a row that stopped
/// being an admin's while it waited is rechecked and left out).
pub async fn lock_admins(tx: &mut TenantTx) -> Result<(), sqlx::Error> {
    let tenant = tx.tenant();
    sqlx::query(
        r#"SELECT user_id FROM memberships
            WHERE tenant_id = $1 AND role = 'admin'
            ORDER BY user_id
              FOR UPDATE"#,
    )
    .bind(tenant)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// How many active admins the bound tenant has.
pub async fn active_admins(tx: &mut TenantTx) -> Result<i64, sqlx::Error> {
    let tenant = tx.tenant();
    sqlx::query_scalar(
        r#"SELECT count(*) FROM users u
             JOIN memberships m ON m.tenant_id = u.tenant_id AND m.user_id = u.id
            WHERE u.tenant_id = $1 AND u.active AND m.role = 'admin'"#,
    )
    .bind(tenant)
    .fetch_one(tx.conn())
    .await
}
