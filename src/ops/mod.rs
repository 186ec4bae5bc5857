//! Operations endpoints: liveness, readiness and metrics.

pub mod api;
