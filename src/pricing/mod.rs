//! The quote engine: a pure function from a priced catalogue snapshot and a request
//! to a fully itemised result. No I/O, no clock, no HTTP or SQL types: the same input
//! always gives the same figures, to the cent.
//!
//! The classic rules (DOMAIN.md) reproduce the original app's quotes: whole bars per
//! BOM line and window, glass billed on the full window area with a 5 % waste factor,
//! labour per m² by window type, overhead and tax on the cost. Unlike the original,
//! every amount shown is rounded once (half away from zero unless the tenant rounds
//! half to even) and the document adds up exactly: an item's subtotal is the sum of
//! its shown parts, the cost the sum of the shown subtotals, and so on.
//!
//! - [`catalog`]: the snapshot the engine prices from;
//! - [`input`], [`rules`]: what to price and under which rules;
//! - [`quote`] and [`item`]: the pricing itself; [`plans`] and [`cutplan`]: bars
//!   for the whole job;
//! - [`result`]: the priced quote, or the field-named reason it cannot be priced;
//! - [`formula`]: the BOM formula language.

pub mod catalog;
pub mod cutplan;
pub mod formula;
pub mod input;
mod item;
mod plans;
pub mod problem;
pub mod quote;
pub mod result;
pub mod rules;

pub use catalog::{BomLine, Catalog, LabourRate, MaterialInfo, Product, TaxRate};
pub use input::{
    ItemInput, MaterialInput, QuoteInput, MAX_PIECES_PER_LINE, MAX_PIECE_CM, MAX_PLANNED_PIECES,
    MAX_QUANTITY,
};
pub use quote::price;
pub use result::{
    CutPlan, EngineError, EngineErrorKind, EngineProblem, ItemResult, LineResult,
    MaterialLineResult, Pieces, QuoteResult, Totals,
};
pub use rules::{GlassRule, ProfileRule, Rates, Rounding, Rules};
