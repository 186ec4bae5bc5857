//! The quote engine: a pure function from a priced catalogue snapshot and a request
//! to a fully itemised result. No I/O, no clock: the same input always gives the
//! same figures, to the cent.
//!
//! The classic rules (DOMAIN.md) reproduce the original app's quotes: whole bars per
//! BOM line and window, glass billed on the full window area with a 5 % waste factor,
//! labour per m² by window type, overhead and tax on the cost. Unlike the original,
//! every amount shown is rounded once (half away from zero) and the document adds up
//! exactly: an item's subtotal is the sum of its shown parts, the cost the sum of the
//! shown subtotals, and so on.

use std::collections::HashMap;

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
}

/// Pricing rules that differ from the original app's (tenant settings); the
/// default is the classic behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    pub profiles: ProfileRule,
    /// Apply BOM waste factors to hardware (the original did: 4 rollers became 4.2).
    pub waste_on_hardware: bool,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            profiles: ProfileRule::WholeBarsPerLine,
            waste_on_hardware: true,
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

/// A priced BOM line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineResult {
    pub description: String,
    pub material: String,
    pub kind: Category,
    pub formula: String,
    /// Formula result, clamped at 0.
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
    pub materials: Money,
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

fn money(value: Decimal, field: &str) -> Result<Money, EngineError> {
    Money::try_from_decimal(Money::round2(value)).map_err(|m| invalid(field.to_owned(), m))
}

fn checked(value: Option<Decimal>, field: &str) -> Result<Decimal, EngineError> {
    value.ok_or_else(|| invalid(field.to_owned(), "the amount is too large".to_owned()))
}

/// Prices a quote with the classic rules.
pub fn price(catalog: &Catalog, input: &QuoteInput) -> Result<QuoteResult, EngineError> {
    check_rates(&input.rates)?;
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
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    let material_items = input
        .material_items
        .iter()
        .enumerate()
        .map(|(i, m)| price_material(catalog, m, &format!("material_items[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;

    let add = |a: Decimal, b: Decimal| checked(a.checked_add(b), "totals");
    let mut materials = Decimal::ZERO;
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
        checked(cost.checked_mul(rates.profit), "totals.profit")?,
        "totals.profit",
    )?;
    let indirect = money(
        checked(cost.checked_mul(rates.indirect), "totals.indirect")?,
        "totals.indirect",
    )?;
    let gross = add(add(cost, profit.amount())?, indirect.amount())?;
    let discount = money(
        checked(gross.checked_mul(rates.discount), "totals.discount")?,
        "totals.discount",
    )?;
    let before_tax = gross - discount.amount();
    let tax = money(
        checked(before_tax.checked_mul(rates.tax), "totals.tax")?,
        "totals.tax",
    )?;
    let total = add(before_tax, tax.amount())?;
    Ok(QuoteResult {
        items,
        material_items,
        rates,
        totals: Totals {
            materials: money(materials, "totals.materials")?,
            labour: money(labour, "totals.labour")?,
            cost: money(cost, "totals.cost")?,
            profit,
            indirect,
            discount,
            before_tax: money(before_tax, "totals.before_tax")?,
            tax,
            total: money(total, "totals.total")?,
        },
    })
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

    let mut lines = Vec::with_capacity(product.bom.len());
    let mut sums: HashMap<Category, Decimal> = HashMap::new();
    for (i, line) in product.bom.iter().enumerate() {
        // Built only on the error paths: most lines of most quotes never need it.
        let line_field = || format!("{field}.bom[{i}]");
        let too_large = || invalid(line_field(), "the amount is too large".to_owned());
        let info = catalog
            .materials
            .get(&line.material)
            .ok_or_else(|| EngineError {
                field: line_field(),
                kind: EngineErrorKind::UnknownMaterial,
                message: format!("no material with code {}", line.material),
            })?;
        let net = line.formula.eval(&vars).map_err(|e| {
            invalid(
                line_field(),
                format!("formula `{}` of {}: {e}", line.formula, product.code),
            )
        })?;
        let net = net.max(Decimal::ZERO);
        let waste = if line.kind == Category::Hardware && !rules.waste_on_hardware {
            Decimal::ONE
        } else {
            line.waste_factor
        };
        let mut quantity = net.checked_mul(waste).ok_or_else(too_large)?;
        let mut bars = None;
        if line.kind == Category::Profile && rules.profiles == ProfileRule::WholeBarsPerLine {
            if let Some(bar) = info.bar_length_m.filter(|b| !b.is_zero()) {
                let whole = (quantity / bar).ceil();
                bars = Some(whole);
                quantity = whole * bar;
            }
        }
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
        let billed = line.kind != Category::Glass;
        let amount = quantity
            .checked_mul(unit_price)
            .and_then(|a| a.checked_mul(q))
            .ok_or_else(too_large)?;
        if billed {
            *sums.entry(line.kind).or_default() += amount;
        }
        lines.push(LineResult {
            description: line.description.clone(),
            material: line.material.clone(),
            kind: line.kind,
            formula: line.formula.source().to_owned(),
            net_quantity: net,
            waste_factor: waste,
            quantity,
            bars,
            unit_price,
            amount,
            billed,
        });
    }

    // Glass: the chosen glass, else the BOM's glass line, billed on the full area.
    let glass_code = item.glass.clone().or_else(|| {
        product
            .bom
            .iter()
            .find(|l| l.kind == Category::Glass)
            .map(|l| l.material.clone())
    });
    let glass_price = match &glass_code {
        Some(code) => {
            let info = material(catalog, code, &format!("{field}.glass"))?;
            if info.category != Category::Glass {
                return Err(invalid(
                    format!("{field}.glass"),
                    format!("{code} is a {}, not glass", info.category.as_str()),
                ));
            }
            info.price
        }
        None => Decimal::ZERO,
    };
    let glass = checked(
        area.checked_mul(glass_price)
            .and_then(|g| g.checked_mul(GLASS_WASTE))
            .and_then(|g| g.checked_mul(q)),
        &format!("{field}.glass"),
    )?;

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
    let profiles = money(part(Category::Profile), field)?;
    let hardware = money(part(Category::Hardware), field)?;
    let consumables = money(part(Category::Consumable), field)?;
    let glass = money(glass, field)?;
    let labour = money(labour, field)?;
    let subtotal = money(
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
        amount: money(amount, field)?,
    })
}
