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
    pub material: String,
    #[oai(skip_serializing_if_is_none)]
    pub colour: Option<String>,
    pub bar_length_m: Decimal,
    /// Price per metre of the profile.
    pub unit_price: Money,
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
#[derive(Debug, Clone, PartialEq, Object)]
pub struct ItemView {
    pub product: String,
    /// The product's name when priced, for documents.
    pub name: String,
    pub width_cm: Decimal,
    pub height_cm: Decimal,
    pub quantity: u32,
    pub area_m2: Decimal,
    #[oai(skip_serializing_if_is_none)]
    pub glass_material: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub glass_name: Option<String>,
    /// The glass's price per m².
    pub glass_price_per_m2: Money,
    #[oai(skip_serializing_if_is_none)]
    pub colour: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub colour_name: Option<String>,
    /// Labour per m² (rate × complexity, or the quote's override), to the cent.
    pub labour_rate_per_m2: Money,
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
#[derive(Debug, Clone, PartialEq, Object)]
pub struct MaterialItemView {
    pub material: String,
    pub name: String,
    pub quantity: Decimal,
    pub unit_price: Money,
    pub amount: Money,
}

/// The rates applied.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct RatesView {
    pub profit_rate: Rate,
    pub indirect_rate: Rate,
    pub tax_rate: Rate,
    /// The tax code whose rate applied, if one did.
    #[oai(skip_serializing_if_is_none)]
    pub tax_code: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub labour_rate_override_per_m2: Option<Money>,
    pub discount_rate: Rate,
}

/// Totals; every figure is rounded once and they add up exactly.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct TotalsView {
    /// Items' materials, loose materials and offcuts.
    pub materials: Money,
    /// Cut plans' bars beyond the metres the windows pay (cut-plan rule only).
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
#[derive(Debug, Clone, PartialEq, Object)]
pub struct QuotePreview {
    pub currency: String,
    pub items: Vec<ItemView>,
    pub material_items: Vec<MaterialItemView>,
    /// Cut plans per profile and colour, under the cut-plan rule.
    pub cut_plans: Vec<CutPlanView>,
    pub rates: RatesView,
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
