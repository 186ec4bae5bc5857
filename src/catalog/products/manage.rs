//! Adding, replacing and removing the tenant's own products: the rules the API
//! (`api.rs`) and the web page (`web::admin::products`) share: the spec's checks,
//! the BOM materials against the catalogue, the version check, the cache after a
//! change.

use poem::http::StatusCode;

use super::model::{bom_material_problems, check_bom_materials, ProductSpec, ProductView};
use super::repo;
use crate::auth::TenantCtx;
use crate::catalog::materials::repo as materials;
use crate::catalog::model::Source;
use crate::db::TenantTx;
use crate::error::{ApiError, ApiResult};
use crate::http::check_if_match;
use crate::state::AppState;

/// 404 `product_not_found`.
pub fn not_found(code: &str) -> ApiError {
    ApiError::not_found("product_not_found", format!("no product with code {code}"))
}

/// The effective product of that code, if any.
pub async fn find(tx: &mut TenantTx, code: &str) -> ApiResult<Option<ProductView>> {
    Ok(repo::effective_products(tx)
        .await?
        .into_iter()
        .find(|p| p.spec.code == code)
        .map(ProductView::new))
}

/// Every BOM line whose material the tenant's catalogue does not have with the
/// line's kind (see [`bom_material_problems`]), in line order.
pub async fn material_problems(tx: &mut TenantTx, spec: &ProductSpec) -> ApiResult<Vec<ApiError>> {
    let materials = materials::effective(tx, None).await?;
    Ok(bom_material_problems(spec, &materials))
}

/// Checks a spec's BOM materials, saves the tenant's own version, commits, and
/// answers it; `lost` is the error when the tenant's row is no longer at
/// `expected_version`.
async fn save(
    state: &AppState,
    ctx: &TenantCtx,
    mut tx: TenantTx,
    spec: ProductSpec,
    expected_version: Option<i32>,
    lost: impl FnOnce() -> ApiError,
) -> ApiResult<ProductView> {
    let materials = materials::effective(&mut tx, None).await?;
    check_bom_materials(&spec, &materials)?;
    let version = repo::save_product(&mut tx, &spec, ctx.user, expected_version)
        .await?
        .ok_or_else(lost)?;
    ctx.commit_catalog_change(state, tx).await?;
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

/// Adds the tenant's product after [`ProductSpec::check`] (its first problem is
/// the answer) and the materials check; a default's code becomes the tenant's own
/// version; 409 `product_exists` when the tenant has one of that code. The caller
/// has checked `WriteCatalog`.
pub async fn create(
    state: &AppState,
    ctx: &TenantCtx,
    spec: ProductSpec,
) -> ApiResult<ProductView> {
    spec.check()?;
    let code = spec.code.clone();
    let exists = move || {
        ApiError::conflict(
            "product_exists",
            format!("this tenant already has a product {code}; replace it with PUT"),
        )
    };
    let tx = ctx.tx(state).await?;
    save(state, ctx, tx, spec, None, exists).await
}

/// Replaces the product `code` (the spec's code must be it), checked like a new
/// one; `if_match` must carry its ETag as last read (428 without, 412
/// `version_mismatch` when stale, also when another write wins meanwhile).
/// Replacing a default makes the tenant's own version; 404 for a code the tenant
/// does not list. The caller has checked `WriteCatalog`.
pub async fn replace(
    state: &AppState,
    ctx: &TenantCtx,
    code: &str,
    if_match: Option<&str>,
    spec: ProductSpec,
) -> ApiResult<ProductView> {
    if spec.code != code {
        return Err(ApiError::invalid_field(
            "code",
            format!("{:?} is not the product in the path, {code}", spec.code),
        ));
    }
    spec.check()?;
    let mut tx = ctx.tx(state).await?;
    let current = find(&mut tx, code).await?.ok_or_else(|| not_found(code))?;
    check_if_match("product", if_match, &current.etag())?;
    let expected = (current.source == Source::Tenant).then_some(current.version);
    let stale = || {
        ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            "version_mismatch",
            "the product changed since you read it; read it again and retry",
        )
    };
    save(state, ctx, tx, spec, expected, stale).await
}

/// Removes the tenant's own product `code`; a default of that code applies again.
/// 409 `default_product` for a default, 404 for a code the tenant does not list.
/// The caller has checked `WriteCatalog`.
pub async fn remove(state: &AppState, ctx: &TenantCtx, code: &str) -> ApiResult<()> {
    let mut tx = ctx.tx(state).await?;
    if !repo::deactivate_product(&mut tx, code, ctx.user).await? {
        return Err(match find(&mut tx, code).await? {
            Some(_) => ApiError::conflict(
                "default_product",
                format!("{code} is a default product; the platform maintains it"),
            ),
            None => not_found(code),
        });
    }
    ctx.commit_catalog_change(state, tx).await
}
