//! `/api/v1/products`: the products a tenant quotes, its own and the defaults.

use poem_openapi::param::{Header, Path};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::model::{check_bom_materials, ProductPage, ProductSpec, ProductView};
use super::repo;
use crate::auth::rbac::Permission;
use crate::auth::{TenantAuth, TenantCtx};
use crate::catalog::materials::repo as materials;
use crate::catalog::model::Source;
use crate::db::TenantTx;
use crate::error::{ApiError, ApiResult};
use crate::http::{check_if_match, ApiTags, JsonBody};
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

fn not_found(code: &str) -> ApiError {
    ApiError::not_found("product_not_found", format!("no product with code {code}"))
}

/// The effective product of that code, if any.
async fn find(tx: &mut TenantTx, code: &str) -> ApiResult<Option<ProductView>> {
    Ok(repo::effective_products(tx)
        .await?
        .into_iter()
        .find(|p| p.spec.code == code)
        .map(ProductView::new))
}

/// Checks a spec against the tenant's catalogue: every BOM material exists with
/// the line's kind.
async fn check_materials(tx: &mut TenantTx, spec: &ProductSpec) -> ApiResult<()> {
    let materials = materials::effective(tx, None).await?;
    check_bom_materials(spec, &materials)
}

/// Product endpoints.
pub struct ProductsApi {
    pub state: AppState,
}

impl ProductsApi {
    /// Saves the tenant's own version of a checked spec, commits, and answers it;
    /// `lost` is the error when the tenant's row is no longer at `expected_version`.
    async fn save(
        &self,
        ctx: &TenantCtx,
        mut tx: TenantTx,
        spec: ProductSpec,
        expected_version: Option<i32>,
        lost: impl FnOnce() -> ApiError,
    ) -> ApiResult<ProductView> {
        check_materials(&mut tx, &spec).await?;
        let version = repo::save_product(&mut tx, &spec, ctx.user, expected_version)
            .await?
            .ok_or_else(lost)?;
        ctx.commit_catalog_change(&self.state, tx).await?;
        Ok(ProductView {
            product: ProductSpec {
                name: spec.name.trim().to_owned(),
                in_default_catalogue: None,
                ..spec
            },
            source: Source::Tenant,
            version,
        })
    }
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
        let spec = body.0;
        spec.check()?;
        let code = spec.code.clone();
        let exists = move || {
            ApiError::conflict(
                "product_exists",
                format!("this tenant already has a product {code}; replace it with PUT"),
            )
        };
        let tx = ctx.tx(&self.state).await?;
        let view = self.save(ctx, tx, spec, None, exists).await?;
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
        let spec = body.0;
        if spec.code != code.0 {
            return Err(ApiError::invalid_field(
                "code",
                format!("{:?} is not the product in the path, {}", spec.code, code.0),
            ));
        }
        spec.check()?;
        let mut tx = ctx.tx(&self.state).await?;
        let current = find(&mut tx, &code.0)
            .await?
            .ok_or_else(|| not_found(&code.0))?;
        check_if_match("product", if_match.0.as_deref(), &current.etag())?;
        let expected = (current.source == Source::Tenant).then_some(current.version);
        let stale = || {
            ApiError::new(
                poem::http::StatusCode::PRECONDITION_FAILED,
                "version_mismatch",
                "the product changed since you read it; read it again and retry",
            )
        };
        let view = self.save(ctx, tx, spec, expected, stale).await?;
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
        let mut tx = ctx.tx(&self.state).await?;
        if !repo::deactivate_product(&mut tx, &code.0, ctx.user).await? {
            return Err(match find(&mut tx, &code.0).await? {
                Some(_) => ApiError::conflict(
                    "default_product",
                    format!("{} is a default product; the platform maintains it", code.0),
                ),
                None => not_found(&code.0),
            });
        }
        ctx.commit_catalog_change(&self.state, tx).await?;
        Ok(Deleted::NoContent)
    }
}
