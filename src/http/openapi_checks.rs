//! Rules the server checks outside poem-openapi's parsing, stated in the document.
//!
//! A client (or a fuzzer) reads the document to know what the server accepts. Some
//! checks live where poem-openapi cannot see them, so the served document states
//! them here, in one place, from the same constants the checks use. Each is stated
//! only in the schema: the server's own check still answers, with its own 4xx.
//!
//! - **JSON request bodies refuse unknown fields** (`#[serde(deny_unknown_fields)]`
//!   on every request type, parsed by [`super::JsonBody`]): every object schema a
//!   JSON request body reaches gets `additionalProperties: false`.
//! - **`Idempotency-Key`** is 1 to 255 visible ASCII characters
//!   ([`super::idempotency`]): a pattern.
//! - **`limit`** of a list is 1 to [`MAX_LIMIT`], 50 by default
//!   ([`super::PageRequest::parse`]): minimum, maximum and default.
//! - **Dates** (`chrono::NaiveDate`) read `YYYY-MM-DD`: poem-openapi names their
//!   format `naive-date`, which no tool knows; the standard name is `date`.
//! - **Unsigned integers** (`u32`, `u64`) refuse negative numbers: `minimum: 0`
//!   (and `u32`'s maximum).
//! - **A window type in a path** (`labour::model::parse_window_type`): the
//!   `WindowType` schema.
//! - **Exactly one property** of the objects in [`EXACTLY_ONE_PROPERTY`].

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use super::paging::{DEFAULT_LIMIT, MAX_LIMIT};

/// The pattern of an `Idempotency-Key` (`idempotency::parse_key`).
pub const IDEMPOTENCY_KEY_PATTERN: &str = r"^[\x21-\x7E]{1,255}$";

const SCHEMAS_PREFIX: &str = "#/components/schemas/";

/// Objects whose properties are alternatives: exactly one must be given.
/// `PriceAdjustment`: "give exactly one of percent, amount or set"
/// (`catalog::price_admin`).
pub const EXACTLY_ONE_PROPERTY: [&str; 1] = ["PriceAdjustment"];

/// States the rules of the module documentation in `document`.
pub fn state(document: &mut Value) {
    rename_date_format(document);
    bound_unsigned(document);
    if let Some(Value::Object(schemas)) = document.pointer_mut("/components/schemas") {
        for name in EXACTLY_ONE_PROPERTY {
            if let Some(Value::Object(schema)) = schemas.get_mut(name) {
                schema.insert("minProperties".into(), json!(1));
                schema.insert("maxProperties".into(), json!(1));
            }
        }
    }
    if let Some(Value::Object(paths)) = document.get_mut("paths") {
        for operation in paths
            .values_mut()
            .filter_map(Value::as_object_mut)
            .flat_map(|item| item.values_mut().filter_map(Value::as_object_mut))
        {
            state_parameters(operation);
        }
    }
    close_request_objects(document);
}

fn state_parameters(operation: &mut Map<String, Value>) {
    let Some(Value::Array(params)) = operation.get_mut("parameters") else {
        return;
    };
    for param in params {
        let name = param["name"].as_str().unwrap_or_default().to_owned();
        let located = param["in"].as_str().unwrap_or_default().to_owned();
        let Some(schema) = param.get_mut("schema").and_then(Value::as_object_mut) else {
            continue;
        };
        match (located.as_str(), name.as_str()) {
            ("header", "Idempotency-Key") => {
                schema.insert("pattern".into(), json!(IDEMPOTENCY_KEY_PATTERN));
            }
            ("path", "window_type") => {
                *schema = Map::new();
                schema.insert("$ref".into(), json!(format!("{SCHEMAS_PREFIX}WindowType")));
            }
            ("query", "limit") => {
                schema.insert("minimum".into(), json!(1));
                schema.insert("maximum".into(), json!(MAX_LIMIT));
                schema.insert("default".into(), json!(DEFAULT_LIMIT));
            }
            _ => {}
        }
    }
}

/// `format: uint32` and `uint64` get `minimum: 0`; `uint32` its maximum too.
fn bound_unsigned(node: &mut Value) {
    match node {
        Value::Object(map) => {
            let format = map
                .get("format")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if matches!(format, "uint32" | "uint64") {
                // A field's own stated range (a validator) is narrower: it stays.
                if format == "uint32" {
                    map.entry("maximum").or_insert(json!(u32::MAX));
                }
                map.entry("minimum").or_insert(json!(0));
            }
            map.values_mut().for_each(bound_unsigned);
        }
        Value::Array(items) => items.iter_mut().for_each(bound_unsigned),
        _ => {}
    }
}

/// `format: naive-date` becomes `format: date`, everywhere.
fn rename_date_format(node: &mut Value) {
    match node {
        Value::Object(map) => {
            if map.get("format").and_then(Value::as_str) == Some("naive-date") {
                map.insert("format".into(), json!("date"));
            }
            map.values_mut().for_each(rename_date_format);
        }
        Value::Array(items) => items.iter_mut().for_each(rename_date_format),
        _ => {}
    }
}

/// Sets `additionalProperties: false` on every object schema that a JSON request
/// body reaches, inline or through `$ref`.
fn close_request_objects(document: &mut Value) {
    let mut named = BTreeSet::new();
    let mut pending: Vec<String> = Vec::new();
    if let Some(Value::Object(paths)) = document.get_mut("paths") {
        for body in paths
            .values_mut()
            .filter_map(Value::as_object_mut)
            .flat_map(|item| item.values_mut())
            .filter_map(|op| op.get_mut("requestBody"))
        {
            let Some(Value::Object(content)) = body.get_mut("content") else {
                continue;
            };
            for (media_type, media) in content.iter_mut() {
                if media_type.starts_with("application/json") {
                    if let Some(schema) = media.get_mut("schema") {
                        close(schema, &mut pending);
                    }
                }
            }
        }
    }
    let Some(Value::Object(schemas)) = document.pointer_mut("/components/schemas") else {
        return;
    };
    while let Some(name) = pending.pop() {
        if !named.insert(name.clone()) {
            continue;
        }
        if let Some(schema) = schemas.get_mut(&name) {
            close(schema, &mut pending);
        }
    }
}

/// Closes the object schemas in `schema` and queues the named ones it refers to.
fn close(schema: &mut Value, pending: &mut Vec<String>) {
    let Some(map) = schema.as_object_mut() else {
        return;
    };
    if let Some(name) = map
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix(SCHEMAS_PREFIX))
    {
        pending.push(name.to_owned());
    }
    if map.contains_key("properties") && !map.contains_key("additionalProperties") {
        map.insert("additionalProperties".into(), Value::Bool(false));
    }
    if let Some(Value::Object(properties)) = map.get_mut("properties") {
        properties.values_mut().for_each(|p| close(p, pending));
    }
    for key in ["items", "additionalProperties"] {
        if let Some(inner) = map.get_mut(key) {
            close(inner, pending);
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(Value::Array(parts)) = map.get_mut(key) {
            parts.iter_mut().for_each(|p| close(p, pending));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_a_json_body_reaches_are_closed_and_others_are_not() {
        let mut doc = json!({
            "paths": { "/a": { "post": {
                "requestBody": { "content": { "application/json; charset=utf-8": {
                    "schema": { "$ref": "#/components/schemas/In" } } } },
                "responses": { "200": { "content": { "application/json": {
                    "schema": { "$ref": "#/components/schemas/Out" } } } } }
            } } },
            "components": { "schemas": {
                "In": { "type": "object", "properties": {
                    "line": { "type": "array", "items": { "$ref": "#/components/schemas/Line" } },
                    "role": { "allOf": [{ "$ref": "#/components/schemas/Role" }] }
                } },
                "Line": { "type": "object", "properties": { "n": { "type": "integer" } } },
                "Role": { "type": "string", "enum": ["a"] },
                "Out": { "type": "object", "properties": { "n": { "type": "integer" } } }
            } }
        });
        state(&mut doc);
        let schemas = &doc["components"]["schemas"];
        assert_eq!(schemas["In"]["additionalProperties"], false);
        assert_eq!(
            schemas["Line"]["additionalProperties"], false,
            "through items"
        );
        assert!(
            schemas["Role"].get("additionalProperties").is_none(),
            "not an object"
        );
        assert!(
            schemas["Out"].get("additionalProperties").is_none(),
            "a response only"
        );
    }

    #[test]
    fn idempotency_keys_limits_and_dates_are_stated() {
        let mut doc = json!({ "paths": { "/a": { "get": { "parameters": [
            { "name": "limit", "in": "query", "schema": { "type": "integer" } },
            { "name": "Idempotency-Key", "in": "header", "schema": { "type": "string" } },
            { "name": "from", "in": "path", "schema": { "type": "string", "format": "naive-date" } },
            { "name": "window_type", "in": "path", "schema": { "type": "string" } },
            { "name": "n", "in": "query", "schema": { "type": "integer", "format": "uint32" } }
        ] } } } });
        state(&mut doc);
        let params = &doc["paths"]["/a"]["get"]["parameters"];
        assert_eq!(params[0]["schema"]["maximum"], MAX_LIMIT);
        assert_eq!(params[0]["schema"]["minimum"], 1);
        assert_eq!(params[1]["schema"]["pattern"], IDEMPOTENCY_KEY_PATTERN);
        assert_eq!(params[2]["schema"]["format"], "date");
        assert_eq!(
            params[3]["schema"],
            json!({ "$ref": "#/components/schemas/WindowType" })
        );
        assert_eq!(params[4]["schema"]["minimum"], 0);
        assert_eq!(params[4]["schema"]["maximum"], u32::MAX);
    }
}
