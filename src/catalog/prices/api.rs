//! `/api/v1/prices`: effective prices, the hot lookup estimators make all day,
//! served from the tenant-keyed cache.

use chrono::{DateTime, Utc};
use poem_openapi::param::{Path, Query};
use poem_openapi::{ApiResponse, OpenApi};

use crate::auth::rbac::Permission;
use crate::auth::TenantAuth;
use crate::cache::{CacheKey, Scope, SharedKey};
use crate::catalog::materials::model::{Price, PricePage};
use crate::catalog::materials::repo;
use crate::catalog::model::{Category, MaterialCode};
use crate::catalog::price_admin;
use crate::error::{ApiError, ApiResult};
use crate::http::{ApiTags, Rendered};
use crate::ids::TenantId;
use crate::state::AppState;

#[derive(ApiResponse)]
enum PriceAnswer {
    /// The effective price.
    #[oai(status = 200)]
    Ok(Rendered<Price>),
}

#[derive(ApiResponse)]
enum PriceList {
    /// Every effective price, in one page.
    #[oai(status = 200)]
    Ok(Rendered<PricePage>),
}

/// Price endpoints.
pub struct PricesApi {
    pub state: AppState,
}

/// The effective price of one code for one tenant (`None`: no price), shared in
/// Redis as `price:<code>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct PriceKey {
    tenant: TenantId,
    code: MaterialCode,
}

impl CacheKey for PriceKey {
    type Value = Option<Rendered<Price>>;
    fn scope(&self) -> Scope {
        Scope::Tenant(self.tenant)
    }
}

impl SharedKey for PriceKey {
    fn redis_name(&self) -> String {
        format!("price:{}", self.code)
    }
}

/// The effective prices of a tenant, of one category or all, shared in Redis as
/// `prices:<category>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct PricesKey {
    tenant: TenantId,
    category: Option<Category>,
}

impl CacheKey for PricesKey {
    type Value = Rendered<PricePage>;
    fn scope(&self) -> Scope {
        Scope::Tenant(self.tenant)
    }
}

impl SharedKey for PricesKey {
    fn redis_name(&self) -> String {
        format!("prices:{}", self.category.map_or("all", Category::as_str))
    }
}

#[OpenApi(prefix_path = "/api/v1/prices", tag = "ApiTags::Catalog")]
impl PricesApi {
    /// The effective price of a code, now or at a past moment.
    ///
    /// The tenant's own active row, else the global default, else 404
    /// `price_not_found`; `source` says which. Any role may read it. Served from
    /// cache, and fresh on the next read after any change, on every instance.
    /// With `as_of`, the price in effect at that moment, read from the price
    /// history (`updated_at` is when that price was set; name, category and unit
    /// are today's); 404 `price_not_found` if the code had no price then.
    ///
    /// Errors: 400 bad_request; 404 price_not_found; 422 invalid_field.
    #[oai(path = "/:code", method = "get", operation_id = "prices_get")]
    async fn get(
        &self,
        auth: TenantAuth,
        /// The material code, e.g. `VID-CLARO-6`.
        code: Path<String>,
        /// A moment (RFC 3339, e.g. `2026-11-01T00:00:00Z`): the price then.
        as_of: Query<Option<DateTime<Utc>>>,
    ) -> ApiResult<PriceAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::ReadCatalog)?;
        let code = MaterialCode::parse_field("code", &code.0)?;
        if let Some(at) = as_of.0 {
            // Boxed: the common, cached read then carries a small future, not
            // this rare path's transaction.
            return Box::pin(async {
                let mut tx = ctx.tx(&self.state).await?;
                let price = price_admin::as_of::price(&mut tx, &code, at).await?;
                tx.commit().await?;
                Ok(PriceAnswer::Ok(Rendered::new(&price)))
            })
            .await;
        }
        let key = PriceKey {
            tenant: ctx.tenant,
            code: code.clone(),
        };
        let price = self
            .state
            .cache
            .get(&key, || async {
                let mut tx = ctx.tx(&self.state).await?;
                let found = repo::effective_one(&mut tx, code.as_str()).await?;
                tx.commit().await?;
                Ok::<_, ApiError>(found.map(|m| Rendered::new(&Price::from(m))))
            })
            .await?
            .ok_or_else(|| {
                ApiError::not_found(
                    "price_not_found",
                    format!("no price for {code} in this tenant or the default catalogue"),
                )
                .with_details(serde_json::json!({ "code": code.as_str() }))
            })?;
        Ok(PriceAnswer::Ok(price))
    }

    /// Effective prices, optionally of one category.
    ///
    /// By category and code, in one page (`next` is null); any role may read them.
    /// Served from cache.
    #[oai(path = "/", method = "get", operation_id = "prices_list")]
    async fn list(
        &self,
        auth: TenantAuth,
        /// Only prices of this category, e.g. `glass`.
        category: Query<Option<Category>>,
    ) -> ApiResult<PriceList> {
        let ctx = auth.ctx();
        ctx.require(Permission::ReadCatalog)?;
        let key = PricesKey {
            tenant: ctx.tenant,
            category: category.0,
        };
        let prices = self
            .state
            .cache
            .get(&key, || async {
                let mut tx = ctx.tx(&self.state).await?;
                let found = repo::effective(&mut tx, category.0).await?;
                tx.commit().await?;
                let page = PricePage::whole(found.into_iter().map(Price::from).collect());
                Ok::<_, ApiError>(Rendered::new(&page))
            })
            .await?;
        Ok(PriceList::Ok(prices))
    }
}
