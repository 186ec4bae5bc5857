//! `/api/v1/platform/tax-rates`: the platform operator adds or corrects the default
//! tax rates; inheriting tenants price with them from their day on.

use chrono::NaiveDate;
use poem_openapi::param::Path;
use poem_openapi::{ApiResponse, OpenApi};

use super::model::{check_tax_code, check_tax_rate, GlobalTaxRateInput};
use super::repo;
use crate::auth::rbac::Permission;
use crate::auth::{require_platform, PlatformAuth};
use crate::cache::Scope;
use crate::error::ApiResult;
use crate::http::{check_name, ApiTags, JsonBody};
use crate::state::AppState;

#[derive(ApiResponse)]
enum Done {
    /// The default is written; every tenant that inherits it prices with it now.
    #[oai(status = 204)]
    NoContent,
}

/// Platform endpoints for the default tax rates.
pub struct PlatformTaxesApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1/platform/tax-rates", tag = "ApiTags::Platform")]
impl PlatformTaxesApi {
    /// Add or correct a default tax rate in force from `valid_from`.
    ///
    /// Tenants without their own rates of the code price with it from that day on.
    ///
    /// Errors: 422 invalid_field.
    #[oai(
        path = "/:code/:valid_from",
        method = "put",
        operation_id = "platform_tax_rates_put"
    )]
    async fn put(
        &self,
        _auth: PlatformAuth,
        /// The tax code: 1 to 16 of `A-Z`, `0-9`, `_` and `-`, e.g. `IVA8`.
        code: Path<String>,
        /// The first day it is in force (`YYYY-MM-DD`).
        valid_from: Path<NaiveDate>,
        body: JsonBody<GlobalTaxRateInput>,
    ) -> ApiResult<Done> {
        require_platform(&self.state, Permission::WriteGlobalCatalog)?;
        check_tax_code("code", &code.0)?;
        let name = check_name("name", &body.name)?;
        check_tax_rate(body.rate)?;
        let mut one = self.state.db.platform.single().await?;
        repo::upsert_global_tax_rate(one.conn(), &code.0, valid_from.0, name, body.rate.amount())
            .await?;
        self.state.cache.invalidate(Scope::Global).await;
        Ok(Done::NoContent)
    }
}
