//! The composition root: every area's API in one OpenAPI service. Nothing else in
//! the crate imports this module.

use poem_openapi::OpenApiService;

use crate::auth::api::AuthApi;
use crate::catalog::colours::{api::ColoursApi, platform_api::PlatformColoursApi};
use crate::catalog::labour::{api::LabourApi, platform_api::PlatformLabourApi};
use crate::catalog::materials::{api::MaterialsApi, platform_api::PlatformMaterialsApi};
use crate::catalog::price_admin::{api::PriceUpdatesApi, history_api::PriceHistoryApi};
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
use crate::webhooks::api::WebhooksApi;

/// Operations, sign-in, users, the platform's tenant registry and change
/// notifications.
type CoreApis = (OpsApi, AuthApi, UsersApi, TenantsApi, WebhooksApi);
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

/// Price administration: bulk updates and batches, the price history.
type PriceAdminApis = (PriceUpdatesApi, PriceHistoryApi);

/// Every area's API.
pub type Apis = (
    CoreApis,
    CatalogApis,
    DefaultsApis,
    QuotingApis,
    PriceAdminApis,
);

/// Builds the OpenAPI service over `state`.
pub fn service(state: &AppState) -> OpenApiService<Apis, ()> {
    macro_rules! with_state {
        ($($api:ident),+ $(,)?) => {
            ($($api { state: state.clone() }),+)
        };
    }
    let apis = (
        with_state!(OpsApi, AuthApi, UsersApi, TenantsApi, WebhooksApi),
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
        with_state!(PriceUpdatesApi, PriceHistoryApi),
    );
    OpenApiService::new(apis, "ventanas", env!("CARGO_PKG_VERSION"))
        .description("Multi-tenant quoting backend for window shops. Money is a decimal string with two decimals (\"85.00\").")
}

#[cfg(test)]
mod tests {
    use poem_openapi::registry::Registry;
    use poem_openapi::types::{Example, ToJSON, Type};
    use serde::de::DeserializeOwned;

    use crate::http::payload::parse;

    /// `T`'s example parses with the server's own parser, and its schema requires
    /// exactly what that parser needs: without a required property the body is
    /// refused, without any other it is still read.
    fn check<T: Example + ToJSON + Type + DeserializeOwned>() -> Vec<String> {
        let name = T::name();
        let Some(serde_json::Value::Object(example)) = T::example().to_json() else {
            return vec![format!("{name}: the example is not an object")];
        };
        let mut registry = Registry::new();
        T::register(&mut registry);
        let required = registry
            .schemas
            .get(name.as_ref())
            .map(|schema| schema.required.clone())
            .unwrap_or_default();
        let mut problems = Vec::new();
        let body = serde_json::Value::Object(example.clone()).to_string();
        if let Err(err) = parse::<T>(body.as_bytes()) {
            problems.push(format!("{name}: the example does not parse: {err}"));
        }
        for property in example.keys() {
            let mut without = example.clone();
            without.remove(property);
            let body = serde_json::Value::Object(without).to_string();
            let parsed = parse::<T>(body.as_bytes()).is_ok();
            let is_required = required.contains(&property.as_str());
            if parsed == is_required {
                problems.push(format!(
                    "{name}.{property}: the schema says {}, the parser {}",
                    if is_required { "required" } else { "optional" },
                    if parsed {
                        "does without it"
                    } else {
                        "needs it"
                    },
                ));
            }
        }
        problems
    }

    #[test]
    fn request_examples_parse_and_require_what_the_parser_requires() {
        use crate::catalog::materials::model::{CreateMaterial, UpdateMaterial};
        use crate::quotes::model::{QuoteCreate, QuotePatch};
        let problems = [
            check::<crate::auth::api::LoginRequest>(),
            check::<crate::tenants::api::CreateTenant>(),
            check::<crate::users::api::CreateUser>(),
            check::<CreateMaterial>(),
            check::<UpdateMaterial>(),
            check::<crate::catalog::products::model::ProductSpec>(),
            check::<crate::catalog::taxes::model::TaxRateInput>(),
            check::<crate::clients::model::ClientInput>(),
            check::<crate::quotes::preview::PreviewRequest>(),
            check::<QuoteCreate>(),
            check::<QuotePatch>(),
            check::<crate::settings::quotes::model::QuoteSettings>(),
            check::<crate::settings::company::model::CompanyInput>(),
            check::<crate::webhooks::model::CreateWebhook>(),
        ]
        .concat();
        assert!(problems.is_empty(), "{problems:#?}");
    }
}
