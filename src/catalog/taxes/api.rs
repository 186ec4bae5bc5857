//! `/api/v1/tax-rates`: tax rates by code with the day each takes effect; the
//! tenant's rates over the defaults.

use chrono::NaiveDate;
use poem_openapi::param::{Header, Path};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::model::{
    check_tax_code, check_tax_rate, mark_current, TaxRateInput, TaxRatePage, TaxRateView,
};
use super::repo;
use crate::auth::rbac::Permission;
use crate::auth::TenantAuth;
use crate::db::TenantTx;
use crate::error::{ApiError, ApiResult};
use crate::http::{check_name, ApiTags, JsonBody};
use crate::money::Rate;
use crate::settings::quotes::repo as settings;
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

/// The tenant's effective rates, with the one in force today marked.
async fn views(tx: &mut TenantTx) -> ApiResult<Vec<TaxRateView>> {
    let rows = repo::effective_tax_rates(tx).await?;
    let today = settings::today(tx).await?;
    let mut views = rows
        .into_iter()
        .map(|(code, t, source)| {
            Ok(TaxRateView {
                rate: Rate::try_from_decimal(t.rate)
                    .map_err(|m| ApiError::internal("stored tax rate", anyhow::anyhow!(m)))?,
                code,
                name: t.name,
                valid_from: t.valid_from,
                current: false,
                source,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    mark_current(&mut views, today);
    Ok(views)
}

/// 409 when removing a rate leaves the tenant's default tax code without a rate in
/// force today.
async fn check_default_code_keeps_a_rate(tx: &mut TenantTx, code: &str) -> ApiResult<()> {
    let settings = settings::load(tx).await?;
    if settings.tax_code.as_deref() != Some(code) {
        return Ok(());
    }
    let today = settings::today(tx).await?;
    let in_force = repo::effective_tax_rates(tx)
        .await?
        .iter()
        .any(|(c, t, _)| c == code && t.valid_from <= today);
    if in_force {
        return Ok(());
    }
    Err(ApiError::conflict(
        "tax_code_in_use",
        format!(
            "{code} is the tenant's default tax code and would have no rate in force; change the quote settings first"
        ),
    ))
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
        let list = views(&mut tx).await?;
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
        check_tax_code("code", &body.code)?;
        let name = check_name("name", &body.name)?;
        check_tax_rate(body.rate)?;
        let mut tx = ctx.tx(&self.state).await?;
        if !repo::insert(&mut tx, &body.code, body.valid_from, name, body.rate).await? {
            return Err(ApiError::conflict(
                "tax_rate_exists",
                format!(
                    "{} already has a rate from {}; remove it first",
                    body.code, body.valid_from
                ),
            ));
        }
        let created = views(&mut tx)
            .await?
            .into_iter()
            .find(|v| v.code == body.code && v.valid_from == body.valid_from)
            .ok_or_else(|| ApiError::internal("tax rate", anyhow::anyhow!("not saved")))?;
        ctx.commit_catalog_change(&self.state, tx).await?;
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
        let mut tx = ctx.tx(&self.state).await?;
        if !repo::delete(&mut tx, &code.0, valid_from.0).await? {
            return Err(ApiError::not_found(
                "tax_rate_not_found",
                format!(
                    "this tenant has no rate of its own for {} from {}",
                    code.0, valid_from.0
                ),
            ));
        }
        check_default_code_keeps_a_rate(&mut tx, &code.0).await?;
        ctx.commit_catalog_change(&self.state, tx).await?;
        Ok(Removed::NoContent)
    }
}
