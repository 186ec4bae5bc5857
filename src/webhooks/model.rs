//! Webhooks and their deliveries as the API takes and shows them.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use poem_openapi::registry::{MetaSchemaRef, Registry};
use poem_openapi::types::{Example, ParseError, ParseFromJSON, ParseResult, ToJSON, Type};
use poem_openapi::{Enum, Object};
use serde_json::Value;

use crate::http::Nullable;
use crate::ids::{UserId, WebhookDeliveryId, WebhookEventId, WebhookId};

/// An event type a webhook can subscribe to: `price.changed` (one material's
/// effective price changed, by an edit of the tenant's or a platform change to a
/// default it inherits) or `price_update.applied` (a bulk update, CSV import or
/// revert, listing every material it changed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Enum)]
#[oai(rename = "WebhookEventType")]
pub enum EventType {
    /// One material's effective price changed.
    #[oai(rename = "price.changed")]
    PriceChanged,
    /// A batch of price changes was applied.
    #[oai(rename = "price_update.applied")]
    PriceUpdateApplied,
}

impl EventType {
    /// Every event type.
    pub const ALL: [EventType; 2] = [EventType::PriceChanged, EventType::PriceUpdateApplied];

    /// The type's name, e.g. `price.changed`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::PriceChanged => "price.changed",
            EventType::PriceUpdateApplied => "price_update.applied",
        }
    }

    /// The type of that name, if there is one.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }
}

/// An event type as a request names it: declared as [`EventType`] in the document,
/// but read as any string, so that an unknown name is a 422 naming its place in the
/// list (`events[1]`) rather than a parse error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventName(pub String);

impl Type for EventName {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        EventType::name()
    }

    fn schema_ref() -> MetaSchemaRef {
        EventType::schema_ref()
    }

    fn register(registry: &mut Registry) {
        EventType::register(registry);
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(self)
    }

    fn raw_element_iter<'a>(
        &'a self,
    ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl ParseFromJSON for EventName {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value {
            Some(Value::String(name)) => Ok(Self(name)),
            _ => Err(ParseError::custom("an event type name is a string")),
        }
    }
}

impl ToJSON for EventName {
    fn to_json(&self) -> Option<Value> {
        Some(Value::String(self.0.clone()))
    }
}

impl<'de> serde::Deserialize<'de> for EventName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Self)
    }
}

/// A new webhook: where to send which events.
#[derive(Debug, Object, serde::Deserialize)]
#[oai(example)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    /// The receiver's URL: `https://` (or `http://`), at most 2048 characters, no
    /// user or password in it, and a public address (loopback, private, link-local
    /// and similar addresses are refused), e.g. `https://erp.example.com/hooks/ventanas`.
    pub url: String,
    /// The event types to send it, at least one, e.g. `["price.changed"]`.
    pub events: Vec<EventName>,
}

impl Example for CreateWebhook {
    fn example() -> Self {
        Self {
            url: "https://erp.example.com/hooks/ventanas".to_owned(),
            events: vec![
                EventName("price.changed".to_owned()),
                EventName("price_update.applied".to_owned()),
            ],
        }
    }
}

/// A webhook: an endpoint of the tenant's that is sent the events it subscribes to.
#[derive(Debug, Clone, Object)]
pub struct Webhook {
    /// The webhook's id.
    pub id: WebhookId,
    /// Where deliveries are POSTed.
    pub url: String,
    /// The event types it is sent.
    pub events: Vec<EventType>,
    /// Starts at 1; each rotation of the signing secret adds one.
    pub secret_version: i32,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
    /// The user who registered it.
    pub created_by: UserId,
    /// When its signing secret was last made (at registration or rotation).
    pub secret_rotated_at: DateTime<Utc>,
}

/// A webhook with its signing secret, which is shown only in this answer (to the
/// registration, or to a rotation of the secret).
#[derive(Debug, Clone, Object)]
pub struct WebhookWithSecret {
    /// The webhook's id.
    pub id: WebhookId,
    /// Where deliveries are POSTed.
    pub url: String,
    /// The event types it is sent.
    pub events: Vec<EventType>,
    /// Starts at 1; each rotation of the signing secret adds one.
    pub secret_version: i32,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
    /// The user who registered it.
    pub created_by: UserId,
    /// When its signing secret was last made (at registration or rotation).
    pub secret_rotated_at: DateTime<Utc>,
    /// The signing secret, e.g. `whsec_3f1c…`: every delivery carries
    /// `X-Ventanas-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>"
    /// keyed with this secret>`. Keep it: it is not shown again (rotate it to get a
    /// new one).
    pub secret: String,
}

impl WebhookWithSecret {
    /// The webhook and its secret.
    pub fn new(w: Webhook, secret: String) -> Self {
        Self {
            id: w.id,
            url: w.url,
            events: w.events,
            secret_version: w.secret_version,
            created_at: w.created_at,
            created_by: w.created_by,
            secret_rotated_at: w.secret_rotated_at,
            secret,
        }
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, sqlx::Encode, sqlx::Decode)]
#[oai(rename = "WebhookDeliveryStatus", rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Not delivered yet: an attempt is due at `next_attempt_at`.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Every attempt failed until retries ran out.
    Failed,
}

crate::db::text_type!(DeliveryStatus);

/// One event's delivery to the webhook, with its attempts so far.
#[derive(Debug, Clone, Object)]
#[oai(rename = "WebhookDelivery")]
pub struct Delivery {
    /// The delivery's id (sent as `X-Ventanas-Delivery`).
    pub id: WebhookDeliveryId,
    /// The event's id: the body's `id` and `X-Ventanas-Event`, the same for every
    /// webhook that receives the event.
    pub event_id: WebhookEventId,
    /// The event's type.
    pub event_type: EventType,
    /// `pending`, `delivered` or `failed`.
    pub status: DeliveryStatus,
    /// Attempts made so far.
    pub attempts: i32,
    /// The HTTP status the last attempt got; `null` before any, or when it got no
    /// answer (timeout, refused connection, blocked address).
    pub last_status_code: Nullable<i32>,
    /// Why the last attempt failed; `null` before any and after a success.
    pub last_error: Nullable<String>,
    /// When the next attempt is due; `null` once delivered or failed.
    pub next_attempt_at: Nullable<DateTime<Utc>>,
    /// When the receiver accepted it; `null` until then.
    pub delivered_at: Nullable<DateTime<Utc>>,
    /// When the event was recorded.
    pub created_at: DateTime<Utc>,
}

crate::page_of!(
    /// A page of webhooks, oldest first.
    WebhookPage,
    Webhook
);

crate::page_of!(
    /// A page of deliveries, newest first.
    WebhookDeliveryPage,
    Delivery
);
