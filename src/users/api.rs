//! `/api/v1/users`: tenant admins manage their users.

use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;

use crate::http::JsonBody;
use poem_openapi::types::Example;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::model::{TenantRole, User, UserPage};
use super::{manage, repo};
use crate::auth::rbac::Permission;
use crate::auth::TenantAuth;
use crate::error::ApiResult;
use crate::http::{ApiTags, PageRequest};
use crate::ids::UserId;
use crate::state::AppState;

/// A new user of the caller's tenant.
#[derive(Debug, Object, serde::Deserialize)]
#[oai(example)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    /// The login email, unique in the tenant; stored lowercase.
    pub email: String,
    /// 10 to 256 characters, not all blank.
    #[oai(validator(min_length = 10, max_length = 256, pattern = r"\S"))]
    pub password: String,
    /// What the user may do: `admin`, `estimator` or `viewer`.
    pub role: TenantRole,
}

impl Example for CreateUser {
    fn example() -> Self {
        Self {
            email: "ventas@aluminiosperez.mx".to_owned(),
            password: "una-clave-larga".to_owned(),
            role: TenantRole::Estimator,
        }
    }
}

/// Changes to a user; absent fields stay as they are.
#[derive(Debug, Object, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    /// The new role; changing it revokes the user's sessions.
    pub role: Option<TenantRole>,
    /// `false` deactivates the user and revokes every session at once.
    pub active: Option<bool>,
}

#[derive(ApiResponse)]
enum UserList {
    /// A page of users.
    #[oai(status = 200)]
    Ok(Json<UserPage>),
}

#[derive(ApiResponse)]
enum UserAnswer {
    /// The user.
    #[oai(status = 200)]
    Ok(Json<User>),
}

#[derive(ApiResponse)]
enum UserCreated {
    /// Created (or, for a repeated `Idempotency-Key`, the first answer again).
    #[oai(status = 201)]
    Created(Json<User>),
}

/// User management endpoints.
pub struct UsersApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1/users", tag = "ApiTags::Users")]
impl UsersApi {
    /// The tenant's users by email, a page at a time (admins only).
    ///
    /// Active and inactive users alike; `limit` 1 to 100, default 50; `cursor`
    /// from the previous page's `next`.
    ///
    /// Errors: 403 forbidden.
    #[oai(path = "/", method = "get", operation_id = "users_list")]
    async fn list(
        &self,
        auth: TenantAuth,
        /// Users per page, 1 to 100 (default 50).
        limit: Query<Option<i64>>,
        /// The previous page's `next`, to read the page after it.
        cursor: Query<Option<String>>,
    ) -> ApiResult<UserList> {
        let ctx = auth.ctx();
        ctx.require(Permission::ManageUsers)?;
        let page = PageRequest::parse(limit.0, cursor.0.as_deref())?;
        let mut tx = ctx.tx(&self.state).await?;
        let (rows, total) = repo::list(&mut tx, &page).await?;
        tx.commit().await?;
        let (items, next) = page.finish(rows, |u| u.email.clone());
        Ok(UserList::Ok(Json(UserPage { items, total, next })))
    }

    /// Create a user with a role (admins only).
    ///
    /// The user logs in with the tenant's slug, this email and password. A taken
    /// email (in any case) is 409 `user_exists`.
    ///
    /// Errors: 403 forbidden; 409 user_exists; 422 invalid_field.
    #[oai(path = "/", method = "post", operation_id = "users_create")]
    async fn create(
        &self,
        auth: TenantAuth,
        /// Makes a retry safe: within 24 hours, the same request with the same key
        /// returns the first answer (`Idempotent-Replayed: true`) instead of creating
        /// again; another request with it is 422. 1 to 255 visible ASCII characters,
        /// e.g. a UUID.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: Header<Option<String>>,
        body: JsonBody<CreateUser>,
    ) -> ApiResult<UserCreated> {
        let ctx = auth.ctx();
        ctx.require(Permission::ManageUsers)?;
        let user = manage::create(&self.state, ctx, &body.email, &body.password, body.role).await?;
        Ok(UserCreated::Created(Json(user)))
    }

    /// One user (admins only).
    ///
    /// Active or not; never the password.
    ///
    /// Errors: 403 forbidden; 404 user_not_found.
    #[oai(path = "/:id", method = "get", operation_id = "users_get")]
    async fn get(
        &self,
        auth: TenantAuth,
        /// The user's id.
        id: Path<UserId>,
    ) -> ApiResult<UserAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::ManageUsers)?;
        let mut tx = ctx.tx(&self.state).await?;
        let user = repo::get(&mut tx, id.0)
            .await?
            .ok_or_else(|| manage::not_found(id.0))?;
        tx.commit().await?;
        Ok(UserAnswer::Ok(Json(user)))
    }

    /// Change a user's role, or deactivate or reactivate it (admins only).
    ///
    /// Absent fields stay as they are. Deactivating or changing the role revokes
    /// the user's sessions. The last active admin cannot be demoted or deactivated
    /// (409 `last_admin`).
    ///
    /// Errors: 403 forbidden; 404 user_not_found; 409 last_admin.
    #[oai(path = "/:id", method = "patch", operation_id = "users_update")]
    async fn update(
        &self,
        auth: TenantAuth,
        /// The user's id.
        id: Path<UserId>,
        body: JsonBody<UpdateUser>,
    ) -> ApiResult<UserAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::ManageUsers)?;
        let after = manage::update(&self.state, ctx, id.0, body.role, body.active).await?;
        Ok(UserAnswer::Ok(Json(after)))
    }
}
