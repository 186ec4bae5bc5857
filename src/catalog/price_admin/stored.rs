//! How a batch's items are kept in `price_batches.payload`: a format of their own,
//! numbered in `price_batches.format`, so a batch applied years ago can still be
//! shown and reverted whatever the API has become. A new format gets a new number
//! and a new arm in [`decode`]; old ones stay readable.

use serde::{Deserialize, Serialize};

use super::batch::BatchItem;
use crate::catalog::Source;
use crate::money::Money;

/// The format new batches are written in.
pub const FORMAT: i16 = 1;

/// Format 1: the batch's items.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchV1 {
    items: Vec<ItemV1>,
}

/// Format 1: one material's change. Money as decimal strings with two decimals.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ItemV1 {
    code: String,
    name: String,
    old: Option<String>,
    new: String,
    /// `tenant` or `global`: where the price came from before the change.
    source: SourceV1,
    /// The batch created (or reactivated) the tenant's row: a revert withdraws it.
    created_row: bool,
    /// The change withdrew the tenant's own price: a revert restores it.
    withdrawn: bool,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum SourceV1 {
    Tenant,
    Global,
}

/// Why a stored batch could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("unknown batch format {0}")]
    UnknownFormat(i16),
    #[error("batch format {format}: {source}")]
    Malformed {
        format: i16,
        source: serde_json::Error,
    },
    #[error("batch item {code}: bad amount {value:?}")]
    BadAmount { code: String, value: String },
}

/// The payload of a batch of `items`, in the current format, as JSON text
/// (written straight from the items: a batch may hold tens of thousands).
pub fn encode(items: &[BatchItem]) -> String {
    let batch = BatchV1 {
        items: items
            .iter()
            .map(|i| ItemV1 {
                code: i.code.clone(),
                name: i.name.clone(),
                old: i.old.map(|m| m.to_string()),
                new: i.new.to_string(),
                source: match i.source {
                    Source::Tenant => SourceV1::Tenant,
                    Source::Global => SourceV1::Global,
                },
                created_row: i.created_row,
                withdrawn: i.withdrawn,
            })
            .collect(),
    };
    // Plain structs of strings and booleans: serializing cannot fail.
    serde_json::to_string(&batch).unwrap_or_default()
}

/// The items of a stored batch, whatever format it was written in.
pub fn decode(format: i16, payload: &str) -> Result<Vec<BatchItem>, DecodeError> {
    match format {
        1 => {
            let batch: BatchV1 = serde_json::from_str(payload)
                .map_err(|source| DecodeError::Malformed { format, source })?;
            batch.items.into_iter().map(item_from_v1).collect()
        }
        other => Err(DecodeError::UnknownFormat(other)),
    }
}

fn item_from_v1(i: ItemV1) -> Result<BatchItem, DecodeError> {
    let money = |value: &str| {
        Money::parse(value).map_err(|_| DecodeError::BadAmount {
            code: i.code.clone(),
            value: value.to_owned(),
        })
    };
    Ok(BatchItem {
        old: i.old.as_deref().map(money).transpose()?,
        new: money(&i.new)?,
        source: match i.source {
            SourceV1::Tenant => Source::Tenant,
            SourceV1::Global => Source::Global,
        },
        created_row: i.created_row,
        withdrawn: i.withdrawn,
        code: i.code,
        name: i.name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A batch as format 1 writes it today. It must keep reading the same.
    const FROZEN_V1: &str = r#"{"items":[
        {"code":"VID-CLARO-4","name":"Vidrio claro 4 mm","old":"85.00","new":"91.50",
         "source":"tenant","created_row":false,"withdrawn":false},
        {"code":"PERF-SERIE35","name":"Perfil serie 35","old":"120.00","new":"129.00",
         "source":"global","created_row":true,"withdrawn":false}]}"#;

    #[test]
    fn format_1_reads_the_same_forever() {
        let items = decode(1, FROZEN_V1).expect("format 1 decodes");
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].code, "VID-CLARO-4");
        assert_eq!(
            items[0].old.map(|m| m.to_string()).as_deref(),
            Some("85.00")
        );
        assert_eq!(items[0].new.to_string(), "91.50");
        assert_eq!(
            (items[1].source, items[1].created_row),
            (Source::Global, true)
        );
    }

    #[test]
    fn encoding_round_trips_and_unknown_formats_are_refused() {
        let items = decode(1, FROZEN_V1).expect("decodes");
        let again = decode(FORMAT, &encode(&items)).expect("round trip");
        assert_eq!(again, items);
        assert!(matches!(
            decode(2, "{}"),
            Err(DecodeError::UnknownFormat(2))
        ));
    }
}
