//! Saved quotes as the API takes and shows them: what creates and edits a quote, the
//! quote with its versions and history, and where it stands.

use chrono::{DateTime, NaiveDate, Utc};
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{Enum, Object};

use super::preview::{ItemRequest, MaterialItemRequest, PreviewRequest};
use super::view::QuotePreview;
use crate::ids::{ClientId, QuoteId, UserId};
use crate::money::{Money, Rate};

/// Where a quote stands.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Enum, serde::Serialize, serde::Deserialize, sqlx::Type,
)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum QuoteStatus {
    /// Being edited; its figures follow the catalogue each time it is saved.
    Draft,
    /// Sent to the client; the version is frozen.
    Sent,
    Accepted,
    Rejected,
    /// Sent, and past its validity date without an answer.
    Expired,
}

impl QuoteStatus {
    /// The status as written in the database and in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            QuoteStatus::Draft => "draft",
            QuoteStatus::Sent => "sent",
            QuoteStatus::Accepted => "accepted",
            QuoteStatus::Rejected => "rejected",
            QuoteStatus::Expired => "expired",
        }
    }
}

/// A new quote: its client, an optional title and notes, and what to price (the
/// body of `POST /api/v1/quotes/preview`). Rates left out follow the tenant's
/// settings; rates given are kept on the quote through edits and revisions.
#[derive(Debug, Clone, Object, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuoteCreate {
    pub client_id: ClientId,
    /// A short title, e.g. `Casa Pérez, planta alta`.
    pub title: Option<String>,
    /// Notes printed on the quote.
    pub notes: Option<String>,
    #[oai(default)]
    #[serde(default)]
    pub items: Vec<ItemRequest>,
    #[oai(default)]
    #[serde(default)]
    pub material_items: Vec<MaterialItemRequest>,
    pub profit_rate: Option<Rate>,
    pub indirect_rate: Option<Rate>,
    pub tax_rate: Option<Rate>,
    /// A tax code whose rate in force on the day of pricing applies (not with `tax_rate`).
    pub tax_code: Option<String>,
    pub labour_rate_override_per_m2: Option<Money>,
    /// Defaults to the client's standing discount.
    pub discount_rate: Option<Rate>,
}

/// Changes to a draft. Absent fields stay as they are; `items` and `material_items`
/// replace the lists when given; a rate set to `null` goes back to the tenant's
/// default; an empty `title` or `notes` clears it. Saving re-prices the draft.
#[derive(Debug, Clone, Object, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuotePatch {
    pub client_id: Option<ClientId>,
    pub title: Option<String>,
    pub notes: Option<String>,
    pub items: Option<Vec<ItemRequest>>,
    pub material_items: Option<Vec<MaterialItemRequest>>,
    #[serde(default)]
    pub profit_rate: MaybeUndefined<Rate>,
    #[serde(default)]
    pub indirect_rate: MaybeUndefined<Rate>,
    #[serde(default)]
    pub tax_rate: MaybeUndefined<Rate>,
    #[serde(default)]
    pub tax_code: MaybeUndefined<String>,
    #[serde(default)]
    pub labour_rate_override_per_m2: MaybeUndefined<Money>,
    #[serde(default)]
    pub discount_rate: MaybeUndefined<Rate>,
}

/// The client a quote is addressed to.
#[derive(Debug, Clone, Object)]
pub struct ClientRef {
    pub id: ClientId,
    pub name: String,
}

/// A quote in a list.
#[derive(Debug, Clone, Object)]
pub struct QuoteSummary {
    pub id: QuoteId,
    /// Sequential per tenant.
    pub number: i64,
    /// The number as printed, e.g. `COT-000042`.
    pub reference: String,
    pub client: ClientRef,
    #[oai(skip_serializing_if_is_none)]
    pub title: Option<String>,
    pub status: QuoteStatus,
    /// The current version: the draft being edited, or the last one sent.
    pub version: i32,
    /// The current version's total.
    pub total: Money,
    pub currency: String,
    /// Last valid day of the sent version.
    #[oai(skip_serializing_if_is_none)]
    pub valid_until: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One version of a quote, without its documents.
#[derive(Debug, Clone, Object)]
pub struct VersionInfo {
    pub version: i32,
    pub total: Money,
    pub priced_at: DateTime<Utc>,
    /// When it was sent; a sent version never changes.
    #[oai(skip_serializing_if_is_none)]
    pub sent_at: Option<DateTime<Utc>>,
    #[oai(skip_serializing_if_is_none)]
    pub valid_until: Option<NaiveDate>,
}

/// What happened to a quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, sqlx::Type)]
#[oai(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum QuoteAction {
    Created,
    Edited,
    Sent,
    Accepted,
    Rejected,
    Revised,
}

impl QuoteAction {
    /// The past participle for messages: "it cannot be sent".
    pub fn as_str(self) -> &'static str {
        match self {
            QuoteAction::Created => "created",
            QuoteAction::Edited => "edited",
            QuoteAction::Sent => "sent",
            QuoteAction::Accepted => "accepted",
            QuoteAction::Rejected => "rejected",
            QuoteAction::Revised => "revised",
        }
    }
}

/// One entry of a quote's history.
#[derive(Debug, Clone, Object)]
pub struct QuoteEvent {
    pub version: i32,
    pub action: QuoteAction,
    pub user_id: UserId,
    pub at: DateTime<Utc>,
}

/// A quote with its current version in full.
#[derive(Debug, Clone, Object)]
pub struct Quote {
    #[oai(flatten)]
    pub summary: QuoteSummary,
    #[oai(skip_serializing_if_is_none)]
    pub notes: Option<String>,
    pub created_by: UserId,
    /// What the current version asks for: items, loose materials, rate overrides.
    pub request: PreviewRequest,
    /// The current version priced: a draft as of its last save, a sent version as sent.
    pub result: QuotePreview,
    pub priced_at: DateTime<Utc>,
    #[oai(skip_serializing_if_is_none)]
    pub sent_at: Option<DateTime<Utc>>,
    pub versions: Vec<VersionInfo>,
    pub history: Vec<QuoteEvent>,
}

/// One version of a quote in full.
#[derive(Debug, Clone, Object)]
pub struct QuoteVersion {
    pub quote_id: QuoteId,
    pub reference: String,
    pub version: i32,
    /// True once sent: the figures are those the client received.
    pub frozen: bool,
    pub request: PreviewRequest,
    pub result: QuotePreview,
    pub priced_at: DateTime<Utc>,
    #[oai(skip_serializing_if_is_none)]
    pub sent_at: Option<DateTime<Utc>>,
    #[oai(skip_serializing_if_is_none)]
    pub valid_until: Option<NaiveDate>,
}

crate::page_of!(
    /// A page of quotes, most recently changed first.
    QuoteList,
    QuoteSummary
);
