//! A strict validator for the subset of OpenAPI 3.0 that poem-openapi writes: `type`,
//! `properties`, `required`, `additionalProperties`, `items`, `$ref`, `allOf`, `enum`,
//! `format`, `pattern`, the bounds (`minLength`, `maxLength`, `minItems`, `maxItems`,
//! `minProperties`, `maxProperties`, `minimum`, `maximum`) and `nullable`. A keyword outside the subset is itself an
//! error, so the validator cannot silently pass what it does not understand; a
//! property a schema does not declare is an error too.

use std::collections::HashMap;
use std::sync::Mutex;

use regex::Regex;
use serde_json::Value;

/// The pattern of `Money` (see `src/money.rs`): amounts must show exactly two decimals.
pub const MONEY_PATTERN: &str = r"^\d{1,10}(\.\d{1,2})?$";

/// Keywords that only annotate a schema.
const ANNOTATIONS: [&str; 7] = [
    "description",
    "title",
    "example",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
];

/// The served document, with the lookups a contract check needs.
pub struct Document {
    root: Value,
    patterns: Mutex<HashMap<String, Regex>>,
}

impl Document {
    pub fn new(root: Value) -> Self {
        Self {
            root,
            patterns: Mutex::new(HashMap::new()),
        }
    }

    pub fn root(&self) -> &Value {
        &self.root
    }

    /// The operation serving `method path` (a concrete path, query removed): its
    /// path template and object. `None` for routes the document does not describe.
    pub fn operation(&self, method: &str, path: &str) -> Option<(&str, &Value)> {
        let path = path.split('?').next().unwrap_or(path);
        let paths = self.root["paths"].as_object()?;
        paths.iter().find_map(|(template, item)| {
            let op = item.get(method.to_ascii_lowercase())?;
            template_matches(template, path).then_some((template.as_str(), op))
        })
    }

    /// The declared response of `op` for `status`: the exact status, else its range
    /// (`4XX`, `5XX`), else `default`. `Err` when the status is not declared.
    pub fn response<'a>(&self, op: &'a Value, status: u16) -> Result<&'a Value, String> {
        let responses = &op["responses"];
        let range = format!("{}XX", status / 100);
        [status.to_string(), range, "default".to_owned()]
            .iter()
            .find_map(|key| responses.get(key))
            .ok_or_else(|| {
                let declared: Vec<&String> = responses
                    .as_object()
                    .map(|r| r.keys().collect())
                    .unwrap_or_default();
                format!("status {status} is not declared (declared: {declared:?})")
            })
    }

    /// The JSON schema of a response, if it has a JSON body.
    pub fn json_schema<'a>(&self, response: &'a Value) -> Option<&'a Value> {
        let content = response["content"].as_object()?;
        content
            .iter()
            .find(|(media, _)| media.starts_with("application/json"))
            .map(|(_, media)| &media["schema"])
    }

    /// Checks `value` against `schema`; problems are pushed with their JSON path.
    pub fn validate(&self, schema: &Value, value: &Value, at: &str, problems: &mut Vec<String>) {
        let Some(schema) = schema.as_object() else {
            problems.push(format!("{at}: the schema is not an object: {schema}"));
            return;
        };
        if value.is_null() && schema.get("nullable") == Some(&Value::Bool(true)) {
            return;
        }
        if ["properties", "required", "additionalProperties"]
            .iter()
            .any(|k| schema.contains_key(*k))
        {
            self.check_object(schema, value, at, problems);
        }
        for (keyword, rule) in schema {
            match keyword.as_str() {
                "$ref" => match self.resolve(rule) {
                    Some(target) => self.validate(target, value, at, problems),
                    None => problems.push(format!("{at}: unresolved $ref {rule}")),
                },
                "allOf" => {
                    for part in rule.as_array().into_iter().flatten() {
                        self.validate(part, value, at, problems);
                    }
                }
                "type" => check_type(rule, value, at, problems),
                "properties" | "required" | "additionalProperties" => {}
                "items" => {
                    for (i, item) in value.as_array().into_iter().flatten().enumerate() {
                        self.validate(rule, item, &format!("{at}[{i}]"), problems);
                    }
                }
                "enum" => {
                    if !rule.as_array().is_some_and(|values| values.contains(value)) {
                        problems.push(format!("{at}: {value} is not one of {rule}"));
                    }
                }
                "format" => check_format(rule.as_str().unwrap_or(""), value, at, problems),
                "pattern" => self.check_pattern(schema, rule, value, at, problems),
                "minLength" | "maxLength" | "minItems" | "maxItems" | "minProperties"
                | "maxProperties" | "minimum" | "maximum" => {
                    check_bound(keyword, rule, value, at, problems)
                }
                "nullable" => {}
                other if ANNOTATIONS.contains(&other) => {}
                other => problems.push(format!("{at}: the validator does not know `{other}`")),
            }
        }
    }

    /// The schema `#/components/schemas/<name>` refers to.
    pub fn resolve(&self, reference: &Value) -> Option<&Value> {
        let name = reference.as_str()?.strip_prefix("#/components/schemas/")?;
        self.root["components"]["schemas"].get(name)
    }

    fn check_object(
        &self,
        schema: &serde_json::Map<String, Value>,
        value: &Value,
        at: &str,
        problems: &mut Vec<String>,
    ) {
        let Some(object) = value.as_object() else {
            return; // `type` reports it
        };
        let empty = serde_json::Map::new();
        let properties = schema
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        for name in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !object.contains_key(name) {
                problems.push(format!("{at}: the required property `{name}` is missing"));
            }
        }
        let additional = schema.get("additionalProperties");
        for (name, item) in object {
            let here = format!("{at}.{name}");
            match (properties.get(name), additional) {
                (Some(property), _) => self.validate(property, item, &here, problems),
                (None, Some(Value::Object(extra))) => {
                    self.validate(&Value::Object(extra.clone()), item, &here, problems);
                }
                (None, Some(Value::Bool(true))) => {}
                (None, _) => problems.push(format!("{here}: not in the schema")),
            }
        }
    }

    fn check_pattern(
        &self,
        schema: &serde_json::Map<String, Value>,
        rule: &Value,
        value: &Value,
        at: &str,
        problems: &mut Vec<String>,
    ) {
        let (Some(pattern), Some(text)) = (rule.as_str(), value.as_str()) else {
            return;
        };
        let mut cache = self.patterns.lock().expect("pattern cache");
        let regex = cache
            .entry(pattern.to_owned())
            .or_insert_with(|| Regex::new(pattern).expect("the document's patterns compile"));
        if !regex.is_match(text) {
            problems.push(format!("{at}: {text:?} does not match {pattern}"));
        }
        // Money always shows its cents: "85.00", never "85" or "85.5".
        let is_money = pattern == MONEY_PATTERN && schema.get("format") == Some(&"decimal".into());
        let shows_cents = text
            .split_once('.')
            .is_some_and(|(_, cents)| cents.len() == 2);
        if is_money && !shows_cents {
            problems.push(format!(
                "{at}: money {text:?} must have exactly two decimals"
            ));
        }
    }
}

/// Whether a concrete path fits a template such as `/api/v1/quotes/{id}`.
pub fn template_matches(template: &str, path: &str) -> bool {
    let mut parts = path.trim_end_matches('/').split('/');
    let fits = template
        .trim_end_matches('/')
        .split('/')
        .all(|segment| match parts.next() {
            Some(part) if segment.starts_with('{') => !part.is_empty(),
            Some(part) => part == segment,
            None => false,
        });
    fits && parts.next().is_none()
}

fn check_type(rule: &Value, value: &Value, at: &str, problems: &mut Vec<String>) {
    let fits = match rule.as_str().unwrap_or("") {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        other => {
            problems.push(format!("{at}: unknown type {other}"));
            return;
        }
    };
    if !fits {
        problems.push(format!("{at}: {value} is not of type {rule}"));
    }
}

/// A length, item count or value bound; a value of another type is left to `type`.
fn check_bound(keyword: &str, rule: &Value, value: &Value, at: &str, problems: &mut Vec<String>) {
    let Some(bound) = rule.as_f64() else {
        problems.push(format!("{at}: `{keyword}` is not a number"));
        return;
    };
    #[allow(clippy::cast_precision_loss)]
    let measured = match (keyword, value) {
        ("minLength" | "maxLength", Value::String(s)) => s.chars().count() as f64,
        ("minItems" | "maxItems", Value::Array(items)) => items.len() as f64,
        ("minProperties" | "maxProperties", Value::Object(map)) => map.len() as f64,
        ("minimum" | "maximum", Value::Number(n)) => n.as_f64().unwrap_or(f64::NAN),
        _ => return,
    };
    let fits = if keyword.starts_with("min") {
        measured >= bound
    } else {
        measured <= bound
    };
    if !fits {
        problems.push(format!("{at}: {value} breaks {keyword} {rule}"));
    }
}

fn check_format(format: &str, value: &Value, at: &str, problems: &mut Vec<String>) {
    let fits = match (format, value) {
        ("date-time", Value::String(s)) => chrono::DateTime::parse_from_rfc3339(s).is_ok(),
        ("date", Value::String(s)) => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok(),
        ("uuid", Value::String(s)) => s.parse::<uuid::Uuid>().is_ok(),
        ("decimal", Value::String(s)) => s.parse::<rust_decimal::Decimal>().is_ok(),
        ("int32", v) => v.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
        ("int64", v) => v.is_i64(),
        ("uint32", v) => v.as_u64().is_some_and(|n| u32::try_from(n).is_ok()),
        ("uint64", v) => v.is_u64(),
        ("binary" | "email" | "uri", _) => true,
        // A value of the wrong type is reported by `type`.
        ("date-time" | "date" | "uuid" | "decimal", v) if !v.is_string() => true,
        (other, _) => {
            problems.push(format!(
                "{at}: the validator does not know format `{other}`"
            ));
            return;
        }
    };
    if !fits {
        problems.push(format!("{at}: {value} is not a valid {format}"));
    }
}
