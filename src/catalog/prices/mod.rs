//! Effective prices (`/api/v1/prices`): the tenant's own active row of a code, else
//! the global default, served from the cache.

pub mod api;
