//! Login, sessions, throttling and user management.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{
    expect_error, expect_named_error, expect_status, slug, spawn_app, spawn_app_with,
    ADMIN_PASSWORD,
};

#[tokio::test]
async fn login_sets_a_host_cookie_that_authenticates_like_the_bearer_token() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("cookie")).await;
    let resp = app.try_login(&t.slug, &t.admin_email, ADMIN_PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let cookie = resp
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("cookie")
        .to_owned();
    let body: serde_json::Value = resp.json().await.expect("json");
    let token = body["token"].as_str().expect("token");
    assert!(
        cookie.starts_with(&format!("__Host-ventanas_session={token};")),
        "{cookie}"
    );
    for attr in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attr), "cookie lacks {attr}: {cookie}");
    }
    assert!(body["expires_at"].is_string());

    let me = app
        .client
        .get(app.url("/api/v1/auth/me"))
        .header("Cookie", format!("__Host-ventanas_session={token}"))
        .send()
        .await
        .expect("sent");
    let me = expect_status(me, StatusCode::OK, "me by cookie").await;
    assert_eq!(
        (me["email"].as_str(), me["role"].as_str()),
        (Some(t.admin_email.as_str()), Some("admin"))
    );
    assert_eq!(me["tenant_slug"], t.slug);
    app.cleanup().await;
}

#[tokio::test]
async fn unknown_users_unknown_tenants_and_wrong_passwords_answer_identically() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("same")).await;
    let mut answers = Vec::new();
    for (tenant, email, password) in [
        (t.slug.as_str(), t.admin_email.as_str(), "not the password"),
        (t.slug.as_str(), "nobody@example.mx", ADMIN_PASSWORD),
        ("no-such-shop", t.admin_email.as_str(), ADMIN_PASSWORD),
    ] {
        let resp = app.try_login(tenant, email, password).await;
        answers.push((resp.status(), resp.text().await.expect("body")));
    }
    assert_eq!(answers[0].0, StatusCode::UNAUTHORIZED);
    assert!(answers[0].1.contains("invalid_credentials"));
    assert!(
        answers.iter().all(|a| *a == answers[0]),
        "answers differ: {answers:?}"
    );
    app.cleanup().await;
}

#[tokio::test]
async fn repeated_failures_lock_the_account_even_for_the_right_password() {
    let app = spawn_app_with(|s| {
        s.auth.max_failed_logins = 3;
        s.auth.lockout_seconds = 600;
    })
    .await;
    let t = app.onboard(&slug("lock")).await;
    for attempt in 1..=3 {
        let resp = app
            .try_login(&t.slug, &t.admin_email, "wrong password!")
            .await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    let resp = app.try_login(&t.slug, &t.admin_email, ADMIN_PASSWORD).await;
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    expect_error(
        resp,
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
        "locked",
    )
    .await;
    assert!(
        retry_after.is_some_and(|s| s > 500 && s <= 600),
        "Retry-After {retry_after:?}"
    );
    // Unknown emails are throttled the same way, so locking reveals nothing.
    for _ in 1..=3 {
        app.try_login(&t.slug, "ghost@example.mx", "whatever it is")
            .await;
    }
    let resp = app
        .try_login(&t.slug, "ghost@example.mx", "whatever it is")
        .await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    app.cleanup().await;
}

#[tokio::test]
async fn logout_revokes_the_session_at_once() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("logout")).await;
    let token = app.login(&t.slug, &t.admin_email, ADMIN_PASSWORD).await;
    assert_eq!(
        app.price_of("VID-CLARO-4", &token).await,
        "85.00",
        "session cached"
    );
    let resp = app
        .request(Method::POST, "/api/v1/auth/logout", Some(&token), None)
        .await;
    let cleared = resp
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    expect_status(resp, StatusCode::NO_CONTENT, "logout").await;
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    let resp = app.get("/api/v1/prices/VID-CLARO-4", &token).await;
    expect_error(
        resp,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        "after logout",
    )
    .await;
    // Other sessions of the same user live on.
    assert_eq!(app.price_of("VID-CLARO-4", &t.admin_token).await, "85.00");
    app.cleanup().await;
}

#[tokio::test]
async fn admins_create_users_change_roles_and_deactivate_them_with_immediate_effect() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("users")).await;
    let admin = &t.admin_token;
    let resp = app
        .request(Method::POST, "/api/v1/users", Some(admin),
                 Some(json!({ "email": "Ana@Example.MX", "password": "long enough pw", "role": "estimator" })))
        .await;
    let ana = expect_status(resp, StatusCode::CREATED, "create").await;
    assert_eq!(
        (
            ana["email"].as_str(),
            ana["role"].as_str(),
            ana["active"].as_bool()
        ),
        (Some("ana@example.mx"), Some("estimator"), Some(true))
    );
    let id = ana["id"].as_str().expect("id").to_owned();

    let resp = app
        .request(Method::POST, "/api/v1/users", Some(admin),
                 Some(json!({ "email": "ana@example.mx", "password": "long enough pw", "role": "viewer" })))
        .await;
    expect_error(resp, StatusCode::CONFLICT, "user_exists", "duplicate email").await;

    let token = app.login(&t.slug, "ana@example.mx", "long enough pw").await;
    assert_eq!(
        app.get_json("/api/v1/auth/me", &token).await["role"],
        "estimator"
    );

    // Promotion revokes sessions so the new role applies on the next login.
    let resp = app
        .request(
            Method::PATCH,
            &format!("/api/v1/users/{id}"),
            Some(admin),
            Some(json!({ "role": "admin" })),
        )
        .await;
    assert_eq!(
        expect_status(resp, StatusCode::OK, "promote").await["role"],
        "admin"
    );
    expect_error(
        app.get("/api/v1/auth/me", &token).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        "old session",
    )
    .await;

    let token = app.login(&t.slug, "ana@example.mx", "long enough pw").await;
    let resp = app
        .request(
            Method::PATCH,
            &format!("/api/v1/users/{id}"),
            Some(admin),
            Some(json!({ "active": false })),
        )
        .await;
    assert_eq!(
        expect_status(resp, StatusCode::OK, "deactivate").await["active"],
        false
    );
    expect_error(
        app.get("/api/v1/auth/me", &token).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        "deactivated",
    )
    .await;
    let resp = app
        .try_login(&t.slug, "ana@example.mx", "long enough pw")
        .await;
    expect_error(
        resp,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
        "deactivated login",
    )
    .await;

    let listed = app.get_items("/api/v1/users", admin).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(2));
    app.cleanup().await;
}

#[tokio::test]
async fn the_last_active_admin_cannot_be_demoted_or_deactivated() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("last")).await;
    let me = app.get_json("/api/v1/auth/me", &t.admin_token).await;
    let id = me["user_id"].as_str().expect("id");
    for body in [json!({ "active": false }), json!({ "role": "viewer" })] {
        let resp = app
            .request(
                Method::PATCH,
                &format!("/api/v1/users/{id}"),
                Some(&t.admin_token),
                Some(body),
            )
            .await;
        expect_error(resp, StatusCode::CONFLICT, "last_admin", "last admin").await;
    }
    assert_eq!(
        app.get_json("/api/v1/auth/me", &t.admin_token).await["role"],
        "admin"
    );
    app.cleanup().await;
}

#[tokio::test]
async fn bad_user_input_is_refused_with_the_field_named() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("baduser")).await;
    let cases = [
        (
            json!({ "email": "not-an-email", "password": "long enough pw", "role": "viewer" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "email",
        ),
        (
            json!({ "email": "x@example.mx", "password": "short", "role": "viewer" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "password",
        ),
        (
            json!({ "email": "x@example.mx", "password": "long enough pw", "role": "owner" }),
            StatusCode::BAD_REQUEST,
            "role",
        ),
    ];
    for (body, status, field) in cases {
        let resp = app
            .request(
                Method::POST,
                "/api/v1/users",
                Some(&t.admin_token),
                Some(body),
            )
            .await;
        expect_named_error(resp, status, field, field).await;
    }
    assert_eq!(
        app.get_items("/api/v1/users", &t.admin_token)
            .await
            .as_array()
            .map(Vec::len),
        Some(1),
        "nothing created"
    );
    app.cleanup().await;
}
