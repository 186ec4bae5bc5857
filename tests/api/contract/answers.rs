//! Every answer the suite receives through the helpers (`TestApp::request`, `get`,
//! `patch`, ...) is checked against the served OpenAPI document: its status is
//! declared for its operation, an error's code is one the operation lists for that
//! status, and a JSON body fits the declared schema (money with two decimals).

use reqwest::Method;
use serde_json::Value;
use tokio::sync::OnceCell;

use super::schema::Document;
use crate::helpers::TestApp;

/// The served document, the same for every app of a run.
static DOCUMENT: OnceCell<Document> = OnceCell::const_new();

/// The served OpenAPI document (fetched once from `app`).
pub async fn document(app: &TestApp) -> &'static Document {
    DOCUMENT
        .get_or_init(|| async {
            let resp = app
                .client
                .get(app.url("/api/v1/openapi.json"))
                .send()
                .await
                .expect("document fetched");
            assert!(resp.status().is_success(), "the document is served");
            Document::new(resp.json().await.expect("the document is JSON"))
        })
        .await
}

/// Checks an answer to `method path` and hands it back unchanged (rebuilt from its
/// status, headers and body, which checking had to read).
pub async fn checked(
    app: &TestApp,
    method: &Method,
    path: &str,
    resp: reqwest::Response,
) -> reqwest::Response {
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp.bytes().await.expect("body read");
    let problems = problems(
        document(app).await,
        method,
        path,
        status.as_u16(),
        &headers,
        &body,
    );
    assert!(
        problems.is_empty(),
        "{method} {path} answered {status} against the OpenAPI document:\n  {}\nbody: {}",
        problems.join("\n  "),
        String::from_utf8_lossy(&body)
    );
    let mut rebuilt = poem::http::Response::builder().status(status);
    if let Some(map) = rebuilt.headers_mut() {
        *map = headers;
    }
    rebuilt
        .body(body.to_vec())
        .expect("response rebuilt")
        .into()
}

/// What is wrong with an answer; empty when it fits the document (or when the
/// document does not describe the route, e.g. `/docs` or a 404 for no route).
pub fn problems(
    document: &Document,
    method: &Method,
    path: &str,
    status: u16,
    headers: &reqwest::header::HeaderMap,
    body: &[u8],
) -> Vec<String> {
    let Some((template, op)) = document.operation(method.as_str(), path) else {
        return Vec::new();
    };
    let operation_id = op["operationId"].as_str().unwrap_or(template);
    let response = match document.response(op, status) {
        Ok(response) => response,
        Err(problem) => return vec![format!("{operation_id}: {problem}")],
    };
    let is_json = headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    let Some(schema) = document.json_schema(response) else {
        return if is_json && !body.is_empty() {
            vec![format!("{operation_id}: {status} declares no JSON body")]
        } else {
            Vec::new()
        };
    };
    let value: Value = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(err) => return vec![format!("{operation_id}: the body is not JSON: {err}")],
    };
    let mut problems = Vec::new();
    if let Some(codes) = response["x-error-codes"].as_array() {
        if !codes.contains(&value["code"]) {
            problems.push(format!(
                "{operation_id}: {status} {} is not among the declared codes {codes:?}",
                value["code"]
            ));
        }
    }
    document.validate(schema, &value, "$", &mut problems);
    problems
        .into_iter()
        .map(|p| format!("{operation_id}: {p}"))
        .collect()
}
