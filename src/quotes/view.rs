//! A priced quote as the API shows it: every BOM line, item, cut plan and total,
//! with the catalogue's names for documents.

use poem_openapi::Object;
use rust_decimal::Decimal;

use crate::catalog::model::{Category, CURRENCY};
use crate::money::Money;
use crate::pricing::{Catalog, CutPlan, ItemResult, LineResult, QuoteInput, QuoteResult};

/// One priced BOM line, per window unless stated.
#[derive(Debug, Clone, PartialEq, Object, serde::Serialize, serde::Deserialize)]
pub struct LineView {
    pub description: String,
    pub material: String,
    pub kind: Category,
    pub formula: String,
    /// The formula's result, clamped at 0; under the piece rules, pieces × area (m²)
    /// or pieces × length (m).
    pub net_quantity: Decimal,
    pub waste_factor: Decimal,
    /// After waste and, for profiles, rounding up to whole bars.
    pub quantity: Decimal,
    /// Whole bars per window (profiles with a bar length).
    #[oai(skip_serializing_if_is_none)]
    pub bars: Option<Decimal>,
    pub unit_price: Decimal,
    /// quantity × unit price × item quantity, before rounding the category total.
    pub amount: Decimal,
    /// False for BOM glass lines when glass is billed on the window area.
    pub billed: bool,
    /// The pieces billed, per window, under the piece rules.
    #[oai(skip_serializing_if_is_none)]
    #[serde(default)]
    pub pieces: Option<PiecesView>,
}

/// Pieces of a BOM line, per window.
#[derive(Debug, Clone, PartialEq, Object, serde::Serialize, serde::Deserialize)]
pub struct PiecesView {
    pub count: u32,
    /// Glass: each piece's width after rounding up to the step, in cm.
    #[oai(skip_serializing_if_is_none)]
    pub width_cm: Option<Decimal>,
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
#[derive(Debug, Clone, PartialEq, Object, serde::Serialize, serde::Deserialize)]
pub struct BarView {
    /// Piece lengths cut from the bar, in mm, longest first.
    pub cuts_mm: Vec<u32>,
    /// What is left of the bar's usable length, in mm.
    pub offcut_mm: u32,
}

/// The bars of one profile in one colour for the whole quote.
#[derive(Debug, Clone, PartialEq, Object, serde::Serialize, serde::Deserialize)]
pub struct CutPlanView {
    pub material: String,
    #[oai(skip_serializing_if_is_none)]
    pub colour: Option<String>,
    pub bar_length_m: Decimal,
    pub unit_price: Decimal,
    pub kerf_mm: u32,
    pub trim_mm: u32,
    pub bar_count: u32,
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
#[derive(Debug, Clone, PartialEq, Object, serde::Serialize, serde::Deserialize)]
pub struct ItemView {
    pub product: String,
    /// The product's name when priced, for documents.
    #[serde(default)]
    pub name: String,
    pub width_cm: Decimal,
    pub height_cm: Decimal,
    pub quantity: u32,
    pub area_m2: Decimal,
    #[oai(skip_serializing_if_is_none)]
    pub glass_material: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    #[serde(default)]
    pub glass_name: Option<String>,
    pub glass_price_per_m2: Decimal,
    #[oai(skip_serializing_if_is_none)]
    pub colour: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    #[serde(default)]
    pub colour_name: Option<String>,
    pub labour_rate_per_m2: Decimal,
    pub lines: Vec<LineView>,
    pub profiles: Money,
    pub glass: Money,
    pub hardware: Money,
    pub consumables: Money,
    pub labour: Money,
    /// profiles + glass + hardware + consumables + labour.
    pub subtotal: Money,
}

/// One priced loose material.
#[derive(Debug, Clone, PartialEq, Object, serde::Serialize, serde::Deserialize)]
pub struct MaterialItemView {
    pub material: String,
    #[serde(default)]
    pub name: String,
    pub quantity: Decimal,
    pub unit_price: Decimal,
    pub amount: Money,
}

/// The rates applied.
#[derive(Debug, Clone, PartialEq, Object, serde::Serialize, serde::Deserialize)]
pub struct RatesView {
    pub profit_rate: Decimal,
    pub indirect_rate: Decimal,
    pub tax_rate: Decimal,
    /// The tax code whose rate applied, if one did.
    #[oai(skip_serializing_if_is_none)]
    #[serde(default)]
    pub tax_code: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub labour_rate_override_per_m2: Option<Decimal>,
    pub discount_rate: Decimal,
}

/// Totals; every figure is rounded once and they add up exactly.
#[derive(Debug, Clone, PartialEq, Object, serde::Serialize, serde::Deserialize)]
pub struct TotalsView {
    /// Items' materials, loose materials and offcuts.
    pub materials: Money,
    /// Cut plans' bars beyond the metres the windows pay (cut-plan rule only).
    #[serde(default)]
    pub offcuts: Money,
    pub labour: Money,
    /// materials + labour.
    pub cost: Money,
    pub profit: Money,
    pub indirect: Money,
    /// Discount on cost + profit + indirect.
    pub discount: Money,
    /// cost + profit + indirect - discount.
    pub before_tax: Money,
    pub tax: Money,
    /// before_tax + tax.
    pub total: Money,
}

/// A priced quote.
#[derive(Debug, Clone, PartialEq, Object, serde::Serialize, serde::Deserialize)]
pub struct QuotePreview {
    pub currency: String,
    pub items: Vec<ItemView>,
    pub material_items: Vec<MaterialItemView>,
    /// Cut plans per profile and colour, under the cut-plan rule.
    #[serde(default)]
    pub cut_plans: Vec<CutPlanView>,
    pub rates: RatesView,
    pub totals: TotalsView,
}

/// Renders an engine result, with the catalogue's names for documents.
pub fn to_view(catalog: &Catalog, input: &QuoteInput, result: QuoteResult) -> QuotePreview {
    let material_name = |code: &str| catalog.materials.get(code).map(|m| m.name.clone());
    let items = result
        .items
        .into_iter()
        .zip(&input.items)
        .map(|(item, req)| item_view(catalog, item, req.colour.as_deref()))
        .collect();
    let t = result.totals;
    QuotePreview {
        currency: CURRENCY.to_owned(),
        items,
        material_items: result
            .material_items
            .into_iter()
            .map(|m| MaterialItemView {
                name: material_name(&m.material).unwrap_or_else(|| m.material.clone()),
                material: m.material,
                quantity: m.quantity,
                unit_price: m.unit_price,
                amount: m.amount,
            })
            .collect(),
        cut_plans: result.cut_plans.into_iter().map(cut_plan_view).collect(),
        rates: RatesView {
            profit_rate: result.rates.profit,
            indirect_rate: result.rates.indirect,
            tax_rate: result.rates.tax,
            tax_code: None,
            labour_rate_override_per_m2: result.rates.labour_override_per_m2,
            discount_rate: result.rates.discount,
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
    }
}

/// One priced item, named for documents.
fn item_view(catalog: &Catalog, item: ItemResult, colour: Option<&str>) -> ItemView {
    let material_name = |code: &str| catalog.materials.get(code).map(|m| m.name.clone());
    ItemView {
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
        glass_price_per_m2: item.glass_price_per_m2,
        colour: colour.map(str::to_owned),
        labour_rate_per_m2: item.labour_rate_per_m2,
        lines: item.lines.into_iter().map(line_view).collect(),
        profiles: item.profiles,
        glass: item.glass,
        hardware: item.hardware,
        consumables: item.consumables,
        labour: item.labour,
        subtotal: item.subtotal,
    }
}

fn line_view(l: LineResult) -> LineView {
    LineView {
        description: l.description,
        material: l.material,
        kind: l.kind,
        formula: l.formula,
        net_quantity: l.net_quantity,
        waste_factor: l.waste_factor,
        quantity: l.quantity,
        bars: l.bars,
        unit_price: l.unit_price,
        amount: l.amount,
        billed: l.billed,
        pieces: l.pieces.map(|p| PiecesView {
            count: p.count,
            width_cm: p.width_cm.map(|d| d.normalize()),
            height_cm: p.height_cm.map(|d| d.normalize()),
            billed_area_m2: p.billed_area_m2.map(|d| d.normalize()),
            length_cm: p.length_cm.map(|d| d.normalize()),
        }),
    }
}

fn cut_plan_view(p: CutPlan) -> CutPlanView {
    CutPlanView {
        bar_count: u32::try_from(p.bars.len()).unwrap_or(u32::MAX),
        bars: p
            .bars
            .into_iter()
            .map(|b| BarView {
                cuts_mm: b.cuts,
                offcut_mm: b.offcut_mm,
            })
            .collect(),
        material: p.material,
        colour: p.colour,
        bar_length_m: p.bar_length_m.normalize(),
        unit_price: p.unit_price,
        kerf_mm: p.kerf_mm,
        trim_mm: p.trim_mm,
        pieces_m: p.pieces_m.normalize(),
        amount: p.amount,
        offcuts: p.offcuts,
    }
}
