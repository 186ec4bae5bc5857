//! Writes authenticated by the session cookie are refused when another site's page
//! sends them (`Sec-Fetch-Site`, `Origin`); bearer tokens, reads and clients that
//! send neither header are unaffected.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use ventanas::db::TenantTx;
use ventanas::ids::TenantId;

use crate::helpers::{expect_error, expect_status, slug, spawn_app, spawn_app_with, TestApp};

const COOKIE: &str = "__Host-ventanas_session";
const EVIL: &str = "https://evil.example";

/// How a request authenticates.
#[derive(Clone, Copy)]
enum Auth<'a> {
    Cookie(&'a str),
    Bearer(&'a str),
    Both { bearer: &'a str, cookie: &'a str },
}

/// Sends `method path` with `auth`, extra headers (each appended, so a name may
/// repeat) and an optional JSON body; the answer is checked against the document.
async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    auth: Auth<'_>,
    headers: &[(&str, String)],
    body: Option<Value>,
) -> reqwest::Response {
    let mut req = app.client.request(method.clone(), app.url(path));
    let (bearer, cookie) = match auth {
        Auth::Cookie(token) => (None, Some(token)),
        Auth::Bearer(token) => (Some(token), None),
        Auth::Both { bearer, cookie } => (Some(bearer), Some(cookie)),
    };
    if let Some(token) = bearer {
        req = req.bearer_auth(token);
    }
    if let Some(token) = cookie {
        req = req.header("Cookie", format!("{COOKIE}={token}"));
    }
    for (name, value) in headers {
        req = req.header(*name, value);
    }
    if let Some(body) = body {
        req = req.json(&body);
    }
    app.send(&method, path, req).await
}

fn cross_site() -> Vec<(&'static str, String)> {
    vec![
        ("Sec-Fetch-Site", "cross-site".to_owned()),
        ("Origin", EVIL.to_owned()),
    ]
}

async fn clients_total(app: &TestApp, token: &str) -> i64 {
    app.get_json("/api/v1/clients", token).await["total"]
        .as_i64()
        .expect("total")
}

async fn expect_refused(resp: reqwest::Response, what: &str) -> Value {
    expect_error(resp, StatusCode::FORBIDDEN, "cross_site_request", what).await
}

#[tokio::test]
async fn a_cookie_write_sent_cross_site_is_refused_and_writes_nothing() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("csrf")).await;
    let viewer = app.user_token(&t, "viewer").await;
    let viewer_id = app.get_json("/api/v1/auth/me", &viewer).await["user_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let cookie = Auth::Cookie(&t.admin_token);
    let users_path = format!("/api/v1/users/{viewer_id}");
    let cases = [
        (
            Method::POST,
            "/api/v1/clients",
            Some(json!({ "name": "Forjado SA" })),
            cross_site(),
            "create with cross-site and a foreign Origin",
        ),
        (
            Method::POST,
            "/api/v1/clients",
            Some(json!({ "name": "Forjado SA" })),
            vec![("Sec-Fetch-Site", "cross-site".to_owned())],
            "create with cross-site alone",
        ),
        (
            Method::PATCH,
            users_path.as_str(),
            Some(json!({ "active": false })),
            cross_site(),
            "deactivate a user",
        ),
        (
            Method::POST,
            "/api/v1/auth/logout",
            None,
            cross_site(),
            "log out",
        ),
    ];
    for (method, path, body, headers, what) in cases {
        let resp = send(&app, method, path, cookie, &headers, body).await;
        let body = expect_refused(resp, what).await;
        let message = body["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("cross-site"),
            "{what}: says why: {message}"
        );
    }
    assert_eq!(clients_total(&app, &t.admin_token).await, 0, "no client");
    let me = app.get_json("/api/v1/auth/me", &viewer).await;
    assert_eq!(
        me["user_id"],
        viewer_id.as_str(),
        "the viewer is still active"
    );
    let me = send(&app, Method::GET, "/api/v1/auth/me", cookie, &[], None).await;
    expect_status(
        me,
        StatusCode::OK,
        "the cookie's session was not logged out",
    )
    .await;
    app.cleanup().await;
}

#[tokio::test]
async fn a_cookie_write_from_a_foreign_origin_is_refused() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("origin")).await;
    let port: u16 = app
        .address
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("port");
    let other_port = port.wrapping_add(1);
    let header = |name: &'static str, value: &str| (name, value.to_owned());
    let cases = [
        (
            vec![header("Origin", EVIL)],
            "a foreign Origin alone (older browsers)",
        ),
        (
            vec![header("Origin", "null")],
            "an opaque Origin (sandboxed frame)",
        ),
        (
            vec![header("Origin", &format!("http://127.0.0.1:{other_port}"))],
            "another port of the same host",
        ),
        (
            vec![header("Origin", &format!("https://127.0.0.1:{port}"))],
            "another scheme than the request's",
        ),
        (
            vec![
                header("Sec-Fetch-Site", "same-site"),
                header("Origin", "https://otra-tienda.example.mx"),
            ],
            "a sibling subdomain (same-site, maybe another shop)",
        ),
        (
            vec![header("Sec-Fetch-Site", "same-site")],
            "same-site without an Origin",
        ),
        (
            vec![
                header("Sec-Fetch-Site", "same-origin"),
                header("Origin", EVIL),
            ],
            "same-origin claimed, but a foreign Origin",
        ),
        (
            vec![header("Sec-Fetch-Site", "somewhere")],
            "a Sec-Fetch-Site no browser sends",
        ),
        (
            vec![header("Origin", &app.address), header("Origin", EVIL)],
            "Origin sent twice",
        ),
    ];
    for (headers, what) in cases {
        let body = Some(json!({ "name": "Forjado SA" }));
        let resp = send(
            &app,
            Method::POST,
            "/api/v1/clients",
            Auth::Cookie(&t.admin_token),
            &headers,
            body,
        )
        .await;
        expect_refused(resp, what).await;
    }
    assert_eq!(clients_total(&app, &t.admin_token).await, 0, "no client");
    app.cleanup().await;
}

#[tokio::test]
async fn a_cookie_write_from_the_services_own_pages_passes() {
    let allowed = "https://app.example.mx";
    let app = spawn_app_with(|s| s.server.allowed_origins = vec![allowed.to_owned()]).await;
    let t = app.onboard(&slug("own")).await;
    let port = app.address.rsplit(':').next().expect("port").to_owned();
    let public = app.settings.server.public_url.clone();
    let header = |name: &'static str, value: &str| (name, value.to_owned());
    let cases = [
        (
            vec![
                header("Sec-Fetch-Site", "same-origin"),
                header("Origin", &app.address),
            ],
            "the service's own page",
        ),
        (
            vec![header("Origin", &app.address)],
            "its own Origin alone (older browsers)",
        ),
        (
            vec![header("Sec-Fetch-Site", "none")],
            "user-initiated (none)",
        ),
        (vec![], "neither header: not a browser"),
        (
            vec![
                header("Sec-Fetch-Site", "same-site"),
                header("Origin", allowed),
            ],
            "a page on an origin of server.allowed_origins",
        ),
        (
            vec![
                header("Sec-Fetch-Site", "same-site"),
                header("Origin", &public),
            ],
            "a page on the origin of server.public_url",
        ),
        (
            vec![
                header("X-Forwarded-Proto", "https"),
                header("Origin", &format!("https://127.0.0.1:{port}")),
            ],
            "behind a TLS proxy, which says the scheme",
        ),
    ];
    for (headers, what) in &cases {
        let body = Some(json!({ "name": *what }));
        let resp = send(
            &app,
            Method::POST,
            "/api/v1/clients",
            Auth::Cookie(&t.admin_token),
            headers,
            body,
        )
        .await;
        expect_status(resp, StatusCode::CREATED, what).await;
    }
    let total = clients_total(&app, &t.admin_token).await;
    assert_eq!(usize::try_from(total).ok(), Some(cases.len()));
    app.cleanup().await;
}

#[tokio::test]
async fn a_bearer_write_sent_cross_site_passes() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("bearer")).await;
    let token = t.admin_token.as_str();
    for (auth, what) in [
        (Auth::Bearer(token), "bearer token"),
        (
            Auth::Both {
                bearer: token,
                cookie: token,
            },
            "bearer token beside the cookie",
        ),
    ] {
        let body = Some(json!({ "name": what }));
        let resp = send(
            &app,
            Method::POST,
            "/api/v1/clients",
            auth,
            &cross_site(),
            body,
        )
        .await;
        expect_status(resp, StatusCode::CREATED, what).await;
    }
    assert_eq!(clients_total(&app, token).await, 2);
    app.cleanup().await;
}

#[tokio::test]
async fn a_cookie_read_sent_cross_site_passes() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("read")).await;
    let cookie = Auth::Cookie(&t.admin_token);
    for path in ["/api/v1/auth/me", "/api/v1/clients"] {
        let resp = send(&app, Method::GET, path, cookie, &cross_site(), None).await;
        expect_status(resp, StatusCode::OK, path).await;
    }
    app.cleanup().await;
}

/// The tenant's idempotency records with `key`, as the runtime role.
async fn records_with_key(app: &TestApp, tenant: uuid::Uuid, key: &str) -> i64 {
    let pool = app.runtime_pool(1).await;
    let mut tx = TenantTx::begin(&pool, TenantId(tenant))
        .await
        .expect("bind");
    let n = sqlx::query_scalar("SELECT count(*) FROM idempotency_keys WHERE key = $1")
        .bind(key)
        .fetch_one(tx.conn())
        .await
        .expect("count");
    tx.commit().await.expect("commit");
    pool.close().await;
    n
}

#[tokio::test]
async fn a_refused_cookie_write_neither_replays_nor_claims_an_idempotency_key() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("idem")).await;
    let cookie = Auth::Cookie(&t.admin_token);
    let body = json!({ "name": "Vidrios del Norte" });
    let (used, fresh) = (
        uuid::Uuid::new_v4().to_string(),
        uuid::Uuid::new_v4().to_string(),
    );
    let own = vec![
        ("Sec-Fetch-Site", "same-origin".to_owned()),
        ("Idempotency-Key", used.clone()),
    ];
    let first = send(
        &app,
        Method::POST,
        "/api/v1/clients",
        cookie,
        &own,
        Some(body.clone()),
    )
    .await;
    expect_status(first, StatusCode::CREATED, "first, from the own page").await;

    let mut headers = cross_site();
    headers.push(("Idempotency-Key", used.clone()));
    let resp = send(
        &app,
        Method::POST,
        "/api/v1/clients",
        cookie,
        &headers,
        Some(body.clone()),
    )
    .await;
    assert!(
        resp.headers().get("idempotent-replayed").is_none(),
        "the stored answer is not replayed to another site's page"
    );
    let refused = expect_refused(resp, "a used key, cross-site").await;
    assert!(!refused.to_string().contains("Vidrios"), "{refused}");

    let mut headers = cross_site();
    headers.push(("Idempotency-Key", fresh.clone()));
    let resp = send(
        &app,
        Method::POST,
        "/api/v1/clients",
        cookie,
        &headers,
        Some(body),
    )
    .await;
    expect_refused(resp, "a fresh key, cross-site").await;
    assert_eq!(records_with_key(&app, t.id, &fresh).await, 0, "no claim");
    assert_eq!(records_with_key(&app, t.id, &used).await, 1, "the first");
    assert_eq!(clients_total(&app, &t.admin_token).await, 1, "one client");
    app.cleanup().await;
}
