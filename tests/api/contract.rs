//! The OpenAPI document matches behaviour: everything in it is described, every
//! operation lists its error codes, the request examples are valid requests, and
//! the real answers of the main endpoints fit it. (Every answer the other tests get
//! through the helpers is checked against it too: see `contract::answers`.)

pub mod answers;
pub mod schema;

mod examples;
mod tour;

use std::collections::BTreeSet;

use serde_json::Value;

use crate::helpers::{repo_dir, spawn_app};
use schema::Document;

/// Operation methods in a path item.
const METHODS: [&str; 5] = ["get", "put", "post", "patch", "delete"];

/// Texts a type gives every field of it, which say nothing about one field.
const GENERIC_DESCRIPTIONS: [&str; 1] = ["Decimal string, e.g."];

fn described(node: &Value) -> bool {
    node["description"].as_str().is_some_and(|d| {
        !d.trim().is_empty() && !GENERIC_DESCRIPTIONS.iter().any(|g| d.starts_with(g))
    })
}

/// Every operation of the document: (method, path, operation).
fn operations(document: &Document) -> Vec<(String, String, &Value)> {
    let mut found = Vec::new();
    for (path, item) in document.root()["paths"].as_object().into_iter().flatten() {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                found.push((method.to_uppercase(), path.clone(), op));
            }
        }
    }
    found
}

/// What lacks a description: operations (beyond their summary), parameters,
/// responses, schemas and every property of every schema.
fn undescribed(document: &Document) -> Vec<String> {
    let mut missing = Vec::new();
    for (method, path, op) in operations(document) {
        let id = op["operationId"].as_str().unwrap_or("?");
        if !described(op) {
            missing.push(format!("operation {id} ({method} {path})"));
        }
        for param in op["parameters"].as_array().into_iter().flatten() {
            if !described(param) {
                missing.push(format!("parameter {id}.{}", param["name"]));
            }
        }
        for (status, response) in op["responses"].as_object().into_iter().flatten() {
            if !described(response) {
                missing.push(format!("response {id} {status}"));
            }
        }
    }
    let schemas = document.root()["components"]["schemas"].as_object();
    for (name, schema) in schemas.into_iter().flatten() {
        if !described(schema) {
            missing.push(format!("schema {name}"));
        }
        for (property, value) in schema["properties"].as_object().into_iter().flatten() {
            if !described(value) {
                missing.push(format!("property {name}.{property}"));
            }
        }
    }
    missing
}

#[tokio::test]
async fn every_operation_parameter_response_schema_and_property_is_described() {
    let app = spawn_app().await;
    let document = answers::document(&app).await;
    let missing = undescribed(document);
    assert!(
        missing.is_empty(),
        "{} without a description:\n  {}",
        missing.len(),
        missing.join("\n  ")
    );
    app.cleanup().await;
}

/// Every error code a string literal in `src/` names, e.g. `"quote_not_found"`.
fn codes_in_source() -> BTreeSet<String> {
    let mut codes = BTreeSet::new();
    let mut dirs = vec![repo_dir().join("src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("src readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("source");
                for literal in text.split('"').skip(1).step_by(2) {
                    if literal.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
                        codes.insert(literal.to_owned());
                    }
                }
            }
        }
    }
    codes
}

#[tokio::test]
async fn every_operation_lists_error_codes_the_server_has() {
    let app = spawn_app().await;
    let document = answers::document(&app).await;
    let known = codes_in_source();
    let mut problems = Vec::new();
    let mut declared = 0;
    for (method, path, op) in operations(document) {
        let id = op["operationId"].as_str().unwrap_or("?");
        let responses = op["responses"].as_object().expect("responses");
        if responses.contains_key("4XX") {
            problems.push(format!("{id}: `4XX` instead of its error statuses"));
        }
        if op["description"]
            .as_str()
            .is_some_and(|d| d.contains("Errors:"))
        {
            problems.push(format!("{id}: an `Errors:` paragraph was left in"));
        }
        let has_errors = responses.contains_key("5XX");
        let statuses: Vec<&String> = responses.keys().filter(|s| s.starts_with('4')).collect();
        if has_errors && statuses.is_empty() {
            problems.push(format!("{id} ({method} {path}): no error status listed"));
        }
        for status in statuses {
            let codes = responses[status]["x-error-codes"].as_array();
            for code in codes.into_iter().flatten().filter_map(Value::as_str) {
                declared += 1;
                if !known.contains(code) {
                    problems.push(format!("{id} {status}: `{code}` is not a code in src/"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(declared > 100, "error codes are listed ({declared})");
    app.cleanup().await;
}

#[test]
fn the_validator_refuses_what_the_document_does_not_declare() {
    let money = serde_json::json!({ "type": "string", "format": "decimal", "pattern": schema::MONEY_PATTERN });
    let document = Document::new(serde_json::json!({ "components": { "schemas": {
        "Role": { "type": "string", "enum": ["admin", "viewer"] },
        "Thing": {
            "type": "object",
            "required": ["price", "next"],
            "properties": {
                "price": money,
                "next": { "type": "string", "nullable": true },
                "role": { "allOf": [{ "$ref": "#/components/schemas/Role" }], "description": "r" }
            }
        }
    } } }));
    let thing = serde_json::json!({ "$ref": "#/components/schemas/Thing" });
    let problems = |value: Value| {
        let mut found = Vec::new();
        document.validate(&thing, &value, "$", &mut found);
        found
    };
    let good = serde_json::json!({ "price": "85.00", "next": null, "role": "admin" });
    assert_eq!(problems(good), Vec::<String>::new());
    for (bad, why) in [
        (
            serde_json::json!({ "price": "85.5", "next": null }),
            "money without its cents",
        ),
        (
            serde_json::json!({ "price": "85", "next": null }),
            "money without decimals",
        ),
        (
            serde_json::json!({ "price": 85.0, "next": null }),
            "money as a number",
        ),
        (
            serde_json::json!({ "price": "85.00" }),
            "a required property missing",
        ),
        (
            serde_json::json!({ "price": "85.00", "next": null, "extra": 1 }),
            "an undeclared property",
        ),
        (
            serde_json::json!({ "price": "85.00", "next": null, "role": "owner" }),
            "a value outside the enum",
        ),
        (
            serde_json::json!({ "price": "85.00", "next": 3 }),
            "a wrong type",
        ),
    ] {
        assert!(!problems(bad.clone()).is_empty(), "{why}: {bad}");
    }
}
