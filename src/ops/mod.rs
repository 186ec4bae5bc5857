//! Operations endpoints: liveness, readiness and metrics.

pub mod api;
pub mod metrics;
