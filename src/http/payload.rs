//! JSON request bodies whose errors name the offending field.
//!
//! poem-openapi's `Json<T>` reports a bad value by its type ("failed to parse
//! Money"), not by its field. [`JsonBody`] keeps the OpenAPI schema of `T` but
//! parses with serde, tracking the path, so a client reads `price: "abc" is not a
//! decimal like "85.00"` with `details.field = "price"`. Unknown fields are refused
//! by the request types themselves (`deny_unknown_fields`).

use std::ops::Deref;

use poem::http::StatusCode;
use poem::{FromRequest, Request, RequestBody};
use poem_openapi::payload::{ParsePayload, Payload};
use poem_openapi::registry::{MetaMediaType, MetaRequest, MetaSchemaRef, Registry};
use poem_openapi::types::Type;
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A JSON request body of type `T`.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T> Deref for JsonBody<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: Type> Payload for JsonBody<T> {
    const CONTENT_TYPE: &'static str = "application/json; charset=utf-8";

    fn check_content_type(content_type: &str) -> bool {
        let essence = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        essence == "application/json"
            || (essence.starts_with("application/") && essence.ends_with("+json"))
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: Type + DeserializeOwned + Send> ParsePayload for JsonBody<T> {
    const IS_REQUIRED: bool = true;

    async fn from_request(request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        let data = <Vec<u8> as FromRequest>::from_request(request, body).await?;
        parse(&data).map(JsonBody).map_err(Into::into)
    }
}

/// Parses JSON, naming the field of the first problem.
pub fn parse<T: DeserializeOwned>(data: &[u8]) -> Result<T, ApiError> {
    if data.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "invalid_body",
            "the request body is empty; send a JSON object",
        ));
    }
    // PostgreSQL refuses NUL in text: name the field here rather than fail later.
    // JSON carries one only as the escape `\u0000`; look closer only when it appears.
    if data.windows(6).any(|w| w == br"\u0000") {
        if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
            if let Some(field) = super::nul::nul_in_json(&value) {
                return Err(super::nul::nul_error("invalid_field", &field));
            }
        }
    }
    let mut de = serde_json::Deserializer::from_slice(data);
    let parsed: T = serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let field = err.path().to_string();
        let inner = err.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            ApiError::bad_request(
                "malformed_json",
                format!("the body is not valid JSON: {inner}"),
            )
        } else if field == "." || field.is_empty() {
            ApiError::bad_request("invalid_body", inner.to_string())
        } else {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_field",
                format!("{field}: {inner}"),
            )
            .with_details(serde_json::json!({ "field": field }))
        }
    })?;
    de.end().map_err(|e| {
        ApiError::bad_request("malformed_json", format!("the body is not valid JSON: {e}"))
    })?;
    Ok(parsed)
}

impl<'a, T: Type + DeserializeOwned + Send> ApiExtractor<'a> for JsonBody<T> {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::RequestObject];
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        <Self as Payload>::register(registry);
    }

    fn request_meta() -> Option<MetaRequest> {
        Some(MetaRequest {
            description: None,
            content: vec![MetaMediaType {
                content_type: <Self as Payload>::CONTENT_TYPE,
                schema: <Self as Payload>::schema_ref(),
            }],
            required: true,
        })
    }

    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        match request.content_type() {
            Some(content_type) if <Self as Payload>::check_content_type(content_type) => {
                <Self as ParsePayload>::from_request(request, body).await
            }
            Some(content_type) => Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                format!("send application/json, not {content_type}"),
            )
            .into()),
            None => Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as application/json (Content-Type header missing)",
            )
            .into()),
        }
    }
}

/// An optional JSON request body of type `T`: no body (or a blank one) reads as
/// `T::default()`; a body present is checked like [`JsonBody`].
#[derive(Debug)]
pub struct OptionalJsonBody<T>(pub T);

impl<T> Deref for OptionalJsonBody<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<'a, T: Type + DeserializeOwned + Default + Send> ApiExtractor<'a> for OptionalJsonBody<T> {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::RequestObject];
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        T::register(registry);
    }

    fn request_meta() -> Option<MetaRequest> {
        Some(MetaRequest {
            description: None,
            content: vec![MetaMediaType {
                content_type: <JsonBody<T> as Payload>::CONTENT_TYPE,
                schema: T::schema_ref(),
            }],
            required: false,
        })
    }

    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        let data = <Vec<u8> as FromRequest>::from_request(request, body).await?;
        if data.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(T::default()));
        }
        match request.content_type() {
            Some(content_type) if <JsonBody<T> as Payload>::check_content_type(content_type) => {
                parse(&data).map(OptionalJsonBody).map_err(Into::into)
            }
            other => Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                format!(
                    "send the body as application/json, not {}",
                    other.unwrap_or("a body without Content-Type")
                ),
            )
            .into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        price: crate::money::Money,
        name: Option<String>,
    }

    #[test]
    fn errors_name_the_field_and_the_problem() {
        let cases: [(&str, &str, Option<&str>); 6] = [
            (r#"{"price": "abc"}"#, "invalid_field", Some("price")),
            (r#"{"price": 12.5}"#, "invalid_field", Some("price")),
            (r#"{"price": "-1.00"}"#, "invalid_field", Some("price")),
            (
                r#"{"price": "1.00", "prize": 1}"#,
                "invalid_field",
                Some("prize"),
            ),
            (r#"{"price": "1.00""#, "malformed_json", None),
            ("", "invalid_body", None),
        ];
        for (input, code, field) in cases {
            let err = parse::<Body>(input.as_bytes()).expect_err(input);
            assert_eq!(err.code(), code, "{input}");
            if let Some(field) = field {
                assert!(err.to_string().contains(field), "{input}: {err}");
            }
        }
        assert!(parse::<Body>(br#"{"price": "1.50"}"#).is_ok());
    }

    #[test]
    fn a_nul_character_in_a_string_is_a_400_naming_the_field() {
        let err = parse::<Body>(br#"{"price": "1.00", "name": "a\u0000b"}"#).expect_err("NUL");
        assert_eq!(err.status(), StatusCode::BAD_REQUEST);
        assert_eq!(err.code(), "invalid_field");
        assert!(err.to_string().contains("name"), "{err}");
        let body = parse::<Body>(br#"{"price": "1.00", "name": "\\u0000"}"#).expect("no NUL");
        assert_eq!(body.name.as_deref(), Some("\\u0000"));
    }
}
