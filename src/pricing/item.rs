//! Pricing one item: its size checks, the glass it takes, each BOM line under the
//! tenant's rules, and the item's rounded parts.

use std::collections::HashMap;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::catalog::{BomLine, Catalog, MaterialInfo, Product};
use super::formula::{Formula, Var, Vars};
use super::input::{ItemInput, MAX_PIECES_PER_LINE, MAX_PIECE_CM, MAX_QUANTITY};
use super::plans::PlannedPieces;
use super::result::{
    checked, invalid, money, EngineError, EngineProblem, ItemResult, LineResult, Pieces,
};
use super::rules::{GlassRule, ProfileRule, Rates, Rules};
use crate::catalog::Category;

/// The classic glass waste factor: glass is billed on the window area plus 5 %.
const GLASS_WASTE: Decimal = Decimal::from_parts(105, 0, 0, false, 2);

/// Glass billed by BOM pieces: each side rounded up to `step_cm`, at least
/// `min_area_m2` per piece.
#[derive(Debug, Clone, Copy)]
struct GlassPieces {
    step_cm: Decimal,
    min_area_m2: Decimal,
}

/// One item being priced, with what every BOM line of it needs.
struct ItemPricing<'a> {
    catalog: &'a Catalog,
    product: &'a Product,
    item: &'a ItemInput,
    rules: &'a Rules,
    field: &'a str,
    vars: Vars,
    /// The item's quantity (windows) as a decimal.
    windows: Decimal,
    /// The item's glass: the chosen one, else the BOM's first glass line's.
    glass: Option<&'a MaterialInfo>,
    glass_pieces: Option<GlassPieces>,
}

/// A BOM line's quantities before its amount: what the rules made of the formula.
struct LineQuantity {
    net_quantity: Decimal,
    waste_factor: Decimal,
    quantity: Decimal,
    bars: Option<Decimal>,
    pieces: Option<Pieces>,
    billed: bool,
}

/// Prices one item; profile pieces under the cut-plan rule go to `planned`, to be
/// cut for the whole job.
pub(super) fn price_item(
    catalog: &Catalog,
    item: &ItemInput,
    rates: &Rates,
    rules: &Rules,
    field: &str,
    planned: &mut Vec<PlannedPieces>,
) -> Result<ItemResult, EngineError> {
    let product = catalog.products.get(&item.product).ok_or_else(|| {
        let code = item.product.clone();
        EngineError::new(
            format!("{field}.product"),
            EngineProblem::UnknownProduct { code },
        )
    })?;
    check_item(product, item, field)?;
    let (glass_code, glass) = item_glass(catalog, product, item, field)?;
    let glass_pieces = match rules.glass {
        GlassRule::BomPieces {
            step_cm,
            min_area_m2,
        } if product.bom.iter().any(|l| l.kind == Category::Glass) => Some(GlassPieces {
            step_cm,
            min_area_m2,
        }),
        _ => None,
    };
    let windows = Decimal::from(item.quantity);
    let pricing = ItemPricing {
        catalog,
        product,
        item,
        rules,
        field,
        vars: Vars::new(item.width_cm, item.height_cm, windows),
        windows,
        glass,
        glass_pieces,
    };
    let mut lines = Vec::with_capacity(product.bom.len());
    let mut sums: HashMap<Category, Decimal> = HashMap::new();
    for (i, line) in product.bom.iter().enumerate() {
        let priced = pricing.price_line(i, line, planned)?;
        if priced.billed {
            let sum = sums.entry(line.kind).or_default();
            *sum = checked(sum.checked_add(priced.amount), &format!("{field}.bom[{i}]"))?;
        }
        lines.push(priced);
    }
    pricing.finish(lines, &sums, rates, glass_code)
}

/// The item's size within the product's range (bounds included) and its quantity.
fn check_item(product: &Product, item: &ItemInput, field: &str) -> Result<(), EngineError> {
    for (name, value, (lo, hi)) in [
        ("width_cm", item.width_cm, product.width_cm),
        ("height_cm", item.height_cm, product.height_cm),
    ] {
        if value < lo || value > hi {
            return Err(invalid(
                format!("{field}.{name}"),
                EngineProblem::SizeOutOfRange {
                    value,
                    product: product.code.clone(),
                    min: lo,
                    max: hi,
                },
            ));
        }
    }
    if item.quantity == 0 || item.quantity > MAX_QUANTITY {
        return Err(invalid(
            format!("{field}.quantity"),
            EngineProblem::Quantity {
                quantity: item.quantity,
            },
        ));
    }
    Ok(())
}

/// The item's glass code and material: the chosen one, else the BOM's first glass
/// line's; it must be a glass.
fn item_glass<'a>(
    catalog: &'a Catalog,
    product: &Product,
    item: &ItemInput,
    field: &str,
) -> Result<(Option<String>, Option<&'a MaterialInfo>), EngineError> {
    let code = item.glass.clone().or_else(|| {
        product
            .bom
            .iter()
            .find(|l| l.kind == Category::Glass)
            .map(|l| l.material.clone())
    });
    let Some(code) = code else {
        return Ok((None, None));
    };
    let info = super::quote::material(catalog, &code, &format!("{field}.glass"))?;
    if info.category != Category::Glass {
        return Err(invalid(
            format!("{field}.glass"),
            EngineProblem::NotGlass {
                code,
                category: info.category,
            },
        ));
    }
    Ok((Some(code), Some(info)))
}

impl ItemPricing<'_> {
    /// Prices BOM line `i` of the item.
    fn price_line(
        &self,
        i: usize,
        line: &BomLine,
        planned: &mut Vec<PlannedPieces>,
    ) -> Result<LineResult, EngineError> {
        // Built only on the error paths: most lines of most quotes never need it.
        let line_field = || format!("{}.bom[{i}]", self.field);
        let info = self.line_material(line, &line_field)?;
        let net = eval_piece(&line.formula, &self.vars, line_field, &self.product.code)?;
        let waste_factor = if line.kind == Category::Hardware && !self.rules.waste_on_hardware {
            Decimal::ONE
        } else {
            line.waste_factor
        };
        let unit_price = self.unit_price(info, line.kind)?;
        let mut q = LineQuantity {
            net_quantity: net,
            waste_factor,
            quantity: checked(net.checked_mul(waste_factor), &line_field())?,
            bars: None,
            pieces: None,
            billed: line.kind != Category::Glass,
        };
        match line.kind {
            Category::Glass => {
                if let Some(glass) = self.glass_pieces {
                    q = self.glass_by_pieces(line, net, waste_factor, glass, &line_field)?;
                }
            }
            Category::Profile => {
                self.profile_quantity(&mut q, line, info, unit_price, planned, &line_field)?;
            }
            _ => {}
        }
        let amount = checked(
            q.quantity
                .checked_mul(unit_price)
                .and_then(|a| a.checked_mul(self.windows)),
            &line_field(),
        )?;
        Ok(LineResult {
            description: line.description.clone(),
            material: info.code.clone(),
            kind: line.kind,
            formula: line.formula.source().to_owned(),
            net_quantity: q.net_quantity,
            waste_factor: q.waste_factor,
            quantity: q.quantity,
            bars: q.bars,
            unit_price,
            amount,
            billed: q.billed,
            pieces: q.pieces,
        })
    }

    /// The material a line bills: its own, except that, billing glass by pieces, a
    /// chosen glass replaces the BOM's glass.
    fn line_material(
        &self,
        line: &BomLine,
        line_field: &impl Fn() -> String,
    ) -> Result<&MaterialInfo, EngineError> {
        match (line.kind, self.item.glass.as_ref(), self.glass) {
            (Category::Glass, Some(_), Some(chosen)) if self.glass_pieces.is_some() => Ok(chosen),
            _ => self.catalog.materials.get(&line.material).ok_or_else(|| {
                let code = line.material.clone();
                EngineError::new(line_field(), EngineProblem::UnknownMaterial { code })
            }),
        }
    }

    /// The line's unit price: a profile's price in the item's colour, else the
    /// material's price.
    fn unit_price(&self, info: &MaterialInfo, kind: Category) -> Result<Decimal, EngineError> {
        match (&self.item.colour, kind) {
            (Some(colour), Category::Profile) => {
                info.colour_prices.get(colour).copied().ok_or_else(|| {
                    invalid(
                        format!("{}.colour", self.field),
                        EngineProblem::ColourNotOffered {
                            colour: colour.clone(),
                            profile: info.code.clone(),
                        },
                    )
                })
            }
            _ => Ok(info.price),
        }
    }

    /// A glass line billed by its pieces: each side rounded up to the step, at least
    /// the minimum area per piece, times the waste factor.
    fn glass_by_pieces(
        &self,
        line: &BomLine,
        net: Decimal,
        waste_factor: Decimal,
        glass: GlassPieces,
        line_field: &impl Fn() -> String,
    ) -> Result<LineQuantity, EngineError> {
        let code = &self.product.code;
        let n = piece_count(line, &self.vars, line_field, code)?;
        let count = Decimal::from(n);
        let (area, width_cm, height_cm) = match (&line.piece_width_cm, &line.piece_height_cm) {
            (Some(w), Some(h)) => {
                let w = step_up(eval_size(w, &self.vars, line_field, code)?, glass.step_cm);
                let h = step_up(eval_size(h, &self.vars, line_field, code)?, glass.step_cm);
                let area = checked(w.checked_mul(h), &line_field())?
                    / Decimal::ONE_HUNDRED
                    / Decimal::ONE_HUNDRED;
                (area, Some(w), Some(h))
            }
            // No piece sizes: the formula's m², shared by the pieces.
            _ if n > 0 => (net / count, None, None),
            _ => (Decimal::ZERO, None, None),
        };
        let billed_area = area.max(glass.min_area_m2);
        Ok(LineQuantity {
            net_quantity: checked(area.checked_mul(count), &line_field())?,
            waste_factor,
            quantity: checked(
                billed_area
                    .checked_mul(count)
                    .and_then(|a| a.checked_mul(waste_factor)),
                &line_field(),
            )?,
            bars: None,
            pieces: Some(Pieces {
                count: n,
                width_cm,
                height_cm,
                billed_area_m2: Some(billed_area),
                length_cm: None,
            }),
            billed: true,
        })
    }

    /// A profile line under the profile rule: whole bars per line and window, metres
    /// as they are, or pieces for the job's cut plan.
    fn profile_quantity(
        &self,
        q: &mut LineQuantity,
        line: &BomLine,
        info: &MaterialInfo,
        unit_price: Decimal,
        planned: &mut Vec<PlannedPieces>,
        line_field: &impl Fn() -> String,
    ) -> Result<(), EngineError> {
        let bar = info.bar_length_m.filter(|b| !b.is_zero());
        match (self.rules.profiles, bar) {
            (ProfileRule::WholeBarsPerLine, Some(bar)) => {
                let whole = checked(q.quantity.checked_div(bar), &line_field())?.ceil();
                q.bars = Some(whole);
                q.quantity = checked(whole.checked_mul(bar), &line_field())?;
            }
            (ProfileRule::CutPlanPerJob, Some(bar)) => {
                if let Some(length) = &line.piece_length_cm {
                    let n = piece_count(line, &self.vars, line_field, &self.product.code)?;
                    let length = eval_size(length, &self.vars, line_field, &self.product.code)?;
                    // The windows pay their metres; kerfs, trims and offcuts are the
                    // plan's, shown once for the quote.
                    q.waste_factor = Decimal::ONE;
                    q.net_quantity = Decimal::from(n) * length / Decimal::ONE_HUNDRED;
                    q.quantity = q.net_quantity;
                    let paid = checked(
                        q.quantity
                            .checked_mul(unit_price)
                            .and_then(|a| a.checked_mul(self.windows)),
                        &line_field(),
                    )?;
                    planned.push(PlannedPieces {
                        material: info.code.clone(),
                        colour: self.item.colour.clone(),
                        unit_price,
                        bar_length_m: bar,
                        length_mm: (length * Decimal::TEN).ceil().to_u32().unwrap_or(u32::MAX),
                        count: n.saturating_mul(self.item.quantity),
                        paid,
                        field: line_field(),
                    });
                    q.pieces = Some(Pieces {
                        count: n,
                        width_cm: None,
                        height_cm: None,
                        billed_area_m2: None,
                        length_cm: Some(length),
                    });
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The item's glass, labour and rounded parts from its priced lines.
    fn finish(
        self,
        lines: Vec<LineResult>,
        sums: &HashMap<Category, Decimal>,
        rates: &Rates,
        glass_code: Option<String>,
    ) -> Result<ItemResult, EngineError> {
        let field = self.field;
        let area = self.vars.get(Var::AreaM2);
        let q = self.windows;
        let part = |kind: Category| sums.get(&kind).copied().unwrap_or_default();
        // Glass: from the BOM's pieces under that rule, else (the classic rule) the
        // chosen glass on the full window area plus 5 %.
        let glass_price = self.glass.map_or(Decimal::ZERO, |g| g.price);
        let glass = if self.glass_pieces.is_some() {
            part(Category::Glass)
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
            None => self
                .product
                .window_type
                .as_ref()
                .and_then(|t| self.catalog.labour.get(t))
                .map_or(Decimal::ZERO, |l| l.rate * l.complexity),
        };
        let labour = checked(
            area.checked_mul(labour_rate).and_then(|l| l.checked_mul(q)),
            &format!("{field}.labour"),
        )?;
        let rounding = self.rules.rounding;
        let profiles = money(rounding, part(Category::Profile), field)?;
        let hardware = money(rounding, part(Category::Hardware), field)?;
        let consumables = money(rounding, part(Category::Consumable), field)?;
        let glass = money(rounding, glass, field)?;
        let labour = money(rounding, labour, field)?;
        let subtotal = money(
            rounding,
            profiles.amount()
                + glass.amount()
                + hardware.amount()
                + consumables.amount()
                + labour.amount(),
            field,
        )?;
        Ok(ItemResult {
            product: self.product.code.clone(),
            width_cm: self.item.width_cm,
            height_cm: self.item.height_cm,
            quantity: self.item.quantity,
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
        .map_err(|error| {
            let problem = EngineProblem::Formula {
                formula: formula.to_string(),
                product: code.to_owned(),
                error,
            };
            invalid(field(), problem)
        })
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
        let problem = EngineProblem::PieceTooLong {
            formula: formula.to_string(),
            product: code.to_owned(),
            size,
        };
        return Err(invalid(field(), problem));
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
        return Err(invalid(field(), EngineProblem::TooManyPieces { count: n }));
    }
    Ok(n.to_u32().unwrap_or(0))
}
