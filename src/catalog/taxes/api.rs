//! `/api/v1/tax-rates`: tax rates by code with the day each takes effect; the
//! tenant's rates over the defaults.

use chrono::NaiveDate;
use poem_openapi::param::{Header, Path};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::manage;
use super::model::{TaxRateInput, TaxRatePage, TaxRateView};
use crate::auth::rbac::Permission;
use crate::auth::TenantAuth;
use crate::error::ApiResult;
use crate::http::{ApiTags, JsonBody};
use crate::state::AppState;

#[derive(ApiResponse)]
enum TaxRateList {
    /// Every tax rate, in one page.
    #[oai(status = 200)]
    Ok(Json<TaxRatePage>),
}

#[derive(ApiResponse)]
enum TaxRateCreated {
    /// Created (or, for a repeated `Idempotency-Key`, the first answer again).
    #[oai(status = 201)]
    Created(Json<TaxRateView>),
}

#[derive(ApiResponse)]
enum Removed {
    /// The rate is gone; with no rate of the tenant's left for the code, its
    /// defaults apply again.
    #[oai(status = 204)]
    NoContent,
}

/// Tax rate endpoints.
pub struct TaxesApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1/tax-rates", tag = "ApiTags::Catalog")]
impl TaxesApi {
    /// Tax rates by code, each with the day it took effect.
    ///
    /// `current` marks the one in force today. The defaults of a code apply until
    /// the tenant's first rate of it. Any role may read them.
    #[oai(path = "/", method = "get", operation_id = "tax_rates_list")]
    async fn list(&self, auth: TenantAuth) -> ApiResult<TaxRateList> {
        let ctx = auth.ctx();
        ctx.require(Permission::ReadCatalog)?;
        let mut tx = ctx.tx(&self.state).await?;
        let list = manage::views(&mut tx).await?;
        tx.commit().await?;
        Ok(TaxRateList::Ok(Json(TaxRatePage::whole(list))))
    }

    /// Add a tax rate from a day on (admins only).
    ///
    /// E.g. a new IVA rate from next month: the default stays in force until then.
    /// A tenant's rate replaces the defaults of its code from its day on. A rate
    /// already starting that day is 409.
    ///
    /// Errors: 403 forbidden; 409 tax_rate_exists; 422 invalid_field.
    #[oai(path = "/", method = "post", operation_id = "tax_rates_create")]
    async fn create(
        &self,
        auth: TenantAuth,
        /// Makes a retry safe: within 24 hours, the same request with the same key
        /// returns the first answer (`Idempotent-Replayed: true`) instead of creating
        /// again; another request with it is 422. 1 to 255 visible ASCII characters,
        /// e.g. a UUID.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: Header<Option<String>>,
        body: JsonBody<TaxRateInput>,
    ) -> ApiResult<TaxRateCreated> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteCatalog)?;
        let created = manage::create(&self.state, ctx, &body).await?;
        Ok(TaxRateCreated::Created(Json(created)))
    }

    /// Remove one of the tenant's tax rates (admins only).
    ///
    /// When a code has no rates of the tenant's left, its defaults apply again. The
    /// tenant's default tax code must keep a rate in force (409 `tax_code_in_use`).
    ///
    /// Errors: 403 forbidden; 404 tax_rate_not_found; 409 tax_code_in_use.
    #[oai(
        path = "/:code/:valid_from",
        method = "delete",
        operation_id = "tax_rates_delete"
    )]
    async fn delete(
        &self,
        auth: TenantAuth,
        /// The tax code, e.g. `IVA16`.
        code: Path<String>,
        /// The day the rate takes effect (`YYYY-MM-DD`).
        valid_from: Path<NaiveDate>,
    ) -> ApiResult<Removed> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteCatalog)?;
        manage::remove(&self.state, ctx, &code.0, valid_from.0).await?;
        Ok(Removed::NoContent)
    }
}
