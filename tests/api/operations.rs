//! Health, readiness, docs, request ids and the OpenAPI contract.

use reqwest::{Method, StatusCode};

use crate::helpers::{expect_status, repo_dir, spawn_app};

#[tokio::test]
async fn health_ready_and_docs_answer() {
    let app = spawn_app().await;
    let health = expect_status(
        app.request(Method::GET, "/health", None, None).await,
        StatusCode::OK,
        "health",
    )
    .await;
    assert_eq!(health["status"], "ok");
    let ready = expect_status(
        app.request(Method::GET, "/ready", None, None).await,
        StatusCode::OK,
        "ready",
    )
    .await;
    assert_eq!(
        (
            ready["status"].as_str(),
            ready["database"].as_str(),
            ready["redis"].as_str()
        ),
        (Some("ready"), Some("up"), Some("up"))
    );
    let docs = app.request(Method::GET, "/docs", None, None).await;
    assert_eq!(docs.status(), StatusCode::OK);
    assert!(
        docs.text().await.expect("html").contains("swagger"),
        "Swagger UI served"
    );
    let metrics = app
        .request(Method::GET, "/metrics", None, None)
        .await
        .text()
        .await
        .expect("text");
    assert!(
        metrics.contains("ventanas_http_requests_total"),
        "{metrics}"
    );
    app.cleanup().await;
}

#[tokio::test]
async fn every_answer_carries_a_request_id_and_echoes_a_sane_incoming_one() {
    let app = spawn_app().await;
    let resp = app
        .client
        .get(app.url("/health"))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .expect("sent");
    assert_eq!(
        resp.headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok()),
        Some("abc-123")
    );
    let resp = app
        .client
        .get(app.url("/nope"))
        .header("x-request-id", "bad id with spaces")
        .send()
        .await
        .expect("sent");
    let id = resp
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert_eq!(id.len(), 36, "a fresh uuid replaces an unusable id: {id}");
    app.cleanup().await;
}

/// The OpenAPI document is part of the contract: review its diff like code.
/// `UPDATE_SNAPSHOTS=1 cargo test` rewrites the snapshot after an intended change.
#[tokio::test]
async fn the_openapi_document_matches_the_snapshot() {
    let app = spawn_app().await;
    let spec = expect_status(
        app.request(Method::GET, "/api/v1/openapi.json", None, None)
            .await,
        StatusCode::OK,
        "spec",
    )
    .await;
    let mut spec = spec;
    // The server URL carries the test's random port. Removed rather than nulled: the
    // snapshot is also what the client generator reads (`tests/openapi/`), and a
    // null server list is not a valid document.
    if let Some(document) = spec.as_object_mut() {
        document.remove("servers");
    }
    let rendered = serde_json::to_string_pretty(&spec).expect("json") + "\n";
    let path = repo_dir().join("tests/snapshots/openapi.json");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
        std::fs::write(&path, &rendered).expect("write snapshot");
    }
    let expected = std::fs::read_to_string(&path)
        .expect("tests/snapshots/openapi.json exists (UPDATE_SNAPSHOTS=1 creates it)");
    assert!(
        expected == rendered,
        "the OpenAPI document changed; review and run UPDATE_SNAPSHOTS=1 cargo test"
    );
    for operation in [
        "prices_get",
        "materials_update",
        "platform_tenants_create",
        "auth_login",
        "users_create",
    ] {
        assert!(
            rendered.contains(&format!("\"operationId\": \"{operation}\"")),
            "{operation} documented"
        );
    }
    app.cleanup().await;
}
