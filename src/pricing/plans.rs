//! The job's cut plans: the profile pieces of every window in a quote, cut from
//! shared bars per profile and colour.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::cutplan::{self, CutSettings};
use super::input::MAX_PLANNED_PIECES;
use super::result::EngineProblem;
use super::result::{checked, invalid, money, CutPlan, EngineError};
use super::rules::Rules;

/// Profile pieces of one BOM line of one item, for the job's cut plan.
#[derive(Debug, Clone)]
pub(super) struct PlannedPieces {
    pub(super) material: String,
    pub(super) colour: Option<String>,
    pub(super) unit_price: Decimal,
    pub(super) bar_length_m: Decimal,
    pub(super) length_mm: u32,
    /// Pieces per window × windows.
    pub(super) count: u32,
    /// What the windows pay for these pieces: their metres at the unit price.
    pub(super) paid: Decimal,
    pub(super) field: String,
}

/// Cuts every planned piece of the quote from shared bars, per profile and colour,
/// in the order the profiles first appear.
pub(super) fn plan_cuts(
    planned: &[PlannedPieces],
    rules: &Rules,
) -> Result<Vec<CutPlan>, EngineError> {
    let total: usize = planned.iter().map(|p| p.count as usize).sum();
    if total > MAX_PLANNED_PIECES {
        return Err(invalid(
            "items".to_owned(),
            EngineProblem::TooManyPlannedPieces { total },
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
        let settings = CutSettings {
            bar_mm: mm(first.bar_length_m * Decimal::ONE_THOUSAND),
            kerf_mm: rules.kerf_mm,
            trim_mm: rules.trim_mm,
        };
        let mut lengths = Vec::new();
        let mut paid = Decimal::ZERO;
        let mut pieces_mm: u64 = 0;
        for m in &members {
            if m.count > 0 && m.length_mm > settings.usable_mm() {
                let problem = EngineProblem::PieceLongerThanBar {
                    length_mm: m.length_mm,
                    material: material.to_owned(),
                    usable_mm: settings.usable_mm(),
                };
                return Err(invalid(m.field.clone(), problem));
            }
            lengths.extend(std::iter::repeat_n(m.length_mm, m.count as usize));
            paid += m.paid;
            pieces_mm += u64::from(m.length_mm) * u64::from(m.count);
        }
        let bars = cutplan::plan(&lengths, settings)
            .map_err(|e| invalid(first.field.clone(), EngineProblem::CutPlan(e)))?;
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
