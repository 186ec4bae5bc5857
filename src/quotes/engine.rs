//! The quote engine: a pure function from a priced catalogue snapshot and a request
//! to a fully itemised result. No I/O, no clock: the same input always gives the
//! same figures, to the cent.
//!
//! The classic rules (DOMAIN.md) reproduce the original app's quotes: whole bars per
//! BOM line and window, glass billed on the full window area with a 5 % waste factor,
//! labour per m² by window type, overhead and tax on the cost. Unlike the original,
//! every amount shown is rounded once (half away from zero unless the tenant rounds
//! half to even) and the document adds up
//! exactly: an item's subtotal is the sum of its shown parts, the cost the sum of the
//! shown subtotals, and so on.

use std::collections::HashMap;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::formula::{Formula, Vars};
use crate::catalog::model::Category;
use crate::money::Money;

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

/// Overhead and tax rates of a quote (fractions: `0.25` is 25 %).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rates {
    pub profit: Decimal,
    pub indirect: Decimal,
    pub tax: Decimal,
    /// Replaces `rate · complexity` for every item when set.
    pub labour_override_per_m2: Option<Decimal>,
    /// Discount on cost + profit + indirect, before tax (`0.10` is 10 %).
    pub discount: Decimal,
}

impl Default for Rates {
    /// The original app's defaults: 25 % profit, 15 % indirect costs, 16 % IVA.
    fn default() -> Self {
        Self {
            profit: Decimal::new(25, 2),
            indirect: Decimal::new(15, 2),
            tax: Decimal::new(16, 2),
            labour_override_per_m2: None,
            discount: Decimal::ZERO,
        }
    }
}

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

/// How profiles are billed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProfileRule {
    /// The original's rule: whole bars per BOM line and window.
    #[default]
    WholeBarsPerLine,
    /// Metres × waste factor, at the price per metre: no rounding to bars.
    PerMetre,
    /// Whole bars for the whole job: the pieces of every window in the quote are cut
    /// from shared bars (first-fit decreasing with kerf and trims); each window pays
    /// its metres (no waste factor: the plan's offcuts are the waste), and the offcuts
    /// are a quote-level amount. Lines without a piece length, or of a profile without
    /// a bar length, are billed per metre × waste.
    CutPlanPerJob,
}

/// How glass is billed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GlassRule {
    /// The original's rule: the whole window area × 1.05; BOM glass lines not billed.
    #[default]
    WindowArea,
    /// The BOM's glass lines: each piece's sides rounded up to `step_cm`, at least
    /// `min_area_m2` per piece, × the line's waste factor. A glass line without piece
    /// sizes bills its formula's m² (at least the minimum per piece). A product with no
    /// glass line but a chosen glass is billed on the window area as classically.
    BomPieces {
        step_cm: Decimal,
        min_area_m2: Decimal,
    },
}

/// Pricing rules that differ from the original app's (tenant settings); the
/// default is the classic behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    pub profiles: ProfileRule,
    /// Apply BOM waste factors to hardware (the original did: 4 rollers became 4.2).
    pub waste_on_hardware: bool,
    pub glass: GlassRule,
    /// Saw kerf between pieces, for cut plans.
    pub kerf_mm: u32,
    /// Trimmed off each end of a bar, for cut plans.
    pub trim_mm: u32,
    /// How shown amounts are rounded to cents.
    pub rounding: Rounding,
}

/// How an amount is rounded to cents when shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Rounding {
    /// Half away from zero (the original's "half-up"): 2.345 → 2.35.
    #[default]
    HalfUp,
    /// Half to even (banker's): 2.345 → 2.34, 2.355 → 2.36.
    HalfEven,
}

impl Rounding {
    /// Rounds to cents.
    pub fn round2(self, value: Decimal) -> Decimal {
        match self {
            Rounding::HalfUp => Money::round2(value),
            Rounding::HalfEven => {
                value.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointNearestEven)
            }
        }
    }
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            profiles: ProfileRule::WholeBarsPerLine,
            waste_on_hardware: true,
            glass: GlassRule::WindowArea,
            kerf_mm: 4,
            trim_mm: 10,
            rounding: Rounding::HalfUp,
        }
    }
}

/// A quote to price.
#[derive(Debug, Clone, Default)]
pub struct QuoteInput {
    pub items: Vec<ItemInput>,
    pub material_items: Vec<MaterialInput>,
    pub rates: Rates,
    pub rules: Rules,
}

/// The classic glass waste factor: glass is billed on the window area plus 5 %.
const GLASS_WASTE: Decimal = Decimal::from_parts(105, 0, 0, false, 2);
/// Most windows in one item.
pub const MAX_QUANTITY: u32 = 1000;
/// Most pieces of one BOM line per window.
pub const MAX_PIECES_PER_LINE: u32 = 100;
/// Most profile pieces in one quote's cut plan.
pub const MAX_PLANNED_PIECES: usize = 20_000;
/// Longest piece side or length a formula may give, in cm (a kilometre).
pub const MAX_PIECE_CM: u32 = 100_000;

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
    pub bars: Vec<super::cutplan::Bar>,
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
    pub kind: EngineErrorKind,
    pub message: String,
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
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for EngineError {}

fn invalid(field: String, message: String) -> EngineError {
    EngineError {
        field,
        kind: EngineErrorKind::Invalid,
        message,
    }
}

fn money(rounding: Rounding, value: Decimal, field: &str) -> Result<Money, EngineError> {
    Money::try_from_decimal(rounding.round2(value)).map_err(|m| invalid(field.to_owned(), m))
}

fn checked(value: Option<Decimal>, field: &str) -> Result<Decimal, EngineError> {
    value.ok_or_else(|| invalid(field.to_owned(), "the amount is too large".to_owned()))
}

/// Prices a quote with the rules of `input.rules` (the classic ones by default).
pub fn price(catalog: &Catalog, input: &QuoteInput) -> Result<QuoteResult, EngineError> {
    check_rates(&input.rates)?;
    let mut planned = Vec::new();
    let items = input
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            price_item(
                catalog,
                item,
                &input.rates,
                &input.rules,
                &format!("items[{i}]"),
                &mut planned,
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    let material_items = input
        .material_items
        .iter()
        .enumerate()
        .map(|(i, m)| {
            price_material(
                catalog,
                m,
                &format!("material_items[{i}]"),
                input.rules.rounding,
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    let cut_plans = plan_cuts(&planned, &input.rules)?;

    let add = |a: Decimal, b: Decimal| checked(a.checked_add(b), "totals");
    let offcuts = money(
        input.rules.rounding,
        cut_plans
            .iter()
            .try_fold(Decimal::ZERO, |sum, p| add(sum, p.offcuts.amount()))?,
        "totals.offcuts",
    )?;
    let mut materials = offcuts.amount();
    let mut labour = Decimal::ZERO;
    for item in &items {
        for part in [item.profiles, item.glass, item.hardware, item.consumables] {
            materials = add(materials, part.amount())?;
        }
        labour = add(labour, item.labour.amount())?;
    }
    for m in &material_items {
        materials = add(materials, m.amount.amount())?;
    }
    let cost = add(materials, labour)?;
    let rates = input.rates;
    let profit = money(
        input.rules.rounding,
        checked(cost.checked_mul(rates.profit), "totals.profit")?,
        "totals.profit",
    )?;
    let indirect = money(
        input.rules.rounding,
        checked(cost.checked_mul(rates.indirect), "totals.indirect")?,
        "totals.indirect",
    )?;
    let gross = add(add(cost, profit.amount())?, indirect.amount())?;
    let discount = money(
        input.rules.rounding,
        checked(gross.checked_mul(rates.discount), "totals.discount")?,
        "totals.discount",
    )?;
    let before_tax = gross - discount.amount();
    let tax = money(
        input.rules.rounding,
        checked(before_tax.checked_mul(rates.tax), "totals.tax")?,
        "totals.tax",
    )?;
    let total = add(before_tax, tax.amount())?;
    Ok(QuoteResult {
        items,
        material_items,
        cut_plans,
        rates,
        totals: Totals {
            materials: money(input.rules.rounding, materials, "totals.materials")?,
            offcuts,
            labour: money(input.rules.rounding, labour, "totals.labour")?,
            cost: money(input.rules.rounding, cost, "totals.cost")?,
            profit,
            indirect,
            discount,
            before_tax: money(input.rules.rounding, before_tax, "totals.before_tax")?,
            tax,
            total: money(input.rules.rounding, total, "totals.total")?,
        },
    })
}

/// Profile pieces of one BOM line of one item, for the job's cut plan.
#[derive(Debug, Clone)]
struct PlannedPieces {
    material: String,
    colour: Option<String>,
    unit_price: Decimal,
    bar_length_m: Decimal,
    length_mm: u32,
    /// Pieces per window × windows.
    count: u32,
    /// What the windows pay for these pieces: their metres at the unit price.
    paid: Decimal,
    field: String,
}

/// Cuts every planned piece of the quote from shared bars, per profile and colour,
/// in the order the profiles first appear.
fn plan_cuts(planned: &[PlannedPieces], rules: &Rules) -> Result<Vec<CutPlan>, EngineError> {
    let total: usize = planned.iter().map(|p| p.count as usize).sum();
    if total > MAX_PLANNED_PIECES {
        return Err(invalid(
            "items".to_owned(),
            format!("{total} profile pieces are more than a cut plan takes ({MAX_PLANNED_PIECES})"),
        ));
    }
    let mut groups: Vec<(&str, Option<&str>, Vec<&PlannedPieces>)> = Vec::new();
    for p in planned {
        match groups
            .iter_mut()
            .find(|(m, c, _)| *m == p.material && *c == p.colour.as_deref())
        {
            Some((_, _, members)) => members.push(p),
            None => groups.push((&p.material, p.colour.as_deref(), vec![p])),
        }
    }
    let mut plans = Vec::with_capacity(groups.len());
    for (material, colour, members) in groups {
        let first = members[0];
        let settings = super::cutplan::CutSettings {
            bar_mm: mm(first.bar_length_m * Decimal::ONE_THOUSAND),
            kerf_mm: rules.kerf_mm,
            trim_mm: rules.trim_mm,
        };
        let mut lengths = Vec::new();
        let mut paid = Decimal::ZERO;
        let mut pieces_mm: u64 = 0;
        for m in &members {
            if m.count > 0 && m.length_mm > settings.usable_mm() {
                return Err(invalid(
                    m.field.clone(),
                    format!(
                        "a {} mm piece of {material} is longer than a bar's usable {} mm",
                        m.length_mm,
                        settings.usable_mm()
                    ),
                ));
            }
            lengths.extend(std::iter::repeat_n(m.length_mm, m.count as usize));
            paid += m.paid;
            pieces_mm += u64::from(m.length_mm) * u64::from(m.count);
        }
        let bars = super::cutplan::plan(&lengths, settings)
            .map_err(|e| invalid(first.field.clone(), e.to_string()))?;
        let bought = checked(
            Decimal::from(bars.len())
                .checked_mul(first.bar_length_m)
                .and_then(|m| m.checked_mul(first.unit_price)),
            "cut_plans",
        )?;
        plans.push(CutPlan {
            material: material.to_owned(),
            colour: colour.map(str::to_owned),
            bar_length_m: first.bar_length_m,
            unit_price: first.unit_price,
            kerf_mm: rules.kerf_mm,
            trim_mm: rules.trim_mm,
            bars,
            pieces_m: Decimal::from(pieces_mm) / Decimal::ONE_THOUSAND,
            amount: money(rules.rounding, bought, "cut_plans")?,
            offcuts: money(
                rules.rounding,
                (bought - paid).max(Decimal::ZERO),
                "cut_plans",
            )?,
        });
    }
    Ok(plans)
}

/// Whole millimetres, rounded up (a piece is never cut short).
fn mm(value: Decimal) -> u32 {
    value.ceil().to_u32().unwrap_or(u32::MAX)
}

/// Rounds `value` (at most [`MAX_PIECE_CM`]) up to a multiple of `step` (no rounding
/// when `step` is 0).
fn step_up(value: Decimal, step: Decimal) -> Decimal {
    if step > Decimal::ZERO {
        value
            .checked_div(step)
            .and_then(|n| n.ceil().checked_mul(step))
            .unwrap_or(value)
    } else {
        value
    }
}

/// Evaluates a formula, clamped at 0.
fn eval_piece(
    formula: &Formula,
    vars: &Vars,
    field: impl Fn() -> String,
    code: &str,
) -> Result<Decimal, EngineError> {
    formula
        .eval(vars)
        .map(|v| v.max(Decimal::ZERO))
        .map_err(|e| invalid(field(), format!("formula `{formula}` of {code}: {e}")))
}

/// Evaluates a piece size formula (cm): clamped at 0, at most [`MAX_PIECE_CM`].
fn eval_size(
    formula: &Formula,
    vars: &Vars,
    field: impl Fn() -> String,
    code: &str,
) -> Result<Decimal, EngineError> {
    let size = eval_piece(formula, vars, &field, code)?;
    if size > Decimal::from(MAX_PIECE_CM) {
        return Err(invalid(
            field(),
            format!(
                "formula `{formula}` of {code} gives a {size} cm piece, over {MAX_PIECE_CM} cm"
            ),
        ));
    }
    Ok(size)
}

/// Pieces per window of a line: the formula's result rounded up to a whole number.
fn piece_count(
    line: &BomLine,
    vars: &Vars,
    field: impl Fn() -> String,
    code: &str,
) -> Result<u32, EngineError> {
    let Some(formula) = &line.pieces else {
        return Ok(1);
    };
    let n = eval_piece(formula, vars, &field, code)?.ceil();
    if n > Decimal::from(MAX_PIECES_PER_LINE) {
        return Err(invalid(
            field(),
            format!("{n} pieces per window are more than {MAX_PIECES_PER_LINE}"),
        ));
    }
    Ok(n.to_u32().unwrap_or(0))
}

fn check_rates(rates: &Rates) -> Result<(), EngineError> {
    let one = Decimal::ONE;
    for (field, value, max) in [
        ("profit_rate", rates.profit, Decimal::TEN),
        ("indirect_rate", rates.indirect, Decimal::TEN),
        ("tax_rate", rates.tax, one),
        ("discount_rate", rates.discount, one),
    ] {
        if value.is_sign_negative() && !value.is_zero() || value > max {
            return Err(invalid(
                field.to_owned(),
                format!("{value} is outside 0 to {max}"),
            ));
        }
    }
    if let Some(rate) = rates.labour_override_per_m2 {
        if rate.is_sign_negative() && !rate.is_zero() {
            return Err(invalid(
                "labour_rate_override_per_m2".to_owned(),
                format!("{rate} is negative"),
            ));
        }
    }
    Ok(())
}

fn material<'a>(
    catalog: &'a Catalog,
    code: &str,
    field: &str,
) -> Result<&'a MaterialInfo, EngineError> {
    catalog.materials.get(code).ok_or_else(|| EngineError {
        field: field.to_owned(),
        kind: EngineErrorKind::UnknownMaterial,
        message: format!("no material with code {code}"),
    })
}

fn price_item(
    catalog: &Catalog,
    item: &ItemInput,
    rates: &Rates,
    rules: &Rules,
    field: &str,
    planned: &mut Vec<PlannedPieces>,
) -> Result<ItemResult, EngineError> {
    let product = catalog
        .products
        .get(&item.product)
        .ok_or_else(|| EngineError {
            field: format!("{field}.product"),
            kind: EngineErrorKind::UnknownProduct,
            message: format!("no product with code {}", item.product),
        })?;
    for (name, value, (lo, hi)) in [
        ("width_cm", item.width_cm, product.width_cm),
        ("height_cm", item.height_cm, product.height_cm),
    ] {
        if value < lo || value > hi {
            return Err(invalid(
                format!("{field}.{name}"),
                format!(
                    "{value} is outside {}'s range {lo} to {hi} cm",
                    product.code
                ),
            ));
        }
    }
    if item.quantity == 0 || item.quantity > MAX_QUANTITY {
        return Err(invalid(
            format!("{field}.quantity"),
            format!(
                "{} is not a whole number from 1 to {MAX_QUANTITY}",
                item.quantity
            ),
        ));
    }
    let q = Decimal::from(item.quantity);
    let vars = Vars::new(item.width_cm, item.height_cm, q);
    let area = vars.get(super::formula::Var::AreaM2);

    // The glass of the item: the chosen one, else the BOM's first glass line's.
    let has_glass_lines = product.bom.iter().any(|l| l.kind == Category::Glass);
    let glass_code = item.glass.clone().or_else(|| {
        product
            .bom
            .iter()
            .find(|l| l.kind == Category::Glass)
            .map(|l| l.material.clone())
    });
    let glass_info = match &glass_code {
        Some(code) => {
            let info = material(catalog, code, &format!("{field}.glass"))?;
            if info.category != Category::Glass {
                return Err(invalid(
                    format!("{field}.glass"),
                    format!("{code} is a {}, not glass", info.category.as_str()),
                ));
            }
            Some(info)
        }
        None => None,
    };
    let glass_pieces = match rules.glass {
        GlassRule::BomPieces {
            step_cm,
            min_area_m2,
        } if has_glass_lines => Some((step_cm, min_area_m2)),
        _ => None,
    };

    let mut lines = Vec::with_capacity(product.bom.len());
    let mut sums: HashMap<Category, Decimal> = HashMap::new();
    for (i, line) in product.bom.iter().enumerate() {
        // Built only on the error paths: most lines of most quotes never need it.
        let line_field = || format!("{field}.bom[{i}]");
        let too_large = || invalid(line_field(), "the amount is too large".to_owned());
        let info = match (line.kind, item.glass.as_ref(), glass_info) {
            // Billing glass by pieces, a chosen glass replaces the BOM's glass.
            (Category::Glass, Some(_), Some(chosen)) if glass_pieces.is_some() => chosen,
            _ => catalog
                .materials
                .get(&line.material)
                .ok_or_else(|| EngineError {
                    field: line_field(),
                    kind: EngineErrorKind::UnknownMaterial,
                    message: format!("no material with code {}", line.material),
                })?,
        };
        let net = eval_piece(&line.formula, &vars, line_field, &product.code)?;
        let mut waste = if line.kind == Category::Hardware && !rules.waste_on_hardware {
            Decimal::ONE
        } else {
            line.waste_factor
        };
        let unit_price = match (&item.colour, line.kind) {
            (Some(colour), Category::Profile) => {
                *info.colour_prices.get(colour).ok_or_else(|| {
                    invalid(
                        format!("{field}.colour"),
                        format!("colour {colour} is not offered for profile {}", info.code),
                    )
                })?
            }
            _ => info.price,
        };
        let mut net_quantity = net;
        let mut quantity = net.checked_mul(waste).ok_or_else(too_large)?;
        let mut bars = None;
        let mut pieces = None;
        let mut billed = line.kind != Category::Glass;
        match line.kind {
            Category::Glass => {
                if let Some((step, min_area)) = glass_pieces {
                    let n = piece_count(line, &vars, line_field, &product.code)?;
                    let count = Decimal::from(n);
                    let (area, detail) = match (&line.piece_width_cm, &line.piece_height_cm) {
                        (Some(w), Some(h)) => {
                            let w = step_up(eval_size(w, &vars, line_field, &product.code)?, step);
                            let h = step_up(eval_size(h, &vars, line_field, &product.code)?, step);
                            let area = checked(w.checked_mul(h), &line_field())?
                                / Decimal::ONE_HUNDRED
                                / Decimal::ONE_HUNDRED;
                            (area, (Some(w), Some(h)))
                        }
                        // No piece sizes: the formula's m², shared by the pieces.
                        _ if n > 0 => (net / count, (None, None)),
                        _ => (Decimal::ZERO, (None, None)),
                    };
                    let billed_area = area.max(min_area);
                    net_quantity = checked(area.checked_mul(count), &line_field())?;
                    quantity = checked(
                        billed_area
                            .checked_mul(count)
                            .and_then(|a| a.checked_mul(waste)),
                        &line_field(),
                    )?;
                    billed = true;
                    pieces = Some(Pieces {
                        count: n,
                        width_cm: detail.0,
                        height_cm: detail.1,
                        billed_area_m2: Some(billed_area),
                        length_cm: None,
                    });
                }
            }
            Category::Profile => match rules.profiles {
                ProfileRule::WholeBarsPerLine => {
                    if let Some(bar) = info.bar_length_m.filter(|b| !b.is_zero()) {
                        let whole = quantity.checked_div(bar).ok_or_else(too_large)?.ceil();
                        bars = Some(whole);
                        quantity = whole.checked_mul(bar).ok_or_else(too_large)?;
                    }
                }
                ProfileRule::PerMetre => {}
                ProfileRule::CutPlanPerJob => {
                    let bar = info.bar_length_m.filter(|b| !b.is_zero());
                    if let (Some(bar), Some(length)) = (bar, &line.piece_length_cm) {
                        let n = piece_count(line, &vars, line_field, &product.code)?;
                        let length = eval_size(length, &vars, line_field, &product.code)?;
                        let length_mm = length * Decimal::TEN;
                        // The windows pay their metres; kerfs, trims and offcuts
                        // are the plan's, shown once for the quote.
                        waste = Decimal::ONE;
                        net_quantity = Decimal::from(n) * length / Decimal::ONE_HUNDRED;
                        quantity = net_quantity;
                        let paid = checked(
                            quantity
                                .checked_mul(unit_price)
                                .and_then(|a| a.checked_mul(q)),
                            &line_field(),
                        )?;
                        planned.push(PlannedPieces {
                            material: info.code.clone(),
                            colour: item.colour.clone(),
                            unit_price,
                            bar_length_m: bar,
                            length_mm: length_mm.ceil().to_u32().unwrap_or(u32::MAX),
                            count: n.saturating_mul(item.quantity),
                            paid,
                            field: line_field(),
                        });
                        pieces = Some(Pieces {
                            count: n,
                            width_cm: None,
                            height_cm: None,
                            billed_area_m2: None,
                            length_cm: Some(length),
                        });
                    }
                }
            },
            _ => {}
        }
        let amount = quantity
            .checked_mul(unit_price)
            .and_then(|a| a.checked_mul(q))
            .ok_or_else(too_large)?;
        if billed {
            let sum = sums.entry(line.kind).or_default();
            *sum = sum.checked_add(amount).ok_or_else(too_large)?;
        }
        lines.push(LineResult {
            description: line.description.clone(),
            material: info.code.clone(),
            kind: line.kind,
            formula: line.formula.source().to_owned(),
            net_quantity,
            waste_factor: waste,
            quantity,
            bars,
            unit_price,
            amount,
            billed,
            pieces,
        });
    }

    // Glass: from the BOM's pieces under that rule, else (the classic rule) the
    // chosen glass on the full window area plus 5 %.
    let glass_price = glass_info.map_or(Decimal::ZERO, |g| g.price);
    let glass = if glass_pieces.is_some() {
        sums.get(&Category::Glass).copied().unwrap_or_default()
    } else {
        checked(
            area.checked_mul(glass_price)
                .and_then(|g| g.checked_mul(GLASS_WASTE))
                .and_then(|g| g.checked_mul(q)),
            &format!("{field}.glass"),
        )?
    };

    let labour_rate = match rates.labour_override_per_m2 {
        Some(rate) => rate,
        None => product
            .window_type
            .as_ref()
            .and_then(|t| catalog.labour.get(t))
            .map_or(Decimal::ZERO, |l| l.rate * l.complexity),
    };
    let labour = checked(
        area.checked_mul(labour_rate).and_then(|l| l.checked_mul(q)),
        &format!("{field}.labour"),
    )?;

    let part = |kind: Category| sums.get(&kind).copied().unwrap_or_default();
    let profiles = money(rules.rounding, part(Category::Profile), field)?;
    let hardware = money(rules.rounding, part(Category::Hardware), field)?;
    let consumables = money(rules.rounding, part(Category::Consumable), field)?;
    let glass = money(rules.rounding, glass, field)?;
    let labour = money(rules.rounding, labour, field)?;
    let subtotal = money(
        rules.rounding,
        profiles.amount()
            + glass.amount()
            + hardware.amount()
            + consumables.amount()
            + labour.amount(),
        field,
    )?;
    Ok(ItemResult {
        product: product.code.clone(),
        width_cm: item.width_cm,
        height_cm: item.height_cm,
        quantity: item.quantity,
        area_m2: area,
        glass_material: glass_code,
        glass_price_per_m2: glass_price,
        labour_rate_per_m2: labour_rate,
        lines,
        profiles,
        glass,
        hardware,
        consumables,
        labour,
        subtotal,
    })
}

fn price_material(
    catalog: &Catalog,
    item: &MaterialInput,
    field: &str,
    rounding: Rounding,
) -> Result<MaterialLineResult, EngineError> {
    if item.quantity <= Decimal::ZERO {
        return Err(invalid(
            format!("{field}.quantity"),
            format!("{} must be more than 0", item.quantity),
        ));
    }
    let info = material(catalog, &item.material, &format!("{field}.material"))?;
    let amount = checked(item.quantity.checked_mul(info.price), field)?;
    Ok(MaterialLineResult {
        material: info.code.clone(),
        quantity: item.quantity,
        unit_price: info.price,
        amount: money(rounding, amount, field)?,
    })
}
