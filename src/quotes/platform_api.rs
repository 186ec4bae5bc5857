//! `/api/v1/platform/…`: the platform operator edits the quoting catalogue's global
//! defaults (products, colours, colour prices, labour rates, tax rates) without a
//! redeploy. Tenants with a row of their own keep it; tenants that inherit see the
//! change in their next price. `tenants/global.toml` remains the seed: `tenants sync`
//! writes its entries again.

use chrono::NaiveDate;
use poem_openapi::param::{Header, Path};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use rust_decimal::Decimal;

use super::catalog_api::{ColourInput, ColourPriceInput, LabourRateInput};
use super::model::{ProductSpec, WindowType};
use super::products_api::{check_bom_materials, ProductView};
use super::repo;
use crate::auth::rbac::Permission;
use crate::auth::{require_platform, PlatformAuth};
use crate::cache::Scope;
use crate::catalog::model::{Category, Source};
use crate::error::{violated_constraint, ApiError, ApiResult};
use crate::http::check_if_match;
use crate::http::check_name;
use crate::http::ApiTags;
use crate::http::JsonBody;
use crate::money::Rate;
use crate::state::AppState;

#[derive(ApiResponse)]
enum ProductList {
    #[oai(status = 200)]
    Ok(Json<Vec<ProductView>>),
}

#[derive(ApiResponse)]
enum ProductAnswer {
    /// The default product; `ETag` is what `If-Match` must carry to replace it.
    #[oai(status = 200)]
    Ok(Json<ProductView>, #[oai(header = "ETag")] String),
    #[oai(status = 201)]
    Created(Json<ProductView>, #[oai(header = "ETag")] String),
}

#[derive(ApiResponse)]
enum Done {
    /// The default is written; every tenant that inherits it prices with it now.
    #[oai(status = 204)]
    NoContent,
}

/// A default tax rate's name and rate.
#[derive(Debug, Clone, poem_openapi::Object, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GlobalTaxRateInput {
    pub name: String,
    pub rate: Rate,
}

fn etag(version: i32) -> String {
    format!("\"pg{version}\"")
}

fn view(p: repo::EffectiveProduct) -> (ProductView, String) {
    let tag = etag(p.version);
    (
        ProductView {
            product: p.spec,
            source: Source::Global,
            version: p.version,
        },
        tag,
    )
}

/// A foreign-key miss (unknown material or colour) is a 404 naming it.
fn unknown_reference(err: sqlx::Error, what: &str) -> ApiError {
    match violated_constraint(&err) {
        Some(c) if c.ends_with("_fkey") => ApiError::not_found(
            "not_found",
            format!("{what} is not in the default catalogue"),
        ),
        _ => err.into(),
    }
}

/// Platform endpoints for the quoting defaults.
pub struct PlatformQuoteCatalogApi {
    pub state: AppState,
}

impl PlatformQuoteCatalogApi {
    async fn changed(&self) {
        self.state.cache.invalidate(Scope::Global).await;
    }
}

#[OpenApi(prefix_path = "/api/v1/platform", tag = "ApiTags::Platform")]
impl PlatformQuoteCatalogApi {
    /// The default products with their BOMs.
    #[oai(
        path = "/products",
        method = "get",
        operation_id = "platform_products_list"
    )]
    async fn list_products(&self, _auth: PlatformAuth) -> ApiResult<ProductList> {
        require_platform(&self.state, Permission::WriteGlobalCatalog)?;
        let mut conn = self.state.db.platform.acquire().await?;
        let products = repo::global_products(&mut conn).await?;
        Ok(ProductList::Ok(Json(
            products.into_iter().map(|p| view(p).0).collect(),
        )))
    }

    /// Add (201) or replace (200) a default product, checked like a tenant's. Replacing
    /// needs `If-Match` with its `ETag` (428 without, 412 when stale).
    #[oai(
        path = "/products/:code",
        method = "put",
        operation_id = "platform_products_put"
    )]
    async fn put_product(
        &self,
        _auth: PlatformAuth,
        code: Path<String>,
        #[oai(name = "If-Match")] if_match: Header<Option<String>>,
        body: JsonBody<ProductSpec>,
    ) -> ApiResult<ProductAnswer> {
        require_platform(&self.state, Permission::WriteGlobalCatalog)?;
        let spec = body.0;
        if spec.code != code.0 {
            return Err(ApiError::invalid_field(
                "code",
                format!("{:?} is not the product in the path, {}", spec.code, code.0),
            ));
        }
        spec.check()?;
        let mut tx = self.state.db.platform.begin().await?;
        let current: Option<(i32, bool)> = sqlx::query_as(
            "SELECT version, active FROM global_products WHERE code = $1 FOR UPDATE",
        )
        .bind(&code.0)
        .fetch_optional(&mut *tx)
        .await?;
        let exists = matches!(current, Some((_, true)));
        if let Some((version, true)) = current {
            check_if_match("product", if_match.0.as_deref(), &etag(version))?;
        }
        let materials = crate::catalog::repo::global_list(&mut tx, None).await?;
        check_bom_materials(&spec, &materials)?;
        repo::upsert_global_product(&mut tx, &spec).await?;
        let saved = repo::global_products(&mut tx)
            .await?
            .into_iter()
            .find(|p| p.spec.code == code.0)
            .ok_or_else(|| ApiError::internal("saved product", anyhow::anyhow!("not found")))?;
        tx.commit().await?;
        self.changed().await;
        let (view, tag) = view(saved);
        Ok(if exists {
            ProductAnswer::Ok(Json(view), tag)
        } else {
            ProductAnswer::Created(Json(view), tag)
        })
    }

    /// Withdraw a default product: tenants without their own product of that code can
    /// no longer quote it (saved drafts then fail to re-price, naming the item).
    #[oai(
        path = "/products/:code",
        method = "delete",
        operation_id = "platform_products_delete"
    )]
    async fn delete_product(&self, _auth: PlatformAuth, code: Path<String>) -> ApiResult<Done> {
        require_platform(&self.state, Permission::WriteGlobalCatalog)?;
        let done = sqlx::query(
            r#"UPDATE global_products SET active = false, version = version + 1, updated_at = now()
                WHERE code = $1 AND active"#,
        )
        .bind(&code.0)
        .execute(&self.state.db.platform)
        .await?;
        if done.rows_affected() == 0 {
            return Err(ApiError::not_found(
                "product_not_found",
                format!("no default product with code {}", code.0),
            ));
        }
        self.changed().await;
        Ok(Done::NoContent)
    }

    /// Add or rename a default colour.
    #[oai(
        path = "/colours/:code",
        method = "put",
        operation_id = "platform_colours_put"
    )]
    async fn put_colour(
        &self,
        _auth: PlatformAuth,
        code: Path<String>,
        body: JsonBody<ColourInput>,
    ) -> ApiResult<Done> {
        require_platform(&self.state, Permission::WriteGlobalCatalog)?;
        super::catalog_api::check_colour_code("code", &code.0)?;
        let name = check_name("name", &body.name)?;
        if name.chars().count() > 100 {
            return Err(ApiError::invalid_field(
                "name",
                "must be at most 100 characters",
            ));
        }
        let mut conn = self.state.db.platform.acquire().await?;
        repo::upsert_global_colour(&mut conn, &code.0, name).await?;
        self.changed().await;
        Ok(Done::NoContent)
    }

    /// Set a default profile's price in a default colour.
    #[oai(
        path = "/materials/:code/colours/:colour",
        method = "put",
        operation_id = "platform_colour_prices_put"
    )]
    async fn put_colour_price(
        &self,
        _auth: PlatformAuth,
        code: Path<String>,
        colour: Path<String>,
        body: JsonBody<ColourPriceInput>,
    ) -> ApiResult<Done> {
        require_platform(&self.state, Permission::WriteGlobalCatalog)?;
        let mut conn = self.state.db.platform.acquire().await?;
        let profile = crate::catalog::repo::global_list(&mut conn, Some(Category::Profile))
            .await?
            .into_iter()
            .any(|m| m.code == code.0);
        if !profile {
            return Err(ApiError::not_found(
                "material_not_found",
                format!("no default profile with code {}", code.0),
            ));
        }
        repo::upsert_global_colour_price(&mut conn, &code.0, &colour.0, body.price.amount())
            .await
            .map_err(|e| unknown_reference(e, &format!("colour {}", colour.0)))?;
        self.changed().await;
        Ok(Done::NoContent)
    }

    /// Set the default labour rate of a window type.
    #[oai(
        path = "/labour-rates/:window_type",
        method = "put",
        operation_id = "platform_labour_rates_put"
    )]
    async fn put_labour(
        &self,
        _auth: PlatformAuth,
        window_type: Path<String>,
        body: JsonBody<LabourRateInput>,
    ) -> ApiResult<Done> {
        require_platform(&self.state, Permission::WriteGlobalCatalog)?;
        let window_type = WindowType::from_db(&window_type.0).ok_or_else(|| {
            ApiError::invalid_field(
                "window_type",
                format!("{:?} is not a window type", window_type.0),
            )
        })?;
        if body.complexity.amount() <= Decimal::ZERO {
            return Err(ApiError::invalid_field("complexity", "must be more than 0"));
        }
        let mut conn = self.state.db.platform.acquire().await?;
        repo::upsert_global_labour(
            &mut conn,
            window_type,
            body.rate_per_m2.amount(),
            body.complexity.amount(),
        )
        .await?;
        self.changed().await;
        Ok(Done::NoContent)
    }

    /// Add or correct a default tax rate in force from `valid_from`.
    #[oai(
        path = "/tax-rates/:code/:valid_from",
        method = "put",
        operation_id = "platform_tax_rates_put"
    )]
    async fn put_tax_rate(
        &self,
        _auth: PlatformAuth,
        code: Path<String>,
        valid_from: Path<NaiveDate>,
        body: JsonBody<GlobalTaxRateInput>,
    ) -> ApiResult<Done> {
        require_platform(&self.state, Permission::WriteGlobalCatalog)?;
        super::catalog_api::check_colour_code("code", &code.0)?;
        let name = check_name("name", &body.name)?;
        if body.rate.amount() > Decimal::ONE {
            return Err(ApiError::invalid_field(
                "rate",
                "a tax rate is at most 1 (100 %)",
            ));
        }
        let mut conn = self.state.db.platform.acquire().await?;
        repo::upsert_global_tax_rate(&mut conn, &code.0, valid_from.0, name, body.rate.amount())
            .await?;
        self.changed().await;
        Ok(Done::NoContent)
    }
}
