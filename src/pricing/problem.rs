//! Why a quote cannot be priced, each reason a kind with the data its message
//! needs: the API answers the English (`Display`), the web pages word each kind
//! in their own language and name the row the user sees.

use rust_decimal::Decimal;

use super::cutplan::PieceTooLong;
use super::formula::EvalError;
use super::input::{MAX_PIECES_PER_LINE, MAX_PIECE_CM, MAX_PLANNED_PIECES, MAX_QUANTITY};
use super::result::EngineErrorKind;
use crate::catalog::Category;
use crate::money::DecimalProblem;

/// What is wrong with a quote the engine was asked to price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineProblem {
    UnknownProduct {
        code: String,
    },
    UnknownMaterial {
        code: String,
    },
    /// A width or height outside the product's range (cm, bounds included).
    SizeOutOfRange {
        value: Decimal,
        product: String,
        min: Decimal,
        max: Decimal,
    },
    /// Not a whole number from 1 to [`MAX_QUANTITY`].
    Quantity {
        quantity: u32,
    },
    /// The glass chosen (or the BOM's) is another category.
    NotGlass {
        code: String,
        category: Category,
    },
    ColourNotOffered {
        colour: String,
        profile: String,
    },
    /// A BOM formula of the product cannot be evaluated.
    Formula {
        formula: String,
        product: String,
        error: EvalError,
    },
    /// A piece size formula gives more than [`MAX_PIECE_CM`].
    PieceTooLong {
        formula: String,
        product: String,
        size: Decimal,
    },
    /// More than [`MAX_PIECES_PER_LINE`] pieces per window on a BOM line.
    TooManyPieces {
        count: Decimal,
    },
    /// A rate outside 0 to `max`.
    RateOutOfRange {
        value: Decimal,
        max: Decimal,
    },
    NegativeLabour {
        rate: Decimal,
    },
    /// A loose material's quantity of 0 or less.
    MaterialQuantity {
        quantity: Decimal,
    },
    /// More profile pieces than a cut plan takes ([`MAX_PLANNED_PIECES`]).
    TooManyPlannedPieces {
        total: usize,
    },
    /// A piece longer than what a bar of the profile can give.
    PieceLongerThanBar {
        length_mm: u32,
        material: String,
        usable_mm: u32,
    },
    /// The cut plan's own refusal.
    CutPlan(PieceTooLong),
    /// Checked arithmetic overflowed.
    TooLarge,
    /// An amount that is no acceptable money.
    Amount(DecimalProblem),
}

impl EngineProblem {
    /// The class the API maps to its status and code.
    pub fn kind(&self) -> EngineErrorKind {
        match self {
            Self::UnknownProduct { .. } => EngineErrorKind::UnknownProduct,
            Self::UnknownMaterial { .. } => EngineErrorKind::UnknownMaterial,
            _ => EngineErrorKind::Invalid,
        }
    }
}

impl std::fmt::Display for EngineProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::UnknownProduct { code } => write!(f, "no product with code {code}"),
            Self::UnknownMaterial { code } => write!(f, "no material with code {code}"),
            Self::SizeOutOfRange {
                value,
                product,
                min,
                max,
            } => write!(f, "{value} is outside {product}'s range {min} to {max} cm"),
            Self::Quantity { quantity } => {
                write!(
                    f,
                    "{quantity} is not a whole number from 1 to {MAX_QUANTITY}"
                )
            }
            Self::NotGlass { code, category } => {
                write!(f, "{code} is a {}, not glass", category.as_str())
            }
            Self::ColourNotOffered { colour, profile } => {
                write!(f, "colour {colour} is not offered for profile {profile}")
            }
            Self::Formula {
                formula,
                product,
                error,
            } => write!(f, "formula `{formula}` of {product}: {error}"),
            Self::PieceTooLong {
                formula,
                product,
                size,
            } => write!(
                f,
                "formula `{formula}` of {product} gives a {size} cm piece, over {MAX_PIECE_CM} cm"
            ),
            Self::TooManyPieces { count } => write!(
                f,
                "{count} pieces per window are more than {MAX_PIECES_PER_LINE}"
            ),
            Self::RateOutOfRange { value, max } => write!(f, "{value} is outside 0 to {max}"),
            Self::NegativeLabour { rate } => write!(f, "{rate} is negative"),
            Self::MaterialQuantity { quantity } => write!(f, "{quantity} must be more than 0"),
            Self::TooManyPlannedPieces { total } => write!(
                f,
                "{total} profile pieces are more than a cut plan takes ({MAX_PLANNED_PIECES})"
            ),
            Self::PieceLongerThanBar {
                length_mm,
                material,
                usable_mm,
            } => write!(
                f,
                "a {length_mm} mm piece of {material} is longer than a bar's usable {usable_mm} mm"
            ),
            Self::CutPlan(err) => err.fmt(f),
            Self::TooLarge => f.write_str("the amount is too large"),
            Self::Amount(problem) => problem.fmt(f),
        }
    }
}
