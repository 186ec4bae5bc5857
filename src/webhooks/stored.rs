//! Events as stored in `webhook_events.data`, in their own types with a format
//! number. A pending delivery may be read by a later version of the code than the
//! one that wrote it (deliveries are retried for a day, across deploys), so these
//! types never change: a new shape is a new format, and every format ever written
//! stays readable here. They are neither the API's types nor the body receivers get
//! (see `event::delivery_body`), so either can change without touching stored data.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::event::{BatchKind, Event, MaterialPrice};
use crate::catalog::model::Source;
use crate::ids::UserId;
use crate::money::Money;

/// The format new events are written in.
pub const FORMAT: i16 = 1;

/// `price.changed`, format 1.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PriceChangedV1 {
    code: String,
    /// Decimal strings, e.g. `"85.00"`.
    old: Option<String>,
    new: String,
    source: SourceV1,
    user_id: Option<Uuid>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum SourceV1 {
    Tenant,
    Global,
}

/// `price_update.applied`, format 1.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PriceUpdateAppliedV1 {
    batch_id: Uuid,
    kind: BatchKindV1,
    materials: Vec<MaterialPriceV1>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum BatchKindV1 {
    Bulk,
    Import,
    Revert,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct MaterialPriceV1 {
    code: String,
    old: Option<String>,
    new: String,
}

/// Why stored data could not be read back.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("unknown event type {0:?} in format {1}")]
    Unknown(String, i16),
    #[error("stored {0} event: {1}")]
    Shape(&'static str, String),
}

/// The event in the current format: `(format, data)`.
pub fn encode(event: &Event) -> (i16, Value) {
    let text = |m: &Money| m.to_string();
    let value = match event {
        Event::PriceChanged {
            code,
            old,
            new,
            source,
            user_id,
        } => serde_json::to_value(PriceChangedV1 {
            code: code.clone(),
            old: old.as_ref().map(text),
            new: text(new),
            source: match source {
                Source::Tenant => SourceV1::Tenant,
                Source::Global => SourceV1::Global,
            },
            user_id: user_id.map(|u| u.0),
        }),
        Event::PriceUpdateApplied {
            batch_id,
            kind,
            materials,
        } => serde_json::to_value(PriceUpdateAppliedV1 {
            batch_id: *batch_id,
            kind: match kind {
                BatchKind::Bulk => BatchKindV1::Bulk,
                BatchKind::Import => BatchKindV1::Import,
                BatchKind::Revert => BatchKindV1::Revert,
            },
            materials: materials
                .iter()
                .map(|m| MaterialPriceV1 {
                    code: m.code.clone(),
                    old: m.old.as_ref().map(text),
                    new: text(&m.new),
                })
                .collect(),
        }),
    };
    // Plain structs of strings and uuids always serialize.
    (FORMAT, value.unwrap_or(Value::Null))
}

/// Reads a stored event of any format ever written.
pub fn decode(event_type: &str, format: i16, data: Value) -> Result<Event, DecodeError> {
    match (event_type, format) {
        ("price.changed", 1) => {
            let v: PriceChangedV1 = from_value("price.changed", data)?;
            Ok(Event::PriceChanged {
                old: v
                    .old
                    .as_deref()
                    .map(|m| money("price.changed", m))
                    .transpose()?,
                new: money("price.changed", &v.new)?,
                code: v.code,
                source: match v.source {
                    SourceV1::Tenant => Source::Tenant,
                    SourceV1::Global => Source::Global,
                },
                user_id: v.user_id.map(UserId),
            })
        }
        ("price_update.applied", 1) => {
            let what = "price_update.applied";
            let v: PriceUpdateAppliedV1 = from_value(what, data)?;
            let materials = v
                .materials
                .into_iter()
                .map(|m| {
                    Ok(MaterialPrice {
                        old: m.old.as_deref().map(|o| money(what, o)).transpose()?,
                        new: money(what, &m.new)?,
                        code: m.code,
                    })
                })
                .collect::<Result<_, DecodeError>>()?;
            Ok(Event::PriceUpdateApplied {
                batch_id: v.batch_id,
                kind: match v.kind {
                    BatchKindV1::Bulk => BatchKind::Bulk,
                    BatchKindV1::Import => BatchKind::Import,
                    BatchKindV1::Revert => BatchKind::Revert,
                },
                materials,
            })
        }
        (other, format) => Err(DecodeError::Unknown(other.to_owned(), format)),
    }
}

fn from_value<T: serde::de::DeserializeOwned>(
    what: &'static str,
    data: Value,
) -> Result<T, DecodeError> {
    serde_json::from_value(data).map_err(|e| DecodeError::Shape(what, e.to_string()))
}

fn money(what: &'static str, text: &str) -> Result<Money, DecodeError> {
    Money::parse(text).map_err(|e| DecodeError::Shape(what, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn money(text: &str) -> Money {
        Money::parse(text).expect("money")
    }

    #[test]
    fn every_event_reads_back_as_written() {
        let events = [
            Event::PriceChanged {
                code: "VID-CLARO-4".to_owned(),
                old: Some(money("85")),
                new: money("92.50"),
                source: Source::Global,
                user_id: Some(UserId::new_random()),
            },
            Event::PriceUpdateApplied {
                batch_id: Uuid::new_v4(),
                kind: BatchKind::Revert,
                materials: vec![MaterialPrice {
                    code: "PER-1".to_owned(),
                    old: None,
                    new: money("10"),
                }],
            },
        ];
        for event in events {
            let (format, data) = encode(&event);
            let read = decode(event.event_type().as_str(), format, data).expect("decodes");
            assert_eq!(read, event);
        }
    }

    /// Format 1 as it is stored: this text must keep decoding for as long as any
    /// such row can exist, whatever the code's types become.
    #[test]
    fn format_1_as_stored_keeps_decoding() {
        let stored = serde_json::json!({
            "code": "VID-CLARO-4", "old": null, "new": "92.50", "source": "tenant",
            "user_id": "0b7c2a8e-6f5e-4d8a-9a57-3c1f2f9d1e20"
        });
        let event = decode("price.changed", 1, stored).expect("format 1 decodes");
        assert!(matches!(event, Event::PriceChanged { old: None, .. }));
        let batch = serde_json::json!({
            "batch_id": "0b7c2a8e-6f5e-4d8a-9a57-3c1f2f9d1e20", "kind": "bulk",
            "materials": [{ "code": "A", "old": "1.00", "new": "1.05" }]
        });
        let event = decode("price_update.applied", 1, batch).expect("format 1 decodes");
        assert!(
            matches!(event, Event::PriceUpdateApplied { kind: BatchKind::Bulk, ref materials, .. } if materials.len() == 1)
        );
        assert!(decode("price.changed", 2, serde_json::json!({})).is_err());
        assert!(decode("quote.sent", 1, serde_json::json!({})).is_err());
    }
}
