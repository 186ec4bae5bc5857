//! JSON answers rendered once. A cached value that is served thousands of times (a
//! price) is turned into bytes when it is loaded, not on every request: the answer
//! then costs a reference count. The OpenAPI document still shows the value's schema,
//! and Redis keeps the same JSON the API answers.

use std::marker::PhantomData;

use bytes::Bytes;
use poem::{IntoResponse, Response};
use poem_openapi::payload::Payload;
use poem_openapi::registry::{MetaSchemaRef, Registry};
use poem_openapi::types::{ToJSON, Type};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

/// The JSON of a `T`, as the API answers it.
pub struct Rendered<T> {
    json: Bytes,
    _value: PhantomData<fn() -> T>,
}

impl<T> Clone for Rendered<T> {
    fn clone(&self) -> Self {
        Self {
            json: self.json.clone(),
            _value: PhantomData,
        }
    }
}

impl<T> std::fmt::Debug for Rendered<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Rendered")
            .field(&String::from_utf8_lossy(&self.json))
            .finish()
    }
}

impl<T> PartialEq for Rendered<T> {
    fn eq(&self, other: &Self) -> bool {
        self.json == other.json
    }
}

impl<T: ToJSON> Rendered<T> {
    /// Renders `value` exactly as `Json<T>` would.
    pub fn new(value: &T) -> Self {
        let json = value
            .to_json()
            .unwrap_or(serde_json::Value::Null)
            .to_string();
        Self {
            json: Bytes::from(json),
            _value: PhantomData,
        }
    }
}

impl<T> Rendered<T> {
    /// The JSON text.
    pub fn as_bytes(&self) -> &[u8] {
        &self.json
    }
}

impl<T: Type> Payload for Rendered<T> {
    const CONTENT_TYPE: &'static str = "application/json; charset=utf-8";

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: Send> IntoResponse for Rendered<T> {
    fn into_response(self) -> Response {
        Response::builder()
            .content_type(Self::content_type())
            .body(self.json)
    }
}

impl<T> Rendered<T> {
    fn content_type() -> &'static str {
        "application/json; charset=utf-8"
    }
}

/// Kept in Redis as the JSON itself (not a string holding it).
impl<T> Serialize for Rendered<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let text = std::str::from_utf8(&self.json).map_err(serde::ser::Error::custom)?;
        let raw = RawValue::from_string(text.to_owned()).map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

impl<'de, T> Deserialize<'de> for Rendered<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        Ok(Self {
            json: Bytes::from(raw.get().to_owned()),
            _value: PhantomData,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, poem_openapi::Object)]
    struct Thing {
        code: String,
        price: crate::money::Money,
    }

    #[test]
    fn renders_as_json_does_and_round_trips_through_serde_as_json() {
        let thing = Thing {
            code: "VID-CLARO-4".to_owned(),
            price: crate::money::Money::parse("85").expect("money"),
        };
        let rendered = Rendered::new(&thing);
        let expected = thing.to_json().expect("json").to_string();
        assert_eq!(rendered.as_bytes(), expected.as_bytes());
        #[derive(Serialize, Deserialize)]
        struct Envelope {
            value: Rendered<Thing>,
        }
        let stored = serde_json::to_string(&Envelope {
            value: rendered.clone(),
        })
        .expect("serializes");
        assert_eq!(
            stored,
            format!("{{\"value\":{expected}}}"),
            "kept as JSON, not a string"
        );
        let again: Envelope = serde_json::from_str(&stored).expect("reads back");
        assert_eq!(again.value, rendered);
    }
}
