//! Tenants: the registry, onboarding and declarative seed data (`tenants/`).

pub mod api;
pub mod archive;
pub mod deletion;
pub mod repo;
pub mod seed;
