//! Tax rates with effective dates: `/api/v1/tax-rates` and the platform's defaults.

pub mod api;
pub mod manage;
pub mod model;
pub mod platform_api;
pub mod repo;
