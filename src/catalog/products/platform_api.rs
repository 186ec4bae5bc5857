//! `/api/v1/platform/products`: the platform operator edits the default products
//! without a redeploy. Tenants with a product of their own keep it; tenants that
//! inherit price with the change at once. `tenants/global.toml` remains the seed:
//! `tenants sync` writes its entries again.

use poem_openapi::param::{Header, Path};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::model::{check_bom_materials, ProductPage, ProductSpec, ProductView};
use super::repo;
use crate::auth::rbac::Permission;
use crate::auth::{require_platform, PlatformAuth};
use crate::cache::Scope;
use crate::catalog::materials::repo as materials;
use crate::catalog::model::Source;
use crate::error::{ApiError, ApiResult};
use crate::http::{check_if_match, ApiTags, JsonBody};
use crate::state::AppState;

#[derive(ApiResponse)]
enum ProductList {
    /// Every default product, in one page.
    #[oai(status = 200)]
    Ok(Json<ProductPage>),
}

#[derive(ApiResponse)]
enum ProductAnswer {
    /// The default product; `ETag` is what `If-Match` must carry to replace it.
    #[oai(status = 200)]
    Ok(Json<ProductView>, #[oai(header = "ETag")] String),
    /// The default product, new; `ETag` is what `If-Match` must carry to replace it.
    #[oai(status = 201)]
    Created(Json<ProductView>, #[oai(header = "ETag")] String),
}

#[derive(ApiResponse)]
enum Done {
    /// The default is written; every tenant that inherits it prices with it now.
    #[oai(status = 204)]
    NoContent,
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

/// Platform endpoints for the default products.
pub struct PlatformProductsApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1/platform/products", tag = "ApiTags::Platform")]
impl PlatformProductsApi {
    /// The default products with their BOMs.
    ///
    /// By code, in one page; every product has `source: global`.
    #[oai(path = "/", method = "get", operation_id = "platform_products_list")]
    async fn list(&self, _auth: PlatformAuth) -> ApiResult<ProductList> {
        require_platform(&self.state, Permission::WriteGlobalCatalog)?;
        let mut one = self.state.db.platform.single().await?;
        let products = repo::global_products(one.conn()).await?;
        Ok(ProductList::Ok(Json(ProductPage::whole(
            products.into_iter().map(|p| view(p).0).collect(),
        ))))
    }

    /// Add (201) or replace (200) a default product.
    ///
    /// Checked like a tenant's, against the default catalogue. Replacing needs
    /// `If-Match` with its `ETag` (428 without, 412 when stale). Tenants without
    /// their own product of the code quote it at once.
    ///
    /// Errors: 404 material_not_found; 412 version_mismatch; 422 invalid_field; 428
    /// if_match_required.
    #[oai(
        path = "/:code",
        method = "put",
        operation_id = "platform_products_put"
    )]
    async fn put(
        &self,
        _auth: PlatformAuth,
        /// The product code, e.g. `VEN-CORR-NAC3`.
        code: Path<String>,
        /// The default's `ETag` as last read; needed only to replace one.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
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
        let current = repo::lock_global(tx.conn(), &code.0).await?;
        let exists = matches!(current, Some((_, true)));
        if let Some((version, true)) = current {
            check_if_match("product", if_match.0.as_deref(), &etag(version))?;
        }
        let materials = materials::global_list(tx.conn(), None).await?;
        check_bom_materials(&spec, &materials)?;
        repo::upsert_global_product(tx.conn(), &spec).await?;
        let saved = repo::global_products(tx.conn())
            .await?
            .into_iter()
            .find(|p| p.spec.code == code.0)
            .ok_or_else(|| ApiError::internal("saved product", anyhow::anyhow!("not found")))?;
        tx.commit().await?;
        self.state.cache.invalidate(Scope::Global).await;
        let (view, tag) = view(saved);
        Ok(if exists {
            ProductAnswer::Ok(Json(view), tag)
        } else {
            ProductAnswer::Created(Json(view), tag)
        })
    }

    /// Withdraw a default product.
    ///
    /// Tenants without their own product of that code can no longer quote it
    /// (saved drafts then fail to re-price, naming the item).
    ///
    /// Errors: 404 product_not_found.
    #[oai(
        path = "/:code",
        method = "delete",
        operation_id = "platform_products_delete"
    )]
    async fn delete(
        &self,
        _auth: PlatformAuth,
        /// The product code.
        code: Path<String>,
    ) -> ApiResult<Done> {
        require_platform(&self.state, Permission::WriteGlobalCatalog)?;
        let mut one = self.state.db.platform.single().await?;
        if !repo::withdraw_global(one.conn(), &code.0).await? {
            return Err(ApiError::not_found(
                "product_not_found",
                format!("no default product with code {}", code.0),
            ));
        }
        self.state.cache.invalidate(Scope::Global).await;
        Ok(Done::NoContent)
    }
}
