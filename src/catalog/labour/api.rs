//! `/api/v1/labour-rates`: labour per m² by window type, the tenant's over the
//! defaults.

use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::model::{parse_window_type, LabourRate, LabourRateInput, LabourRatePage};
use super::repo;
use crate::auth::rbac::Permission;
use crate::auth::{TenantAuth, TenantCtx};
use crate::catalog::model::{Source, WindowType};
use crate::error::{ApiError, ApiResult};
use crate::http::{ApiTags, JsonBody};
use crate::state::AppState;

#[derive(ApiResponse)]
enum LabourList {
    /// Every window type's rate, in one page.
    #[oai(status = 200)]
    Ok(Json<LabourRatePage>),
}

#[derive(ApiResponse)]
enum LabourAnswer {
    /// The tenant's rate, as written.
    #[oai(status = 200)]
    Ok(Json<LabourRate>),
}

#[derive(ApiResponse)]
enum Removed {
    /// The tenant's own rate is gone; the default applies again.
    #[oai(status = 204)]
    NoContent,
}

/// Labour rate endpoints.
pub struct LabourApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1/labour-rates", tag = "ApiTags::Catalog")]
impl LabourApi {
    /// Labour rates per window type, the tenant's over the defaults.
    ///
    /// By window type, in one page, each marked with its `source`; any role may
    /// read them.
    #[oai(path = "/", method = "get", operation_id = "labour_rates_list")]
    async fn list(&self, auth: TenantAuth) -> ApiResult<LabourList> {
        let ctx = auth.ctx();
        ctx.require(Permission::ReadCatalog)?;
        let mut tx = ctx.tx(&self.state).await?;
        let list = repo::effective(&mut tx).await?;
        tx.commit().await?;
        Ok(LabourList::Ok(Json(LabourRatePage::whole(list))))
    }

    /// Set the tenant's labour rate for a window type (admins only).
    ///
    /// It replaces the default for the tenant at once: new previews and saves use
    /// it; sent quotes keep their figures.
    ///
    /// Errors: 403 forbidden; 422 invalid_field.
    #[oai(
        path = "/:window_type",
        method = "put",
        operation_id = "labour_rates_put"
    )]
    async fn put(
        &self,
        auth: TenantAuth,
        /// The window type, e.g. `corrediza`.
        window_type: Path<String>,
        body: JsonBody<LabourRateInput>,
    ) -> ApiResult<LabourAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteCatalog)?;
        let window_type = parse_window_type(&window_type.0)?;
        body.check()?;
        let mut tx = ctx.tx(&self.state).await?;
        repo::put(&mut tx, window_type, &body).await?;
        ctx.commit_catalog_change(&self.state, tx).await?;
        Ok(LabourAnswer::Ok(Json(LabourRate {
            window_type,
            rate_per_m2: body.rate_per_m2,
            complexity: body.complexity,
            source: Source::Tenant,
        })))
    }

    /// Remove the tenant's labour rate for a window type (admins only).
    ///
    /// The default applies again.
    ///
    /// Errors: 403 forbidden; 404 labour_rate_not_found; 422 invalid_field.
    #[oai(
        path = "/:window_type",
        method = "delete",
        operation_id = "labour_rates_delete"
    )]
    async fn delete(
        &self,
        auth: TenantAuth,
        /// The window type, e.g. `corrediza`.
        window_type: Path<String>,
    ) -> ApiResult<Removed> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteCatalog)?;
        let window_type = parse_window_type(&window_type.0)?;
        remove_own(&self.state, ctx, window_type).await?;
        Ok(Removed::NoContent)
    }
}

/// Removes the tenant's own labour rate for `window_type`, so the default applies
/// again (the caller checked `WriteCatalog`); 404 `labour_rate_not_found` when it
/// has none. Shared by the API's `DELETE` and the web app.
pub async fn remove_own(
    state: &AppState,
    ctx: &TenantCtx,
    window_type: WindowType,
) -> ApiResult<()> {
    let mut tx = ctx.tx(state).await?;
    if !repo::delete(&mut tx, window_type).await? {
        return Err(ApiError::not_found(
            "labour_rate_not_found",
            format!(
                "this tenant has no labour rate of its own for {}",
                window_type.as_str()
            ),
        ));
    }
    ctx.commit_catalog_change(state, tx).await
}
