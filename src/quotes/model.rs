//! Saved quotes as the API takes and shows them: what creates and edits a quote, the
//! quote with its versions and history, and where it stands.

use chrono::{DateTime, NaiveDate, Utc};
use poem_openapi::types::{Example, MaybeUndefined};
use poem_openapi::{Enum, Object};

use super::preview::{ItemRequest, MaterialItemRequest, PreviewRequest};
use super::view::QuotePreview;
use crate::ids::{ClientId, QuoteId, UserId};
use crate::money::{Money, Rate};

/// Where a quote stands: `draft` (being edited), `sent` (frozen, awaiting the
/// client), `accepted`, `rejected`, or `expired` (sent, and past its validity
/// without an answer).
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

crate::db::text_type!(QuoteStatus);

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
#[oai(example, skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct QuoteCreate {
    /// The client the quote is for (an active client of the tenant).
    pub client_id: ClientId,
    /// A short title, at most 200 characters, e.g. `Casa Pérez, planta alta`.
    pub title: Option<String>,
    /// Notes printed on the quote, at most 2000 characters.
    pub notes: Option<String>,
    /// Windows and other products to price, at most 200; with `material_items`,
    /// at least one entry in all.
    #[oai(default)]
    #[serde(default)]
    pub items: Vec<ItemRequest>,
    /// Loose materials at their price, without waste, at most 200.
    #[oai(default)]
    #[serde(default)]
    pub material_items: Vec<MaterialItemRequest>,
    /// Profit on cost, e.g. `"0.25"`; defaults to the tenant's setting.
    pub profit_rate: Option<Rate>,
    /// Indirect costs on cost, e.g. `"0.15"`; defaults to the tenant's setting.
    pub indirect_rate: Option<Rate>,
    /// Tax on the amount before tax, e.g. `"0.16"`; not with `tax_code`. Defaults
    /// to the tenant's tax code or rate.
    pub tax_rate: Option<Rate>,
    /// A tax code whose rate in force on the day of pricing applies (not with `tax_rate`).
    pub tax_code: Option<String>,
    /// Labour per m² for every item, replacing rate × complexity, e.g. `"350.00"`.
    pub labour_rate_override_per_m2: Option<Money>,
    /// Discount on cost + profit + indirect, e.g. `"0.05"`; defaults to the
    /// client's standing discount.
    pub discount_rate: Option<Rate>,
}

impl Example for QuoteCreate {
    fn example() -> Self {
        let preview = PreviewRequest::example();
        Self {
            client_id: ClientId(uuid::Uuid::from_u128(
                0x0b7c_2a8e_6f5e_4d8a_9a57_3c1f_2f9d_1e20,
            )),
            title: Some("Casa Pérez, planta alta".to_owned()),
            notes: Some("Incluye instalación y retiro de la ventana anterior.".to_owned()),
            items: preview.items,
            material_items: preview.material_items,
            profit_rate: preview.profit_rate,
            indirect_rate: preview.indirect_rate,
            tax_rate: None,
            tax_code: preview.tax_code,
            labour_rate_override_per_m2: None,
            discount_rate: preview.discount_rate,
        }
    }
}

/// Changes to a draft. Absent fields stay as they are; `items` and `material_items`
/// replace the lists when given; a rate set to `null` goes back to the tenant's
/// default; an empty `title` or `notes` clears it. Saving re-prices the draft.
#[derive(Debug, Clone, Object, serde::Deserialize)]
#[oai(example)]
#[serde(deny_unknown_fields)]
pub struct QuotePatch {
    /// Another active client of the tenant.
    #[oai(skip_serializing_if_is_none)]
    pub client_id: Option<ClientId>,
    /// A new title, at most 200 characters; `""` clears it.
    #[oai(skip_serializing_if_is_none)]
    pub title: Option<String>,
    /// New printed notes, at most 2000 characters; `""` clears them.
    #[oai(skip_serializing_if_is_none)]
    pub notes: Option<String>,
    /// Replaces every item.
    #[oai(skip_serializing_if_is_none)]
    pub items: Option<Vec<ItemRequest>>,
    /// Replaces every loose material.
    #[oai(skip_serializing_if_is_none)]
    pub material_items: Option<Vec<MaterialItemRequest>>,
    /// Profit on cost; `null` goes back to the tenant's default.
    #[oai(nullable)]
    #[serde(default)]
    pub profit_rate: MaybeUndefined<Rate>,
    /// Indirect costs on cost; `null` goes back to the tenant's default.
    #[oai(nullable)]
    #[serde(default)]
    pub indirect_rate: MaybeUndefined<Rate>,
    /// Tax rate (not with `tax_code`); `null` goes back to the tenant's default.
    #[oai(nullable)]
    #[serde(default)]
    pub tax_rate: MaybeUndefined<Rate>,
    /// Tax code (not with `tax_rate`); `null` goes back to the tenant's default.
    #[oai(nullable)]
    #[serde(default)]
    pub tax_code: MaybeUndefined<String>,
    /// Labour per m² for every item; `null` goes back to rate × complexity.
    #[oai(nullable)]
    #[serde(default)]
    pub labour_rate_override_per_m2: MaybeUndefined<Money>,
    /// Discount on cost + profit + indirect; `null` removes it.
    #[oai(nullable)]
    #[serde(default)]
    pub discount_rate: MaybeUndefined<Rate>,
}

impl Example for QuotePatch {
    fn example() -> Self {
        Self {
            client_id: None,
            title: Some("Casa Pérez, planta alta y baja".to_owned()),
            notes: None,
            items: Some(PreviewRequest::example().items),
            material_items: None,
            profit_rate: MaybeUndefined::Undefined,
            indirect_rate: MaybeUndefined::Undefined,
            tax_rate: MaybeUndefined::Undefined,
            tax_code: MaybeUndefined::Undefined,
            labour_rate_override_per_m2: MaybeUndefined::Null,
            discount_rate: MaybeUndefined::Value(Rate::parse("0.10").unwrap_or(Rate::ZERO)),
        }
    }
}

/// The client a quote is addressed to.
#[derive(Debug, Clone, Object)]
pub struct ClientRef {
    /// The client's id.
    pub id: ClientId,
    /// The client's current name.
    pub name: String,
}

/// A quote in a list.
#[derive(Debug, Clone, Object)]
pub struct QuoteSummary {
    /// The quote's id.
    pub id: QuoteId,
    /// Sequential per tenant.
    pub number: i64,
    /// The number as printed, e.g. `COT-000042`.
    pub reference: String,
    /// Who the quote is for.
    pub client: ClientRef,
    /// The title; absent when there is none.
    #[oai(skip_serializing_if_is_none)]
    pub title: Option<String>,
    /// Where the quote stands.
    pub status: QuoteStatus,
    /// The current version: the draft being edited, or the last one sent.
    pub version: i32,
    /// The current version's total.
    pub total: Money,
    /// ISO 4217 code of every amount, e.g. `MXN`.
    pub currency: String,
    /// Last valid day of the sent version (the shop's local day); absent for drafts.
    #[oai(skip_serializing_if_is_none)]
    pub valid_until: Option<NaiveDate>,
    /// When the quote was created.
    pub created_at: DateTime<Utc>,
    /// When the quote last changed (an edit, a status change, a new version).
    pub updated_at: DateTime<Utc>,
}

/// One version of a quote, without its documents.
#[derive(Debug, Clone, Object)]
pub struct VersionInfo {
    /// The version number, from 1.
    pub version: i32,
    /// The version's total, tax included.
    pub total: Money,
    /// When its figures were computed.
    pub priced_at: DateTime<Utc>,
    /// When it was sent; a sent version never changes. Absent for a draft.
    #[oai(skip_serializing_if_is_none)]
    pub sent_at: Option<DateTime<Utc>>,
    /// Last valid day once sent; absent for a draft.
    #[oai(skip_serializing_if_is_none)]
    pub valid_until: Option<NaiveDate>,
}

/// What happened to a quote: `created`, `edited`, `sent`, `accepted`, `rejected`
/// or `revised` (a new draft version opened).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, sqlx::Encode, sqlx::Decode)]
#[oai(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum QuoteAction {
    Created,
    Edited,
    Sent,
    Accepted,
    Rejected,
    Revised,
}

crate::db::text_type!(QuoteAction);

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
    /// The version it happened to.
    pub version: i32,
    /// What happened.
    pub action: QuoteAction,
    /// The user who did it.
    pub user_id: UserId,
    /// When.
    pub at: DateTime<Utc>,
}

/// A quote with its current version in full.
#[derive(Debug, Clone, Object)]
pub struct Quote {
    #[oai(flatten)]
    pub summary: QuoteSummary,
    /// The notes printed on the quote; absent when there are none.
    #[oai(skip_serializing_if_is_none)]
    pub notes: Option<String>,
    /// The user who created the quote.
    pub created_by: UserId,
    /// What the current version asks for: items, loose materials, rate overrides.
    pub request: PreviewRequest,
    /// The current version priced: a draft as of its last save, a sent version as sent.
    pub result: QuotePreview,
    /// When the current version's figures were computed.
    pub priced_at: DateTime<Utc>,
    /// When the current version was sent; absent for a draft.
    #[oai(skip_serializing_if_is_none)]
    pub sent_at: Option<DateTime<Utc>>,
    /// Every version, oldest first, with its total.
    pub versions: Vec<VersionInfo>,
    /// What happened to the quote, oldest first.
    pub history: Vec<QuoteEvent>,
}

/// One version of a quote in full.
#[derive(Debug, Clone, Object)]
pub struct QuoteVersion {
    /// The quote's id.
    pub quote_id: QuoteId,
    /// The quote's number as printed, e.g. `COT-000042`.
    pub reference: String,
    /// The version number, from 1.
    pub version: i32,
    /// True once sent: the figures are those the client received.
    pub frozen: bool,
    /// What the version asks for: items, loose materials, rate overrides.
    pub request: PreviewRequest,
    /// The version priced.
    pub result: QuotePreview,
    /// When its figures were computed.
    pub priced_at: DateTime<Utc>,
    /// When it was sent; absent for a draft.
    #[oai(skip_serializing_if_is_none)]
    pub sent_at: Option<DateTime<Utc>>,
    /// Last valid day once sent (the shop's local day); absent for a draft.
    #[oai(skip_serializing_if_is_none)]
    pub valid_until: Option<NaiveDate>,
}

crate::page_of!(
    /// A page of quotes, most recently changed first.
    QuoteList,
    QuoteSummary
);
