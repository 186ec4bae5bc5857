//! Over HTTP: one tenant's session can neither see nor change another's data, and
//! roles limit what a session may do.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{expect_error, expect_status, slug, spawn_app, TestApp};

#[tokio::test]
async fn every_endpoint_called_with_tenant_a_on_tenant_b_resources_answers_404_and_changes_nothing()
{
    let app = spawn_app().await;
    every_endpoint_called_with_tenant_a_on_tenant_b_resources_answers_404_and_changes_nothing_on(
        &app,
    )
    .await;
    app.cleanup().await;
}

/// The scenario of [`every_endpoint_called_with_tenant_a_on_tenant_b_resources_answers_404_and_changes_nothing`] on a running app (also run on Citus: tests/api/citus.rs).
pub(crate) async fn every_endpoint_called_with_tenant_a_on_tenant_b_resources_answers_404_and_changes_nothing_on(
    app: &TestApp,
) {
    let a = app.onboard(&slug("a")).await;
    let b = app.onboard(&slug("b")).await;

    // B's own material and user.
    let resp = app
        .request(
            Method::POST,
            "/api/v1/materials",
            Some(&b.admin_token),
            Some(json!({ "code": "HER-SOLO-B", "name": "Herraje de B", "category": "hardware", "unit": "piece", "price": "10.00" })),
        )
        .await;
    expect_status(resp, StatusCode::CREATED, "B creates a material").await;
    let b_users = app.get_items("/api/v1/users", &b.admin_token).await;
    let b_admin_id = b_users[0]["id"].as_str().expect("B admin id").to_owned();

    let cases: Vec<(Method, String, Option<serde_json::Value>)> = vec![
        (Method::GET, "/api/v1/materials/HER-SOLO-B".into(), None),
        (
            Method::GET,
            "/api/v1/materials/HER-SOLO-B/history".into(),
            None,
        ),
        (Method::GET, "/api/v1/prices/HER-SOLO-B".into(), None),
        (
            Method::PATCH,
            "/api/v1/materials/HER-SOLO-B".into(),
            Some(json!({ "price": "1.00" })),
        ),
        (Method::DELETE, "/api/v1/materials/HER-SOLO-B".into(), None),
        (Method::GET, format!("/api/v1/users/{b_admin_id}"), None),
        (
            Method::PATCH,
            format!("/api/v1/users/{b_admin_id}"),
            Some(json!({ "active": false })),
        ),
    ];
    for (method, path, body) in cases {
        let mut req = app
            .client
            .request(method.clone(), app.url(&path))
            .bearer_auth(&a.admin_token);
        if let Some(body) = body {
            req = req.header("If-Match", "*").json(&body);
        }
        let resp = req.send().await.expect("sent");
        let status = resp.status();
        assert!(
            status == StatusCode::NOT_FOUND || status == StatusCode::FORBIDDEN,
            "{method} {path} with A's session answered {status}"
        );
    }
    // A's listings do not show B's data.
    let listed = app.get_items("/api/v1/materials", &a.admin_token).await;
    assert!(
        !listed.to_string().contains("HER-SOLO-B"),
        "A's catalogue lists B's material"
    );
    let users = app.get_items("/api/v1/users", &a.admin_token).await;
    assert!(
        !users.to_string().contains(&b.admin_email),
        "A's users list B's admin"
    );

    // Nothing of B's changed.
    assert_eq!(app.price_of("HER-SOLO-B", &b.admin_token).await, "10.00");
    let me = app.get_json("/api/v1/auth/me", &b.admin_token).await;
    assert_eq!(me["role"], "admin", "B's admin still active and admin");

    // A's edit of a shared code does not reach B.
    app.set_price("VID-CLARO-4", &a.admin_token, "123.45").await;
    assert_eq!(app.price_of("VID-CLARO-4", &b.admin_token).await, "85.00");
}

#[tokio::test]
async fn a_token_edited_to_name_another_tenant_is_refused() {
    let app = spawn_app().await;
    let a = app.onboard(&slug("a")).await;
    let b = app.onboard(&slug("b")).await;
    let forged = a
        .admin_token
        .replace(&a.id.simple().to_string(), &b.id.simple().to_string());
    assert_ne!(forged, a.admin_token);
    let resp = app.get("/api/v1/prices/VID-CLARO-4", &forged).await;
    expect_error(
        resp,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        "forged token",
    )
    .await;
    app.cleanup().await;
}

#[tokio::test]
async fn viewers_and_estimators_read_prices_but_cannot_change_them_or_manage_users() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("roles")).await;
    for role in ["viewer", "estimator"] {
        let token = app.user_token(&t, role).await;
        assert_eq!(
            app.price_of("VID-CLARO-4", &token).await,
            "85.00",
            "{role} reads prices"
        );
        let tag = app.etag("VID-CLARO-4", &token).await;
        let resp = app
            .patch(
                "/api/v1/materials/VID-CLARO-4",
                &token,
                Some(&tag),
                json!({ "price": "1.00" }),
            )
            .await;
        expect_error(resp, StatusCode::FORBIDDEN, "forbidden", role).await;
        let resp = app
            .request(
                Method::POST,
                "/api/v1/materials",
                Some(&token),
                Some(json!({ "code": "X-1", "name": "x", "category": "hardware", "unit": "piece", "price": "1.00" })),
            )
            .await;
        expect_error(resp, StatusCode::FORBIDDEN, "forbidden", role).await;
        let resp = app
            .request(
                Method::DELETE,
                "/api/v1/materials/VID-CLARO-4",
                Some(&token),
                None,
            )
            .await;
        expect_error(resp, StatusCode::FORBIDDEN, "forbidden", role).await;
        let resp = app.get("/api/v1/users", &token).await;
        expect_error(resp, StatusCode::FORBIDDEN, "forbidden", role).await;
    }
    assert_eq!(
        app.price_of("VID-CLARO-4", &t.admin_token).await,
        "85.00",
        "nothing changed"
    );
    app.cleanup().await;
}

#[tokio::test]
async fn platform_keys_and_tenant_sessions_do_not_open_each_others_endpoints() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("keys")).await;
    let resp = app.get("/api/v1/platform/tenants", &t.admin_token).await;
    expect_error(
        resp,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        "tenant token on platform API",
    )
    .await;
    let resp = app
        .get("/api/v1/prices/VID-CLARO-4", &app.platform_key)
        .await;
    expect_error(
        resp,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        "platform key on tenant API",
    )
    .await;
    let resp = app
        .request(Method::GET, "/api/v1/prices/VID-CLARO-4", None, None)
        .await;
    expect_error(
        resp,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        "no credentials",
    )
    .await;
    app.cleanup().await;
}
