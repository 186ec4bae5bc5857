//! Overhead and tax rates, and the per-tenant pricing rules (the classic ones by
//! default).

use rust_decimal::Decimal;

use crate::money::Money;

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
