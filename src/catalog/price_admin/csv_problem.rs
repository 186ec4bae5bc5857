//! The problems of an import file, each a kind with the data its message needs:
//! the API answers their English (`Display`, its `reason`), the web pages word
//! each kind in their own language.

use crate::catalog::materials::model::ShapeProblem;
use crate::catalog::{Category, CURRENCY};
use crate::money::DecimalProblem;

use super::csv_file::COLUMNS;

/// The longest material name, in characters.
pub const MAX_NAME_CHARS: usize = 200;

/// One problem of an import file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The physical line, the header being line 1.
    pub line: u64,
    /// The header name of the column, or empty for the whole line.
    pub column: String,
    /// The value as given.
    pub value: String,
    /// What is wrong with it.
    pub kind: ProblemKind,
}

impl Problem {
    /// What is wrong, in English (the API's `reason`).
    pub fn reason(&self) -> String {
        self.kind.to_string()
    }
}

/// What is wrong with a line or a value of an import file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemKind {
    /// No header row.
    EmptyFile,
    /// A header and no material.
    NoMaterials,
    /// The CSV reader's own error.
    Unreadable {
        error: String,
    },
    /// The code was on an earlier line.
    DuplicateCode {
        first_line: u64,
    },
    ColumnTwice,
    UnknownColumn,
    ColumnRequired,
    /// A line with another number of fields than the header.
    FieldCount {
        found: usize,
        expected: usize,
    },
    Nul,
    NotUtf8,
    CodeRequired,
    /// Not a material code (see `MaterialCode::parse`).
    BadCode {
        code: String,
    },
    PriceRequired,
    /// A price or bar length that is not an acceptable decimal.
    Amount(DecimalProblem),
    /// `85,50`: a decimal comma, written back with a point.
    DecimalComma {
        int: String,
        frac: String,
    },
    NameTooLong,
    NotACategory,
    NotAUnit,
    NotABool,
    /// A currency other than the catalogue's.
    Currency,
    /// A `source` other than `tenant` or `global`.
    Source,
    /// A new material without a name, category or unit (`column`).
    MissingForNew {
        code: String,
        column: &'static str,
    },
    /// The code's category in the default catalogue is another.
    CategoryMismatch {
        code: String,
        default: Category,
    },
    /// Category, unit and bar length do not fit together.
    Shape(ShapeProblem),
    /// `active = false` for a code inherited from the default catalogue.
    InheritedCannotDeactivate {
        code: String,
    },
}

impl std::fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::EmptyFile => {
                f.write_str("the file is empty: send a header row and one row per material")
            }
            Self::NoMaterials => f.write_str("the file has a header but no materials"),
            Self::Unreadable { error } => write!(f, "not readable as CSV: {error}"),
            Self::DuplicateCode { first_line } => {
                write!(f, "the code is already on line {first_line}")
            }
            Self::ColumnTwice => f.write_str("the column appears twice"),
            Self::UnknownColumn => {
                write!(f, "unknown column; the columns are {}", COLUMNS.join(","))
            }
            Self::ColumnRequired => f.write_str("this column is required"),
            Self::FieldCount { found, expected } => {
                write!(f, "{found} fields, but the header has {expected}")
            }
            Self::Nul => f.write_str("contains a NUL character"),
            Self::NotUtf8 => f.write_str("not UTF-8 text: save the file as UTF-8"),
            Self::CodeRequired => f.write_str("a code is required"),
            Self::BadCode { code } => f.write_str(&crate::catalog::model::not_a_code(code)),
            Self::PriceRequired => f.write_str("a price is required, e.g. 85.50"),
            Self::Amount(problem) => problem.fmt(f),
            Self::DecimalComma { int, frac } => write!(
                f,
                "a decimal comma: write {int}.{frac}, with a point (thousands are not separated)"
            ),
            Self::NameTooLong => write!(f, "a name is at most {MAX_NAME_CHARS} characters"),
            Self::NotACategory => {
                f.write_str("not a category: glass, profile, hardware or consumable")
            }
            Self::NotAUnit => f.write_str("not a unit: m2, m, piece, cartridge, kg or l"),
            Self::NotABool => f.write_str("not true or false"),
            Self::Currency => write!(f, "prices are in {CURRENCY}"),
            Self::Source => f.write_str(
                "not tenant or global (the column is informative and may be left out)",
            ),
            Self::MissingForNew { code, column } => write!(f, "{code} is new: give its {column}"),
            Self::CategoryMismatch { code, default } => write!(
                f,
                "{code} is a {} in the default catalogue",
                default.as_str()
            ),
            Self::Shape(problem) => problem.fmt(f),
            Self::InheritedCannotDeactivate { code } => write!(
                f,
                "{code} is inherited from the default catalogue, which cannot be deactivated; set its own price instead"
            ),
        }
    }
}
