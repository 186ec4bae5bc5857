//! The catalogue snapshot the engine prices from: one tenant's effective materials,
//! products with their BOMs, labour and tax rates, default rates and rules, taken
//! once and shared by every quote priced until the catalogue changes.

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::formula::Formula;
use super::rules::{Rates, Rules};
use crate::catalog::Category;

/// A material as the engine sees it: the tenant's effective price, and its colour
/// prices for profiles.
#[derive(Debug, Clone)]
pub struct MaterialInfo {
    pub code: String,
    pub name: String,
    pub category: Category,
    pub price: Decimal,
    pub bar_length_m: Option<Decimal>,
    /// Price per unit in a colour (profiles), by colour code.
    pub colour_prices: HashMap<String, Decimal>,
}

/// One line of a product's bill of materials.
#[derive(Debug, Clone)]
pub struct BomLine {
    pub description: String,
    pub material: String,
    pub kind: Category,
    pub formula: Formula,
    pub waste_factor: Decimal,
    /// Pieces per window, for the piece rules (glass from BOM pieces, cut plans);
    /// one when absent.
    pub pieces: Option<Formula>,
    /// Glass pieces: width and height of each piece, in cm.
    pub piece_width_cm: Option<Formula>,
    pub piece_height_cm: Option<Formula>,
    /// Profile pieces: length of each piece, in cm.
    pub piece_length_cm: Option<Formula>,
}

/// A product with its size limits (cm, bounds included) and BOM.
#[derive(Debug, Clone)]
pub struct Product {
    pub code: String,
    pub name: String,
    /// `fija`, `corrediza`, ...: selects the labour rate. `None` for non-windows.
    pub window_type: Option<String>,
    pub width_cm: (Decimal, Decimal),
    pub height_cm: (Decimal, Decimal),
    pub bom: Vec<BomLine>,
}

/// Labour per m² of window for one window type.
#[derive(Debug, Clone, Copy)]
pub struct LabourRate {
    pub rate: Decimal,
    pub complexity: Decimal,
}

/// A tax rate in force from a day on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxRate {
    pub valid_from: chrono::NaiveDate,
    pub name: String,
    pub rate: Decimal,
}

/// Everything the engine may look up: a snapshot taken for one quote.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub materials: HashMap<String, MaterialInfo>,
    pub products: HashMap<String, Product>,
    pub labour: HashMap<String, LabourRate>,
    /// Colour names by code, for documents (prices are on the materials).
    pub colours: HashMap<String, String>,
    /// Tax rates by code, each code's rates oldest first.
    pub tax_rates: HashMap<String, Vec<TaxRate>>,
    /// The tax code quotes use when they name none (else the default rate applies).
    pub default_tax_code: Option<String>,
    /// The tenant's offset from UTC when the snapshot was taken, in seconds, for the
    /// local day on which tax rates are in force.
    pub utc_offset_seconds: i32,
    /// The tenant's default rates for quotes that set none.
    pub default_rates: Rates,
    /// The tenant's pricing rules.
    pub rules: Rules,
}

impl Catalog {
    /// The rate of tax `code` in force on `day`: the latest that started on or before it.
    pub fn tax_rate_on(&self, code: &str, day: chrono::NaiveDate) -> Option<&TaxRate> {
        self.tax_rates
            .get(code)?
            .iter()
            .rev()
            .find(|t| t.valid_from <= day)
    }
}
