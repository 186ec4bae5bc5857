//! `/api/v1/products`: the products a tenant quotes, its own and the defaults.

use poem_openapi::param::{Header, Path};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::manage::{self, find, not_found};
use super::model::{ProductPage, ProductSpec, ProductView};
use super::repo;
use crate::auth::rbac::Permission;
use crate::auth::TenantAuth;
use crate::error::ApiResult;
use crate::http::{ApiTags, JsonBody};
use crate::state::AppState;

#[derive(ApiResponse)]
enum ProductList {
    /// Every product, in one page.
    #[oai(status = 200)]
    Ok(Json<ProductPage>),
}

#[derive(ApiResponse)]
enum ProductAnswer {
    /// The product; `ETag` is what `If-Match` must carry to replace it.
    #[oai(status = 200)]
    Ok(Json<ProductView>, #[oai(header = "ETag")] String),
}

#[derive(ApiResponse)]
enum ProductCreated {
    /// Created (or, for a repeated `Idempotency-Key`, the first answer again);
    /// `ETag` is what `If-Match` must carry to replace it.
    #[oai(status = 201)]
    Created(Json<ProductView>, #[oai(header = "ETag")] String),
}

#[derive(ApiResponse)]
enum Deleted {
    /// The tenant's product is gone; a default of the same code applies again.
    #[oai(status = 204)]
    NoContent,
}

/// Product endpoints.
pub struct ProductsApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1/products", tag = "ApiTags::Catalog")]
impl ProductsApi {
    /// The tenant's products and the inherited defaults, each with its BOM and source.
    ///
    /// By code, in one page; any role may read them.
    #[oai(path = "/", method = "get", operation_id = "products_list")]
    async fn list(&self, auth: TenantAuth) -> ApiResult<ProductList> {
        let ctx = auth.ctx();
        ctx.require(Permission::ReadCatalog)?;
        let mut tx = ctx.tx(&self.state).await?;
        let products = repo::effective_products(&mut tx).await?;
        tx.commit().await?;
        Ok(ProductList::Ok(Json(ProductPage::whole(
            products.into_iter().map(ProductView::new).collect(),
        ))))
    }

    /// One product by code.
    ///
    /// The tenant's own, else the default; any role may read it. The `ETag` header
    /// is what `If-Match` must carry to replace it.
    ///
    /// Errors: 404 product_not_found.
    #[oai(path = "/:code", method = "get", operation_id = "products_get")]
    async fn get(
        &self,
        auth: TenantAuth,
        /// The product code, e.g. `VEN-CORR-NAC3`.
        code: Path<String>,
    ) -> ApiResult<ProductAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::ReadCatalog)?;
        let mut tx = ctx.tx(&self.state).await?;
        let found = find(&mut tx, &code.0).await?;
        tx.commit().await?;
        let view = found.ok_or_else(|| not_found(&code.0))?;
        let etag = view.etag();
        Ok(ProductAnswer::Ok(Json(view), etag))
    }

    /// Add a product in the shape of the catalogue file (admins only).
    ///
    /// Formulas are checked now: a syntax error, an unknown variable, or a division
    /// by zero at the product's corner sizes is a 422 naming the BOM line. Every BOM
    /// material must exist in the tenant's catalogue with the line's kind. A code
    /// the tenant already has is 409 (replace it with `PUT`); a default code
    /// becomes the tenant's own version.
    ///
    /// Errors: 403 forbidden; 404 material_not_found; 409 product_exists; 422
    /// invalid_field.
    #[oai(path = "/", method = "post", operation_id = "products_create")]
    async fn create(
        &self,
        auth: TenantAuth,
        /// Makes a retry safe: within 24 hours, the same request with the same key
        /// returns the first answer (`Idempotent-Replayed: true`) instead of creating
        /// again; another request with it is 422. 1 to 255 visible ASCII characters,
        /// e.g. a UUID.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: Header<Option<String>>,
        body: JsonBody<ProductSpec>,
    ) -> ApiResult<ProductCreated> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteCatalog)?;
        let view = manage::create(&self.state, ctx, body.0).await?;
        let etag = view.etag();
        Ok(ProductCreated::Created(Json(view), etag))
    }

    /// Replace a product (admins only), checked like a new one.
    ///
    /// The body's `code` must be the path's. Replacing an inherited default creates
    /// the tenant's own version. `If-Match` with the product's `ETag` is required
    /// (428 without, 412 when stale). Saved drafts pick the change up when next
    /// saved; sent quotes never change.
    ///
    /// Errors: 403 forbidden; 404 product_not_found, material_not_found; 412
    /// version_mismatch; 422 invalid_field; 428 if_match_required.
    #[oai(path = "/:code", method = "put", operation_id = "products_replace")]
    async fn replace(
        &self,
        auth: TenantAuth,
        /// The product code, e.g. `VEN-CORR-NAC3`.
        code: Path<String>,
        /// The product's `ETag` as last read, e.g. `"pg1"`; `*` matches any version.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: JsonBody<ProductSpec>,
    ) -> ApiResult<ProductAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteCatalog)?;
        let view =
            manage::replace(&self.state, ctx, &code.0, if_match.0.as_deref(), body.0).await?;
        let etag = view.etag();
        Ok(ProductAnswer::Ok(Json(view), etag))
    }

    /// Remove the tenant's own product (admins only).
    ///
    /// A default of the same code applies again. Defaults themselves cannot be
    /// removed by a tenant (409 `default_product`).
    ///
    /// Errors: 403 forbidden; 404 product_not_found; 409 default_product.
    #[oai(path = "/:code", method = "delete", operation_id = "products_delete")]
    async fn delete(
        &self,
        auth: TenantAuth,
        /// The product code.
        code: Path<String>,
    ) -> ApiResult<Deleted> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteCatalog)?;
        manage::remove(&self.state, ctx, &code.0).await?;
        Ok(Deleted::NoContent)
    }
}
