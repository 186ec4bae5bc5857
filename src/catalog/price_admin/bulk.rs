//! Bulk price updates: the request checked field by field, the preview (what would
//! change, changing nothing) and the apply (exactly what the preview showed, or
//! nothing and a 409).

use poem::http::StatusCode;

use super::adjust::{self, Adjustment, Fingerprinted, Mode, Rounding};
use super::batch::{self, BatchItem, Changes};
use super::model::{
    BatchKind, PriceAdjustment, PriceBatch, PriceFilter, PriceRounding, PriceRoundingMode,
    PriceUpdatePreview,
};
use super::repo::{self, Candidate, Scope};
use crate::catalog::{Category, MaterialCode, Source};
use crate::db::TenantTx;
use crate::error::{ApiError, ApiResult};
use crate::ids::{MaterialId, UserId};
use crate::money::Money;

/// The most codes one filter may list.
const MAX_CODES: usize = 1000;

/// A checked bulk update request.
pub struct Request {
    category: Option<Category>,
    codes: Option<Vec<String>>,
    prefix: Option<String>,
    include_inherited: bool,
    adjustment: Adjustment,
    rounding: Option<Rounding>,
}

impl Request {
    /// Checks the filter, the change and the rounding; errors name the field.
    pub fn parse(
        filter: &PriceFilter,
        change: &PriceAdjustment,
        rounding: Option<&PriceRounding>,
    ) -> ApiResult<Self> {
        let codes = filter.codes.as_deref().map(parse_codes).transpose()?;
        let prefix = match filter.code_prefix.as_deref() {
            Some("") => {
                return Err(ApiError::invalid_field(
                    "filter.code_prefix",
                    "must not be empty",
                ))
            }
            Some(p) if p.len() > 64 || p.chars().any(|c| c.is_control()) => {
                return Err(ApiError::invalid_field(
                    "filter.code_prefix",
                    "must be up to 64 characters with no control characters",
                ))
            }
            other => other.map(str::to_owned),
        };
        let rounding = rounding
            .map(|r| {
                let mode = match r.mode {
                    PriceRoundingMode::Up => Mode::Up,
                    PriceRoundingMode::Nearest => Mode::Nearest,
                    PriceRoundingMode::Down => Mode::Down,
                };
                Rounding::new(r.step, mode).map_err(|m| ApiError::invalid_field("rounding.step", m))
            })
            .transpose()?;
        Ok(Self {
            category: filter.category,
            codes,
            prefix,
            include_inherited: filter.include_inherited.unwrap_or(false),
            adjustment: parse_change(change)?,
            rounding,
        })
    }

    fn scope(&self) -> Scope<'_> {
        Scope {
            category: self.category,
            codes: self.codes.as_deref(),
            prefix: self.prefix.as_deref(),
            include_inherited: self.include_inherited,
        }
    }
}

fn parse_codes(codes: &[String]) -> ApiResult<Vec<String>> {
    if codes.is_empty() || codes.len() > MAX_CODES {
        return Err(ApiError::invalid_field(
            "filter.codes",
            format!("list 1 to {MAX_CODES} codes, or leave it out"),
        ));
    }
    let mut parsed = codes
        .iter()
        .map(|c| MaterialCode::parse_field("filter.codes", c).map(|c| c.as_str().to_owned()))
        .collect::<ApiResult<Vec<_>>>()?;
    parsed.sort();
    parsed.dedup();
    Ok(parsed)
}

fn parse_change(change: &PriceAdjustment) -> ApiResult<Adjustment> {
    let given = [
        change.percent.is_some(),
        change.amount.is_some(),
        change.set.is_some(),
    ];
    if given.iter().filter(|g| **g).count() != 1 {
        return Err(ApiError::invalid_field(
            "change",
            "give exactly one of percent, amount or set",
        ));
    }
    match (&change.percent, &change.amount, change.set) {
        (Some(p), _, _) => {
            Adjustment::percent(p).map_err(|m| ApiError::invalid_field("change.percent", m))
        }
        (_, Some(a), _) => {
            Adjustment::amount(a).map_err(|m| ApiError::invalid_field("change.amount", m))
        }
        (_, _, Some(set)) => Ok(Adjustment::Set(set)),
        _ => Err(ApiError::invalid_field(
            "change",
            "give percent, amount or set",
        )),
    }
}

/// One material the update changes.
struct Planned {
    candidate: Candidate,
    old: Money,
    new: Money,
}

/// What the request changes now, by code: every matched material whose price
/// moves. A filter that matches nothing, or nothing that would move, is a 422.
async fn plan(tx: &mut TenantTx, request: &Request) -> ApiResult<Vec<Planned>> {
    if let Some(codes) = &request.codes {
        let unknown = repo::unknown_codes(tx, codes).await?;
        if !unknown.is_empty() {
            return Err(ApiError::invalid_field(
                "filter.codes",
                format!("no material with code {}", unknown.join(", ")),
            )
            .with_details(serde_json::json!({ "field": "filter.codes", "unknown": unknown })));
        }
    }
    let candidates = repo::candidates(tx, &request.scope()).await?;
    if candidates.is_empty() {
        return Err(nothing(
            "no_materials_matched",
            "the filter matches no material",
        ));
    }
    let mut planned = Vec::with_capacity(candidates.len());
    for candidate in candidates {
        let old = Money::try_from_decimal(candidate.price)
            .map_err(|m| ApiError::internal("a stored price", anyhow::anyhow!(m)))?;
        let new = adjust::new_price(old, request.adjustment, request.rounding).map_err(|m| {
            ApiError::invalid_field("change", format!("{}: {m}", candidate.code))
                .with_details(serde_json::json!({ "field": "change", "code": candidate.code }))
        })?;
        if new != old {
            planned.push(Planned {
                candidate,
                old,
                new,
            });
        }
    }
    if planned.is_empty() {
        return Err(nothing(
            "no_price_changes",
            "the change leaves every matched price as it is",
        ));
    }
    Ok(planned)
}

fn nothing(code: &'static str, message: &str) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
}

fn fingerprint(planned: &[Planned]) -> String {
    adjust::fingerprint(planned.iter().map(|p| Fingerprinted {
        code: &p.candidate.code,
        source: p.candidate.source,
        old: Some(p.old),
        new: p.new,
    }))
}

fn item(p: &Planned) -> BatchItem {
    BatchItem {
        code: p.candidate.code.clone(),
        name: p.candidate.name.clone(),
        old: Some(p.old),
        new: p.new,
        source: p.candidate.source,
        created_row: p.candidate.source == Source::Global,
        withdrawn: false,
    }
}

/// What the update would change, changing nothing.
pub async fn preview(tx: &mut TenantTx, request: &Request) -> ApiResult<PriceUpdatePreview> {
    let planned = plan(tx, request).await?;
    Ok(PriceUpdatePreview {
        count: i64::try_from(planned.len()).unwrap_or(i64::MAX),
        fingerprint: fingerprint(&planned),
        items: planned.iter().map(|p| item(p).into()).collect(),
    })
}

fn outdated() -> ApiError {
    ApiError::conflict(
        "preview_outdated",
        "prices changed since the preview; preview again and apply the new fingerprint",
    )
}

/// Applies the update if it still changes exactly what the preview with
/// `fingerprint` showed; 409 `preview_outdated` otherwise, with nothing written.
pub async fn apply(
    tx: &mut TenantTx,
    by: UserId,
    request: &Request,
    expected: &str,
) -> ApiResult<PriceBatch> {
    // Lock first, then read: a concurrent batch either finished (and the prices
    // read here are its results) or waits for this one.
    repo::allow_long_statements(tx).await?;
    repo::lock_scope(tx, &request.scope()).await?;
    let planned = plan(tx, request).await?;
    if fingerprint(&planned) != expected {
        return Err(outdated());
    }
    let mut own = (Vec::new(), Vec::new());
    let mut copies = (Vec::new(), Vec::new(), Vec::new());
    let mut items = Vec::with_capacity(planned.len());
    for p in &planned {
        let id = match p.candidate.own_id {
            Some(id) => {
                own.0.push(id);
                own.1.push(p.new);
                id
            }
            None => {
                let id = MaterialId::new_random();
                copies.0.push(id);
                copies.1.push(p.candidate.code.clone());
                copies.2.push(p.new);
                id
            }
        };
        items.push((id, item(p)));
    }
    let updated = repo::set_own_prices(tx, &own.0, &own.1, Some(by)).await?;
    let copied = repo::copy_defaults(tx, &copies.0, &copies.1, &copies.2, Some(by)).await?;
    if updated != own.0.len() as u64 || copied != copies.0.len() as u64 {
        // Another change made the tenant's row of an inherited code meanwhile.
        return Err(outdated());
    }
    let changes = Changes {
        kind: BatchKind::Bulk,
        items,
        reverts: None,
    };
    batch::record(tx, by, changes).await
}
