//! `/api/v1/platform/labour-rates`: the platform operator edits the default labour
//! rates; inheriting tenants price with them at once.

use poem_openapi::param::Path;
use poem_openapi::{ApiResponse, OpenApi};

use super::model::{parse_window_type, LabourRateInput};
use super::repo;
use crate::auth::rbac::Permission;
use crate::auth::{require_platform, PlatformAuth};
use crate::cache::Scope;
use crate::error::ApiResult;
use crate::http::{ApiTags, JsonBody};
use crate::state::AppState;

#[derive(ApiResponse)]
enum Done {
    /// The default is written; every tenant that inherits it prices with it now.
    #[oai(status = 204)]
    NoContent,
}

/// Platform endpoints for the default labour rates.
pub struct PlatformLabourApi {
    pub state: AppState,
}

#[OpenApi(
    prefix_path = "/api/v1/platform/labour-rates",
    tag = "ApiTags::Platform"
)]
impl PlatformLabourApi {
    /// Set the default labour rate of a window type.
    ///
    /// Tenants without their own rate for the type price with it at once.
    ///
    /// Errors: 422 invalid_field.
    #[oai(
        path = "/:window_type",
        method = "put",
        operation_id = "platform_labour_rates_put"
    )]
    async fn put(
        &self,
        _auth: PlatformAuth,
        /// The window type, e.g. `corrediza`.
        window_type: Path<String>,
        body: JsonBody<LabourRateInput>,
    ) -> ApiResult<Done> {
        require_platform(&self.state, Permission::WriteGlobalCatalog)?;
        let window_type = parse_window_type(&window_type.0)?;
        body.check()?;
        let mut one = self.state.db.platform.single().await?;
        repo::upsert_global_labour(
            one.conn(),
            window_type,
            body.rate_per_m2.amount(),
            body.complexity.amount(),
        )
        .await?;
        self.state.cache.invalidate(Scope::Global).await;
        Ok(Done::NoContent)
    }
}
