//! A tour of the main endpoints and their typical errors. Every answer goes through
//! the helpers, which check it against the document (`contract::answers`): its
//! status is declared, an error's code is listed for that status, and the body fits
//! the schema, with no property the schema lacks and money with two decimals.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{expect_error, expect_status, slug, spawn_app, TestApp, TestTenant};

/// Sends and expects `status`, returning the body.
async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
    status: StatusCode,
) -> Value {
    let what = format!("{method} {path}");
    expect_status(app.request(method, path, token, body).await, status, &what).await
}

/// Sends and expects an error answer with `code`.
async fn fail(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
    (status, code): (StatusCode, &str),
) {
    let what = format!("{method} {path}");
    expect_error(
        app.request(method, path, token, body).await,
        status,
        code,
        &what,
    )
    .await;
}

#[tokio::test]
async fn the_main_endpoints_answer_as_the_document_declares() {
    let app = spawn_app().await;
    let key = app.platform_key.clone();
    let t = platform(&app, &key).await;
    let token = t.admin_token.as_str();
    auth(&app, &t).await;
    catalog(&app, token).await;
    quotes(&app, token).await;
    settings(&app, token).await;
    people(&app, &t).await;
    app.cleanup().await;
}

async fn platform(app: &TestApp, key: &str) -> TestTenant {
    let t = app.onboard(&slug("contract")).await;
    let tenants = "/api/v1/platform/tenants";
    let page = call(app, Method::GET, tenants, Some(key), None, StatusCode::OK).await;
    assert!(
        page["next"].is_null(),
        "`next` is present, null on the last page"
    );
    let one = format!("{tenants}/{}", t.slug);
    call(app, Method::GET, &one, Some(key), None, StatusCode::OK).await;
    let missing = format!("{tenants}/no-such-shop");
    let not_found = (StatusCode::NOT_FOUND, "tenant_not_found");
    fail(app, Method::GET, &missing, Some(key), None, not_found).await;
    let again = json!({ "slug": t.slug, "name": "Otra", "admin": { "email": "a@b.mx", "password": "0123456789ab" } });
    let taken = (StatusCode::CONFLICT, "tenant_exists");
    fail(app, Method::POST, tenants, Some(key), Some(again), taken).await;
    let unauthenticated = (StatusCode::UNAUTHORIZED, "unauthenticated");
    fail(app, Method::GET, tenants, None, None, unauthenticated).await;
    t
}

async fn auth(app: &TestApp, t: &TestTenant) {
    let me = call(
        app,
        Method::GET,
        "/api/v1/auth/me",
        Some(&t.admin_token),
        None,
        StatusCode::OK,
    )
    .await;
    assert_eq!(me["tenant_slug"], t.slug.as_str());
    let wrong = app
        .try_login(&t.slug, &t.admin_email, "not the password")
        .await;
    expect_error(
        wrong,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
        "login",
    )
    .await;
    let malformed = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body("{\"tenant\": ");
    let resp = app
        .send(&Method::POST, "/api/v1/auth/login", malformed)
        .await;
    expect_error(
        resp,
        StatusCode::BAD_REQUEST,
        "malformed_json",
        "malformed login",
    )
    .await;
    let unauthenticated = (StatusCode::UNAUTHORIZED, "unauthenticated");
    fail(
        app,
        Method::GET,
        "/api/v1/auth/me",
        None,
        None,
        unauthenticated,
    )
    .await;
}

async fn catalog(app: &TestApp, token: &str) {
    let t = Some(token);
    call(
        app,
        Method::GET,
        "/api/v1/materials?limit=5",
        t,
        None,
        StatusCode::OK,
    )
    .await;
    let glass = "/api/v1/materials/VID-CLARO-6";
    call(app, Method::GET, glass, t, None, StatusCode::OK).await;
    let changed = app.set_price("VID-CLARO-6", token, "130.5").await;
    assert_eq!(changed["price"], "130.50", "money keeps two decimals");
    let stale = app
        .patch(glass, token, Some("\"g1\""), json!({ "price": "1.00" }))
        .await;
    expect_error(
        stale,
        StatusCode::PRECONDITION_FAILED,
        "version_mismatch",
        "stale",
    )
    .await;
    let blind = app
        .patch(glass, token, None, json!({ "price": "1.00" }))
        .await;
    expect_error(
        blind,
        StatusCode::PRECONDITION_REQUIRED,
        "if_match_required",
        "blind",
    )
    .await;
    let missing = (StatusCode::NOT_FOUND, "material_not_found");
    fail(
        app,
        Method::GET,
        "/api/v1/materials/NO-SUCH",
        t,
        None,
        missing,
    )
    .await;
    let history = format!("{glass}/history");
    call(app, Method::GET, &history, t, None, StatusCode::OK).await;
    call(app, Method::GET, "/api/v1/prices", t, None, StatusCode::OK).await;
    call(
        app,
        Method::GET,
        "/api/v1/prices/VID-CLARO-6",
        t,
        None,
        StatusCode::OK,
    )
    .await;
    let no_price = (StatusCode::NOT_FOUND, "price_not_found");
    fail(
        app,
        Method::GET,
        "/api/v1/prices/NO-SUCH",
        t,
        None,
        no_price,
    )
    .await;
    call(
        app,
        Method::GET,
        "/api/v1/products",
        t,
        None,
        StatusCode::OK,
    )
    .await;
    let product = "/api/v1/products/VEN-CORR-NAC3";
    call(app, Method::GET, product, t, None, StatusCode::OK).await;
    let no_product = (StatusCode::NOT_FOUND, "product_not_found");
    fail(
        app,
        Method::GET,
        "/api/v1/products/NO-SUCH",
        t,
        None,
        no_product,
    )
    .await;
    call(
        app,
        Method::GET,
        "/api/v1/tax-rates",
        t,
        None,
        StatusCode::OK,
    )
    .await;
    let bad_limit = (StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    fail(
        app,
        Method::GET,
        "/api/v1/materials?limit=0",
        t,
        None,
        bad_limit,
    )
    .await;
}

fn window() -> Value {
    json!({ "product": "VEN-CORR-NAC3", "width_cm": "150", "height_cm": "120",
            "quantity": 2, "glass": "VID-CLARO-6", "colour": "NAT" })
}

async fn quotes(app: &TestApp, token: &str) {
    let t = Some(token);
    let client =
        json!({ "name": "Casa Pérez", "rfc": "PEGJ800101AB1", "email": "juan@example.mx" });
    let client = call(
        app,
        Method::POST,
        "/api/v1/clients",
        t,
        Some(client),
        StatusCode::CREATED,
    )
    .await;
    let client_id = client["id"].as_str().expect("client id").to_owned();
    let one_client = format!("/api/v1/clients/{client_id}");
    call(app, Method::GET, "/api/v1/clients", t, None, StatusCode::OK).await;
    call(app, Method::GET, &one_client, t, None, StatusCode::OK).await;
    let notes = json!({ "notes": "Llamar antes de ir" });
    call(
        app,
        Method::PATCH,
        &one_client,
        t,
        Some(notes),
        StatusCode::OK,
    )
    .await;

    let preview = json!({ "items": [window()], "material_items": [{ "material": "CON-SIL-NEU", "quantity": "2" }] });
    call(
        app,
        Method::POST,
        "/api/v1/quotes/preview",
        t,
        Some(preview),
        StatusCode::OK,
    )
    .await;
    let unknown = json!({ "items": [{ "product": "NO-SUCH", "width_cm": "100", "height_cm": "100", "quantity": 1 }] });
    let no_product = (StatusCode::NOT_FOUND, "product_not_found");
    fail(
        app,
        Method::POST,
        "/api/v1/quotes/preview",
        t,
        Some(unknown),
        no_product,
    )
    .await;
    let bad = json!({ "items": [{ "product": "VEN-CORR-NAC3", "width_cm": "abc", "height_cm": "100", "quantity": 1 }] });
    let invalid = (StatusCode::BAD_REQUEST, "invalid_field");
    fail(
        app,
        Method::POST,
        "/api/v1/quotes/preview",
        t,
        Some(bad),
        invalid,
    )
    .await;

    let create = json!({ "client_id": client_id, "title": "Planta alta", "items": [window()] });
    let quote = call(
        app,
        Method::POST,
        "/api/v1/quotes",
        t,
        Some(create),
        StatusCode::CREATED,
    )
    .await;
    let id = quote["id"].as_str().expect("quote id").to_owned();
    let one = format!("/api/v1/quotes/{id}");
    call(app, Method::GET, "/api/v1/quotes", t, None, StatusCode::OK).await;
    let patch = json!({ "notes": "Incluye instalación", "discount_rate": "0.05" });
    call(app, Method::PATCH, &one, t, Some(patch), StatusCode::OK).await;
    let send = format!("{one}/send");
    call(app, Method::POST, &send, t, None, StatusCode::OK).await;
    let version = format!("{one}/versions/1");
    call(app, Method::GET, &version, t, None, StatusCode::OK).await;
    call(app, Method::GET, &one, t, None, StatusCode::OK).await;
    let sent = (StatusCode::CONFLICT, "invalid_status");
    fail(app, Method::POST, &send, t, None, sent).await;
    let no_version = (StatusCode::NOT_FOUND, "version_not_found");
    fail(
        app,
        Method::GET,
        &format!("{one}/versions/9"),
        t,
        None,
        no_version,
    )
    .await;
    let bad_id = (StatusCode::BAD_REQUEST, "bad_request");
    fail(
        app,
        Method::GET,
        "/api/v1/quotes/not-a-uuid",
        t,
        None,
        bad_id,
    )
    .await;
    let gone = format!("/api/v1/quotes/{}", uuid::Uuid::new_v4());
    fail(
        app,
        Method::GET,
        &gone,
        t,
        None,
        (StatusCode::NOT_FOUND, "quote_not_found"),
    )
    .await;
}

async fn settings(app: &TestApp, token: &str) {
    let t = Some(token);
    let path = "/api/v1/settings/quotes";
    let current = call(app, Method::GET, path, t, None, StatusCode::OK).await;
    let mut changed = current.clone();
    changed["validity_days"] = json!(30);
    call(app, Method::PUT, path, t, Some(changed), StatusCode::OK).await;
    let mut bad = current;
    bad["validity_days"] = json!(0);
    let invalid = (StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    fail(app, Method::PUT, path, t, Some(bad), invalid).await;
    let company = "/api/v1/settings/company";
    call(app, Method::GET, company, t, None, StatusCode::OK).await;
    let profile = json!({ "legal_name": "Aluminios Pérez SA de CV", "rfc": "APE010101AB1",
                          "phone": "+52 55 1234 5678", "email": "ventas@aluminiosperez.mx" });
    call(app, Method::PUT, company, t, Some(profile), StatusCode::OK).await;
}

async fn people(app: &TestApp, t: &TestTenant) {
    let admin = Some(t.admin_token.as_str());
    call(
        app,
        Method::GET,
        "/api/v1/users",
        admin,
        None,
        StatusCode::OK,
    )
    .await;
    let viewer = app.user_token(t, "viewer").await;
    let forbidden = (StatusCode::FORBIDDEN, "forbidden");
    fail(
        app,
        Method::GET,
        "/api/v1/users",
        Some(&viewer),
        None,
        forbidden,
    )
    .await;
    let taken = json!({ "email": t.admin_email, "password": "0123456789ab", "role": "viewer" });
    let exists = (StatusCode::CONFLICT, "user_exists");
    fail(
        app,
        Method::POST,
        "/api/v1/users",
        admin,
        Some(taken),
        exists,
    )
    .await;
}
