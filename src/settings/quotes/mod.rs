//! Quote settings (`/api/v1/settings/quotes`): the tenant's default rates, currency,
//! validity and pricing rules.

pub mod api;
pub mod model;
pub mod repo;

pub use model::QuoteSettings;
