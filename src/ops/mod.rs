//! Operations: liveness, readiness and metrics endpoints, and the post-deploy smoke check.

pub mod api;
pub mod metrics;
pub mod smoke;
