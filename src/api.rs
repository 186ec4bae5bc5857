//! The composition root: every area's API in one OpenAPI service.

use poem_openapi::OpenApiService;

use crate::auth::api::AuthApi;
use crate::catalog::api::CatalogApi;
use crate::catalog::platform_api::GlobalCatalogApi;
use crate::clients::api::ClientsApi;
use crate::ops::api::OpsApi;
use crate::quotes::api::QuotesApi;
use crate::quotes::catalog_api::QuoteCatalogApi;
use crate::quotes::platform_api::PlatformQuoteCatalogApi;
use crate::quotes::products_api::ProductsApi;
use crate::quotes::saved_api::SavedQuotesApi;
use crate::settings::company::api::CompanyApi;
use crate::settings::quotes::api::SettingsApi;
use crate::state::AppState;
use crate::tenants::api::TenantsApi;
use crate::users::api::UsersApi;

/// The OpenAPI service with every area.
pub type Apis = (
    OpsApi,
    AuthApi,
    UsersApi,
    CatalogApi,
    ProductsApi,
    QuoteCatalogApi,
    QuotesApi,
    SavedQuotesApi,
    CompanyApi,
    ClientsApi,
    SettingsApi,
    TenantsApi,
    GlobalCatalogApi,
    PlatformQuoteCatalogApi,
);

/// Builds the OpenAPI service over `state`.
pub fn service(state: &AppState) -> OpenApiService<Apis, ()> {
    let apis = (
        OpsApi {
            state: state.clone(),
        },
        AuthApi {
            state: state.clone(),
        },
        UsersApi {
            state: state.clone(),
        },
        CatalogApi {
            state: state.clone(),
        },
        ProductsApi {
            state: state.clone(),
        },
        QuoteCatalogApi {
            state: state.clone(),
        },
        QuotesApi {
            state: state.clone(),
        },
        SavedQuotesApi {
            state: state.clone(),
        },
        CompanyApi {
            state: state.clone(),
        },
        ClientsApi {
            state: state.clone(),
        },
        SettingsApi {
            state: state.clone(),
        },
        TenantsApi {
            state: state.clone(),
        },
        GlobalCatalogApi {
            state: state.clone(),
        },
        PlatformQuoteCatalogApi {
            state: state.clone(),
        },
    );
    OpenApiService::new(apis, "ventanas", env!("CARGO_PKG_VERSION"))
        .description("Multi-tenant quoting backend for window shops. Money is a decimal string with two decimals (\"85.00\").")
}
