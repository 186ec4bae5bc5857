//! Bad input of any kind: a 4xx in the shared envelope, never a 500, never a
//! partial write.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{expect_status, slug, spawn_app};

#[tokio::test]
async fn bad_material_requests_get_4xx_in_the_error_envelope_and_change_nothing() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("bad")).await;
    let token = t.admin_token.as_str();
    let tag = app.etag("VID-CLARO-4", token).await;
    let before = app
        .get_items("/api/v1/materials?include_inactive=true", token)
        .await;

    let raw = |method: Method, path: &str, body: &str, content_type: &str| {
        app.client
            .request(method, app.url(path))
            .bearer_auth(token)
            .header("If-Match", tag.as_str())
            .header("Content-Type", content_type)
            .body(body.to_owned())
    };
    let json_ct = "application/json";
    let patch = "/api/v1/materials/VID-CLARO-4";
    let cases: Vec<(&str, reqwest::RequestBuilder, StatusCode, Option<&str>)> = vec![
        (
            "malformed JSON",
            raw(Method::PATCH, patch, "{\"price\": ", json_ct),
            StatusCode::BAD_REQUEST,
            None,
        ),
        (
            "price as a number",
            raw(Method::PATCH, patch, r#"{"price": 999.0}"#, json_ct),
            StatusCode::BAD_REQUEST,
            Some("price"),
        ),
        (
            "negative price",
            raw(Method::PATCH, patch, r#"{"price": "-1.00"}"#, json_ct),
            StatusCode::BAD_REQUEST,
            Some("price"),
        ),
        (
            "non-decimal price",
            raw(Method::PATCH, patch, r#"{"price": "12,50"}"#, json_ct),
            StatusCode::BAD_REQUEST,
            Some("price"),
        ),
        (
            "three decimals",
            raw(Method::PATCH, patch, r#"{"price": "1.005"}"#, json_ct),
            StatusCode::BAD_REQUEST,
            Some("price"),
        ),
        (
            "exponent",
            raw(Method::PATCH, patch, r#"{"price": "1e3"}"#, json_ct),
            StatusCode::BAD_REQUEST,
            Some("price"),
        ),
        (
            "wrong type for active",
            raw(Method::PATCH, patch, r#"{"active": "yes"}"#, json_ct),
            StatusCode::BAD_REQUEST,
            Some("active"),
        ),
        (
            "unknown field",
            raw(Method::PATCH, patch, r#"{"prize": "1.00"}"#, json_ct),
            StatusCode::BAD_REQUEST,
            Some("prize"),
        ),
        (
            "empty change",
            raw(Method::PATCH, patch, "{}", json_ct),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("body"),
        ),
        (
            "not JSON at all",
            raw(
                Method::PATCH,
                patch,
                "price=1",
                "application/x-www-form-urlencoded",
            ),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            None,
        ),
        (
            "unknown code",
            raw(
                Method::PATCH,
                "/api/v1/materials/VID-NADA-9",
                r#"{"price": "1.00"}"#,
                json_ct,
            ),
            StatusCode::NOT_FOUND,
            Some("VID-NADA-9"),
        ),
        (
            "malformed code",
            raw(Method::GET, "/api/v1/materials/vid%20claro", "", json_ct),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("code"),
        ),
        (
            "unknown category",
            raw(Method::GET, "/api/v1/materials?category=wood", "", json_ct),
            StatusCode::BAD_REQUEST,
            Some("category"),
        ),
        (
            "oversized body",
            raw(
                Method::PATCH,
                patch,
                &format!(r#"{{"name": "{}"}}"#, "x".repeat(70_000)),
                json_ct,
            ),
            StatusCode::PAYLOAD_TOO_LARGE,
            None,
        ),
        (
            "name too long",
            raw(
                Method::PATCH,
                patch,
                &format!(r#"{{"name": "{}"}}"#, "x".repeat(201)),
                json_ct,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("name"),
        ),
        (
            "glass priced per metre",
            raw(
                Method::POST,
                "/api/v1/materials",
                r#"{"code": "VID-X-1", "name": "x", "category": "glass", "unit": "m", "price": "1.00"}"#,
                json_ct,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("unit"),
        ),
        (
            "bar length on hardware",
            raw(
                Method::POST,
                "/api/v1/materials",
                r#"{"code": "HER-X-1", "name": "x", "category": "hardware", "unit": "piece", "price": "1.00", "bar_length_m": "6.00"}"#,
                json_ct,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("bar_length_m"),
        ),
        (
            "override with another category",
            raw(
                Method::POST,
                "/api/v1/materials",
                r#"{"code": "PER-NAC3-RS", "name": "x", "category": "hardware", "unit": "piece", "price": "1.00"}"#,
                json_ct,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("category"),
        ),
        (
            "duplicate code",
            raw(
                Method::POST,
                "/api/v1/materials",
                r#"{"code": "VID-CLARO-4", "name": "x", "category": "glass", "unit": "m2", "price": "1.00"}"#,
                json_ct,
            ),
            StatusCode::CONFLICT,
            Some("VID-CLARO-4"),
        ),
        (
            "missing price",
            raw(
                Method::POST,
                "/api/v1/materials",
                r#"{"code": "HER-X-2", "name": "x", "category": "hardware", "unit": "piece"}"#,
                json_ct,
            ),
            StatusCode::BAD_REQUEST,
            Some("price"),
        ),
    ];
    for (what, req, status, named) in cases {
        let resp = req.send().await.expect("sent");
        let body = expect_status(resp, status, what).await;
        assert!(
            body["code"].is_string() && body["message"].is_string(),
            "{what}: envelope {body}"
        );
        if let Some(named) = named {
            assert!(
                body.to_string().contains(named),
                "{what}: {named} not named in {body}"
            );
        }
    }
    let after = app
        .get_items("/api/v1/materials?include_inactive=true", token)
        .await;
    assert_eq!(before, after, "no bad request changed anything");
    app.cleanup().await;
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_in_the_envelope() {
    let app = spawn_app().await;
    let resp = app
        .request(Method::GET, "/api/v1/nothing-here", None, None)
        .await;
    let body = expect_status(resp, StatusCode::NOT_FOUND, "unknown route").await;
    assert_eq!(body["code"], "not_found");
    let resp = app
        .request(
            Method::PUT,
            "/api/v1/prices/VID-CLARO-4",
            None,
            Some(json!({})),
        )
        .await;
    let status = resp.status();
    let body = expect_status(resp, status, "wrong method").await;
    assert!(status.is_client_error(), "{status}");
    assert!(body["code"].is_string(), "{body}");
    app.cleanup().await;
}
