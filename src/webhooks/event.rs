//! The events changes publish ([`Event`]), and the body a receiver is sent for one.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};
use uuid::Uuid;

use super::model::EventType;
use crate::catalog::model::Source;
use crate::ids::{UserId, WebhookEventId};
use crate::money::Money;

/// What a change tells the tenant's webhooks. Publish one with
/// [`crate::webhooks::publish`], inside the change's own transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// `price.changed`: one material's effective price changed by a single edit,
    /// or by a platform change to a default the tenant inherits.
    PriceChanged {
        /// The material code, e.g. `VID-CLARO-6`.
        code: String,
        /// The effective price before; `None` when the tenant had none.
        old: Option<Money>,
        /// The effective price now.
        new: Money,
        /// Where the new price comes from: the tenant's own row or the default.
        source: Source,
        /// The tenant's user who made the change; `None` for a platform change.
        user_id: Option<UserId>,
    },
    /// `price_update.applied`: a batch of price changes (bulk update, CSV import or
    /// revert), one event listing every material it changed.
    PriceUpdateApplied {
        /// The batch's id (as kept by price administration).
        batch_id: Uuid,
        /// What kind of batch it was.
        kind: BatchKind,
        /// Every material whose price the batch changed.
        materials: Vec<MaterialPrice>,
    },
}

/// What kind of batch applied a price update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchKind {
    /// A bulk update (e.g. every glass price up 5 %).
    Bulk,
    /// A CSV import.
    Import,
    /// A revert of an earlier batch.
    Revert,
}

impl BatchKind {
    /// The name receivers see in `data.kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            BatchKind::Bulk => "bulk",
            BatchKind::Import => "import",
            BatchKind::Revert => "revert",
        }
    }
}

/// One material's price change within a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaterialPrice {
    /// The material code.
    pub code: String,
    /// The price before; `None` for a material the batch created.
    pub old: Option<Money>,
    /// The price after the batch.
    pub new: Money,
}

impl Event {
    /// The event's type, as webhooks subscribe to it.
    pub fn event_type(&self) -> EventType {
        match self {
            Event::PriceChanged { .. } => EventType::PriceChanged,
            Event::PriceUpdateApplied { .. } => EventType::PriceUpdateApplied,
        }
    }

    /// The `data` object receivers get. Money as decimal strings with two decimals.
    fn wire_data(&self) -> Value {
        let money = |m: &Money| m.to_string();
        match self {
            Event::PriceChanged {
                code,
                old,
                new,
                source,
                user_id,
            } => json!({
                "code": code,
                "old": old.as_ref().map(money),
                "new": money(new),
                "source": source_name(*source),
                "user_id": user_id,
            }),
            Event::PriceUpdateApplied {
                batch_id,
                kind,
                materials,
            } => json!({
                "batch_id": batch_id,
                "kind": kind.as_str(),
                "materials": materials
                    .iter()
                    .map(|m| json!({ "code": m.code, "old": m.old.as_ref().map(money), "new": money(&m.new) }))
                    .collect::<Vec<_>>(),
            }),
        }
    }
}

/// `tenant` or `global`, as receivers see it.
pub(crate) fn source_name(source: Source) -> &'static str {
    match source {
        Source::Tenant => "tenant",
        Source::Global => "global",
    }
}

/// The bytes POSTed to a receiver: `{"id", "type", "created_at", "data"}`. The same
/// for every attempt and every webhook that receives the event, so a receiver can
/// drop repeats by `id`.
pub fn delivery_body(id: WebhookEventId, created_at: DateTime<Utc>, event: &Event) -> Vec<u8> {
    let body = json!({
        "id": id,
        "type": event.event_type().as_str(),
        "created_at": created_at.to_rfc3339_opts(SecondsFormat::Micros, true),
        "data": event.wire_data(),
    });
    body.to_string().into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn money(text: &str) -> Money {
        Money::parse(text).expect("money")
    }

    #[test]
    fn a_price_change_is_sent_with_money_strings_and_a_null_old_price() {
        let id = WebhookEventId::new_random();
        let at = DateTime::parse_from_rfc3339("2026-12-05T10:00:00Z")
            .expect("time")
            .with_timezone(&Utc);
        let event = Event::PriceChanged {
            code: "VID-CLARO-4".to_owned(),
            old: None,
            new: money("92.5"),
            source: Source::Tenant,
            user_id: None,
        };
        let body: Value = serde_json::from_slice(&delivery_body(id, at, &event)).expect("json");
        assert_eq!(
            body,
            json!({
                "id": id.to_string(),
                "type": "price.changed",
                "created_at": "2026-12-05T10:00:00.000000Z",
                "data": { "code": "VID-CLARO-4", "old": null, "new": "92.50",
                          "source": "tenant", "user_id": null },
            })
        );
    }

    #[test]
    fn a_batch_is_one_event_listing_its_materials() {
        let batch = Uuid::new_v4();
        let event = Event::PriceUpdateApplied {
            batch_id: batch,
            kind: BatchKind::Import,
            materials: vec![
                MaterialPrice {
                    code: "A".to_owned(),
                    old: Some(money("1")),
                    new: money("2"),
                },
                MaterialPrice {
                    code: "B".to_owned(),
                    old: None,
                    new: money("3.10"),
                },
            ],
        };
        assert_eq!(
            event.wire_data(),
            json!({ "batch_id": batch.to_string(), "kind": "import", "materials": [
                { "code": "A", "old": "1.00", "new": "2.00" },
                { "code": "B", "old": null, "new": "3.10" },
            ] })
        );
    }
}
