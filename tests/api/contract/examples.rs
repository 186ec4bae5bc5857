//! The main request bodies carry an example, and each example is a valid request:
//! it fits its schema, and sent as it is (ids aside) it is accepted.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::answers::document;
use super::schema::Document;
use crate::helpers::{expect_status, spawn_app, TestApp};

/// The request bodies that must carry an example.
const WITH_EXAMPLES: [&str; 14] = [
    "LoginRequest",
    "CreateTenant",
    "CreateUser",
    "CreateMaterial",
    "UpdateMaterial",
    "ProductSpec",
    "TaxRateInput",
    "ClientInput",
    "PreviewRequest",
    "QuoteCreate",
    "QuotePatch",
    "QuoteSettings",
    "CompanyInput",
    "CreateWebhook",
];

fn example(document: &Document, name: &str) -> Value {
    let schema = &document.root()["components"]["schemas"][name];
    let example = schema["example"].clone();
    assert!(example.is_object(), "{name} has an example");
    let mut problems = Vec::new();
    document.validate(schema, &example, name, &mut problems);
    assert!(problems.is_empty(), "{name}'s example: {problems:?}");
    example
}

/// Sends an example and expects `status`.
async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Value,
    status: StatusCode,
) -> Value {
    let what = format!("the example of {method} {path}");
    expect_status(
        app.request(method, path, Some(token), Some(body)).await,
        status,
        &what,
    )
    .await
}

#[tokio::test]
async fn the_request_examples_fit_their_schemas_and_are_accepted_as_they_are() {
    let app = spawn_app().await;
    let document = document(&app).await;
    let ex = |name| example(document, name);
    for name in WITH_EXAMPLES {
        ex(name);
    }
    let key = app.platform_key.clone();
    send(
        &app,
        Method::POST,
        "/api/v1/platform/tenants",
        &key,
        ex("CreateTenant"),
        StatusCode::CREATED,
    )
    .await;
    let login = ex("LoginRequest");
    let resp = app
        .request(Method::POST, "/api/v1/auth/login", None, Some(login))
        .await;
    let session = expect_status(
        resp,
        StatusCode::OK,
        "the login example logs the onboarded admin in",
    )
    .await;
    let token = session["token"].as_str().expect("token").to_owned();
    let t = token.as_str();

    send(
        &app,
        Method::POST,
        "/api/v1/users",
        t,
        ex("CreateUser"),
        StatusCode::CREATED,
    )
    .await;
    let material = send(
        &app,
        Method::POST,
        "/api/v1/materials",
        t,
        ex("CreateMaterial"),
        StatusCode::CREATED,
    )
    .await;
    let code = material["code"].as_str().expect("code");
    let tag = app.etag(code, t).await;
    let path = format!("/api/v1/materials/{code}");
    let resp = app.patch(&path, t, Some(&tag), ex("UpdateMaterial")).await;
    expect_status(
        resp,
        StatusCode::OK,
        "the example of PATCH /api/v1/materials/{code}",
    )
    .await;
    send(
        &app,
        Method::POST,
        "/api/v1/products",
        t,
        ex("ProductSpec"),
        StatusCode::CREATED,
    )
    .await;
    send(
        &app,
        Method::POST,
        "/api/v1/tax-rates",
        t,
        ex("TaxRateInput"),
        StatusCode::CREATED,
    )
    .await;
    send(
        &app,
        Method::PUT,
        "/api/v1/settings/quotes",
        t,
        ex("QuoteSettings"),
        StatusCode::OK,
    )
    .await;
    send(
        &app,
        Method::PUT,
        "/api/v1/settings/company",
        t,
        ex("CompanyInput"),
        StatusCode::OK,
    )
    .await;
    send(
        &app,
        Method::POST,
        "/api/v1/quotes/preview",
        t,
        ex("PreviewRequest"),
        StatusCode::OK,
    )
    .await;
    let client = send(
        &app,
        Method::POST,
        "/api/v1/clients",
        t,
        ex("ClientInput"),
        StatusCode::CREATED,
    )
    .await;

    let mut create = ex("QuoteCreate");
    create["client_id"] = client["id"].clone();
    let quote = send(
        &app,
        Method::POST,
        "/api/v1/quotes",
        t,
        create,
        StatusCode::CREATED,
    )
    .await;
    let mut patch = ex("QuotePatch");
    if patch.get("client_id").is_some() {
        patch["client_id"] = client["id"].clone();
    }
    let path = format!("/api/v1/quotes/{}", quote["id"].as_str().expect("id"));
    send(&app, Method::PATCH, &path, t, patch, StatusCode::OK).await;
    // Last, so that none of the changes above is sent to the example's receiver.
    send(
        &app,
        Method::POST,
        "/api/v1/webhooks",
        t,
        ex("CreateWebhook"),
        StatusCode::CREATED,
    )
    .await;
    app.cleanup().await;
}
