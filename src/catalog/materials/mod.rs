//! Materials and prices: each tenant's catalogue over the global defaults
//! (`/api/v1/materials`), the platform's defaults, and price history.

pub mod api;
pub mod edit;
pub mod model;
pub mod platform_api;
pub mod repo;
