//! Between the API's quote types and the stored format. Storing never fails; reading
//! back into the API's stricter types (money with two decimals, rates in range)
//! can, and says which value did not fit.

use rust_decimal::Decimal;

use super::v1;
use crate::catalog::model::Category;
use crate::money::{Centimetres, Money, Quantity, Rate};
use crate::quotes::preview::{ItemRequest, MaterialItemRequest, PreviewRequest};
use crate::quotes::view::{
    shown, shown_rate, BarView, CutPlanView, ItemView, LineView, MaterialItemView, PiecesView,
    QuotePreview, RatesView, TotalsView,
};

/// A stored value that does not fit the API's type, naming it.
fn unfit(what: &str) -> impl Fn(String) -> String + '_ {
    move |problem| format!("stored {what}: {problem}")
}

fn money(what: &str, d: Decimal) -> Result<Money, String> {
    Money::try_from_decimal(d).map_err(unfit(what))
}

fn rate(what: &str, d: Option<Decimal>) -> Result<Option<Rate>, String> {
    d.map(|d| Rate::try_from_decimal(d).map_err(unfit(what)))
        .transpose()
}

impl From<Category> for v1::Kind {
    fn from(c: Category) -> Self {
        match c {
            Category::Glass => v1::Kind::Glass,
            Category::Profile => v1::Kind::Profile,
            Category::Hardware => v1::Kind::Hardware,
            Category::Consumable => v1::Kind::Consumable,
        }
    }
}

impl From<v1::Kind> for Category {
    fn from(k: v1::Kind) -> Self {
        match k {
            v1::Kind::Glass => Category::Glass,
            v1::Kind::Profile => Category::Profile,
            v1::Kind::Hardware => Category::Hardware,
            v1::Kind::Consumable => Category::Consumable,
        }
    }
}

impl From<&PreviewRequest> for v1::Request {
    fn from(r: &PreviewRequest) -> Self {
        v1::Request {
            items: r
                .items
                .iter()
                .map(|i| v1::RequestItem {
                    product: i.product.clone(),
                    width_cm: i.width_cm.amount(),
                    height_cm: i.height_cm.amount(),
                    quantity: i.quantity,
                    glass: i.glass.clone(),
                    colour: i.colour.clone(),
                })
                .collect(),
            material_items: r
                .material_items
                .iter()
                .map(|m| v1::RequestMaterial {
                    material: m.material.clone(),
                    quantity: m.quantity.amount(),
                })
                .collect(),
            profit_rate: r.profit_rate.map(Rate::amount),
            indirect_rate: r.indirect_rate.map(Rate::amount),
            tax_rate: r.tax_rate.map(Rate::amount),
            tax_code: r.tax_code.clone(),
            labour_rate_override_per_m2: r.labour_rate_override_per_m2.map(Money::amount),
            discount_rate: r.discount_rate.map(Rate::amount),
        }
    }
}

impl TryFrom<&v1::Request> for PreviewRequest {
    type Error = String;

    fn try_from(r: &v1::Request) -> Result<Self, String> {
        let cm = |d: Decimal| Centimetres::try_from_decimal(d).map_err(unfit("dimension"));
        Ok(PreviewRequest {
            items: r
                .items
                .iter()
                .map(|i| {
                    Ok(ItemRequest {
                        product: i.product.clone(),
                        width_cm: cm(i.width_cm)?,
                        height_cm: cm(i.height_cm)?,
                        quantity: i.quantity,
                        glass: i.glass.clone(),
                        colour: i.colour.clone(),
                    })
                })
                .collect::<Result<_, String>>()?,
            material_items: r
                .material_items
                .iter()
                .map(|m| {
                    Ok(MaterialItemRequest {
                        material: m.material.clone(),
                        quantity: Quantity::try_from_decimal(m.quantity)
                            .map_err(unfit("quantity"))?,
                    })
                })
                .collect::<Result<_, String>>()?,
            profit_rate: rate("profit rate", r.profit_rate)?,
            indirect_rate: rate("indirect rate", r.indirect_rate)?,
            tax_rate: rate("tax rate", r.tax_rate)?,
            tax_code: r.tax_code.clone(),
            labour_rate_override_per_m2: r
                .labour_rate_override_per_m2
                .map(|d| money("labour rate", d))
                .transpose()?,
            discount_rate: rate("discount rate", r.discount_rate)?,
        })
    }
}

impl From<&QuotePreview> for v1::Result {
    fn from(q: &QuotePreview) -> Self {
        let t = &q.totals;
        v1::Result {
            currency: q.currency.clone(),
            items: q.items.iter().map(stored_item).collect(),
            material_items: q
                .material_items
                .iter()
                .map(|m| v1::MaterialItem {
                    material: m.material.clone(),
                    name: m.name.clone(),
                    quantity: m.quantity,
                    unit_price: m.unit_price.amount(),
                    amount: m.amount.amount(),
                })
                .collect(),
            cut_plans: q.cut_plans.iter().map(stored_plan).collect(),
            rates: v1::Rates {
                profit_rate: q.rates.profit_rate.amount(),
                indirect_rate: q.rates.indirect_rate.amount(),
                tax_rate: q.rates.tax_rate.amount(),
                tax_code: q.rates.tax_code.clone(),
                labour_rate_override_per_m2: q.rates.labour_rate_override_per_m2.map(Money::amount),
                discount_rate: q.rates.discount_rate.amount(),
            },
            totals: v1::Totals {
                materials: t.materials.amount(),
                offcuts: t.offcuts.amount(),
                labour: t.labour.amount(),
                cost: t.cost.amount(),
                profit: t.profit.amount(),
                indirect: t.indirect.amount(),
                discount: t.discount.amount(),
                before_tax: t.before_tax.amount(),
                tax: t.tax.amount(),
                total: t.total.amount(),
            },
        }
    }
}

fn stored_item(i: &ItemView) -> v1::Item {
    v1::Item {
        product: i.product.clone(),
        name: i.name.clone(),
        width_cm: i.width_cm,
        height_cm: i.height_cm,
        quantity: i.quantity,
        area_m2: i.area_m2,
        glass_material: i.glass_material.clone(),
        glass_name: i.glass_name.clone(),
        glass_price_per_m2: i.glass_price_per_m2.amount(),
        colour: i.colour.clone(),
        colour_name: i.colour_name.clone(),
        labour_rate_per_m2: i.labour_rate_per_m2.amount(),
        lines: i.lines.iter().map(stored_line).collect(),
        profiles: i.profiles.amount(),
        glass: i.glass.amount(),
        hardware: i.hardware.amount(),
        consumables: i.consumables.amount(),
        labour: i.labour.amount(),
        subtotal: i.subtotal.amount(),
    }
}

fn stored_line(l: &LineView) -> v1::Line {
    v1::Line {
        description: l.description.clone(),
        material: l.material.clone(),
        kind: l.kind.into(),
        formula: l.formula.clone(),
        net_quantity: l.net_quantity,
        waste_factor: l.waste_factor,
        quantity: l.quantity,
        bars: l.bars,
        unit_price: l.unit_price.amount(),
        amount: l.amount.amount(),
        billed: l.billed,
        pieces: l.pieces.as_ref().map(|p| v1::Pieces {
            count: p.count,
            width_cm: p.width_cm,
            height_cm: p.height_cm,
            billed_area_m2: p.billed_area_m2,
            length_cm: p.length_cm,
        }),
    }
}

fn stored_plan(p: &CutPlanView) -> v1::CutPlan {
    v1::CutPlan {
        material: p.material.clone(),
        colour: p.colour.clone(),
        bar_length_m: p.bar_length_m,
        unit_price: p.unit_price.amount(),
        kerf_mm: p.kerf_mm,
        trim_mm: p.trim_mm,
        bar_count: p.bar_count,
        bars: p
            .bars
            .iter()
            .map(|b| v1::Bar {
                cuts_mm: b.cuts_mm.clone(),
                offcut_mm: b.offcut_mm,
            })
            .collect(),
        pieces_m: p.pieces_m,
        amount: p.amount.amount(),
        offcuts: p.offcuts.amount(),
    }
}

impl TryFrom<&v1::Result> for QuotePreview {
    type Error = String;

    fn try_from(q: &v1::Result) -> Result<Self, String> {
        let t = &q.totals;
        let m = |what: &str, d: Decimal| money(what, d);
        Ok(QuotePreview {
            currency: q.currency.clone(),
            items: q.items.iter().map(item_view).collect::<Result<_, _>>()?,
            material_items: q
                .material_items
                .iter()
                .map(|i| {
                    Ok(MaterialItemView {
                        material: i.material.clone(),
                        name: i.name.clone(),
                        quantity: i.quantity,
                        unit_price: shown(i.unit_price, "unit price")?,
                        amount: m("amount", i.amount)?,
                    })
                })
                .collect::<Result<_, String>>()?,
            cut_plans: q
                .cut_plans
                .iter()
                .map(plan_view)
                .collect::<Result<_, _>>()?,
            rates: RatesView {
                profit_rate: shown_rate(q.rates.profit_rate, "profit rate")?,
                indirect_rate: shown_rate(q.rates.indirect_rate, "indirect rate")?,
                tax_rate: shown_rate(q.rates.tax_rate, "tax rate")?,
                tax_code: q.rates.tax_code.clone(),
                labour_rate_override_per_m2: q
                    .rates
                    .labour_rate_override_per_m2
                    .map(|v| shown(v, "labour rate"))
                    .transpose()?,
                discount_rate: shown_rate(q.rates.discount_rate, "discount rate")?,
            },
            totals: TotalsView {
                materials: m("materials", t.materials)?,
                offcuts: m("offcuts", t.offcuts)?,
                labour: m("labour", t.labour)?,
                cost: m("cost", t.cost)?,
                profit: m("profit", t.profit)?,
                indirect: m("indirect", t.indirect)?,
                discount: m("discount", t.discount)?,
                before_tax: m("before tax", t.before_tax)?,
                tax: m("tax", t.tax)?,
                total: m("total", t.total)?,
            },
        })
    }
}

fn item_view(i: &v1::Item) -> Result<ItemView, String> {
    Ok(ItemView {
        product: i.product.clone(),
        name: i.name.clone(),
        width_cm: i.width_cm,
        height_cm: i.height_cm,
        quantity: i.quantity,
        area_m2: i.area_m2,
        glass_material: i.glass_material.clone(),
        glass_name: i.glass_name.clone(),
        glass_price_per_m2: shown(i.glass_price_per_m2, "glass price")?,
        colour: i.colour.clone(),
        colour_name: i.colour_name.clone(),
        labour_rate_per_m2: shown(i.labour_rate_per_m2, "labour rate")?,
        lines: i.lines.iter().map(line_view).collect::<Result<_, _>>()?,
        profiles: money("profiles", i.profiles)?,
        glass: money("glass", i.glass)?,
        hardware: money("hardware", i.hardware)?,
        consumables: money("consumables", i.consumables)?,
        labour: money("labour", i.labour)?,
        subtotal: money("subtotal", i.subtotal)?,
    })
}

fn line_view(l: &v1::Line) -> Result<LineView, String> {
    Ok(LineView {
        description: l.description.clone(),
        material: l.material.clone(),
        kind: l.kind.into(),
        formula: l.formula.clone(),
        net_quantity: l.net_quantity,
        waste_factor: l.waste_factor,
        quantity: l.quantity,
        bars: l.bars,
        unit_price: shown(l.unit_price, "unit price")?,
        amount: shown(l.amount, "line amount")?,
        billed: l.billed,
        pieces: l.pieces.as_ref().map(|p| PiecesView {
            count: p.count,
            width_cm: p.width_cm,
            height_cm: p.height_cm,
            billed_area_m2: p.billed_area_m2,
            length_cm: p.length_cm,
        }),
    })
}

fn plan_view(p: &v1::CutPlan) -> Result<CutPlanView, String> {
    Ok(CutPlanView {
        material: p.material.clone(),
        colour: p.colour.clone(),
        bar_length_m: p.bar_length_m,
        unit_price: shown(p.unit_price, "cut plan unit price")?,
        kerf_mm: p.kerf_mm,
        trim_mm: p.trim_mm,
        bar_count: p.bar_count,
        bars: p
            .bars
            .iter()
            .map(|b| BarView {
                cuts_mm: b.cuts_mm.clone(),
                offcut_mm: b.offcut_mm,
            })
            .collect(),
        pieces_m: p.pieces_m,
        amount: money("cut plan amount", p.amount)?,
        offcuts: money("cut plan offcuts", p.offcuts)?,
    })
}
