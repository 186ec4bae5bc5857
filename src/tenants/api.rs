//! `/api/v1/platform/tenants`: the platform operator onboards and lists tenants.

use poem_openapi::param::{Header, Path};
use poem_openapi::payload::Json;

use crate::http::JsonBody;
use poem_openapi::types::Example;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::repo::{self, Tenant};
use crate::auth::password::{password_problem, Passwords};
use crate::auth::rbac::Permission;
use crate::auth::{require_platform, PlatformAuth};
use crate::cache::Scope;
use crate::db::{Db, TenantTx};
use crate::error::{violated_constraint, ApiError, ApiResult};
use crate::http::ApiTags;
use crate::ids::{TenantId, UserId};
use crate::state::AppState;
use crate::users::model::normalize_email;

/// Slugs that would be confusing as shop names in URLs and logs.
const RESERVED_SLUGS: &[&str] = &[
    "admin", "api", "app", "platform", "www", "static", "docs", "global",
];

/// The first admin of a new tenant.
#[derive(Debug, Clone, Object, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAdmin {
    /// The admin's login email; stored lowercase.
    pub email: String,
    /// At least 10 characters, at most 1024 bytes.
    pub password: String,
}

/// A tenant to create.
#[derive(Debug, Clone, Object, serde::Serialize, serde::Deserialize)]
#[oai(example)]
#[serde(deny_unknown_fields)]
pub struct CreateTenant {
    /// Lowercase letters, digits and inner hyphens, 1 to 63 characters: `aluminios-garcia`.
    /// Users give it to log in; it never changes.
    pub slug: String,
    /// The shop's display name, 1 to 200 characters, e.g. `Aluminios Pérez`.
    pub name: String,
    /// The tenant's first admin, who can then create the other users.
    pub admin: NewAdmin,
}

impl Example for CreateTenant {
    fn example() -> Self {
        Self {
            slug: "aluminios-perez".to_owned(),
            name: "Aluminios Pérez".to_owned(),
            admin: NewAdmin {
                email: "admin@aluminiosperez.mx".to_owned(),
                password: "cambia-esta-clave".to_owned(),
            },
        }
    }
}

/// The admin created with a tenant.
#[derive(Debug, Clone, Object, serde::Serialize, serde::Deserialize)]
pub struct CreatedAdmin {
    /// The admin's user id.
    pub id: UserId,
    /// The admin's login email, lowercase.
    pub email: String,
    /// Always `admin`.
    pub role: String,
}

/// A newly onboarded tenant.
#[derive(Debug, Clone, Object, serde::Serialize, serde::Deserialize)]
pub struct OnboardedTenant {
    /// The new tenant's id.
    pub id: TenantId,
    /// The slug its users log in with.
    pub slug: String,
    /// The display name, trimmed.
    pub name: String,
    /// Always `true` for a new tenant.
    pub active: bool,
    /// When it was created.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The first admin, who can log in at once.
    pub admin: CreatedAdmin,
    /// How many default glass prices were copied into the tenant's own catalogue.
    pub seeded_prices: u64,
}

#[derive(ApiResponse)]
enum CreateAnswer {
    /// Created (or, for a repeated `Idempotency-Key`, the first answer again).
    #[oai(status = 201)]
    Created(Json<OnboardedTenant>),
}

#[derive(ApiResponse)]
enum TenantList {
    /// A page of tenants.
    #[oai(status = 200)]
    Ok(Json<TenantPage>),
}

crate::page_of!(
    /// A page of tenants, by slug.
    TenantPage,
    Tenant
);

#[derive(ApiResponse)]
enum TenantAnswer {
    /// The tenant.
    #[oai(status = 200)]
    Ok(Json<Tenant>),
}

/// Why a slug is unacceptable, if it is.
pub fn slug_problem(slug: &str) -> Option<String> {
    let bytes = slug.as_bytes();
    let ok_chars = bytes
        .iter()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-');
    if slug.is_empty()
        || slug.len() > 63
        || !ok_chars
        || slug.starts_with('-')
        || slug.ends_with('-')
    {
        Some(format!(
            "{slug:?} is not a slug: use 1 to 63 lowercase letters, digits and inner hyphens"
        ))
    } else if RESERVED_SLUGS.contains(&slug) {
        Some(format!("{slug:?} is reserved"))
    } else {
        None
    }
}

/// Checks a request; the error names the field.
pub fn validate(req: &CreateTenant) -> ApiResult<(String, String)> {
    if let Some(problem) = slug_problem(&req.slug) {
        return Err(ApiError::invalid_field("slug", problem));
    }
    let name = crate::http::check_name("name", &req.name)?;
    let email =
        normalize_email(&req.admin.email).map_err(|m| ApiError::invalid_field("admin.email", m))?;
    if let Some(problem) = password_problem(&req.admin.password) {
        return Err(ApiError::invalid_field(
            "admin.password",
            format!("the password {problem}"),
        ));
    }
    Ok((name.to_owned(), email))
}

/// Creates a tenant, its first admin and its copies of the default glass prices in
/// one transaction on the platform pool.
pub async fn onboard(
    db: &Db,
    passwords: &Passwords,
    req: &CreateTenant,
) -> ApiResult<OnboardedTenant> {
    let (name, email) = validate(req)?;
    let hash = passwords
        .hash(req.admin.password.clone())
        .await
        .map_err(|e| ApiError::internal("hashing a password", e))?;
    let tenant_id = TenantId::new_random();
    let admin_id = UserId::new_random();
    let mut tx = TenantTx::begin(&db.platform, tenant_id).await?;
    let (tenant, seeded) = repo::onboard(&mut tx, &req.slug, &name, admin_id, &email, &hash)
        .await
        .map_err(|err| match violated_constraint(&err) {
            Some("tenants_slug_key") => ApiError::conflict(
                "tenant_exists",
                format!("a tenant with slug {:?} already exists", req.slug),
            )
            .with_details(serde_json::json!({ "field": "slug" })),
            _ => err.into(),
        })?;
    let answer = OnboardedTenant {
        id: tenant.id,
        slug: tenant.slug,
        name: tenant.name,
        active: tenant.active,
        created_at: tenant.created_at,
        admin: CreatedAdmin {
            id: admin_id,
            email,
            role: "admin".to_owned(),
        },
        seeded_prices: seeded,
    };
    tx.commit().await?;
    tracing::info!(tenant_id = %answer.id, slug = %answer.slug, seeded, "tenant onboarded");
    Ok(answer)
}

/// Platform endpoints for tenants.
pub struct TenantsApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1/platform/tenants", tag = "ApiTags::Platform")]
impl TenantsApi {
    /// Onboard a tenant.
    ///
    /// Creates the tenant, its first admin and its own copies of the default glass
    /// prices, in one transaction: nothing is left behind by a request that fails.
    /// A taken slug is 409 `tenant_exists`.
    ///
    /// Errors: 409 tenant_exists; 422 invalid_field.
    #[oai(path = "/", method = "post", operation_id = "platform_tenants_create")]
    async fn create(
        &self,
        auth: PlatformAuth,
        /// Makes a retry safe: within 24 hours, the same request with the same key
        /// returns the first answer (`Idempotent-Replayed: true`) instead of creating
        /// again; another request with it is 422. 1 to 255 visible ASCII characters,
        /// e.g. a UUID.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: Header<Option<String>>,
        body: JsonBody<CreateTenant>,
    ) -> ApiResult<CreateAnswer> {
        require_platform(&self.state, Permission::ManageTenants)?;
        tracing::debug!(key = %auth.0.key_name, "onboarding request");
        let answer = onboard(&self.state.db, &self.state.passwords, &body.0).await?;
        Ok(CreateAnswer::Created(Json(answer)))
    }

    /// Every tenant by slug, a page at a time.
    ///
    /// Active and inactive tenants; `limit` 1 to 100, default 50; `cursor` from
    /// the previous page's `next`.
    #[oai(path = "/", method = "get", operation_id = "platform_tenants_list")]
    async fn list(
        &self,
        _auth: PlatformAuth,
        /// Tenants per page, 1 to 100 (default 50).
        limit: poem_openapi::param::Query<Option<i64>>,
        /// The previous page's `next`, to read the page after it.
        cursor: poem_openapi::param::Query<Option<String>>,
    ) -> ApiResult<TenantList> {
        require_platform(&self.state, Permission::ManageTenants)?;
        let page = crate::http::PageRequest::parse(limit.0, cursor.0.as_deref())?;
        let (rows, total) = repo::list(&self.state.db.platform, &page).await?;
        let (items, next) = page.finish(rows, |t| t.slug.clone());
        Ok(TenantList::Ok(Json(TenantPage { items, total, next })))
    }

    /// One tenant by slug.
    ///
    /// Active or not.
    ///
    /// Errors: 404 tenant_not_found.
    #[oai(path = "/:slug", method = "get", operation_id = "platform_tenants_get")]
    async fn get(
        &self,
        _auth: PlatformAuth,
        /// The tenant's slug, e.g. `aluminios-perez`.
        slug: Path<String>,
    ) -> ApiResult<TenantAnswer> {
        require_platform(&self.state, Permission::ManageTenants)?;
        let tenant = repo::find_by_slug(&self.state.db.platform, &slug.0)
            .await?
            .ok_or_else(|| {
                ApiError::not_found(
                    "tenant_not_found",
                    format!("no tenant with slug {:?}", slug.0),
                )
            })?;
        Ok(TenantAnswer::Ok(Json(tenant)))
    }

    /// Delete a tenant: soft, restorable until purged.
    ///
    /// The tenant becomes inactive at once: its users cannot log in, its sessions
    /// stop working on every instance, and its data stays as it was. `deleted_at`
    /// says since when; the operator's `ventanas tenants purge` removes every row
    /// of tenants deleted longer ago than its grace period (30 days by default).
    /// Deleting a deleted tenant changes nothing.
    ///
    /// Errors: 404 tenant_not_found.
    #[oai(
        path = "/:slug",
        method = "delete",
        operation_id = "platform_tenants_delete"
    )]
    async fn delete(
        &self,
        auth: PlatformAuth,
        /// The tenant's slug, e.g. `aluminios-perez`.
        slug: Path<String>,
    ) -> ApiResult<TenantAnswer> {
        require_platform(&self.state, Permission::ManageTenants)?;
        let tenant = repo::soft_delete(&self.state.db.platform, &slug.0)
            .await?
            .ok_or_else(|| not_found(&slug.0))?;
        // Cached sessions and catalogue entries of the tenant go on every instance.
        self.state.cache.invalidate(Scope::Tenant(tenant.id)).await;
        tracing::info!(key = %auth.0.key_name, tenant = %tenant.id, "tenant deleted");
        Ok(TenantAnswer::Ok(Json(tenant)))
    }

    /// Restore a deleted tenant.
    ///
    /// Active again, with all of its data, before it is purged. Its users log in
    /// again (sessions that had not expired work again). A slug that no deleted
    /// tenant has is 404 `tenant_not_found`.
    ///
    /// Errors: 404 tenant_not_found.
    #[oai(
        path = "/:slug/restore",
        method = "post",
        operation_id = "platform_tenants_restore"
    )]
    async fn restore(
        &self,
        auth: PlatformAuth,
        /// The deleted tenant's slug.
        slug: Path<String>,
    ) -> ApiResult<TenantAnswer> {
        require_platform(&self.state, Permission::ManageTenants)?;
        let tenant = repo::restore(&self.state.db.platform, &slug.0)
            .await?
            .ok_or_else(|| {
                ApiError::not_found(
                    "tenant_not_found",
                    format!("no deleted tenant with slug {:?}", slug.0),
                )
            })?;
        self.state.cache.invalidate(Scope::Tenant(tenant.id)).await;
        tracing::info!(key = %auth.0.key_name, tenant = %tenant.id, "tenant restored");
        Ok(TenantAnswer::Ok(Json(tenant)))
    }
}

fn not_found(slug: &str) -> ApiError {
    ApiError::not_found("tenant_not_found", format!("no tenant with slug {slug:?}"))
}
