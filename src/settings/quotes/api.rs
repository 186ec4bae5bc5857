//! `/api/v1/settings/quotes`: read and replace the tenant's quote settings.

use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::model::QuoteSettings;
use super::repo;
use crate::auth::rbac::Permission;
use crate::auth::{TenantAuth, TenantCtx};
use crate::cache::Scope;
use crate::error::{ApiError, ApiResult};
use crate::http::ApiTags;
use crate::http::JsonBody;
use crate::state::AppState;

#[derive(ApiResponse)]
enum SettingsAnswer {
    /// The tenant's quote settings.
    #[oai(status = 200)]
    Ok(Json<QuoteSettings>),
}

/// Settings endpoints.
pub struct SettingsApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1/settings/quotes", tag = "ApiTags::Quotes")]
impl SettingsApi {
    /// The tenant's quote settings.
    ///
    /// The classic defaults until an admin changes them; any role may read them.
    /// Every field is present, so the answer can be edited and sent back to `PUT`.
    #[oai(path = "/", method = "get", operation_id = "quote_settings_get")]
    async fn get(&self, auth: TenantAuth) -> ApiResult<SettingsAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::ReadCatalog)?;
        let mut tx = ctx.tx(&self.state).await?;
        let settings = repo::load(&mut tx).await?;
        tx.commit().await?;
        Ok(SettingsAnswer::Ok(Json(settings)))
    }

    /// Replace the tenant's quote settings (admins only).
    ///
    /// New previews and saves use them at once; sent quotes keep their figures.
    /// Fields with a default may be left out. A `tax_code` must have a rate in
    /// force today.
    ///
    /// Errors: 403 forbidden; 404 tax_rate_not_found; 422 invalid_field.
    #[oai(path = "/", method = "put", operation_id = "quote_settings_put")]
    async fn put(
        &self,
        auth: TenantAuth,
        body: JsonBody<QuoteSettings>,
    ) -> ApiResult<SettingsAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteSettings)?;
        body.check()?;
        save_checked(&self.state, ctx, &body).await?;
        Ok(SettingsAnswer::Ok(Json(body.0)))
    }
}

/// Stores settings that passed [`QuoteSettings::check`] (the caller checked
/// `WriteSettings`), after the checks that need the database: the time zone
/// exists (422 `invalid_field` `time_zone`), the `tax_code` has a rate (404
/// `tax_rate_not_found`) in force today (422 `invalid_field` `tax_code`).
pub async fn save_checked(
    state: &AppState,
    ctx: &TenantCtx,
    settings: &QuoteSettings,
) -> ApiResult<()> {
    let mut tx = ctx.tx(state).await?;
    if !repo::time_zone_exists(&mut tx, &settings.time_zone).await? {
        return Err(ApiError::invalid_field(
            "time_zone",
            format!(
                "{:?} is not a time zone name like America/Mexico_City",
                settings.time_zone
            ),
        ));
    }
    if let Some(code) = &settings.tax_code {
        let rates = crate::catalog::taxes::repo::effective_tax_rates(&mut tx).await?;
        let today = crate::settings::quotes::repo::today(&mut tx).await?;
        let mut of_code = rates.iter().filter(|(c, _, _)| c == code).peekable();
        if of_code.peek().is_none() {
            return Err(ApiError::not_found(
                "tax_rate_not_found",
                format!("no tax rate with code {code}"),
            )
            .with_details(serde_json::json!({ "field": "tax_code" })));
        }
        if !of_code.any(|(_, t, _)| t.valid_from <= today) {
            return Err(ApiError::invalid_field(
                "tax_code",
                format!("tax {code} has no rate in force today"),
            ));
        }
    }
    repo::save(&mut tx, settings, ctx.user).await?;
    tx.commit().await?;
    state.cache.invalidate(Scope::Tenant(ctx.tenant)).await;
    Ok(())
}
