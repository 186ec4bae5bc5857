//! What the engine answers: every priced line, item, cut plan and total, or the
//! field-named reason a quote cannot be priced.

use rust_decimal::Decimal;

use super::cutplan::Bar;
pub use super::problem::EngineProblem;
use super::rules::{Rates, Rounding};
use crate::catalog::Category;
use crate::money::Money;

/// A priced BOM line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineResult {
    pub description: String,
    pub material: String,
    pub kind: Category,
    pub formula: String,
    /// Formula result, clamped at 0; under the piece rules, pieces × area or length.
    pub net_quantity: Decimal,
    pub waste_factor: Decimal,
    /// Quantity after waste (and rounding up to whole bars), per window.
    pub quantity: Decimal,
    /// Whole bars per window, for profiles with a bar length.
    pub bars: Option<Decimal>,
    pub unit_price: Decimal,
    /// `quantity · unit_price · item quantity`, unrounded (the category total is rounded).
    pub amount: Decimal,
    /// False for BOM glass lines, which the classic rules do not bill.
    pub billed: bool,
    /// The pieces the line was billed by, under the piece rules.
    pub pieces: Option<Pieces>,
}

/// Pieces of a BOM line, per window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pieces {
    pub count: u32,
    /// Glass: each piece's sides after rounding up to the step, in cm.
    pub width_cm: Option<Decimal>,
    pub height_cm: Option<Decimal>,
    /// Glass: the area billed per piece (at least the minimum), in m².
    pub billed_area_m2: Option<Decimal>,
    /// Profiles: each piece's length, in cm.
    pub length_cm: Option<Decimal>,
}

/// The bars of one profile (in one colour) for the whole quote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CutPlan {
    pub material: String,
    pub colour: Option<String>,
    pub bar_length_m: Decimal,
    pub unit_price: Decimal,
    pub kerf_mm: u32,
    pub trim_mm: u32,
    /// Bars in plan order, each with its cuts (mm, longest first) and offcut (mm).
    pub bars: Vec<Bar>,
    /// Sum of the pieces' lengths, in m.
    pub pieces_m: Decimal,
    /// Bars × bar length × unit price.
    pub amount: Money,
    /// The part of `amount` the windows do not pay by their metres: the offcuts,
    /// kerfs and trims. `totals.offcuts` is the sum of these.
    pub offcuts: Money,
}

/// A priced item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemResult {
    pub product: String,
    pub width_cm: Decimal,
    pub height_cm: Decimal,
    pub quantity: u32,
    pub area_m2: Decimal,
    pub glass_material: Option<String>,
    pub glass_price_per_m2: Decimal,
    pub labour_rate_per_m2: Decimal,
    pub lines: Vec<LineResult>,
    pub profiles: Money,
    pub glass: Money,
    pub hardware: Money,
    pub consumables: Money,
    pub labour: Money,
    pub subtotal: Money,
}

/// A priced loose material.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaterialLineResult {
    pub material: String,
    pub quantity: Decimal,
    pub unit_price: Decimal,
    pub amount: Money,
}

/// Quote totals; `before_tax = cost + profit + indirect - discount`,
/// `total = before_tax + tax`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Totals {
    /// Items' materials + loose materials + offcuts.
    pub materials: Money,
    /// Cut plans' bars beyond the metres the windows pay (the cut-plan rule only).
    pub offcuts: Money,
    pub labour: Money,
    pub cost: Money,
    pub profit: Money,
    pub indirect: Money,
    pub discount: Money,
    pub before_tax: Money,
    pub tax: Money,
    pub total: Money,
}

/// The priced quote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteResult {
    pub items: Vec<ItemResult>,
    pub material_items: Vec<MaterialLineResult>,
    /// Cut plans per profile and colour (the cut-plan rule only).
    pub cut_plans: Vec<CutPlan>,
    pub rates: Rates,
    pub totals: Totals,
}

/// Why a quote cannot be priced; `field` is the request path of the culprit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineError {
    pub field: String,
    pub problem: EngineProblem,
}

impl EngineError {
    /// The problem at `field`.
    pub fn new(field: impl Into<String>, problem: EngineProblem) -> Self {
        Self {
            field: field.into(),
            problem,
        }
    }

    /// The class the API maps to its status and code.
    pub fn kind(&self) -> EngineErrorKind {
        self.problem.kind()
    }

    /// What is wrong, in English.
    pub fn message(&self) -> String {
        self.problem.to_string()
    }
}

/// The kinds of pricing errors (mapped to 404 or 422 by the API).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineErrorKind {
    UnknownProduct,
    UnknownMaterial,
    Invalid,
}

impl std::fmt::Display for EngineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.problem)
    }
}

impl std::error::Error for EngineError {}

/// An invalid input, named by its request path.
pub(super) fn invalid(field: String, problem: EngineProblem) -> EngineError {
    EngineError::new(field, problem)
}

/// Rounds to a shown amount of money, or says which amount is out of range.
pub(super) fn money(rounding: Rounding, value: Decimal, field: &str) -> Result<Money, EngineError> {
    Money::checked(rounding.round2(value))
        .map_err(|p| invalid(field.to_owned(), EngineProblem::Amount(p)))
}

/// The result of checked arithmetic, or "too large" naming the field.
pub(super) fn checked(value: Option<Decimal>, field: &str) -> Result<Decimal, EngineError> {
    value.ok_or_else(|| invalid(field.to_owned(), EngineProblem::TooLarge))
}
