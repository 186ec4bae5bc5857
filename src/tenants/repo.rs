//! SQL for the tenant registry and onboarding.

use chrono::{DateTime, Utc};
use poem_openapi::Object;

use crate::db::{Pool, TenantTx};
use crate::http::PageRequest;
use crate::ids::{TenantId, UserId};
use crate::users::model::TenantRole;

/// A tenant as the platform API shows it.
#[derive(Debug, Clone, Object, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct Tenant {
    /// The tenant's id.
    pub id: TenantId,
    /// The slug its users log in with, e.g. `aluminios-perez`.
    pub slug: String,
    /// The shop's display name.
    pub name: String,
    /// `false` for a suspended tenant: its users cannot log in.
    pub active: bool,
    /// When it was onboarded.
    pub created_at: DateTime<Utc>,
    /// When it was deleted, if it was: it is inactive, can be restored, and is
    /// purged for good by the operator's `ventanas tenants purge` after the grace
    /// period (30 days unless the operator says otherwise).
    #[oai(skip_serializing_if_is_none)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<DateTime<Utc>>,
}

const SELECT_TENANT: &str = "SELECT id, slug, name, active, created_at, deleted_at FROM tenants";

/// An active tenant by slug (login resolves the slug before binding the tenant).
pub async fn find_active_by_slug(pool: &Pool, slug: &str) -> Result<Option<Tenant>, sqlx::Error> {
    let mut one = pool.single().await?;
    let value = sqlx::query_as(&format!("{SELECT_TENANT} WHERE slug = $1 AND active"))
        .bind(slug)
        .fetch_optional(one.conn())
        .await?;
    one.finish().await?;
    Ok(value)
}

/// A tenant by slug, active or not.
pub async fn find_by_slug(pool: &Pool, slug: &str) -> Result<Option<Tenant>, sqlx::Error> {
    let mut one = pool.single().await?;
    let value = sqlx::query_as(&format!("{SELECT_TENANT} WHERE slug = $1"))
        .bind(slug)
        .fetch_optional(one.conn())
        .await?;
    one.finish().await?;
    Ok(value)
}

/// A tenant by id.
pub async fn find_by_id(pool: &Pool, id: TenantId) -> Result<Option<Tenant>, sqlx::Error> {
    let mut one = pool.single().await?;
    let value = sqlx::query_as(&format!("{SELECT_TENANT} WHERE id = $1"))
        .bind(id)
        .fetch_optional(one.conn())
        .await?;
    one.finish().await?;
    Ok(value)
}

/// A page of every tenant by slug (after the slug `after`), and how many there are.
pub async fn list(
    pool: &Pool,
    page: &PageRequest<String>,
) -> Result<(Vec<Tenant>, i64), sqlx::Error> {
    let mut one = pool.single().await?;
    let rows = sqlx::query_as(&format!(
        "{SELECT_TENANT} WHERE $1::text IS NULL OR slug > $1 ORDER BY slug LIMIT $2"
    ))
    .bind(page.after.as_deref())
    .bind(page.fetch())
    .fetch_all(one.conn())
    .await?;
    let total = sqlx::query_scalar("SELECT count(*) FROM tenants")
        .fetch_one(one.conn())
        .await?;
    one.finish().await?;
    Ok((rows, total))
}

/// Marks a tenant deleted (and inactive); deleting a deleted one keeps its first
/// time. `None` for an unknown slug. Two statements rather than `coalesce(deleted_at,
/// now())`: Citus refuses functions that are not immutable inside `COALESCE` or
/// `CASE` on `tenants` (a reference table).
pub async fn soft_delete(pool: &Pool, slug: &str) -> Result<Option<Tenant>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let mut deleted = sqlx::query_as(
        "UPDATE tenants SET active = false, deleted_at = now()
          WHERE slug = $1 AND deleted_at IS NULL
         RETURNING id, slug, name, active, created_at, deleted_at",
    )
    .bind(slug)
    .fetch_optional(tx.conn())
    .await?;
    if deleted.is_none() {
        deleted = sqlx::query_as(
            "UPDATE tenants SET active = false WHERE slug = $1
             RETURNING id, slug, name, active, created_at, deleted_at",
        )
        .bind(slug)
        .fetch_optional(tx.conn())
        .await?;
    }
    tx.commit().await?;
    Ok(deleted)
}

/// Undoes a soft delete: active again. `None` when no deleted tenant has the slug.
pub async fn restore(pool: &Pool, slug: &str) -> Result<Option<Tenant>, sqlx::Error> {
    let mut one = pool.single().await?;
    let value = sqlx::query_as(
        "UPDATE tenants SET active = true, deleted_at = NULL
          WHERE slug = $1 AND deleted_at IS NOT NULL
         RETURNING id, slug, name, active, created_at, deleted_at",
    )
    .bind(slug)
    .fetch_optional(one.conn())
    .await?;
    one.finish().await?;
    Ok(value)
}

/// Tenants deleted before `cutoff`, oldest first.
pub async fn deleted_before(
    pool: &Pool,
    cutoff: DateTime<Utc>,
) -> Result<Vec<Tenant>, sqlx::Error> {
    let mut one = pool.single().await?;
    let value = sqlx::query_as(&format!(
        "{SELECT_TENANT} WHERE deleted_at < $1 ORDER BY deleted_at, slug"
    ))
    .bind(cutoff)
    .fetch_all(one.conn())
    .await?;
    one.finish().await?;
    Ok(value)
}

/// Removes every row of the deleted tenant bound to `tx` from `tables` (children
/// first), then the tenant itself; returns how many rows went. The caller is the
/// owner role: sent quote versions allow it only then (see the migration). The shop
/// is named with `SET LOCAL`, as [`crate::db::repo::begin_bound`] binds it: Citus
/// forwards that to the workers (on a connection with `database.citus`'s setting),
/// not `set_config`. The value is a formatted UUID: it cannot break out of the
/// literal.
pub async fn purge(tx: &mut TenantTx, tables: &[&str]) -> Result<u64, sqlx::Error> {
    let tenant = tx.tenant();
    sqlx::raw_sql(&format!(
        "SET LOCAL app.purging_tenant = '{}'",
        tenant.0.hyphenated()
    ))
    .execute(tx.conn())
    .await?;
    let mut removed = 0;
    for table in tables {
        let sql = format!(
            "DELETE FROM {} WHERE tenant_id = $1",
            crate::db::ident(table)
        );
        removed += sqlx::query(&sql)
            .bind(tenant)
            .execute(tx.conn())
            .await?
            .rows_affected();
    }
    let gone = sqlx::query("DELETE FROM tenants WHERE id = $1 AND deleted_at IS NOT NULL")
        .bind(tenant)
        .execute(tx.conn())
        .await?
        .rows_affected();
    Ok(removed + gone)
}

/// A global glass price, as onboarding copies it.
#[derive(sqlx::FromRow)]
struct GlassRow {
    code: String,
    name: String,
    category: String,
    unit: String,
    price: rust_decimal::Decimal,
    bar_length_m: Option<rust_decimal::Decimal>,
}

/// Creates the tenant bound to `tx`, its first admin, and its own copies of the
/// active global glass prices, all in the caller's transaction. Returns the tenant
/// and how many prices were copied. A taken slug fails on `tenants_slug_key`.
pub async fn onboard(
    tx: &mut TenantTx,
    slug: &str,
    name: &str,
    admin: UserId,
    admin_email: &str,
    admin_password_hash: &str,
) -> Result<(Tenant, u64), sqlx::Error> {
    let id = tx.tenant();
    let tenant: Tenant = sqlx::query_as(
        "INSERT INTO tenants (id, slug, name) VALUES ($1, $2, $3) RETURNING id, slug, name, active, created_at, deleted_at",
    )
    .bind(id)
    .bind(slug)
    .bind(name)
    .fetch_one(tx.conn())
    .await?;
    crate::users::repo::insert(
        tx,
        admin,
        admin_email,
        admin_password_hash,
        TenantRole::Admin,
    )
    .await?;
    // Row by row in two multi-row VALUES inserts rather than one INSERT ... SELECT:
    // on Citus an INSERT ... SELECT whose rows do not come from a co-located shard is
    // written through COPY, which PostgreSQL refuses under row-level security.
    let glass: Vec<GlassRow> = sqlx::query_as(
        "SELECT code, name, category, unit, price, bar_length_m FROM global_materials
          WHERE category = 'glass' AND active ORDER BY code",
    )
    .fetch_all(tx.conn())
    .await?;
    if glass.is_empty() {
        return Ok((tenant, 0));
    }
    let ids: Vec<uuid::Uuid> = glass.iter().map(|_| uuid::Uuid::new_v4()).collect();
    let mut materials = sqlx::QueryBuilder::new(
        "INSERT INTO materials (tenant_id, id, code, name, category, unit, price, bar_length_m) ",
    );
    materials.push_values(glass.iter().zip(&ids), |mut row, (g, material)| {
        row.push_bind(id)
            .push_bind(material)
            .push_bind(&g.code)
            .push_bind(&g.name)
            .push_bind(&g.category)
            .push_bind(&g.unit)
            .push_bind(g.price)
            .push_bind(g.bar_length_m);
    });
    materials.build().execute(tx.conn()).await?;
    let mut history = sqlx::QueryBuilder::new(
        "INSERT INTO price_history (tenant_id, id, material_id, code, old_price, new_price, kind) ",
    );
    history.push_values(glass.iter().zip(&ids), |mut row, (g, material)| {
        row.push_bind(id)
            .push_bind(uuid::Uuid::new_v4())
            .push_bind(material)
            .push_bind(&g.code)
            .push_bind(None::<rust_decimal::Decimal>)
            .push_bind(g.price)
            .push_bind("seed");
    });
    let copied = history.build().execute(tx.conn()).await?.rows_affected();
    Ok((tenant, copied))
}
