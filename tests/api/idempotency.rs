//! `Idempotency-Key` on creating requests: replays, reuse, scopes, failures,
//! expiry, races and crashes. `safety` covers forged tokens, malformed keys, what the
//! records hold, and which operations take a key.

mod safety;

use reqwest::header::HeaderValue;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::PgPool;
use uuid::Uuid;
use ventanas::db::TenantTx;
use ventanas::ids::TenantId;

use crate::helpers::{slug, spawn_app, TestApp, TestTenant, ADMIN_PASSWORD};

const HEADER: &str = "Idempotency-Key";

/// What a client sees of an answer.
#[derive(Debug)]
struct Sent {
    status: StatusCode,
    etag: Option<String>,
    replayed: bool,
    retry_after: Option<String>,
    body: String,
}

impl Sent {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// POSTs `body` (exactly these bytes) with an optional key.
async fn post_bytes(
    app: &TestApp,
    path: &str,
    token: &str,
    key: Option<HeaderValue>,
    body: Option<Vec<u8>>,
) -> Sent {
    let mut req = app.client.post(app.url(path)).bearer_auth(token);
    if let Some(key) = key {
        req = req.header(HEADER, key);
    }
    if let Some(body) = body {
        req = req.header("Content-Type", "application/json").body(body);
    }
    let resp = req.send().await.expect("request sent");
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (etag, retry_after) = (header("etag"), header("retry-after"));
    let replayed = header("idempotent-replayed").as_deref() == Some("true");
    Sent {
        status: resp.status(),
        etag,
        replayed,
        retry_after,
        body: resp.text().await.expect("body"),
    }
}

async fn post(app: &TestApp, path: &str, token: &str, key: &str, body: Option<&Value>) -> Sent {
    let key = HeaderValue::from_str(key).expect("key");
    let body = body.map(|b| serde_json::to_vec(b).expect("json"));
    post_bytes(app, path, token, Some(key), body).await
}

/// A count as the runtime role with the tenant bound.
async fn count(pool: &PgPool, tenant: Uuid, sql: &str) -> i64 {
    let mut tx = TenantTx::begin(pool, TenantId(tenant)).await.expect("bind");
    let n = sqlx::query_scalar(sql)
        .fetch_one(tx.conn())
        .await
        .expect("count");
    tx.commit().await.expect("commit");
    n
}

/// Runs a statement on the tenant's idempotency records, as the runtime role.
async fn edit_records(pool: &PgPool, tenant: Uuid, sql: &str, key: &str) -> u64 {
    let mut tx = TenantTx::begin(pool, TenantId(tenant)).await.expect("bind");
    let n = sqlx::query(sql)
        .bind(key)
        .execute(tx.conn())
        .await
        .expect("edit")
        .rows_affected();
    tx.commit().await.expect("commit");
    n
}

fn window() -> Value {
    json!({ "product": "VEN-CORR-NAC3", "width_cm": "150", "height_cm": "120",
            "quantity": 1, "glass": "VID-CLARO-6", "colour": "NAT" })
}

async fn new_client(app: &TestApp, t: &TestTenant, name: &str) -> String {
    let body = json!({ "name": name });
    let sent = post(app, "/api/v1/clients", &t.admin_token, &key(), Some(&body)).await;
    assert_eq!(sent.status, StatusCode::CREATED, "client: {}", sent.body);
    sent.json()["id"].as_str().expect("id").to_owned()
}

fn key() -> String {
    Uuid::new_v4().to_string()
}

#[tokio::test]
async fn a_retried_create_returns_the_first_status_body_and_etag_and_creates_nothing_more() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("retry")).await;
    let pool = app.runtime_pool(1).await;
    let client = new_client(&app, &t, "Constructora del Valle").await;
    let quote = json!({ "client_id": client, "items": [window()] });
    let first_quote = post(&app, "/api/v1/quotes", &t.admin_token, &key(), Some(&quote)).await;
    let quote_id = first_quote.json()["id"]
        .as_str()
        .expect("quote id")
        .to_owned();
    let tomorrow = (chrono::Utc::now().date_naive() + chrono::Days::new(1)).to_string();
    let cases = [
        (
            "clients",
            "/api/v1/clients".to_owned(),
            Some(json!({ "name": "Ana López" })),
            "clients",
        ),
        (
            "quotes",
            "/api/v1/quotes".to_owned(),
            Some(quote.clone()),
            "quotes",
        ),
        (
            "duplicate",
            format!("/api/v1/quotes/{quote_id}/duplicate"),
            None,
            "quotes",
        ),
        (
            "users",
            "/api/v1/users".to_owned(),
            Some(
                json!({ "email": "ventas@retry.mx", "password": ADMIN_PASSWORD, "role": "estimator" }),
            ),
            "users",
        ),
        (
            "materials",
            "/api/v1/materials".to_owned(),
            Some(
                json!({ "code": "VID-X-1", "name": "Vidrio X", "category": "glass", "unit": "m2", "price": "1.00" }),
            ),
            "materials",
        ),
        (
            "tax rates",
            "/api/v1/tax-rates".to_owned(),
            Some(
                json!({ "code": "IVA16", "name": "IVA nuevo", "rate": "0.18", "valid_from": tomorrow }),
            ),
            "tax_rates",
        ),
    ];
    for (what, path, body, table) in cases {
        let sql = format!("SELECT count(*) FROM {table}");
        let before = count(&pool, t.id, &sql).await;
        let k = key();
        let first = post(&app, &path, &t.admin_token, &k, body.as_ref()).await;
        assert_eq!(first.status, StatusCode::CREATED, "{what}: {}", first.body);
        assert!(!first.replayed, "{what}: the first answer is not a replay");
        assert_eq!(
            count(&pool, t.id, &sql).await,
            before + 1,
            "{what}: created once"
        );
        for attempt in 1..=2 {
            let again = post(&app, &path, &t.admin_token, &k, body.as_ref()).await;
            assert_eq!(again.status, first.status, "{what} retry {attempt}: status");
            assert_eq!(
                again.body, first.body,
                "{what} retry {attempt}: the same body, byte for byte"
            );
            assert_eq!(
                again.etag, first.etag,
                "{what} retry {attempt}: the same ETag"
            );
            assert!(again.replayed, "{what} retry {attempt}: marked as a replay");
        }
        assert_eq!(
            count(&pool, t.id, &sql).await,
            before + 1,
            "{what}: nothing more created"
        );
    }
    assert!(
        first_quote.etag.is_some(),
        "quotes answer with an ETag, which replays keep"
    );
    app.cleanup().await;
}

#[tokio::test]
async fn platform_creates_are_replayed_too_and_onboard_a_single_tenant() {
    let app = spawn_app().await;
    let body = json!({ "slug": slug("norte"), "name": "Vidrios del Norte",
                       "admin": { "email": "dueno@norte.mx", "password": ADMIN_PASSWORD } });
    let material = json!({ "code": "VID-ESMERILADO-6", "name": "Vidrio Esmerilado 6mm",
                           "category": "glass", "unit": "m2", "price": "240.00" });
    for (path, body) in [
        ("/api/v1/platform/tenants", body),
        ("/api/v1/platform/materials", material),
    ] {
        let listed = || async { app.get_json(path, &app.platform_key).await["total"].as_i64() };
        let before = listed().await.expect("list");
        let k = key();
        let first = post(&app, path, &app.platform_key, &k, Some(&body)).await;
        assert_eq!(first.status, StatusCode::CREATED, "{path}: {}", first.body);
        let again = post(&app, path, &app.platform_key, &k, Some(&body)).await;
        assert_eq!(
            (again.status, &again.body, again.replayed),
            (first.status, &first.body, true),
            "{path}"
        );
        assert_eq!(listed().await, Some(before + 1), "{path}: one row, not two");
        // The platform is one scope: the same key on its other create is a reuse.
        let other = if path.ends_with("tenants") {
            "/api/v1/platform/materials"
        } else {
            "/api/v1/platform/tenants"
        };
        let reused = post(&app, other, &app.platform_key, &k, Some(&json!({}))).await;
        assert_eq!(
            reused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{other}: {}",
            reused.body
        );
        assert_eq!(reused.json()["code"], "idempotency_key_reused");
    }
    app.cleanup().await;
}

#[tokio::test]
async fn the_same_key_with_another_body_or_path_is_422_naming_the_header() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("reuse")).await;
    let pool = app.runtime_pool(1).await;
    let k = key();
    let first = post(
        &app,
        "/api/v1/clients",
        &t.admin_token,
        &k,
        Some(&json!({ "name": "Ana" })),
    )
    .await;
    assert_eq!(first.status, StatusCode::CREATED);
    let material = json!({ "code": "VID-X-1", "name": "x", "category": "glass", "unit": "m2", "price": "1.00" });
    for (path, body) in [
        ("/api/v1/clients", json!({ "name": "Beto" })),
        ("/api/v1/materials", material),
    ] {
        let sent = post(&app, path, &t.admin_token, &k, Some(&body)).await;
        assert_eq!(
            sent.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {}",
            sent.body
        );
        let err = sent.json();
        assert_eq!(err["code"], "idempotency_key_reused", "{path}");
        assert_eq!(err["details"]["header"], HEADER, "{path}");
        assert!(
            err["message"].as_str().is_some_and(|m| m.contains(HEADER)),
            "{err}"
        );
    }
    assert_eq!(count(&pool, t.id, "SELECT count(*) FROM clients").await, 1);
    assert_eq!(
        count(
            &pool,
            t.id,
            "SELECT count(*) FROM materials WHERE code = 'VID-X-1'"
        )
        .await,
        0
    );
    app.cleanup().await;
}

#[tokio::test]
async fn tenants_and_users_sharing_a_key_never_see_each_others_answers() {
    let app = spawn_app().await;
    let a = app.onboard(&slug("a")).await;
    let b = app.onboard(&slug("b")).await;
    let pool = app.runtime_pool(1).await;
    let (k, body) = ("shared-key-1", json!({ "name": "Cliente" }));
    let from_a = post(&app, "/api/v1/clients", &a.admin_token, k, Some(&body)).await;
    let from_b = post(&app, "/api/v1/clients", &b.admin_token, k, Some(&body)).await;
    assert_eq!(
        (from_a.status, from_b.status),
        (StatusCode::CREATED, StatusCode::CREATED)
    );
    assert!(!from_b.replayed, "B's request runs: {}", from_b.body);
    assert_ne!(
        from_a.json()["id"],
        from_b.json()["id"],
        "B got its own client, not A's"
    );
    for t in [&a, &b] {
        assert_eq!(
            count(&pool, t.id, "SELECT count(*) FROM clients").await,
            1,
            "{}",
            t.slug
        );
    }
    // Another user of tenant A with A's key and body gets a refusal, not A's answer.
    let estimator = app.user_token(&a, "estimator").await;
    let other_user = post(&app, "/api/v1/clients", &estimator, k, Some(&body)).await;
    assert_eq!(
        other_user.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        other_user.body
    );
    assert!(!other_user
        .body
        .contains(from_a.json()["id"].as_str().expect("id")));
    assert_eq!(count(&pool, a.id, "SELECT count(*) FROM clients").await, 1);
    app.cleanup().await;
}

#[tokio::test]
async fn a_request_that_failed_frees_its_key_for_the_corrected_retry() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("fix")).await;
    let pool = app.runtime_pool(1).await;
    let cases = [
        (
            "/api/v1/clients",
            json!({ "name": "  " }),
            json!({ "name": "Ana" }),
            "clients",
        ),
        (
            "/api/v1/users",
            json!({ "email": "x@fix.mx", "password": "short", "role": "viewer" }),
            json!({ "email": "x@fix.mx", "password": ADMIN_PASSWORD, "role": "viewer" }),
            "users",
        ),
    ];
    for (path, bad, good, table) in cases {
        let sql = format!("SELECT count(*) FROM {table}");
        let before = count(&pool, t.id, &sql).await;
        let k = key();
        let failed = post(&app, path, &t.admin_token, &k, Some(&bad)).await;
        assert_eq!(
            failed.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {}",
            failed.body
        );
        assert_eq!(failed.json()["code"], "invalid_field", "{path}");
        let again = post(&app, path, &t.admin_token, &k, Some(&bad)).await;
        assert_eq!(
            (again.status, again.replayed),
            (StatusCode::UNPROCESSABLE_ENTITY, false),
            "{path}: errors are not stored"
        );
        let fixed = post(&app, path, &t.admin_token, &k, Some(&good)).await;
        assert_eq!(fixed.status, StatusCode::CREATED, "{path}: {}", fixed.body);
        assert_eq!(count(&pool, t.id, &sql).await, before + 1, "{path}");
    }
    app.cleanup().await;
}

#[tokio::test]
async fn a_key_lives_24_hours_and_once_expired_runs_again() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("exp")).await;
    let pool = app.runtime_pool(1).await;
    let (k, body) = (key(), json!({ "name": "Ana" }));
    let first = post(&app, "/api/v1/clients", &t.admin_token, &k, Some(&body)).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let ttl =
        "SELECT count(*) FROM idempotency_keys WHERE expires_at - created_at = interval '24 hours'";
    assert_eq!(count(&pool, t.id, ttl).await, 1, "a new key lives 24 hours");
    let expire =
        "UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = $1";
    assert_eq!(edit_records(&pool, t.id, expire, &k).await, 1);
    let again = post(&app, "/api/v1/clients", &t.admin_token, &k, Some(&body)).await;
    assert_eq!(
        (again.status, again.replayed),
        (StatusCode::CREATED, false),
        "{}",
        again.body
    );
    assert_ne!(again.json()["id"], first.json()["id"], "a new client");
    assert_eq!(count(&pool, t.id, "SELECT count(*) FROM clients").await, 2);
    let live =
        "SELECT count(*) FROM idempotency_keys WHERE expires_at > now() + interval '23 hours'";
    assert_eq!(
        count(&pool, t.id, live).await,
        1,
        "the key was taken afresh"
    );
    app.cleanup().await;
}

#[tokio::test]
async fn concurrent_requests_with_one_key_create_exactly_once() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("race")).await;
    let pool = app.runtime_pool(1).await;
    let body = json!({ "email": "race@race.mx", "password": ADMIN_PASSWORD, "role": "viewer" });
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..6 {
        let request = app
            .client
            .post(app.url("/api/v1/users"))
            .bearer_auth(&t.admin_token)
            .header(HEADER, "race-key")
            .json(&body);
        tasks.spawn(async move {
            let resp = request.send().await.expect("sent");
            (resp.status(), resp.text().await.expect("body"))
        });
    }
    let answers = tasks.join_all().await;
    let created: Vec<_> = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .collect();
    assert!(!created.is_empty(), "{answers:?}");
    assert!(
        created.iter().all(|(_, b)| *b == created[0].1),
        "every 201 is the one answer"
    );
    for (status, text) in &answers {
        if *status != StatusCode::CREATED {
            assert_eq!(*status, StatusCode::CONFLICT, "{text}");
            assert!(text.contains("idempotency_in_progress"), "{text}");
        }
    }
    assert_eq!(
        count(&pool, t.id, "SELECT count(*) FROM users").await,
        2,
        "the admin and one user"
    );
    app.cleanup().await;
}

#[tokio::test]
async fn a_claim_left_by_a_crash_answers_409_and_never_writes_twice() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("crash")).await;
    let pool = app.runtime_pool(1).await;
    let (k, body) = (key(), json!({ "name": "Ana" }));
    let first = post(&app, "/api/v1/clients", &t.admin_token, &k, Some(&body)).await;
    assert_eq!(first.status, StatusCode::CREATED);
    // As if the server died after the client was committed, before the answer was stored.
    let unstore =
        "UPDATE idempotency_keys SET state = 'in_progress', status = NULL, content_type = NULL,
                   etag = NULL, location = NULL, body = NULL WHERE key = $1";
    assert_eq!(edit_records(&pool, t.id, unstore, &k).await, 1);
    let running = post(&app, "/api/v1/clients", &t.admin_token, &k, Some(&body)).await;
    assert_eq!(running.status, StatusCode::CONFLICT, "{}", running.body);
    assert_eq!(running.json()["code"], "idempotency_in_progress");
    assert_eq!(running.json()["details"]["abandoned"], false);
    assert_eq!(running.retry_after.as_deref(), Some("1"));
    let age =
        "UPDATE idempotency_keys SET created_at = now() - interval '5 minutes' WHERE key = $1";
    assert_eq!(edit_records(&pool, t.id, age, &k).await, 1);
    let abandoned = post(&app, "/api/v1/clients", &t.admin_token, &k, Some(&body)).await;
    assert_eq!(abandoned.status, StatusCode::CONFLICT, "{}", abandoned.body);
    assert_eq!(abandoned.json()["details"]["abandoned"], true);
    assert!(abandoned.json()["details"]["expires_at"].is_string());
    assert_eq!(
        count(&pool, t.id, "SELECT count(*) FROM clients").await,
        1,
        "never a second write"
    );
    app.cleanup().await;
}
