//! A batch: many price changes made as one act (a bulk update, a CSV import, a
//! revert), recorded once: one `price_batches` row with its items in their stored
//! format, one history row per material, and one `price_update.applied` event for
//! the tenant's webhooks, all in the caller's transaction.

use chrono::{DateTime, Utc};

use super::model::{BatchKind, ChangeKind, PriceBatch, PriceBatchSummary, PriceUpdateItem};
use super::repo::{self, HistoryRows, NewBatch};
use super::stored;
use crate::catalog::Source;
use crate::db::TenantTx;
use crate::error::{ApiError, ApiResult};
use crate::http::Nullable;
use crate::ids::{BatchId, MaterialId, UserId};
use crate::money::Money;
use crate::webhooks::{self, Event, MaterialPrice};

/// One material's change in a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchItem {
    pub code: String,
    pub name: String,
    /// The effective price before; `None` for a material the batch created.
    pub old: Option<Money>,
    /// The effective price after.
    pub new: Money,
    /// Where the price came from before the change.
    pub source: Source,
    /// The batch created (or reactivated) the tenant's row: a revert withdraws it.
    pub created_row: bool,
    /// The change withdrew the tenant's own price (the default applies again).
    pub withdrawn: bool,
}

impl From<BatchItem> for PriceUpdateItem {
    fn from(i: BatchItem) -> Self {
        Self {
            code: i.code,
            name: i.name,
            old: Nullable(i.old),
            new: i.new,
            source: i.source,
            withdrawn: i.withdrawn,
        }
    }
}

/// A batch's changes, each with the tenant's row it wrote, in code order.
pub struct Changes {
    pub kind: BatchKind,
    pub items: Vec<(MaterialId, BatchItem)>,
    /// The batch this one reverts.
    pub reverts: Option<BatchId>,
}

impl From<BatchKind> for ChangeKind {
    fn from(kind: BatchKind) -> Self {
        match kind {
            BatchKind::Bulk => ChangeKind::Bulk,
            BatchKind::Import => ChangeKind::Import,
            BatchKind::Revert => ChangeKind::Revert,
        }
    }
}

/// Records a batch whose row writes the caller has made in `tx`: the batch with
/// its stored items, and the history. Answers the batch as the API shows it.
pub async fn record(tx: &mut TenantTx, by: UserId, changes: Changes) -> ApiResult<PriceBatch> {
    let count = i32::try_from(changes.items.len())
        .map_err(|_| ApiError::invalid_field("body", "too many materials in one batch"))?;
    let mut rows = HistoryRows::default();
    let mut items = Vec::with_capacity(changes.items.len());
    for (material_id, item) in changes.items {
        rows.material_ids.push(material_id);
        rows.codes.push(item.code.clone());
        rows.old.push(item.old.map(Money::amount));
        rows.new.push(item.new.amount());
        rows.withdrawn.push(item.withdrawn);
        items.push(item);
    }
    let id = BatchId::new_random();
    let payload = stored::encode(&items);
    let created_at = repo::insert_batch(
        tx,
        &NewBatch {
            id,
            kind: changes.kind,
            format: stored::FORMAT,
            payload: &payload,
            count,
            reverts: changes.reverts,
            by: Some(by),
        },
    )
    .await?;
    repo::insert_history(tx, id, changes.kind.into(), &rows, Some(by)).await?;
    webhooks::publish(tx, event(id, changes.kind, &items)).await?;
    Ok(shown(
        id,
        changes.kind,
        items,
        created_at,
        by,
        changes.reverts,
    ))
}

/// The batch's one `price_update.applied` event, listing its materials.
fn event(id: BatchId, kind: BatchKind, items: &[BatchItem]) -> Event {
    Event::PriceUpdateApplied {
        batch_id: id.0,
        kind: match kind {
            BatchKind::Bulk => webhooks::BatchKind::Bulk,
            BatchKind::Import => webhooks::BatchKind::Import,
            BatchKind::Revert => webhooks::BatchKind::Revert,
        },
        materials: items
            .iter()
            .map(|i| MaterialPrice {
                code: i.code.clone(),
                old: i.old,
                new: i.new,
            })
            .collect(),
    }
}

fn shown(
    id: BatchId,
    kind: BatchKind,
    items: Vec<BatchItem>,
    created_at: DateTime<Utc>,
    by: UserId,
    reverts: Option<BatchId>,
) -> PriceBatch {
    PriceBatch {
        id,
        kind,
        count: i64::try_from(items.len()).unwrap_or(i64::MAX),
        items: items.into_iter().map(Into::into).collect(),
        created_at,
        created_by: Nullable(Some(by)),
        reverts: Nullable(reverts),
        reverted_by: Nullable(None),
    }
}

/// 404 `batch_not_found`.
pub fn not_found(id: BatchId) -> ApiError {
    ApiError::not_found("batch_not_found", format!("no price batch {id}"))
        .with_details(serde_json::json!({ "id": id }))
}

/// A stored batch and its items, or 404.
pub async fn load(
    tx: &mut TenantTx,
    id: BatchId,
) -> ApiResult<(PriceBatchSummary, Vec<BatchItem>)> {
    let (summary, format, payload) = repo::batch(tx, id).await?.ok_or_else(|| not_found(id))?;
    let items = stored::decode(format, &payload)
        .map_err(|err| ApiError::internal("reading a stored price batch", err))?;
    Ok((summary, items))
}

/// The batch as the API shows it, with its items.
pub fn with_items(s: PriceBatchSummary, items: Vec<BatchItem>) -> PriceBatch {
    PriceBatch {
        id: s.id,
        kind: s.kind,
        count: s.count,
        items: items.into_iter().map(Into::into).collect(),
        created_at: s.created_at,
        created_by: s.created_by,
        reverts: s.reverts,
        reverted_by: s.reverted_by,
    }
}
