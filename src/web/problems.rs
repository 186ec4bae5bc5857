//! The page's words for problems the shared code reports by kind: a CSV import's
//! lines, the pricing engine's refusals and the decimals both read. Each `match`
//! names every kind, so a new kind does not compile until it has its text.

use rust_decimal::Decimal;

use super::catalog::{category_name, unit_name};
use super::i18n::{fill, Texts};
use crate::catalog::materials::model::ShapeProblem;
use crate::catalog::price_admin::csv_file::{ProblemKind, COLUMNS, MAX_NAME_CHARS};
use crate::catalog::CURRENCY;
use crate::money::DecimalProblem;
use crate::pricing::formula::EvalError;
use crate::pricing::{
    EngineProblem, MAX_PIECES_PER_LINE, MAX_PIECE_CM, MAX_PLANNED_PIECES, MAX_QUANTITY,
};

/// A decimal as people write it: no trailing zeros.
fn shown(value: Decimal) -> String {
    value.normalize().to_string()
}

/// A fraction as a percentage: `0.16` is `16`.
fn percent(value: Decimal) -> String {
    shown(value * Decimal::ONE_HUNDRED)
}

/// Why a decimal is not acceptable.
pub fn decimal(t: &Texts, problem: &DecimalProblem) -> String {
    let d = &t.problems.decimal;
    match problem {
        DecimalProblem::NotADecimal { example, .. } => {
            fill(d.not_a_decimal, &[("example", example)])
        }
        DecimalProblem::Negative { value } => fill(d.negative, &[("value", &shown(*value))]),
        DecimalProblem::TooManyDecimals { value, scale } => fill(
            d.too_many_decimals,
            &[("value", &value.to_string()), ("scale", &scale.to_string())],
        ),
        DecimalProblem::TooLarge { value, max } => fill(
            d.too_large,
            &[("value", &shown(*value)), ("max", &shown(*max))],
        ),
    }
}

/// What is wrong with a line or value of an import file.
pub fn csv(t: &Texts, kind: &ProblemKind) -> String {
    let c = &t.problems.csv;
    match kind {
        ProblemKind::EmptyFile => c.empty_file.to_owned(),
        ProblemKind::NoMaterials => c.no_materials.to_owned(),
        ProblemKind::Unreadable { .. } => c.unreadable.to_owned(),
        ProblemKind::DuplicateCode { first_line } => {
            fill(c.duplicate_code, &[("line", &first_line.to_string())])
        }
        ProblemKind::ColumnTwice => c.column_twice.to_owned(),
        ProblemKind::UnknownColumn => fill(c.unknown_column, &[("columns", &COLUMNS.join(", "))]),
        ProblemKind::ColumnRequired => c.column_required.to_owned(),
        ProblemKind::FieldCount { found, expected } => fill(
            c.field_count,
            &[
                ("found", &found.to_string()),
                ("expected", &expected.to_string()),
            ],
        ),
        ProblemKind::Nul => c.nul.to_owned(),
        ProblemKind::NotUtf8 => c.not_utf8.to_owned(),
        ProblemKind::CodeRequired => c.code_required.to_owned(),
        ProblemKind::BadCode { .. } => c.bad_code.to_owned(),
        ProblemKind::PriceRequired => c.price_required.to_owned(),
        ProblemKind::Amount(problem) => decimal(t, problem),
        ProblemKind::DecimalComma { int, frac } => {
            fill(c.decimal_comma, &[("int", int), ("frac", frac)])
        }
        ProblemKind::NameTooLong => fill(c.name_too_long, &[("max", &MAX_NAME_CHARS.to_string())]),
        ProblemKind::NotACategory => c.not_a_category.to_owned(),
        ProblemKind::NotAUnit => c.not_a_unit.to_owned(),
        ProblemKind::NotABool => c.not_a_bool.to_owned(),
        ProblemKind::Currency => fill(c.currency, &[("currency", CURRENCY)]),
        ProblemKind::Source => c.source.to_owned(),
        ProblemKind::MissingForNew { code, column } => {
            fill(c.missing_for_new, &[("code", code), ("column", column)])
        }
        ProblemKind::CategoryMismatch { code, default } => fill(
            c.category_mismatch,
            &[("code", code), ("category", category_name(t, *default))],
        ),
        ProblemKind::Shape(shape) => self::shape(t, *shape),
        ProblemKind::InheritedCannotDeactivate { code } => {
            fill(c.inherited_cannot_deactivate, &[("code", code)])
        }
    }
}

/// Why a category, unit and bar length do not fit together.
fn shape(t: &Texts, shape: ShapeProblem) -> String {
    let c = &t.problems.csv;
    match shape {
        ShapeProblem::UnitNotAllowed { category, unit } => {
            let allowed: Vec<&str> = category
                .allowed_units()
                .iter()
                .map(|u| unit_name(t, *u))
                .collect();
            fill(
                c.unit_not_allowed,
                &[
                    ("category", category_name(t, category)),
                    ("allowed", &allowed.join(c.or)),
                    ("unit", unit_name(t, unit)),
                ],
            )
        }
        ShapeProblem::BarOnlyForProfiles => c.bar_only_for_profiles.to_owned(),
        ShapeProblem::BarLengthZero => c.bar_length_zero.to_owned(),
    }
}

/// Why the engine cannot price a quote (the page names the row and field first).
pub fn engine(t: &Texts, problem: &EngineProblem) -> String {
    let e = &t.problems.engine;
    match problem {
        EngineProblem::UnknownProduct { code } => fill(e.unknown_product, &[("code", code)]),
        EngineProblem::UnknownMaterial { code } => fill(e.unknown_material, &[("code", code)]),
        EngineProblem::SizeOutOfRange {
            value,
            product,
            min,
            max,
        } => fill(
            e.size_out_of_range,
            &[
                ("value", &shown(*value)),
                ("product", product),
                ("min", &shown(*min)),
                ("max", &shown(*max)),
            ],
        ),
        EngineProblem::Quantity { .. } => fill(e.quantity, &[("max", &MAX_QUANTITY.to_string())]),
        EngineProblem::NotGlass { code, category } => fill(
            e.not_glass,
            &[("code", code), ("category", category_name(t, *category))],
        ),
        EngineProblem::ColourNotOffered { colour, profile } => fill(
            e.colour_not_offered,
            &[("colour", colour), ("profile", profile)],
        ),
        EngineProblem::Formula {
            formula,
            product,
            error,
        } => {
            let reason = match error {
                EvalError::DivisionByZero => e.division_by_zero,
                EvalError::Overflow => e.overflow,
            };
            fill(
                e.formula,
                &[
                    ("formula", formula),
                    ("product", product),
                    ("reason", reason),
                ],
            )
        }
        EngineProblem::PieceTooLong {
            formula,
            product,
            size,
        } => fill(
            e.piece_too_long,
            &[
                ("formula", formula),
                ("product", product),
                ("size", &shown(*size)),
                ("max", &MAX_PIECE_CM.to_string()),
            ],
        ),
        rest => engine_job(t, rest),
    }
}

/// The engine's problems of rates, loose materials, cut plans and amounts.
fn engine_job(t: &Texts, problem: &EngineProblem) -> String {
    let e = &t.problems.engine;
    match problem {
        EngineProblem::TooManyPieces { count } => fill(
            e.too_many_pieces,
            &[
                ("count", &shown(*count)),
                ("max", &MAX_PIECES_PER_LINE.to_string()),
            ],
        ),
        EngineProblem::RateOutOfRange { value, max } => fill(
            e.rate_out_of_range,
            &[("value", &percent(*value)), ("max", &percent(*max))],
        ),
        EngineProblem::NegativeLabour { rate } => {
            fill(e.negative_labour, &[("rate", &shown(*rate))])
        }
        EngineProblem::MaterialQuantity { quantity } => {
            fill(e.material_quantity, &[("quantity", &shown(*quantity))])
        }
        EngineProblem::TooManyPlannedPieces { total } => fill(
            e.too_many_planned_pieces,
            &[
                ("total", &total.to_string()),
                ("max", &MAX_PLANNED_PIECES.to_string()),
            ],
        ),
        EngineProblem::PieceLongerThanBar {
            length_mm,
            material,
            usable_mm,
        } => fill(
            e.piece_longer_than_bar,
            &[
                ("length", &length_mm.to_string()),
                ("material", material),
                ("usable", &usable_mm.to_string()),
            ],
        ),
        EngineProblem::CutPlan(err) => fill(
            e.cut_plan,
            &[
                ("length", &err.length_mm.to_string()),
                ("usable", &err.usable_mm.to_string()),
            ],
        ),
        EngineProblem::TooLarge => e.too_large.to_owned(),
        EngineProblem::Amount(problem) => fill(e.amount, &[("problem", &decimal(t, problem))]),
        // Worded by `engine`, which hands only the others here.
        EngineProblem::UnknownProduct { .. }
        | EngineProblem::UnknownMaterial { .. }
        | EngineProblem::SizeOutOfRange { .. }
        | EngineProblem::Quantity { .. }
        | EngineProblem::NotGlass { .. }
        | EngineProblem::ColourNotOffered { .. }
        | EngineProblem::Formula { .. }
        | EngineProblem::PieceTooLong { .. } => engine(t, problem),
    }
}

#[cfg(test)]
#[path = "problems_tests.rs"]
mod tests;
