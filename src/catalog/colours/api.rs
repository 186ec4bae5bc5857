//! `/api/v1/colours`: the colours a tenant's profiles come in, its own over the
//! defaults. A profile's price per colour lives under `/api/v1/materials`.

use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::model::{Colour, ColourInput, ColourPage};
use super::{manage, repo};
use crate::auth::rbac::Permission;
use crate::auth::TenantAuth;
use crate::error::ApiResult;
use crate::http::{ApiTags, JsonBody};
use crate::state::AppState;

#[derive(ApiResponse)]
enum ColourList {
    /// Every colour, in one page.
    #[oai(status = 200)]
    Ok(Json<ColourPage>),
}

#[derive(ApiResponse)]
enum ColourAnswer {
    /// The tenant's colour, as written.
    #[oai(status = 200)]
    Ok(Json<Colour>),
}

#[derive(ApiResponse)]
enum Removed {
    /// The tenant's own colour is gone; a default of that code applies again.
    #[oai(status = 204)]
    NoContent,
}

/// Colour endpoints.
pub struct ColoursApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1/colours", tag = "ApiTags::Catalog")]
impl ColoursApi {
    /// The tenant's colours and the inherited defaults.
    ///
    /// By code, in one page, each marked with its `source`; any role may read them.
    #[oai(path = "/", method = "get", operation_id = "colours_list")]
    async fn list(&self, auth: TenantAuth) -> ApiResult<ColourList> {
        let ctx = auth.ctx();
        ctx.require(Permission::ReadCatalog)?;
        let mut tx = ctx.tx(&self.state).await?;
        let list = repo::effective(&mut tx).await?;
        tx.commit().await?;
        Ok(ColourList::Ok(Json(ColourPage::whole(list))))
    }

    /// Add or rename a colour (admins only).
    ///
    /// Naming a default's code makes the colour the tenant's own (the default's
    /// name no longer shows). Profiles are priced in it once it has colour prices.
    ///
    /// Errors: 403 forbidden; 422 invalid_field.
    #[oai(path = "/:code", method = "put", operation_id = "colours_put")]
    async fn put(
        &self,
        auth: TenantAuth,
        /// The colour code: 1 to 16 of `A-Z`, `0-9`, `_` and `-`, e.g. `CHA`.
        code: Path<String>,
        body: JsonBody<ColourInput>,
    ) -> ApiResult<ColourAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteCatalog)?;
        let colour = manage::save(&self.state, ctx, &code.0, &body.name).await?;
        Ok(ColourAnswer::Ok(Json(colour)))
    }

    /// Remove the tenant's own colour (admins only).
    ///
    /// A default of that code applies again. Quotes can no longer use a colour
    /// that is gone.
    ///
    /// Errors: 403 forbidden; 404 colour_not_found.
    #[oai(path = "/:code", method = "delete", operation_id = "colours_delete")]
    async fn delete(
        &self,
        auth: TenantAuth,
        /// The colour code.
        code: Path<String>,
    ) -> ApiResult<Removed> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteCatalog)?;
        manage::remove(&self.state, ctx, &code.0).await?;
        Ok(Removed::NoContent)
    }
}
