//! `/api/v1/products`: the products a tenant quotes, its own and the defaults.

use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::model::ProductSpec;
use super::repo;
use crate::api::ApiTags;
use crate::auth::rbac::Permission;
use crate::auth::TenantAuth;
use crate::cache::Scope;
use crate::catalog::model::Source;
use crate::catalog::repo as catalog_repo;
use crate::error::{violated_constraint, ApiError, ApiResult};
use crate::payload::JsonBody;
use crate::state::AppState;

/// A product as the tenant sees it.
#[derive(Debug, Clone, Object)]
pub struct ProductView {
    #[oai(flatten)]
    pub product: ProductSpec,
    /// `tenant` for the tenant's own product, `global` when inherited.
    pub source: Source,
}

#[derive(ApiResponse)]
enum ProductList {
    #[oai(status = 200)]
    Ok(Json<Vec<ProductView>>),
}

#[derive(ApiResponse)]
enum ProductAnswer {
    #[oai(status = 200)]
    Ok(Json<ProductView>),
    #[oai(status = 201)]
    Created(Json<ProductView>),
}

/// Product endpoints.
pub struct ProductsApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1/products", tag = "ApiTags::Catalog")]
impl ProductsApi {
    /// The tenant's products and the inherited defaults, each with its BOM and source.
    #[oai(path = "/", method = "get", operation_id = "products_list")]
    async fn list(&self, auth: TenantAuth) -> ApiResult<ProductList> {
        let ctx = auth.ctx();
        ctx.require(Permission::ReadCatalog)?;
        let mut tx = ctx.tx(&self.state).await?;
        let products = repo::effective_products(&mut tx).await?;
        tx.commit().await?;
        Ok(ProductList::Ok(Json(
            products
                .into_iter()
                .map(|(product, source)| ProductView { product, source })
                .collect(),
        )))
    }

    /// One product by code.
    #[oai(path = "/:code", method = "get", operation_id = "products_get")]
    async fn get(&self, auth: TenantAuth, code: Path<String>) -> ApiResult<ProductAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::ReadCatalog)?;
        let mut tx = ctx.tx(&self.state).await?;
        let found = repo::effective_products(&mut tx)
            .await?
            .into_iter()
            .find(|(p, _)| p.code == code.0);
        tx.commit().await?;
        let (product, source) = found.ok_or_else(|| {
            ApiError::not_found(
                "product_not_found",
                format!("no product with code {}", code.0),
            )
        })?;
        Ok(ProductAnswer::Ok(Json(ProductView { product, source })))
    }

    /// Add a product in the shape of the catalogue file (admins only). Formulas are
    /// checked now: a syntax error, an unknown variable, or a division by zero at
    /// the product's corner sizes is a 422 naming the BOM line. Every BOM material
    /// must exist in the tenant's catalogue with the line's kind. A code the tenant
    /// already has is 409; a default code becomes the tenant's own version.
    #[oai(path = "/", method = "post", operation_id = "products_create")]
    async fn create(
        &self,
        auth: TenantAuth,
        body: JsonBody<ProductSpec>,
    ) -> ApiResult<ProductAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteCatalog)?;
        let spec = body.0;
        spec.check()?;
        let mut tx = ctx.tx(&self.state).await?;
        let materials = catalog_repo::effective(&mut tx, None, None).await?;
        for (i, line) in spec.bom.iter().enumerate() {
            let field = format!("bom[{i}].material");
            let material = materials
                .iter()
                .find(|m| m.code == line.material)
                .ok_or_else(|| {
                    ApiError::not_found(
                        "material_not_found",
                        format!("{field}: no material with code {}", line.material),
                    )
                    .with_details(serde_json::json!({ "field": field }))
                })?;
            if material.category != line.kind {
                return Err(ApiError::invalid_field(
                    &field,
                    format!(
                        "{} is a {}, not a {}",
                        line.material,
                        material.category.as_str(),
                        line.kind.as_str()
                    ),
                ));
            }
        }
        if let Err(err) = repo::insert_product(&mut tx, &spec, ctx.user).await {
            return Err(match violated_constraint(&err) {
                Some("products_tenant_id_code_key") => ApiError::conflict(
                    "product_exists",
                    format!("this tenant already has a product {}", spec.code),
                ),
                _ => err.into(),
            });
        }
        tx.commit().await?;
        self.state.cache.invalidate(Scope::Tenant(ctx.tenant)).await;
        Ok(ProductAnswer::Created(Json(ProductView {
            product: spec,
            source: Source::Tenant,
        })))
    }
}
