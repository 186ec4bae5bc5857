//! Labour rates per window type: `/api/v1/labour-rates` and the platform's defaults.

pub mod api;
pub mod model;
pub mod platform_api;
pub mod repo;
