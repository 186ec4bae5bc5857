//! Materials and prices: each tenant's catalogue over the global defaults.

pub mod api;
pub mod model;
pub mod platform_api;
pub mod repo;
pub use model::Category;
