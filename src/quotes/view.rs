//! A priced quote as the API shows it: every BOM line, item, cut plan and total,
//! with the catalogue's names for documents.

use poem_openapi::Object;
use rust_decimal::Decimal;

use crate::catalog::model::{Category, CURRENCY};
use crate::money::{Money, Rate};
use crate::pricing::{Catalog, CutPlan, ItemResult, LineResult, QuoteInput, QuoteResult};

/// One priced BOM line, per window unless stated.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct LineView {
    /// The BOM line's description, e.g. `Riel superior`.
    pub description: String,
    /// Material code, e.g. `PER-NAC3-RS`.
    pub material: String,
    /// The material's category.
    pub kind: Category,
    /// The quantity formula, e.g. `width_m`.
    pub formula: String,
    /// The formula's result, clamped at 0; under the piece rules, pieces × area (m²)
    /// or pieces × length (m).
    pub net_quantity: Decimal,
    /// The multiplier applied for waste, e.g. `"1.05"`.
    pub waste_factor: Decimal,
    /// After waste and, for profiles, rounding up to whole bars.
    pub quantity: Decimal,
    /// Whole bars per window (profiles with a bar length).
    #[oai(skip_serializing_if_is_none)]
    pub bars: Option<Decimal>,
    /// Price per unit of the material (in the item's colour, for profiles).
    pub unit_price: Money,
    /// quantity × unit price × item quantity, shown to the cent (half up). The item's
    /// category totals round the exact sum of their lines, so they may differ from
    /// the sum of these shown amounts by a cent.
    pub amount: Money,
    /// False for BOM glass lines when glass is billed on the window area.
    pub billed: bool,
    /// The pieces billed, per window, under the piece rules.
    #[oai(skip_serializing_if_is_none)]
    pub pieces: Option<PiecesView>,
}

/// Pieces of a BOM line, per window.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct PiecesView {
    /// Pieces per window.
    pub count: u32,
    /// Glass: each piece's width after rounding up to the step, in cm.
    #[oai(skip_serializing_if_is_none)]
    pub width_cm: Option<Decimal>,
    /// Glass: each piece's height after rounding up to the step, in cm.
    #[oai(skip_serializing_if_is_none)]
    pub height_cm: Option<Decimal>,
    /// Glass: the area billed per piece (at least the minimum), in m².
    #[oai(skip_serializing_if_is_none)]
    pub billed_area_m2: Option<Decimal>,
    /// Profiles: each piece's length, in cm.
    #[oai(skip_serializing_if_is_none)]
    pub length_cm: Option<Decimal>,
}

/// One bar of a cut plan.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct BarView {
    /// Piece lengths cut from the bar, in mm, longest first.
    pub cuts_mm: Vec<u32>,
    /// What is left of the bar's usable length, in mm.
    pub offcut_mm: u32,
}

/// The bars of one profile in one colour for the whole quote.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct CutPlanView {
    /// The profile's material code.
    pub material: String,
    /// The colour code; absent for items without a colour.
    #[oai(skip_serializing_if_is_none)]
    pub colour: Option<String>,
    /// The bar length, in m, e.g. `"6"`.
    pub bar_length_m: Decimal,
    /// Price per metre of the profile.
    pub unit_price: Money,
    /// Saw kerf between pieces, in mm.
    pub kerf_mm: u32,
    /// Trimmed off each end of a bar, in mm.
    pub trim_mm: u32,
    /// How many bars the plan uses.
    pub bar_count: u32,
    /// Each bar's cuts.
    pub bars: Vec<BarView>,
    /// Sum of the pieces' lengths, in m.
    pub pieces_m: Decimal,
    /// Bars × bar length × unit price.
    pub amount: Money,
    /// The part of `amount` the windows do not pay by their metres (offcuts, kerfs,
    /// trims); `totals.offcuts` is their sum.
    pub offcuts: Money,
}

/// One priced item.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct ItemView {
    /// The product code, e.g. `VEN-CORR-NAC3`.
    pub product: String,
    /// The product's name when priced, for documents.
    pub name: String,
    /// Width in cm, as asked, e.g. `"150"`.
    pub width_cm: Decimal,
    /// Height in cm, as asked.
    pub height_cm: Decimal,
    /// How many windows.
    pub quantity: u32,
    /// One window's area in m² (width × height).
    pub area_m2: Decimal,
    /// The glass material priced; absent for products without glass.
    #[oai(skip_serializing_if_is_none)]
    pub glass_material: Option<String>,
    /// The glass's name, for documents; absent without glass.
    #[oai(skip_serializing_if_is_none)]
    pub glass_name: Option<String>,
    /// The glass's price per m².
    pub glass_price_per_m2: Money,
    /// The profiles' colour code; absent when none was asked.
    #[oai(skip_serializing_if_is_none)]
    pub colour: Option<String>,
    /// The colour's name, for documents; absent without a colour.
    #[oai(skip_serializing_if_is_none)]
    pub colour_name: Option<String>,
    /// Labour per m² (rate × complexity, or the quote's override), to the cent.
    pub labour_rate_per_m2: Money,
    /// Every BOM line, priced.
    pub lines: Vec<LineView>,
    /// Profiles for all the item's windows.
    pub profiles: Money,
    /// Glass for all the item's windows.
    pub glass: Money,
    /// Hardware for all the item's windows.
    pub hardware: Money,
    /// Consumables for all the item's windows.
    pub consumables: Money,
    /// Labour for all the item's windows (area × rate per m²).
    pub labour: Money,
    /// profiles + glass + hardware + consumables + labour.
    pub subtotal: Money,
}

/// One priced loose material.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct MaterialItemView {
    /// Material code.
    pub material: String,
    /// The material's name, for documents.
    pub name: String,
    /// How much, in the material's unit.
    pub quantity: Decimal,
    /// Price per unit of the material.
    pub unit_price: Money,
    /// quantity × unit price.
    pub amount: Money,
}

/// The rates applied.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct RatesView {
    /// Profit on cost, e.g. `"0.2500"`.
    pub profit_rate: Rate,
    /// Indirect costs on cost, e.g. `"0.1500"`.
    pub indirect_rate: Rate,
    /// Tax on the amount before tax, e.g. `"0.1600"`.
    pub tax_rate: Rate,
    /// The tax code whose rate applied; absent when a plain rate did.
    #[oai(skip_serializing_if_is_none)]
    pub tax_code: Option<String>,
    /// Labour per m² for every item; absent when rate × complexity applied.
    #[oai(skip_serializing_if_is_none)]
    pub labour_rate_override_per_m2: Option<Money>,
    /// Discount on cost + profit + indirect, `"0.0000"` for none.
    pub discount_rate: Rate,
}

/// Totals; every figure is rounded once and they add up exactly.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct TotalsView {
    /// Items' materials, loose materials and offcuts.
    pub materials: Money,
    /// Cut plans' bars beyond the metres the windows pay (cut-plan rule only).
    pub offcuts: Money,
    /// Labour of every item.
    pub labour: Money,
    /// materials + labour.
    pub cost: Money,
    /// cost × profit rate.
    pub profit: Money,
    /// cost × indirect rate.
    pub indirect: Money,
    /// Discount on cost + profit + indirect.
    pub discount: Money,
    /// cost + profit + indirect - discount.
    pub before_tax: Money,
    /// before_tax × tax rate.
    pub tax: Money,
    /// before_tax + tax.
    pub total: Money,
}

/// A priced quote.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct QuotePreview {
    /// ISO 4217 code of every amount, e.g. `MXN`.
    pub currency: String,
    /// The items, in the order asked.
    pub items: Vec<ItemView>,
    /// The loose materials, in the order asked.
    pub material_items: Vec<MaterialItemView>,
    /// Cut plans per profile and colour, under the cut-plan rule; empty otherwise.
    pub cut_plans: Vec<CutPlanView>,
    /// The rates applied.
    pub rates: RatesView,
    /// The quote's totals.
    pub totals: TotalsView,
}

/// An exact amount shown to the cent, half up: unit prices, line amounts and rates
/// per m² are intermediates, shown rounded; the billed figures are rounded by the
/// engine under the tenant's rule.
pub fn shown(value: Decimal, field: &str) -> Result<Money, String> {
    Money::try_from_decimal(Money::round2(value)).map_err(|m| format!("{field}: {m}"))
}

/// A rate as applied, in the one format rates travel in (`"0.1600"`).
pub fn shown_rate(value: Decimal, field: &str) -> Result<Rate, String> {
    Rate::try_from_decimal(value).map_err(|m| format!("{field}: {m}"))
}

/// Renders an engine result, with the catalogue's names for documents. Fails only
/// on an amount too large to show, naming it.
pub fn to_view(
    catalog: &Catalog,
    input: &QuoteInput,
    result: QuoteResult,
) -> Result<QuotePreview, String> {
    let material_name = |code: &str| catalog.materials.get(code).map(|m| m.name.clone());
    let items = result
        .items
        .into_iter()
        .zip(&input.items)
        .enumerate()
        .map(|(i, (item, req))| item_view(catalog, item, req.colour.as_deref(), i))
        .collect::<Result<_, _>>()?;
    let t = result.totals;
    let r = result.rates;
    Ok(QuotePreview {
        currency: CURRENCY.to_owned(),
        items,
        material_items: result
            .material_items
            .into_iter()
            .map(|m| {
                Ok(MaterialItemView {
                    name: material_name(&m.material).unwrap_or_else(|| m.material.clone()),
                    unit_price: shown(m.unit_price, "material_items.unit_price")?,
                    material: m.material,
                    quantity: m.quantity,
                    amount: m.amount,
                })
            })
            .collect::<Result<_, String>>()?,
        cut_plans: result
            .cut_plans
            .into_iter()
            .map(cut_plan_view)
            .collect::<Result<_, _>>()?,
        rates: RatesView {
            profit_rate: shown_rate(r.profit, "profit_rate")?,
            indirect_rate: shown_rate(r.indirect, "indirect_rate")?,
            tax_rate: shown_rate(r.tax, "tax_rate")?,
            tax_code: None,
            labour_rate_override_per_m2: r
                .labour_override_per_m2
                .map(|v| shown(v, "labour_rate_override_per_m2"))
                .transpose()?,
            discount_rate: shown_rate(r.discount, "discount_rate")?,
        },
        totals: TotalsView {
            materials: t.materials,
            offcuts: t.offcuts,
            labour: t.labour,
            cost: t.cost,
            profit: t.profit,
            indirect: t.indirect,
            discount: t.discount,
            before_tax: t.before_tax,
            tax: t.tax,
            total: t.total,
        },
    })
}

/// One priced item, named for documents.
fn item_view(
    catalog: &Catalog,
    item: ItemResult,
    colour: Option<&str>,
    i: usize,
) -> Result<ItemView, String> {
    let material_name = |code: &str| catalog.materials.get(code).map(|m| m.name.clone());
    let field = |name: &str| format!("items[{i}].{name}");
    Ok(ItemView {
        name: catalog
            .products
            .get(&item.product)
            .map_or_else(|| item.product.clone(), |p| p.name.clone()),
        product: item.product,
        glass_name: item.glass_material.as_deref().and_then(material_name),
        colour_name: colour.and_then(|c| catalog.colours.get(c).cloned()),
        width_cm: item.width_cm.normalize(),
        height_cm: item.height_cm.normalize(),
        quantity: item.quantity,
        area_m2: item.area_m2.normalize(),
        glass_material: item.glass_material,
        glass_price_per_m2: shown(item.glass_price_per_m2, &field("glass_price_per_m2"))?,
        colour: colour.map(str::to_owned),
        labour_rate_per_m2: shown(item.labour_rate_per_m2, &field("labour_rate_per_m2"))?,
        lines: item
            .lines
            .into_iter()
            .map(|l| line_view(l, &field("lines")))
            .collect::<Result<_, _>>()?,
        profiles: item.profiles,
        glass: item.glass,
        hardware: item.hardware,
        consumables: item.consumables,
        labour: item.labour,
        subtotal: item.subtotal,
    })
}

fn line_view(l: LineResult, field: &str) -> Result<LineView, String> {
    Ok(LineView {
        unit_price: shown(l.unit_price, field)?,
        amount: shown(l.amount, field)?,
        description: l.description,
        material: l.material,
        kind: l.kind,
        formula: l.formula,
        net_quantity: l.net_quantity,
        waste_factor: l.waste_factor,
        quantity: l.quantity,
        bars: l.bars,
        billed: l.billed,
        pieces: l.pieces.map(|p| PiecesView {
            count: p.count,
            width_cm: p.width_cm.map(|d| d.normalize()),
            height_cm: p.height_cm.map(|d| d.normalize()),
            billed_area_m2: p.billed_area_m2.map(|d| d.normalize()),
            length_cm: p.length_cm.map(|d| d.normalize()),
        }),
    })
}

fn cut_plan_view(p: CutPlan) -> Result<CutPlanView, String> {
    Ok(CutPlanView {
        bar_count: u32::try_from(p.bars.len()).unwrap_or(u32::MAX),
        bars: p
            .bars
            .into_iter()
            .map(|b| BarView {
                cuts_mm: b.cuts,
                offcut_mm: b.offcut_mm,
            })
            .collect(),
        unit_price: shown(p.unit_price, "cut_plans.unit_price")?,
        material: p.material,
        colour: p.colour,
        bar_length_m: p.bar_length_m.normalize(),
        kerf_mm: p.kerf_mm,
        trim_mm: p.trim_mm,
        pieces_m: p.pieces_m.normalize(),
        amount: p.amount,
        offcuts: p.offcuts,
    })
}
