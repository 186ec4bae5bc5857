//! The composition root: every area's API in one OpenAPI service. Nothing else in
//! the crate imports this module.

use poem_openapi::OpenApiService;

use crate::auth::api::AuthApi;
use crate::catalog::colours::{api::ColoursApi, platform_api::PlatformColoursApi};
use crate::catalog::labour::{api::LabourApi, platform_api::PlatformLabourApi};
use crate::catalog::materials::{api::MaterialsApi, platform_api::PlatformMaterialsApi};
use crate::catalog::prices::api::PricesApi;
use crate::catalog::products::{api::ProductsApi, platform_api::PlatformProductsApi};
use crate::catalog::taxes::{api::TaxesApi, platform_api::PlatformTaxesApi};
use crate::clients::api::ClientsApi;
use crate::ops::api::OpsApi;
use crate::quotes::api::QuotesApi;
use crate::settings::company::api::CompanyApi;
use crate::settings::quotes::api::SettingsApi;
use crate::state::AppState;
use crate::tenants::api::TenantsApi;
use crate::users::api::UsersApi;

/// Operations, sign-in, users and the platform's tenant registry.
type CoreApis = (OpsApi, AuthApi, UsersApi, TenantsApi);
/// A tenant's catalogue.
type CatalogApis = (
    MaterialsApi,
    PricesApi,
    ProductsApi,
    ColoursApi,
    LabourApi,
    TaxesApi,
);
/// The platform's default catalogue.
type DefaultsApis = (
    PlatformMaterialsApi,
    PlatformProductsApi,
    PlatformColoursApi,
    PlatformLabourApi,
    PlatformTaxesApi,
);
/// Quoting: quotes, clients and the settings quotes are priced and printed with.
type QuotingApis = (QuotesApi, ClientsApi, CompanyApi, SettingsApi);

/// Every area's API.
pub type Apis = (CoreApis, CatalogApis, DefaultsApis, QuotingApis);

/// Builds the OpenAPI service over `state`.
pub fn service(state: &AppState) -> OpenApiService<Apis, ()> {
    macro_rules! with_state {
        ($($api:ident),+ $(,)?) => {
            ($($api { state: state.clone() }),+)
        };
    }
    let apis = (
        with_state!(OpsApi, AuthApi, UsersApi, TenantsApi),
        with_state!(
            MaterialsApi,
            PricesApi,
            ProductsApi,
            ColoursApi,
            LabourApi,
            TaxesApi
        ),
        with_state!(
            PlatformMaterialsApi,
            PlatformProductsApi,
            PlatformColoursApi,
            PlatformLabourApi,
            PlatformTaxesApi,
        ),
        with_state!(QuotesApi, ClientsApi, CompanyApi, SettingsApi),
    );
    OpenApiService::new(apis, "ventanas", env!("CARGO_PKG_VERSION"))
        .description("Multi-tenant quoting backend for window shops. Money is a decimal string with two decimals (\"85.00\").")
}
