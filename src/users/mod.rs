//! Tenant users and their roles (`/api/v1/users`).

pub mod api;
pub mod manage;
pub mod model;
pub mod repo;
