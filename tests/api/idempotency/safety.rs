//! What idempotency must never do: answer a forged token, accept a malformed key,
//! store anything a password could be recovered from, store a login, or leave a
//! creating POST without the key.

use reqwest::header::HeaderValue;
use reqwest::{Method, StatusCode};
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use uuid::Uuid;

use super::{count, key, post, post_bytes, HEADER};
use crate::helpers::{expect_error, expect_status, slug, spawn_app, ADMIN_PASSWORD};

#[tokio::test]
async fn a_forged_token_naming_a_tenant_gets_401_and_never_its_stored_answer() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("forge")).await;
    let (k, body) = (key(), json!({ "name": "Secreto SA" }));
    let first = post(&app, "/api/v1/clients", &t.admin_token, &k, Some(&body)).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let forged = format!("vts.{}.{}", t.id.simple(), "ab".repeat(32));
    let sent = post(&app, "/api/v1/clients", &forged, &k, Some(&body)).await;
    assert_eq!(sent.status, StatusCode::UNAUTHORIZED, "{}", sent.body);
    assert_eq!(sent.json()["code"], "unauthenticated");
    assert!(
        !sent.replayed && !sent.body.contains("Secreto"),
        "{}",
        sent.body
    );
    let resp = app
        .client
        .post(app.url("/api/v1/clients"))
        .header("Cookie", format!("__Host-ventanas_session={forged}"))
        .header(HEADER, &k)
        .json(&body)
        .send()
        .await
        .expect("sent");
    let body = expect_error(
        resp,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        "forged cookie",
    )
    .await;
    assert!(!body.to_string().contains("Secreto"));
    app.cleanup().await;
}

#[tokio::test]
async fn a_malformed_key_is_400_naming_the_header_and_creates_nothing() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("badkey")).await;
    let pool = app.runtime_pool(1).await;
    let body = serde_json::to_vec(&json!({ "name": "Ana" })).expect("json");
    let cases: [(&str, HeaderValue); 4] = [
        (
            "too long",
            HeaderValue::from_str(&"k".repeat(256)).expect("value"),
        ),
        ("a space", HeaderValue::from_static("two words")),
        (
            "a control character",
            HeaderValue::from_str("tab\there").expect("value"),
        ),
        (
            "not ASCII",
            HeaderValue::from_bytes("ñandú".as_bytes()).expect("value"),
        ),
    ];
    for (what, value) in cases {
        let sent = post_bytes(
            &app,
            "/api/v1/clients",
            &t.admin_token,
            Some(value),
            Some(body.clone()),
        )
        .await;
        assert_eq!(
            sent.status,
            StatusCode::BAD_REQUEST,
            "{what}: {}",
            sent.body
        );
        assert_eq!(sent.json()["code"], "invalid_idempotency_key", "{what}");
        assert!(sent.body.contains(HEADER), "{what}: {}", sent.body);
    }
    let longest = HeaderValue::from_str(&"k".repeat(255)).expect("value");
    let sent = post_bytes(
        &app,
        "/api/v1/clients",
        &t.admin_token,
        Some(longest),
        Some(body),
    )
    .await;
    assert_eq!(
        sent.status,
        StatusCode::CREATED,
        "255 characters are fine: {}",
        sent.body
    );
    assert_eq!(count(&pool, t.id, "SELECT count(*) FROM clients").await, 1);
    app.cleanup().await;
}

/// The one record of a scope: every column as bytes (`None` for NULL), the
/// fingerprint second.
async fn stored_columns(pool: &PgPool, tenant: Option<Uuid>, table: &str) -> Vec<Option<Vec<u8>>> {
    let sql = format!(
        "SELECT convert_to(key, 'UTF8'), fingerprint, convert_to(state, 'UTF8'),
                convert_to(status::text, 'UTF8'), convert_to(content_type, 'UTF8'),
                convert_to(etag, 'UTF8'), convert_to(location, 'UTF8'), body FROM {table}"
    );
    let mut conn = pool.begin().await.expect("begin");
    if let Some(tenant) = tenant {
        sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
            .bind(tenant.to_string())
            .execute(&mut *conn)
            .await
            .expect("bind");
    }
    type Row = (
        Vec<u8>,
        Vec<u8>,
        Vec<u8>,
        Option<Vec<u8>>,
        Option<Vec<u8>>,
        Option<Vec<u8>>,
        Option<Vec<u8>>,
        Option<Vec<u8>>,
    );
    let rows: Vec<Row> = sqlx::query_as(&sql)
        .fetch_all(&mut *conn)
        .await
        .expect("records");
    assert_eq!(rows.len(), 1, "{table}: one record");
    rows.into_iter()
        .flat_map(|r| [Some(r.0), Some(r.1), Some(r.2), r.3, r.4, r.5, r.6, r.7])
        .collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn records_hold_no_plain_hash_of_the_body_and_nothing_derived_from_a_password() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("hash")).await;
    let password = "un secreto muy largo 42";
    let user = serde_json::to_vec(
        &json!({ "email": "x@hash.mx", "password": password, "role": "viewer" }),
    )
    .expect("json");
    let tenant = serde_json::to_vec(&json!({ "slug": slug("hash-b"), "name": "B",
                                           "admin": { "email": "a@b.mx", "password": password } }))
    .expect("json");
    let k = HeaderValue::from_static("hash-key");
    let sent = post_bytes(
        &app,
        "/api/v1/users",
        &t.admin_token,
        Some(k.clone()),
        Some(user.clone()),
    )
    .await;
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.body);
    let sent = post_bytes(
        &app,
        "/api/v1/platform/tenants",
        &app.platform_key,
        Some(k),
        Some(tenant.clone()),
    )
    .await;
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.body);
    let runtime = app.runtime_pool(1).await;
    let platform = app.platform_pool().await;
    let records = [
        (
            user,
            stored_columns(&runtime, Some(t.id), "idempotency_keys").await,
        ),
        (
            tenant,
            stored_columns(&platform, None, "platform_idempotency_keys").await,
        ),
    ];
    for (body, columns) in records {
        assert!(
            columns[3].is_some() && columns[7].is_some(),
            "complete: status and body"
        );
        assert_eq!(
            columns[1].as_ref().map(Vec::len),
            Some(32),
            "a 32-byte keyed hash"
        );
        let derived = [
            Sha256::digest(&body).to_vec(),
            Sha256::digest(password.as_bytes()).to_vec(),
            hex::encode(Sha256::digest(&body)).into_bytes(),
        ];
        for column in columns.iter().flatten() {
            assert!(!derived.contains(column), "a column is a plain hash");
            assert!(
                !contains(column, password.as_bytes()),
                "a column holds the password"
            );
            assert!(!contains(column, &body), "a column holds the request");
        }
    }
    app.cleanup().await;
}

#[tokio::test]
async fn login_never_stores_its_answer_even_when_sent_a_key() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("login")).await;
    let pool = app.runtime_pool(1).await;
    let body = json!({ "tenant": t.slug, "email": t.admin_email, "password": ADMIN_PASSWORD });
    let mut tokens = Vec::new();
    for _ in 0..2 {
        let resp = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .header(HEADER, "login-key")
            .json(&body)
            .send()
            .await
            .expect("sent");
        assert!(resp.headers().get("idempotent-replayed").is_none());
        tokens.push(expect_status(resp, StatusCode::OK, "login").await["token"].clone());
    }
    assert_ne!(tokens[0], tokens[1], "each login starts its own session");
    assert_eq!(
        count(&pool, t.id, "SELECT count(*) FROM idempotency_keys").await,
        0
    );
    app.cleanup().await;
}

#[tokio::test]
async fn the_server_refuses_to_start_with_a_secret_shorter_than_32_bytes() {
    let app = spawn_app().await;
    for secret in ["", "31 bytes are not quite enough.."] {
        let mut settings = app.settings.clone();
        settings.idempotency.secret = secret.to_owned().into();
        let err = ventanas::startup::Application::build(settings)
            .await
            .err()
            .expect("refused");
        assert!(format!("{err:#}").contains("idempotency.secret"), "{err:#}");
    }
    app.cleanup().await;
}

/// POSTs that need no key, and why. Every other POST must declare the header.
const EXEMPT: &[(&str, &str)] = &[
    (
        "auth_login",
        "its answer holds a session token, which must never be stored",
    ),
    ("auth_logout", "revoking a session twice changes nothing"),
    ("quotes_preview", "prices without saving anything"),
    (
        "price_updates_preview",
        "previews a bulk update without saving anything",
    ),
    (
        "materials_import",
        "importing the same file again changes nothing; the body is a file up to server.max_import_bytes",
    ),
    (
        "quotes_send",
        "a state change: a repeat is a 409 from the quote's status",
    ),
    (
        "quotes_accept",
        "a state change: a repeat is a 409 from the quote's status",
    ),
    (
        "quotes_reject",
        "a state change: a repeat is a 409 from the quote's status",
    ),
    (
        "quotes_revise",
        "a state change: a repeat is a 409 from the quote's status",
    ),
    (
        "platform_tenants_restore",
        "a state change: restoring a restored tenant is a 404 (no deleted tenant has the slug)",
    ),
    (
        "webhooks_rotate_secret",
        "creates nothing; a repeat makes another secret, and the answer holds one",
    ),
];

#[tokio::test]
async fn every_post_in_the_openapi_document_declares_the_key_unless_exempt_for_a_reason() {
    let app = spawn_app().await;
    let spec = app
        .request(Method::GET, "/api/v1/openapi.json", None, None)
        .await;
    let spec = expect_status(spec, StatusCode::OK, "spec").await;
    let mut declared = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        let Some(post) = item.get("post") else {
            continue;
        };
        let id = post["operationId"].as_str().expect("operation id");
        let has_key = post["parameters"].as_array().is_some_and(|ps| {
            ps.iter()
                .any(|p| p["in"] == "header" && p["name"] == HEADER)
        });
        let exempt = EXEMPT.iter().any(|(e, _)| *e == id);
        assert!(
            has_key != exempt,
            "POST {path} ({id}): declares the key: {has_key}, exempt: {exempt}"
        );
        if has_key {
            declared.push(id.to_owned());
        }
    }
    declared.sort();
    assert_eq!(
        declared,
        [
            "clients_create",
            "materials_create",
            "platform_materials_create",
            "platform_tenants_create",
            "price_updates_apply",
            "price_updates_revert",
            "products_create",
            "quotes_create",
            "quotes_duplicate",
            "tax_rates_create",
            "users_create",
            "webhooks_create",
        ]
    );
    app.cleanup().await;
}
