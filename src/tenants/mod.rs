//! Tenants: the registry, onboarding and declarative seed data (`tenants/`).

pub mod api;
pub mod archive;
pub mod repo;
pub mod seed;
