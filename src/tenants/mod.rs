//! Tenants: the registry, onboarding and declarative seed data (`tenants/`).

pub mod api;
pub mod repo;
pub mod seed;
