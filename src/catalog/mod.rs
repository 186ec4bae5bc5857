//! The catalogue: materials and prices, products and their BOMs, colours and colour
//! prices, labour and tax rates. Each concern keeps the tenant's own rows (under
//! row-level security) over the platform's global defaults, and has its own `api.rs`
//! (the tenant's endpoints), `platform_api.rs` (the defaults), `model.rs` and
//! `repo.rs` (all its SQL). [`snapshot`] assembles a tenant's effective catalogue for
//! the pricing engine.

pub mod colours;
pub mod labour;
pub mod materials;
pub mod model;
pub mod price_admin;
pub mod prices;
pub mod products;
pub mod snapshot;
pub mod taxes;

pub use model::{Category, MaterialCode, Source, Unit, WindowType, CURRENCY};
