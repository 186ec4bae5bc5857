//! Price administration: bulk price updates with a preview and a revert, CSV import
//! and export, and the price history as of any moment. Every change of many prices
//! is one batch ([`batch`]), recorded once in the history and revertable.

pub mod adjust;
pub mod api;
pub mod as_of;
pub mod batch;
pub mod bulk;
pub mod csv_file;
pub mod csv_problem;
pub mod history_api;
pub mod import;
pub mod model;
pub mod repo;
pub mod revert;
pub mod stored;
