//! Creating and changing users: the rules the API and the web app share (email and
//! password checks, the duplicate email, the last active admin, revoking the
//! sessions of a changed user).

use super::model::{normalize_email, TenantRole, User};
use super::repo;
use crate::auth::password::password_problem;
use crate::auth::{repo as auth_repo, TenantCtx};
use crate::cache::Scope;
use crate::error::{violated_constraint, ApiError};
use crate::ids::UserId;
use crate::state::AppState;

/// Creates a user of the caller's tenant with `role`, after checking the email
/// (422 `invalid_field` `email`) and the password (`password`); a taken email is
/// 409 `user_exists`. The caller has checked the permission.
pub async fn create(
    state: &AppState,
    ctx: &TenantCtx,
    email: &str,
    password: &str,
    role: TenantRole,
) -> Result<User, ApiError> {
    if let Some(first) = problems(email, password).into_iter().next() {
        return Err(first);
    }
    let email = normalize_email(email).map_err(|m| ApiError::invalid_field("email", m))?;
    // No connection is held while queueing for a hashing slot.
    ctx.release_parked();
    let hash = state
        .passwords
        .hash(password.to_owned())
        .await
        .map_err(|e| ApiError::internal("hashing a password", e))?;
    let id = UserId::new_random();
    let mut tx = ctx.tx(state).await?;
    if let Err(err) = repo::insert(&mut tx, id, &email, &hash, role).await {
        return Err(match violated_constraint(&err) {
            Some("users_tenant_id_email_key") => ApiError::conflict(
                "user_exists",
                format!("a user with email {email} already exists"),
            ),
            _ => err.into(),
        });
    }
    let user = repo::get(&mut tx, id)
        .await?
        .ok_or_else(|| ApiError::internal("user create", anyhow::anyhow!("row vanished")))?;
    tx.commit().await?;
    tracing::info!(user = %id, role = role.as_str(), "user created");
    Ok(user)
}

/// Every problem of a new user's email and password (422 `invalid_field`, email
/// first); [`create`] answers the first.
pub fn problems(email: &str, password: &str) -> Vec<ApiError> {
    let mut found = Vec::new();
    if let Err(m) = normalize_email(email) {
        found.push(ApiError::invalid_field("email", m));
    }
    if let Some(problem) = password_problem(password) {
        found.push(ApiError::invalid_field(
            "password",
            format!("the password {problem}"),
        ));
    }
    found
}

/// Changes a user's role and/or active flag (absent: unchanged). The last active
/// admin cannot be demoted or deactivated (409 `last_admin`, nothing changed); a
/// changed user's sessions are revoked. The caller has checked the permission.
pub async fn update(
    state: &AppState,
    ctx: &TenantCtx,
    id: UserId,
    role: Option<TenantRole>,
    active: Option<bool>,
) -> Result<User, ApiError> {
    let mut tx = ctx.tx(state).await?;
    // Before reading anything: concurrent changes to the admin set take turns,
    // or two admins demoting each other would each see the other remain.
    repo::lock_admins(&mut tx).await?;
    let before = repo::get(&mut tx, id).await?.ok_or_else(|| not_found(id))?;
    if !repo::update(&mut tx, id, role, active).await? {
        return Err(not_found(id));
    }
    let after = repo::get(&mut tx, id).await?.ok_or_else(|| not_found(id))?;
    if before.role == TenantRole::Admin
        && before.active
        && !(after.role == TenantRole::Admin && after.active)
        && repo::active_admins(&mut tx).await? == 0
    {
        return Err(ApiError::conflict(
            "last_admin",
            "the tenant must keep at least one active admin",
        ));
    }
    if before.role != after.role || before.active != after.active {
        auth_repo::revoke_user_sessions(&mut tx, id).await?;
    }
    tx.commit().await?;
    state.cache.invalidate(Scope::Tenant(ctx.tenant)).await;
    Ok(after)
}

/// 404 `user_not_found`.
pub fn not_found(id: UserId) -> ApiError {
    ApiError::not_found("user_not_found", format!("no user {id} in this tenant"))
}
