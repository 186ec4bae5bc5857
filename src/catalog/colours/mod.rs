//! Colours and colour prices: `/api/v1/colours` and the platform's defaults. A
//! tenant's own row overrides the default of the same code; removing it brings the
//! default back.

pub mod api;
pub mod manage;
pub mod model;
pub mod platform_api;
pub mod repo;
