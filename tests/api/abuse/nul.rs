//! A NUL character anywhere in a request is a 400 naming the field (PostgreSQL
//! refuses NUL in text, which used to surface as a 500), and nothing is written.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{expect_status, slug, spawn_app, TestApp, ADMIN_PASSWORD};

/// Asserts the 400 in the shared envelope, naming `field`: `invalid_field` in a
/// body, `bad_request` in a parameter.
async fn expect_nul_refused(resp: reqwest::Response, field: &str, what: &str) {
    let body = expect_status(resp, StatusCode::BAD_REQUEST, what).await;
    let code = if field == "search" || field == "code" {
        "bad_request"
    } else {
        "invalid_field"
    };
    assert_eq!(body["code"], code, "{what}: {body}");
    assert_eq!(body["details"]["field"], field, "{what}: {body}");
    let message = body["message"].as_str().expect("message");
    assert!(message.contains("NUL"), "{what}: {message}");
}

/// Sends a raw JSON text (`\u0000` escapes as a client would send them).
async fn post_raw(app: &TestApp, path: &str, token: Option<&str>, json: &str) -> reqwest::Response {
    let mut req = app
        .client
        .post(app.url(path))
        .header("Content-Type", "application/json")
        .body(json.to_owned());
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    req.send().await.expect("request sent")
}

#[tokio::test]
async fn a_nul_in_a_json_string_is_a_400_naming_the_field_and_nothing_is_written() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("nul")).await;

    // Unauthenticated: the login itself.
    let login = format!(
        r#"{{"tenant": "{}", "email": "admin\u0000@x.mx", "password": "{ADMIN_PASSWORD}"}}"#,
        t.slug
    );
    let resp = post_raw(&app, "/api/v1/auth/login", None, &login).await;
    expect_nul_refused(resp, "email", "login").await;

    // A string field of a created resource, at the top level and nested.
    let resp = post_raw(
        &app,
        "/api/v1/clients",
        Some(&t.admin_token),
        r#"{"name": "Cli\u0000ente"}"#,
    )
    .await;
    expect_nul_refused(resp, "name", "client name").await;
    let clients = app.get_items("/api/v1/clients", &t.admin_token).await;
    assert_eq!(clients, json!([]), "no client was created");

    let client = app
        .request(
            Method::POST,
            "/api/v1/clients",
            Some(&t.admin_token),
            Some(json!({ "name": "Cliente" })),
        )
        .await;
    let client: Value = expect_status(client, StatusCode::CREATED, "client").await;
    let quote = format!(
        r#"{{"client_id": "{}", "items": [{{"product": "VEN-FIJA-NAC3", "width_cm": "100",
             "height_cm": "100", "quantity": 1}},
            {{"product": "VEN\u0000", "width_cm": "100", "height_cm": "100", "quantity": 1}}]}}"#,
        client["id"].as_str().expect("id")
    );
    let resp = post_raw(&app, "/api/v1/quotes", Some(&t.admin_token), &quote).await;
    expect_nul_refused(resp, "items[1].product", "quote item").await;
    let quotes = app.get_items("/api/v1/quotes", &t.admin_token).await;
    assert_eq!(quotes, json!([]), "no quote was created");
    app.cleanup().await;
}

#[tokio::test]
async fn a_nul_in_a_query_or_path_parameter_is_a_400_naming_the_parameter() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("nulq")).await;
    for (path, field) in [
        ("/api/v1/clients?search=ab%00c", "search"),
        ("/api/v1/clients?limit=5&search=%00", "search"),
        ("/api/v1/materials/VID%00CLARO", "code"),
        ("/api/v1/prices/VID-CLARO-4%00", "code"),
    ] {
        let resp = app.get(path, &t.admin_token).await;
        expect_nul_refused(resp, field, path).await;
    }
    // Also before authentication, and on writes.
    let resp = app
        .request(Method::GET, "/api/v1/materials/A%00", None, None)
        .await;
    expect_nul_refused(resp, "code", "unauthenticated").await;
    let resp = app
        .patch(
            "/api/v1/materials/VID-CLARO-4%00",
            &t.admin_token,
            Some("\"x\""),
            json!({ "price": "1.00" }),
        )
        .await;
    expect_nul_refused(resp, "code", "patch").await;
    // An escaped percent sign is not a NUL.
    let resp = app
        .get("/api/v1/clients?search=%2500", &t.admin_token)
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    app.cleanup().await;
}
