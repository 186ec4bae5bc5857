//! The OpenAPI document as served: poem-openapi's, corrected where it would mislead
//! a client or a client generator.
//!
//! - **Named types of documented fields.** poem-openapi 5.1 writes a field of a named
//!   type (an `Enum` or `Object`) that carries a doc comment or a default as
//!   `{"allOf": [{"$ref": R}, {attrs}], attrs}`. Generators such as
//!   openapi-python-client cannot take `allOf` over an enum and drop the schema, and
//!   with it the operations that use it. The one-element form `{"allOf": [{"$ref":
//!   R}], attrs}` (what later poem-openapi versions write) means the same and reads
//!   cleanly, so the repeated patch is cut.
//! - **Error codes.** Every operation answers the shared error envelope, which poem
//!   declares only as the ranges `4XX` and `5XX`. Each operation's doc comment ends
//!   with a paragraph such as `Errors: 404 quote_not_found; 409 invalid_status,
//!   quote_repriced.` listing its own errors; the ones it has by its traits (a
//!   credential, a JSON body, an `Idempotency-Key`, paging parameters) are added
//!   here, so they cannot be forgotten. Each status becomes an explicit response
//!   naming its codes (also as `x-error-codes`, for tools and the contract test);
//!   the paragraph leaves the description, and `4XX` goes once the list is explicit.
//!   `5XX` stays: any operation may fail unexpectedly.
//! - **Checks poem-openapi does not see** (unknown fields refused, `Idempotency-Key`,
//!   `limit`, dates): stated by [`super::openapi_checks`].

use std::collections::BTreeMap;

use poem::endpoint::make_sync;
use poem::http::StatusCode;
use poem::{Endpoint, Response};
use serde_json::{json, Map, Value};

/// The paragraph of an operation's description that lists its errors.
const ERRORS_PREFIX: &str = "Errors:";
/// The media type of error answers (see `crate::error`).
const ERROR_MEDIA_TYPE: &str = "application/json; charset=utf-8";
const ERROR_SCHEMA: &str = "#/components/schemas/Error";

/// An endpoint serving `spec` (poem-openapi's JSON document) corrected once, here.
/// Should the correction fail (a malformed `Errors:` paragraph, which the test suite
/// catches first), the uncorrected document is served and the problem logged: a
/// server is not refused over its documentation.
pub fn endpoint(spec: &str) -> impl Endpoint + 'static {
    let body = match correct(spec) {
        Ok(body) => body,
        Err(err) => {
            tracing::error!(error = %err, "serving the uncorrected OpenAPI document");
            spec.to_owned()
        }
    };
    make_sync(move |_| {
        Response::builder()
            .content_type("application/json; charset=utf-8")
            .body(body.clone())
    })
}

/// Corrects a poem-openapi JSON document (see the module documentation).
pub fn correct(spec: &str) -> anyhow::Result<String> {
    let mut document: Value = serde_json::from_str(spec)?;
    flatten_all_of(&mut document);
    super::openapi_checks::state(&mut document);
    declare_errors(&mut document)?;
    Ok(serde_json::to_string_pretty(&document)?)
}

/// Cuts `allOf: [{$ref}, patch]` to `allOf: [{$ref}]` wherever the patch only
/// repeats attributes the schema already carries beside `allOf`.
fn flatten_all_of(node: &mut Value) {
    match node {
        Value::Object(map) => {
            if repeats_its_patch(map) {
                if let Some(Value::Array(all_of)) = map.get_mut("allOf") {
                    all_of.truncate(1);
                }
            }
            map.values_mut().for_each(flatten_all_of);
        }
        Value::Array(items) => items.iter_mut().for_each(flatten_all_of),
        _ => {}
    }
}

fn repeats_its_patch(map: &Map<String, Value>) -> bool {
    let Some(Value::Array(all_of)) = map.get("allOf") else {
        return false;
    };
    let [Value::Object(first), Value::Object(patch)] = all_of.as_slice() else {
        return false;
    };
    first.len() == 1
        && first.contains_key("$ref")
        && !patch.contains_key("$ref")
        && patch.iter().all(|(key, value)| map.get(key) == Some(value))
}

/// Error statuses of one operation, each with its codes in order.
type Errors = BTreeMap<u16, Vec<String>>;

fn declare_errors(document: &mut Value) -> anyhow::Result<()> {
    let Some(Value::Object(paths)) = document.get_mut("paths") else {
        return Ok(());
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, operation) in item.iter_mut() {
            let Some(operation) = operation.as_object_mut() else {
                continue;
            };
            let mut errors = take_errors_paragraph(operation)
                .map_err(|e| anyhow::anyhow!("{} {path}: {e}", method.to_uppercase()))?;
            if !operation_answers_errors(operation) {
                anyhow::ensure!(
                    errors.is_empty(),
                    "{} {path} lists errors but cannot answer any",
                    method.to_uppercase()
                );
                continue;
            }
            add_generic_errors(method, operation, &mut errors);
            write_responses(operation, &errors);
        }
    }
    Ok(())
}

/// Whether the operation answers the shared error envelope (it returns `ApiResult`).
fn operation_answers_errors(operation: &Map<String, Value>) -> bool {
    operation
        .get("responses")
        .and_then(Value::as_object)
        .is_some_and(|responses| responses.contains_key("5XX"))
}

/// Removes the `Errors:` paragraph from the description and parses it.
fn take_errors_paragraph(operation: &mut Map<String, Value>) -> anyhow::Result<Errors> {
    let Some(description) = operation.get("description").and_then(Value::as_str) else {
        return Ok(Errors::new());
    };
    let (listed, kept): (Vec<&str>, Vec<&str>) = description
        .split("\n\n")
        .partition(|paragraph| paragraph.trim_start().starts_with(ERRORS_PREFIX));
    let errors = match listed.as_slice() {
        [] => return Ok(Errors::new()),
        [paragraph] => parse_errors(paragraph)?,
        _ => anyhow::bail!("more than one `{ERRORS_PREFIX}` paragraph"),
    };
    let kept = kept.join("\n\n");
    if kept.trim().is_empty() {
        operation.remove("description");
    } else {
        operation.insert("description".to_owned(), Value::String(kept));
    }
    Ok(errors)
}

/// Parses `Errors: 404 a_code; 409 b_code, c_code.` (lines may wrap).
fn parse_errors(paragraph: &str) -> anyhow::Result<Errors> {
    let text = paragraph
        .trim()
        .trim_start_matches(ERRORS_PREFIX)
        .trim_end_matches('.')
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let mut errors = Errors::new();
    for group in text.split(';').map(str::trim) {
        let (status, codes) = group
            .split_once(' ')
            .ok_or_else(|| anyhow::anyhow!("`{group}` is not `<status> <code>[, <code>]`"))?;
        let status: u16 = status
            .parse()
            .ok()
            .filter(|s| (400..600).contains(s))
            .ok_or_else(|| anyhow::anyhow!("`{status}` is not an error status"))?;
        for code in codes.split(',').map(str::trim) {
            anyhow::ensure!(
                !code.is_empty() && code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "`{code}` is not an error code (lowercase letters and `_`)"
            );
            add(&mut errors, status, code);
        }
    }
    Ok(errors)
}

fn add(errors: &mut Errors, status: u16, code: &str) {
    let codes = errors.entry(status).or_default();
    if !codes.iter().any(|c| c == code) {
        codes.push(code.to_owned());
    }
}

/// The errors an operation has by its traits rather than by its own logic.
fn add_generic_errors(method: &str, operation: &Map<String, Value>, errors: &mut Errors) {
    let schemes = operation
        .get("security")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    if !schemes.is_empty() {
        add(errors, 401, "unauthenticated");
    }
    // A write that takes the session cookie refuses other sites' pages (`auth::csrf`).
    let takes_cookie = schemes.iter().any(|s| s.get("session_cookie").is_some());
    if takes_cookie && !matches!(method, "get" | "head" | "options") {
        add(errors, 403, "cross_site_request");
    }
    if let Some(body) = operation.get("requestBody") {
        let json_body = body["content"]
            .as_object()
            .is_some_and(|c| c.keys().any(|t| t.starts_with("application/json")));
        if json_body {
            for code in ["malformed_json", "invalid_body", "invalid_field"] {
                add(errors, 400, code);
            }
        }
        add(errors, 413, "payload_too_large");
        // JSON bodies must say so; any body must say what it is.
        add(errors, 415, "unsupported_media_type");
    }
    let params = operation
        .get("parameters")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    for param in params {
        let name = param["name"].as_str().unwrap_or_default();
        let located = param["in"].as_str().unwrap_or_default();
        match (located, name) {
            ("header", "Idempotency-Key") => {
                add(errors, 400, "invalid_idempotency_key");
                add(errors, 409, "idempotency_in_progress");
                add(errors, 422, "idempotency_key_reused");
            }
            ("query", "limit") => add(errors, 422, "invalid_field"),
            ("query", "cursor") => add(errors, 400, "invalid_cursor"),
            _ => {}
        }
        // A path or query value that does not parse as its type (a uuid, a number,
        // one of an enum's values), or that carries a NUL character, is refused
        // before the operation runs.
        if matches!(located, "path" | "query") {
            add(errors, 400, "bad_request");
        }
    }
    add(errors, 503, "unavailable");
}

/// Replaces the `4XX` range with one response per status.
fn write_responses(operation: &mut Map<String, Value>, errors: &Errors) {
    let Some(Value::Object(responses)) = operation.get_mut("responses") else {
        return;
    };
    if errors.keys().any(|s| *s < 500) {
        responses.remove("4XX");
    }
    for (status, codes) in errors {
        let reason = StatusCode::from_u16(*status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("Error");
        let listed = codes
            .iter()
            .map(|c| format!("`{c}`"))
            .collect::<Vec<_>>()
            .join(", ");
        responses.insert(
            status.to_string(),
            json!({
                "description": format!("{reason}: {listed}."),
                "content": { ERROR_MEDIA_TYPE: { "schema": { "$ref": ERROR_SCHEMA } } },
                "x-error-codes": codes,
            }),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_named_type_with_a_repeated_patch_keeps_only_its_reference() {
        let mut doc = json!({
            "role": {
                "allOf": [{ "$ref": "#/components/schemas/TenantRole" }, { "description": "d" }],
                "description": "d"
            },
            "other": {
                "allOf": [{ "$ref": "#/components/schemas/A" }, { "description": "x" }],
                "description": "y"
            }
        });
        flatten_all_of(&mut doc);
        assert_eq!(
            doc["role"]["allOf"],
            json!([{ "$ref": "#/components/schemas/TenantRole" }])
        );
        assert_eq!(doc["role"]["description"], "d", "the attributes stay");
        assert_eq!(
            doc["other"]["allOf"].as_array().map(Vec::len),
            Some(2),
            "a patch that says something else is kept"
        );
    }

    #[test]
    fn the_errors_paragraph_is_parsed_and_leaves_the_description() {
        let mut op = json!({
            "description": "Does a thing.\n\nErrors: 404 quote_not_found; 409 invalid_status,\nquote_repriced; 412 version_mismatch.",
            "security": [{ "session_bearer": [] }],
            "parameters": [{ "name": "id", "in": "path", "schema": { "type": "string", "format": "uuid" } }],
            "responses": { "200": {}, "4XX": {}, "5XX": {} }
        });
        let op = op.as_object_mut().expect("object");
        let mut errors = take_errors_paragraph(op).expect("parses");
        assert_eq!(op["description"], "Does a thing.");
        assert_eq!(errors[&409], ["invalid_status", "quote_repriced"]);
        add_generic_errors("post", op, &mut errors);
        write_responses(op, &errors);
        let responses = op["responses"].as_object().expect("responses");
        let statuses: Vec<&str> = responses.keys().map(String::as_str).collect();
        assert_eq!(
            statuses,
            ["200", "400", "401", "404", "409", "412", "503", "5XX"]
        );
        assert_eq!(responses["400"]["x-error-codes"], json!(["bad_request"]));
        assert_eq!(
            responses["409"]["description"],
            "Conflict: `invalid_status`, `quote_repriced`."
        );
    }

    #[test]
    fn writes_that_take_the_session_cookie_list_the_cross_site_refusal() {
        let security = json!([{ "session_bearer": [] }, { "session_cookie": [] }]);
        let cases = [
            ("post", security.clone(), true, "a write with the cookie"),
            ("delete", security.clone(), true, "a delete with the cookie"),
            ("get", security, false, "a read"),
            ("post", json!([{ "platform_key": [] }]), false, "no cookie"),
        ];
        for (method, security, listed, what) in cases {
            let op = json!({ "security": security });
            let mut errors = Errors::new();
            add_generic_errors(method, op.as_object().expect("object"), &mut errors);
            let found = errors
                .get(&403)
                .is_some_and(|codes| codes.iter().any(|c| c == "cross_site_request"));
            assert_eq!(found, listed, "{what}");
        }
    }

    #[test]
    fn malformed_errors_paragraphs_are_refused() {
        for bad in [
            "Errors: quote_not_found.",
            "Errors: 200 fine.",
            "Errors: 404 Quote-Not-Found.",
            "Errors: 404 a; ; 409 b.",
        ] {
            assert!(parse_errors(bad).is_err(), "{bad}");
        }
    }
}
