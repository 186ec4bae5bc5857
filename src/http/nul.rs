//! NUL characters (U+0000) in requests: PostgreSQL refuses them in `text`, so one
//! that reached a query used to answer 500. They are refused at the edge instead,
//! with a 400 naming the field: in JSON bodies by [`super::payload`] (as `\u0000`,
//! the only way JSON can carry one), in paths and query strings by [`check`]
//! (as `%00`, the only way a URI can carry one; called by the body-limit layer),
//! before any handler runs.

use poem::http::StatusCode;
use poem::Request;
use poem_openapi::registry::MetaApi;

use crate::error::ApiError;

/// The 400 for a NUL character in `field`: `invalid_field` in a body, `bad_request`
/// in a path or query parameter (as for any parameter that does not parse).
pub fn nul_error(code: &'static str, field: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        code,
        format!("{field}: must not contain the NUL character (U+0000)"),
    )
    .with_details(serde_json::json!({ "field": field }))
}

/// The API's path templates, to name the parameter a path segment stands for.
#[derive(Debug, Default)]
pub struct PathTemplates(Vec<Vec<Segment>>);

#[derive(Debug)]
enum Segment {
    Literal(String),
    Param(String),
}

fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.trim_matches('/').split('/')
}

impl PathTemplates {
    /// Every operation's path template (`/api/v1/materials/{code}`).
    pub fn from_meta(apis: &[MetaApi]) -> Self {
        let templates = apis
            .iter()
            .flat_map(|api| &api.paths)
            .map(|path| {
                segments(&path.path)
                    .map(
                        |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                            Some(name) => Segment::Param(name.to_owned()),
                            None => Segment::Literal(s.to_owned()),
                        },
                    )
                    .collect()
            })
            .collect();
        Self(templates)
    }

    /// The name of the parameter at segment `index` of `path`, if a template with
    /// a parameter there matches every other segment.
    fn param_name(&self, parts: &[&str], index: usize) -> Option<&str> {
        self.0.iter().find_map(|template| {
            if template.len() != parts.len() {
                return None;
            }
            let literals_match = template.iter().zip(parts).all(|(segment, part)| {
                matches!(segment, Segment::Param(_))
                    || matches!(segment, Segment::Literal(l) if l == part)
            });
            match template.get(index) {
                Some(Segment::Param(name)) if literals_match => Some(name.as_str()),
                _ => None,
            }
        })
    }
}

/// The field naming the first NUL in the request's path or query, if any.
fn nul_field(req: &Request, templates: &PathTemplates) -> Option<String> {
    let path = req.uri().path();
    if path.contains("%00") {
        let parts: Vec<&str> = segments(path).collect();
        let index = parts.iter().position(|part| part.contains("%00"))?;
        let name = templates.param_name(&parts, index).unwrap_or("path");
        return Some(name.to_owned());
    }
    let query = req.uri().query().filter(|q| q.contains("%00"))?;
    form_urlencoded::parse(query.as_bytes())
        .find(|(key, value)| key.contains('\0') || value.contains('\0'))
        .map(|(key, _)| key.replace('\0', "\\u0000"))
}

/// Refuses a request whose path or query carries a NUL character: 400 naming the
/// parameter (`code`, `q`, ...).
/// The 400 for a request with a NUL character in its path or query, if it has one.
pub fn check(req: &Request, templates: &PathTemplates) -> Option<ApiError> {
    nul_field(req, templates).map(|field| nul_error("bad_request", &field))
}

/// The path (as serde_path_to_error writes it: `items[0].name`) of the first string
/// or key in `value` holding a NUL character.
pub fn nul_in_json(value: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    fn join(path: &str, key: &str) -> String {
        if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        }
    }
    fn walk(value: &Value, path: String) -> Option<String> {
        match value {
            Value::String(s) if s.contains('\0') => Some(path),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, item)| walk(item, format!("{path}[{i}]"))),
            Value::Object(map) => map.iter().find_map(|(key, item)| {
                if key.contains('\0') {
                    Some(join(&path, &key.replace('\0', "\\u0000")))
                } else {
                    walk(item, join(&path, key))
                }
            }),
            _ => None,
        }
    }
    walk(value, String::new()).map(|path| {
        if path.is_empty() {
            "body".to_owned()
        } else {
            path
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_paths_name_the_string_or_key_holding_a_nul() {
        let cases = [
            (r#"{"email": "a\u0000b"}"#, Some("email")),
            (
                r#"{"items": [{"name": "x"}, {"name": "\u0000"}]}"#,
                Some("items[1].name"),
            ),
            (r#"{"a": {"b\u0000": 1}}"#, Some("a.b\\u0000")),
            (r#""\u0000""#, Some("body")),
            (r#"{"note": "\\u0000 is only text"}"#, None),
            (r#"{"n": 0}"#, None),
        ];
        for (json, expected) in cases {
            let value: serde_json::Value = serde_json::from_str(json).expect(json);
            assert_eq!(nul_in_json(&value).as_deref(), expected, "{json}");
        }
    }

    #[test]
    fn path_parameters_are_named_by_the_matching_template() {
        let templates = PathTemplates(vec![segments("/api/v1/materials/{code}")
            .map(|s| match s {
                "{code}" => Segment::Param("code".into()),
                s => Segment::Literal(s.into()),
            })
            .collect()]);
        let parts: Vec<&str> = segments("/api/v1/materials/A%00B").collect();
        assert_eq!(templates.param_name(&parts, 3), Some("code"));
        let parts: Vec<&str> = segments("/api/v1/other/A%00B").collect();
        assert_eq!(templates.param_name(&parts, 3), None);
    }
}
