//! Products and their bills of materials: `/api/v1/products` and the platform's
//! defaults. Formulas are checked when a product is saved.

pub mod api;
pub mod manage;
pub mod model;
pub mod platform_api;
pub mod repo;
