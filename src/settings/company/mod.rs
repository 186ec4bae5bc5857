//! The company profile (`/api/v1/settings/company`): legal name, RFC, address and
//! contacts printed on quotes, and the logo.

pub mod api;
pub mod model;
pub mod repo;

pub use model::{Logo, LOGO_PATH, MAX_LOGO_BYTES};
