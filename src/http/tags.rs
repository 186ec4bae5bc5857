//! OpenAPI tags: how the operations are grouped in the document and in generated
//! clients. A leaf module, so areas never import the composition root.

use poem_openapi::Tags;

/// OpenAPI tags, one per area.
#[derive(Tags)]
pub enum ApiTags {
    /// Login, logout, identity.
    Auth,
    /// Tenant users and roles.
    Users,
    /// Materials and effective prices.
    Catalog,
    /// Price administration: bulk updates, CSV import and export, price history.
    PriceAdmin,
    /// Pricing quotes.
    Quotes,
    /// Change notifications: webhooks and their deliveries.
    Webhooks,
    /// Platform operator: onboarding and the global default catalogue.
    Platform,
    /// Health, readiness, metrics.
    Operations,
}
