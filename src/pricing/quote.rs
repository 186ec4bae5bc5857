//! Pricing a whole quote: its items, loose materials and cut plans, then the
//! totals, each rounded once so that the document adds up exactly.

use rust_decimal::Decimal;

use super::catalog::{Catalog, MaterialInfo};
use super::input::{MaterialInput, QuoteInput};
use super::item::price_item;
use super::plans::plan_cuts;
use super::result::{
    checked, invalid, money, CutPlan, EngineError, EngineProblem, ItemResult, MaterialLineResult,
    QuoteResult, Totals,
};
use super::rules::{Rates, Rounding};

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
    let totals = totals(
        &items,
        &material_items,
        &cut_plans,
        input.rates,
        input.rules.rounding,
    )?;
    Ok(QuoteResult {
        items,
        material_items,
        cut_plans,
        rates: input.rates,
        totals,
    })
}

/// The quote's totals from its rounded parts: materials and labour make the cost;
/// profit, indirect costs and the discount apply to it, then tax.
fn totals(
    items: &[ItemResult],
    material_items: &[MaterialLineResult],
    cut_plans: &[CutPlan],
    rates: Rates,
    rounding: Rounding,
) -> Result<Totals, EngineError> {
    let add = |a: Decimal, b: Decimal| checked(a.checked_add(b), "totals");
    let share = |base: Decimal, rate: Decimal, field: &str| {
        money(rounding, checked(base.checked_mul(rate), field)?, field)
    };
    let offcuts = money(
        rounding,
        cut_plans
            .iter()
            .try_fold(Decimal::ZERO, |sum, p| add(sum, p.offcuts.amount()))?,
        "totals.offcuts",
    )?;
    let mut materials = offcuts.amount();
    let mut labour = Decimal::ZERO;
    for item in items {
        for part in [item.profiles, item.glass, item.hardware, item.consumables] {
            materials = add(materials, part.amount())?;
        }
        labour = add(labour, item.labour.amount())?;
    }
    for m in material_items {
        materials = add(materials, m.amount.amount())?;
    }
    let cost = add(materials, labour)?;
    let profit = share(cost, rates.profit, "totals.profit")?;
    let indirect = share(cost, rates.indirect, "totals.indirect")?;
    let gross = add(add(cost, profit.amount())?, indirect.amount())?;
    let discount = share(gross, rates.discount, "totals.discount")?;
    let before_tax = gross - discount.amount();
    let tax = share(before_tax, rates.tax, "totals.tax")?;
    let total = add(before_tax, tax.amount())?;
    Ok(Totals {
        materials: money(rounding, materials, "totals.materials")?,
        offcuts,
        labour: money(rounding, labour, "totals.labour")?,
        cost: money(rounding, cost, "totals.cost")?,
        profit,
        indirect,
        discount,
        before_tax: money(rounding, before_tax, "totals.before_tax")?,
        tax,
        total: money(rounding, total, "totals.total")?,
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
                EngineProblem::RateOutOfRange { value, max },
            ));
        }
    }
    if let Some(rate) = rates.labour_override_per_m2 {
        if rate.is_sign_negative() && !rate.is_zero() {
            return Err(invalid(
                "labour_rate_override_per_m2".to_owned(),
                EngineProblem::NegativeLabour { rate },
            ));
        }
    }
    Ok(())
}

pub(super) fn material<'a>(
    catalog: &'a Catalog,
    code: &str,
    field: &str,
) -> Result<&'a MaterialInfo, EngineError> {
    catalog.materials.get(code).ok_or_else(|| {
        let code = code.to_owned();
        EngineError::new(field, EngineProblem::UnknownMaterial { code })
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
            EngineProblem::MaterialQuantity {
                quantity: item.quantity,
            },
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
