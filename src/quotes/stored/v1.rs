//! Stored format 1 of a quote version: the request, the priced result and (once
//! sent) the document wording, exactly as they are kept in `quote_versions`.
//!
//! These types are the persisted contract. They never change: a new field, a
//! renamed one or a different meaning is format 2, with an upgrade from 1 in
//! [`super::decode`]. Amounts are plain decimals kept with their scale (`"85.00"`,
//! `"226.8"`), so a sent quote reads back to the cent whatever the API's types
//! become. Unknown fields are refused: a row with them was written by a format this
//! code does not know.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The kind of a material on a BOM line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Glass,
    Profile,
    Hardware,
    Consumable,
}

/// What was asked: items, loose materials and the per-quote rate overrides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    pub items: Vec<RequestItem>,
    pub material_items: Vec<RequestMaterial>,
    pub profit_rate: Option<Decimal>,
    pub indirect_rate: Option<Decimal>,
    pub tax_rate: Option<Decimal>,
    pub tax_code: Option<String>,
    pub labour_rate_override_per_m2: Option<Decimal>,
    pub discount_rate: Option<Decimal>,
}

/// One window (or other product) asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestItem {
    pub product: String,
    pub width_cm: Decimal,
    pub height_cm: Decimal,
    pub quantity: u32,
    pub glass: Option<String>,
    pub colour: Option<String>,
}

/// One loose material asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestMaterial {
    pub material: String,
    pub quantity: Decimal,
}

/// What it cost: every line, item, cut plan and total, as priced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Result {
    pub currency: String,
    pub items: Vec<Item>,
    pub material_items: Vec<MaterialItem>,
    pub cut_plans: Vec<CutPlan>,
    pub rates: Rates,
    pub totals: Totals,
}

/// A priced item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub product: String,
    /// The product's name when priced.
    pub name: String,
    pub width_cm: Decimal,
    pub height_cm: Decimal,
    pub quantity: u32,
    pub area_m2: Decimal,
    pub glass_material: Option<String>,
    pub glass_name: Option<String>,
    pub glass_price_per_m2: Decimal,
    pub colour: Option<String>,
    pub colour_name: Option<String>,
    pub labour_rate_per_m2: Decimal,
    pub lines: Vec<Line>,
    pub profiles: Decimal,
    pub glass: Decimal,
    pub hardware: Decimal,
    pub consumables: Decimal,
    pub labour: Decimal,
    pub subtotal: Decimal,
}

/// A priced BOM line, per window unless stated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Line {
    pub description: String,
    pub material: String,
    pub kind: Kind,
    pub formula: String,
    pub net_quantity: Decimal,
    pub waste_factor: Decimal,
    pub quantity: Decimal,
    pub bars: Option<Decimal>,
    pub unit_price: Decimal,
    pub amount: Decimal,
    pub billed: bool,
    pub pieces: Option<Pieces>,
}

/// The pieces a line was billed by, per window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pieces {
    pub count: u32,
    pub width_cm: Option<Decimal>,
    pub height_cm: Option<Decimal>,
    pub billed_area_m2: Option<Decimal>,
    pub length_cm: Option<Decimal>,
}

/// The bars of one profile in one colour for the whole quote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CutPlan {
    pub material: String,
    pub colour: Option<String>,
    pub bar_length_m: Decimal,
    pub unit_price: Decimal,
    pub kerf_mm: u32,
    pub trim_mm: u32,
    pub bar_count: u32,
    pub bars: Vec<Bar>,
    pub pieces_m: Decimal,
    pub amount: Decimal,
    pub offcuts: Decimal,
}

/// One bar of a cut plan: its cuts and what is left, in mm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bar {
    pub cuts_mm: Vec<u32>,
    pub offcut_mm: u32,
}

/// A priced loose material.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaterialItem {
    pub material: String,
    pub name: String,
    pub quantity: Decimal,
    pub unit_price: Decimal,
    pub amount: Decimal,
}

/// The rates applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rates {
    pub profit_rate: Decimal,
    pub indirect_rate: Decimal,
    pub tax_rate: Decimal,
    pub tax_code: Option<String>,
    pub labour_rate_override_per_m2: Option<Decimal>,
    pub discount_rate: Decimal,
}

/// The totals, each rounded once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Totals {
    pub materials: Decimal,
    pub offcuts: Decimal,
    pub labour: Decimal,
    pub cost: Decimal,
    pub profit: Decimal,
    pub indirect: Decimal,
    pub discount: Decimal,
    pub before_tax: Decimal,
    pub tax: Decimal,
    pub total: Decimal,
}

/// The wording and parties of a sent version, as they were when it was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    pub title: Option<String>,
    pub notes: Option<String>,
    pub client: Option<Party>,
    pub company: Party,
    /// Hex SHA-256 of the logo sent with the version (logos are kept by content).
    pub logo_sha256: Option<String>,
}

/// A company or client as printed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Party {
    pub name: String,
    pub rfc: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}
