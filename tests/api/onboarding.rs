//! The onboarding API: platform keys, tenant creation, idempotency.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{expect_error, expect_status, slug, spawn_app, ADMIN_PASSWORD};

fn tenant_body(slug: &str) -> serde_json::Value {
    json!({ "slug": slug, "name": "Vidrios y Aluminios del Norte",
            "admin": { "email": format!("dueno@{slug}.mx"), "password": ADMIN_PASSWORD } })
}

#[tokio::test]
async fn onboarding_creates_the_tenant_its_admin_and_seven_glass_prices_in_one_go() {
    let app = spawn_app().await;
    let s = slug("norte");
    let resp = app
        .request(
            Method::POST,
            "/api/v1/platform/tenants",
            Some(&app.platform_key),
            Some(tenant_body(&s)),
        )
        .await;
    let body = expect_status(resp, StatusCode::CREATED, "onboard").await;
    assert_eq!(body["slug"], s.as_str());
    assert_eq!(body["name"], "Vidrios y Aluminios del Norte");
    assert_eq!(body["seeded_prices"], 7);
    assert_eq!(body["admin"]["role"], "admin");
    let token = app
        .login(&s, &format!("dueno@{s}.mx"), ADMIN_PASSWORD)
        .await;
    assert_eq!(
        app.get_json("/api/v1/auth/me", &token).await["tenant_id"],
        body["id"]
    );

    let listed = app
        .get_items("/api/v1/platform/tenants", &app.platform_key)
        .await;
    assert!(listed
        .as_array()
        .expect("array")
        .iter()
        .any(|t| t["slug"] == s.as_str()));
    app.cleanup().await;
}

#[tokio::test]
async fn a_duplicate_slug_is_409_and_creates_nothing() {
    let app = spawn_app().await;
    let s = slug("dup");
    let first = app
        .request(
            Method::POST,
            "/api/v1/platform/tenants",
            Some(&app.platform_key),
            Some(tenant_body(&s)),
        )
        .await;
    expect_status(first, StatusCode::CREATED, "first").await;
    let second = app
        .request(
            Method::POST,
            "/api/v1/platform/tenants",
            Some(&app.platform_key),
            Some(tenant_body(&s)),
        )
        .await;
    expect_error(second, StatusCode::CONFLICT, "tenant_exists", "duplicate").await;
    let listed = app
        .get_items("/api/v1/platform/tenants", &app.platform_key)
        .await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    app.cleanup().await;
}

#[tokio::test]
async fn a_retried_request_with_the_same_idempotency_key_returns_the_first_tenant() {
    let app = spawn_app().await;
    let s = slug("idem");
    let send = |body: serde_json::Value| {
        app.client
            .post(app.url("/api/v1/platform/tenants"))
            .bearer_auth(&app.platform_key)
            .header("Idempotency-Key", "onboard-norte-1")
            .json(&body)
            .send()
    };
    let first = expect_status(
        send(tenant_body(&s)).await.expect("sent"),
        StatusCode::CREATED,
        "first",
    )
    .await;
    let again = expect_status(
        send(tenant_body(&s)).await.expect("sent"),
        StatusCode::CREATED,
        "retry",
    )
    .await;
    assert_eq!(first, again, "the retry answers exactly the first result");
    let listed = app
        .get_items("/api/v1/platform/tenants", &app.platform_key)
        .await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "no second tenant");

    let other = send(tenant_body(&slug("other"))).await.expect("sent");
    expect_error(
        other,
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_key_reused",
        "same key, other body",
    )
    .await;
    app.cleanup().await;
}

#[tokio::test]
async fn invalid_onboarding_requests_are_refused_with_the_field_named_and_create_nothing() {
    let app = spawn_app().await;
    let cases = [
        (
            json!({ "slug": "Bad Slug", "name": "x", "admin": { "email": "a@b.mx", "password": ADMIN_PASSWORD } }),
            "slug",
        ),
        (
            json!({ "slug": "-edge", "name": "x", "admin": { "email": "a@b.mx", "password": ADMIN_PASSWORD } }),
            "slug",
        ),
        (
            json!({ "slug": "api", "name": "x", "admin": { "email": "a@b.mx", "password": ADMIN_PASSWORD } }),
            "slug",
        ),
        (
            json!({ "slug": "ok-slug", "name": "  ", "admin": { "email": "a@b.mx", "password": ADMIN_PASSWORD } }),
            "name",
        ),
        (
            json!({ "slug": "ok-slug", "name": "x", "admin": { "email": "nope", "password": ADMIN_PASSWORD } }),
            "admin.email",
        ),
        (
            json!({ "slug": "ok-slug", "name": "x", "admin": { "email": "a@b.mx", "password": "short" } }),
            "admin.password",
        ),
        (json!({ "slug": "ok-slug", "name": "x" }), "admin"),
        (
            json!({ "slug": 42, "name": "x", "admin": { "email": "a@b.mx", "password": ADMIN_PASSWORD } }),
            "slug",
        ),
    ];
    for (body, field) in cases {
        let resp = app
            .request(
                Method::POST,
                "/api/v1/platform/tenants",
                Some(&app.platform_key),
                Some(body.clone()),
            )
            .await;
        let status = resp.status();
        let err = expect_status(resp, status, field).await;
        assert!(
            status == StatusCode::BAD_REQUEST || status == StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {status}"
        );
        assert!(
            err["message"].as_str().is_some_and(|m| m.contains(field))
                || err["details"]["field"] == field,
            "{field} not named: {err}"
        );
    }
    let listed = app
        .get_items("/api/v1/platform/tenants", &app.platform_key)
        .await;
    assert_eq!(listed.as_array().map(Vec::len), Some(0));
    app.cleanup().await;
}

#[tokio::test]
async fn onboarding_needs_a_live_platform_key() {
    let app = spawn_app().await;
    let body = tenant_body(&slug("nokey"));
    let resp = app
        .request(
            Method::POST,
            "/api/v1/platform/tenants",
            None,
            Some(body.clone()),
        )
        .await;
    expect_error(resp, StatusCode::UNAUTHORIZED, "unauthenticated", "no key").await;
    let fake = format!("vtp.{}", "0".repeat(64));
    let resp = app
        .request(
            Method::POST,
            "/api/v1/platform/tenants",
            Some(&fake),
            Some(body.clone()),
        )
        .await;
    expect_error(
        resp,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        "unknown key",
    )
    .await;

    // A revoked key stops working at once.
    let pool = app.platform_pool().await;
    sqlx::query("UPDATE platform_api_keys SET revoked_at = now()")
        .execute(&pool)
        .await
        .expect("revoke");
    let resp = app
        .request(
            Method::POST,
            "/api/v1/platform/tenants",
            Some(&app.platform_key),
            Some(body),
        )
        .await;
    expect_error(
        resp,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        "revoked key",
    )
    .await;
    app.cleanup().await;
}
