//! `/api/v1/platform/colours`: the platform operator edits the default colours.

use poem_openapi::param::Path;
use poem_openapi::{ApiResponse, OpenApi};

use super::model::{check_colour_code, check_colour_name, ColourInput};
use super::repo;
use crate::auth::rbac::Permission;
use crate::auth::{require_platform, PlatformAuth};
use crate::cache::Scope;
use crate::error::ApiResult;
use crate::http::{ApiTags, JsonBody};
use crate::state::AppState;

#[derive(ApiResponse)]
enum Done {
    /// The default is written; every tenant that inherits it sees it now.
    #[oai(status = 204)]
    NoContent,
}

/// Platform endpoints for the default colours.
pub struct PlatformColoursApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1/platform/colours", tag = "ApiTags::Platform")]
impl PlatformColoursApi {
    /// Add or rename a default colour.
    ///
    /// Tenants without their own colour of that code see it at once.
    ///
    /// Errors: 422 invalid_field.
    #[oai(path = "/:code", method = "put", operation_id = "platform_colours_put")]
    async fn put(
        &self,
        _auth: PlatformAuth,
        /// The colour code: 1 to 16 of `A-Z`, `0-9`, `_` and `-`, e.g. `NAT`.
        code: Path<String>,
        body: JsonBody<ColourInput>,
    ) -> ApiResult<Done> {
        require_platform(&self.state, Permission::WriteGlobalCatalog)?;
        check_colour_code("code", &code.0)?;
        let name = check_colour_name(&body.name)?;
        let mut one = self.state.db.platform.single().await?;
        repo::upsert_global_colour(one.conn(), &code.0, name).await?;
        self.state.cache.invalidate(Scope::Global).await;
        Ok(Done::NoContent)
    }
}
