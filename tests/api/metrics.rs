//! `/metrics` serves Prometheus series labelled by operation (never by URL), with
//! latencies, pool, cache, password-hashing and PDF figures.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{expect_status, slug, spawn_app};

/// The value of the series `name{labels}` where every `label="value"` pair is present.
fn value(metrics: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    metrics
        .lines()
        .filter(|l| !l.starts_with('#'))
        .find(|l| {
            let (series, _) = l.rsplit_once(' ').unwrap_or((l, ""));
            let matches_name = series == name || series.starts_with(&format!("{name}{{"));
            matches_name
                && labels
                    .iter()
                    .all(|(k, v)| series.contains(&format!("{k}=\"{v}\"")))
        })
        .and_then(|l| l.rsplit_once(' '))
        .and_then(|(_, v)| v.parse().ok())
}

#[tokio::test]
async fn requests_are_counted_and_timed_by_operation_and_the_rest_is_measured() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("metrics")).await;
    for _ in 0..3 {
        app.get_json("/api/v1/prices/VID-CLARO-4", &t.admin_token)
            .await;
    }
    let missing = app.get("/api/v1/prices/NO-SUCH-CODE", &t.admin_token).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let unknown = app
        .request(Method::GET, "/api/v1/nowhere/123", None, None)
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    // A quote's PDF, for the render time.
    let client = app
        .request(
            Method::POST,
            "/api/v1/clients",
            Some(&t.admin_token),
            Some(json!({"name": "Cliente"})),
        )
        .await;
    let client = expect_status(client, StatusCode::CREATED, "client").await;
    let quote = app
        .request(
            Method::POST,
            "/api/v1/quotes",
            Some(&t.admin_token),
            Some(json!({"client_id": client["id"], "items": [
                {"product": "VEN-FIJA-NAC3", "width_cm": "100", "height_cm": "100", "quantity": 1}
            ]})),
        )
        .await;
    let quote = expect_status(quote, StatusCode::CREATED, "quote").await;
    let id = quote["id"].as_str().expect("id");
    let pdf = app
        .get(&format!("/api/v1/quotes/{id}/pdf"), &t.admin_token)
        .await;
    assert_eq!(pdf.status(), StatusCode::OK);

    let resp = app.request(Method::GET, "/metrics", None, None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let metrics = resp.text().await.expect("text");
    let requests = "ventanas_http_requests_total";
    let ok = [
        ("operation", "prices_get"),
        ("method", "GET"),
        ("status", "200"),
    ];
    assert!(value(&metrics, requests, &ok) >= Some(3.0), "{metrics}");
    let not_found = [("operation", "prices_get"), ("status", "404")];
    assert!(value(&metrics, requests, &not_found) >= Some(1.0));
    let unrouted = [("operation", "other"), ("status", "404")];
    assert!(
        value(&metrics, requests, &unrouted) >= Some(1.0),
        "unknown routes share a label"
    );
    assert!(
        !metrics.contains("NO-SUCH-CODE") && !metrics.contains("/api/v1/"),
        "no URL ever becomes a label"
    );
    let latency = "ventanas_http_request_duration_seconds_count";
    assert!(value(&metrics, latency, &[("operation", "prices_get")]) >= Some(4.0));
    assert!(value(&metrics, "ventanas_db_pool_connections", &[("pool", "app")]) >= Some(1.0));
    assert!(value(&metrics, "ventanas_db_acquire_seconds_count", &[]) >= Some(1.0));
    assert!(value(&metrics, "ventanas_cache_hits_total", &[("tier", "l1")]) >= Some(1.0));
    assert!(value(&metrics, "ventanas_password_hash_wait_seconds_count", &[]) >= Some(1.0));
    assert!(value(&metrics, "ventanas_password_hash_queue", &[]).is_some());
    assert!(value(&metrics, "ventanas_pdf_render_seconds_count", &[]) >= Some(1.0));
    app.cleanup().await;
}
