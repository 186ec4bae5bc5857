//! What the engine prices: items, loose materials, rates and rules, and the bounds
//! every input must respect.

use rust_decimal::Decimal;

use super::rules::{Rates, Rules};

/// A window (or other product) in a quote.
#[derive(Debug, Clone)]
pub struct ItemInput {
    pub product: String,
    pub width_cm: Decimal,
    pub height_cm: Decimal,
    pub quantity: u32,
    /// A glass material code; defaults to the BOM's glass line.
    pub glass: Option<String>,
    /// A colour code for the profiles.
    pub colour: Option<String>,
}

/// A loose material: a quantity of any material, no waste.
#[derive(Debug, Clone)]
pub struct MaterialInput {
    pub material: String,
    pub quantity: Decimal,
}

/// A quote to price.
#[derive(Debug, Clone, Default)]
pub struct QuoteInput {
    pub items: Vec<ItemInput>,
    pub material_items: Vec<MaterialInput>,
    pub rates: Rates,
    pub rules: Rules,
}

/// Most windows in one item.
pub const MAX_QUANTITY: u32 = 1000;
/// Most pieces of one BOM line per window.
pub const MAX_PIECES_PER_LINE: u32 = 100;
/// Most profile pieces in one quote's cut plan.
pub const MAX_PLANNED_PIECES: usize = 20_000;
/// Longest piece side or length a formula may give, in cm (a kilometre).
pub const MAX_PIECE_CM: u32 = 100_000;
