//! Quotes: preview and saved quotes (lifecycle, versions, history). Status:
//! docs/plan-quotes.md.

pub mod api;
pub mod saved_api;
pub mod store;
