//! Quotes: the formula language, the pricing engine, the quoting catalogue
//! (products, colours, labour) and the quotes API. Status: docs/plan-quotes.md.

pub mod api;
pub mod catalog_api;
pub mod model;
pub mod platform_api;
pub mod products_api;
pub mod repo;
pub mod saved_api;
pub mod store;
