//! The wire types of price administration: bulk update requests, previews, batches
//! and the price history. Batches are stored in their own format
//! ([`super::stored`]), never as these.

use chrono::{DateTime, Utc};
use poem_openapi::types::Example;
use poem_openapi::{Enum, Object};

use crate::catalog::{Category, Source};
use crate::http::Nullable;
use crate::ids::{BatchId, UserId};
use crate::money::Money;

/// Which materials a bulk update changes: every field given must match. Only the
/// tenant's own active rows, unless `include_inherited`.
#[derive(Debug, Clone, Default, Object, serde::Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct PriceFilter {
    /// Only materials of this category, e.g. `glass`.
    #[serde(default)]
    pub category: Option<Category>,
    /// Only these codes (1 to 1,000), e.g. `["VID-CLARO-4", "VID-CLARO-6"]`; each
    /// must exist in the tenant's catalogue or the defaults.
    #[serde(default)]
    #[oai(validator(
        min_items = 1,
        max_items = 1000,
        pattern = "^[A-Z0-9][A-Za-z0-9._-]{0,63}$"
    ))]
    pub codes: Option<Vec<String>>,
    /// Only codes that start with this text, e.g. `VID-`.
    #[serde(default)]
    pub code_prefix: Option<String>,
    /// Also change defaults the tenant inherits, creating its own rows for them
    /// (default `false`: only the tenant's own rows change).
    #[serde(default)]
    pub include_inherited: Option<bool>,
}

/// How every matched price changes: exactly one of `percent`, `amount` or `set`.
#[derive(Debug, Clone, Default, Object, serde::Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct PriceAdjustment {
    /// A percentage of the price, as a decimal string: `"7.5"` raises every price
    /// 7.5 %, `"-10"` lowers it 10 % (above -100, up to 1000, four decimals).
    #[serde(default)]
    pub percent: Option<String>,
    /// An amount added to every price, as a decimal string with up to two
    /// decimals: `"12.00"`, or `"-5.00"` to take five off.
    #[serde(default)]
    pub amount: Option<String>,
    /// One new price for every matched material, e.g. `"99.00"`.
    #[serde(default)]
    pub set: Option<Money>,
}

/// Which way new prices go to their step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, serde::Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum PriceRoundingMode {
    /// Up to the next multiple of the step.
    Up,
    /// To the nearest multiple (halfway goes up).
    Nearest,
    /// Down to the previous multiple.
    Down,
}

/// Rounds every new price to a multiple of `step`.
#[derive(Debug, Clone, Object, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceRounding {
    /// The step, more than zero, e.g. `"0.50"`.
    pub step: Money,
    /// Which way to round.
    pub mode: PriceRoundingMode,
}

/// A bulk update to preview: which materials, how their prices change, and how
/// the new prices round (to cents, half away from zero, when absent).
#[derive(Debug, Clone, Object, serde::Deserialize)]
#[oai(example, skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct PriceUpdatePreviewRequest {
    /// Which materials change.
    pub filter: PriceFilter,
    /// How their prices change.
    pub change: PriceAdjustment,
    /// How new prices round.
    #[serde(default)]
    pub rounding: Option<PriceRounding>,
}

/// A bulk update to apply: the previewed request and the preview's fingerprint.
#[derive(Debug, Clone, Object, serde::Deserialize)]
#[oai(example, skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct PriceUpdateRequest {
    /// Which materials change.
    pub filter: PriceFilter,
    /// How their prices change.
    pub change: PriceAdjustment,
    /// How new prices round.
    #[serde(default)]
    pub rounding: Option<PriceRounding>,
    /// The `fingerprint` of the preview being applied: if any price moved since,
    /// nothing changes and the answer is 409 `preview_outdated`.
    pub fingerprint: String,
}

fn example_filter() -> PriceFilter {
    PriceFilter {
        category: Some(Category::Glass),
        code_prefix: Some("VID-".to_owned()),
        ..PriceFilter::default()
    }
}

fn example_change() -> PriceAdjustment {
    PriceAdjustment {
        percent: Some("7.5".to_owned()),
        ..PriceAdjustment::default()
    }
}

fn example_rounding() -> Option<PriceRounding> {
    Some(PriceRounding {
        step: Money::parse("0.50").unwrap_or(Money::ZERO),
        mode: PriceRoundingMode::Up,
    })
}

impl Example for PriceUpdatePreviewRequest {
    fn example() -> Self {
        Self {
            filter: example_filter(),
            change: example_change(),
            rounding: example_rounding(),
        }
    }
}

impl Example for PriceUpdateRequest {
    fn example() -> Self {
        Self {
            filter: example_filter(),
            change: example_change(),
            rounding: example_rounding(),
            fingerprint: "v1-3f1c9a0e5b7d2c4a8e6f0b1d3c5a7e9f".to_owned(),
        }
    }
}

/// One material a batch changes.
#[derive(Debug, Clone, Object)]
pub struct PriceUpdateItem {
    /// The material code.
    pub code: String,
    /// Its display name.
    pub name: String,
    /// The effective price before; `null` for a material the batch created.
    pub old: Nullable<Money>,
    /// The effective price after.
    pub new: Money,
    /// Where the price came from before the change: `tenant` or `global` (an
    /// inherited default, which the change makes the tenant's own).
    pub source: Source,
    /// `true` when the change withdrew the tenant's own price (a revert of a
    /// batch that created it): the default applies again, and `new` is its price.
    pub withdrawn: bool,
}

/// What a bulk update would do, changing nothing.
#[derive(Debug, Clone, Object)]
pub struct PriceUpdatePreview {
    /// Every material whose price would change, by code.
    pub items: Vec<PriceUpdateItem>,
    /// How many.
    pub count: i64,
    /// Pass it back to `POST /api/v1/price-updates` to apply exactly this.
    pub fingerprint: String,
}

/// What kind of batch: `bulk` (a bulk update), `import` (a CSV import) or
/// `revert` (the inverse of an earlier batch).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Enum,
    serde::Serialize,
    serde::Deserialize,
    sqlx::Encode,
    sqlx::Decode,
)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum BatchKind {
    /// A bulk update.
    Bulk,
    /// A CSV import.
    Import,
    /// The revert of an earlier batch.
    Revert,
}

crate::db::text_type!(BatchKind);

/// An applied batch of price changes, without its items.
#[derive(Debug, Clone, Object)]
pub struct PriceBatchSummary {
    /// The batch id.
    pub id: BatchId,
    /// What kind of batch.
    pub kind: BatchKind,
    /// How many materials it changed.
    pub count: i64,
    /// When it was applied.
    pub created_at: DateTime<Utc>,
    /// The user who applied it.
    pub created_by: Nullable<UserId>,
    /// The batch this one reverts, for a revert.
    pub reverts: Nullable<BatchId>,
    /// The revert that undid this batch, if any.
    pub reverted_by: Nullable<BatchId>,
}

/// An applied batch of price changes with its items.
#[derive(Debug, Clone, Object)]
pub struct PriceBatch {
    /// The batch id.
    pub id: BatchId,
    /// What kind of batch.
    pub kind: BatchKind,
    /// How many materials it changed.
    pub count: i64,
    /// Every material it changed, by code.
    pub items: Vec<PriceUpdateItem>,
    /// When it was applied.
    pub created_at: DateTime<Utc>,
    /// The user who applied it.
    pub created_by: Nullable<UserId>,
    /// The batch this one reverts, for a revert.
    pub reverts: Nullable<BatchId>,
    /// The revert that undid this batch, if any.
    pub reverted_by: Nullable<BatchId>,
}

crate::page_of!(
    /// Applied batches, newest first.
    PriceBatchPage,
    PriceBatchSummary
);

/// Options of a revert.
#[derive(Debug, Clone, Default, Object, serde::Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct RevertRequest {
    /// Revert even if a later change touched the same materials (their later
    /// prices are then overwritten). Default `false`: such a revert is a 409.
    #[serde(default)]
    pub force: Option<bool>,
}

/// What kind of price change a history entry records.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Enum,
    serde::Serialize,
    serde::Deserialize,
    sqlx::Encode,
    sqlx::Decode,
)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum ChangeKind {
    /// A single edit through the API or the web app.
    Edit,
    /// Part of a bulk update.
    Bulk,
    /// Part of a CSV import.
    Import,
    /// Part of the revert of a batch.
    Revert,
    /// The copy of a default made when the shop was onboarded.
    Seed,
    /// The platform changed a default the shop inherits.
    Platform,
}

crate::db::text_type!(ChangeKind);

/// One recorded price change.
#[derive(Debug, Clone, Object)]
pub struct PriceHistoryEntry {
    /// The material code.
    pub code: String,
    /// The price before; `null` for a material's first price.
    pub old: Nullable<Money>,
    /// The price from then on; for a withdrawal, the default's price that applies
    /// again (or the row's own price when there is no default).
    pub new: Money,
    /// What kind of change.
    pub kind: ChangeKind,
    /// The batch it belongs to (bulk, import and revert changes).
    pub batch_id: Nullable<BatchId>,
    /// The user who made it; `null` for seeds and platform changes.
    pub user_id: Nullable<UserId>,
    /// When it was made.
    pub at: DateTime<Utc>,
    /// Whether the tenant's own row (`tenant`) or a default (`global`) changed.
    pub source: Source,
    /// `true` when the tenant's own price was withdrawn (the row deactivated): the
    /// default applies from then on.
    pub withdrawn: bool,
}

crate::page_of!(
    /// Recorded price changes, newest first.
    PriceHistoryPage,
    PriceHistoryEntry
);

/// One problem of an import file.
#[derive(Debug, Clone, Object)]
pub struct ImportProblem {
    /// The physical line of the file, the header being line 1.
    pub line: i64,
    /// The column's header name; empty for a problem of the whole line.
    pub column: String,
    /// The value as given.
    pub value: String,
    /// What is wrong, e.g. `a decimal comma: write 85.50, with a point`.
    pub reason: String,
}

impl From<super::csv_file::Problem> for ImportProblem {
    fn from(p: super::csv_file::Problem) -> Self {
        Self {
            line: i64::try_from(p.line).unwrap_or(i64::MAX),
            reason: p.reason(),
            column: p.column,
            value: p.value,
        }
    }
}

/// What an import did, or (a dry run) would do.
#[derive(Debug, Clone, Object)]
pub struct ImportReport {
    /// `true` when nothing was written because the request asked for a dry run.
    pub dry_run: bool,
    /// Codes of the materials created (new ones, and defaults made the tenant's
    /// own), in file order.
    pub created: Vec<String>,
    /// Codes of the tenant's rows changed, in file order.
    pub updated: Vec<String>,
    /// Codes whose row equals what applies already, in file order.
    pub unchanged: Vec<String>,
    /// Every problem of the file (empty on success; a 422 `invalid_csv` lists them
    /// in `details.problems`, with nothing written).
    pub problems: Vec<ImportProblem>,
    /// The batch recording the import's price changes (revert it like a bulk
    /// update); `null` for a dry run or an import that moved no price.
    pub batch_id: Nullable<BatchId>,
}
