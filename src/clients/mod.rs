//! Clients (`/api/v1/clients`): the shop's customers, whom quotes are addressed to.

pub mod api;
pub mod fields;
pub mod model;
pub mod repo;
