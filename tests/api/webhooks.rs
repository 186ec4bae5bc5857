//! Change notifications (issue #9): registering webhooks, signed deliveries of
//! `price.changed` and `price_update.applied`, the transactional outbox, retries,
//! timeouts, secret rotation, several instances, tenant isolation, platform changes
//! of defaults, and target checks. Receivers are real HTTP servers on 127.0.0.1.

pub(crate) mod delivery;
pub(crate) mod outbox;
pub(crate) mod receiver;

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{expect_error, expect_status, slug, spawn_app_with, TestApp, TestTenant};
use receiver::{verify_signature, Receiver};

/// How long a test waits for something that should happen in well under a second:
/// a guard against a hung test, never part of what is asserted.
pub(crate) const GUARD: Duration = Duration::from_secs(10);

/// A quiet period long enough for a worker polling every 200 ms to have sent
/// anything it was going to.
pub(crate) const QUIET: Duration = Duration::from_millis(1200);

/// Registers a webhook; answers the 201 body (with its secret).
pub(crate) async fn register(app: &TestApp, token: &str, url: &str, events: &[&str]) -> Value {
    let resp = app
        .request(
            Method::POST,
            "/api/v1/webhooks",
            Some(token),
            Some(json!({ "url": url, "events": events })),
        )
        .await;
    expect_status(resp, StatusCode::CREATED, "register a webhook").await
}

/// The id of a webhook answer.
pub(crate) fn id_of(webhook: &Value) -> String {
    webhook["id"].as_str().expect("webhook id").to_owned()
}

/// A webhook's deliveries, newest first.
pub(crate) async fn deliveries(app: &TestApp, token: &str, webhook: &str) -> Vec<Value> {
    let items = app
        .get_items(&format!("/api/v1/webhooks/{webhook}/deliveries"), token)
        .await;
    items.as_array().expect("items").clone()
}

/// Polls a webhook's deliveries until `done` holds (at most [`GUARD`]).
pub(crate) async fn deliveries_until(
    app: &TestApp,
    token: &str,
    webhook: &str,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let deadline = Instant::now() + GUARD;
    loop {
        let log = deliveries(app, token, webhook).await;
        if done(&log) {
            return log;
        }
        assert!(
            Instant::now() < deadline,
            "deliveries never got there: {log:#?}"
        );
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
}

/// The caller's user id.
pub(crate) async fn user_id(app: &TestApp, token: &str) -> String {
    let me = app.get_json("/api/v1/auth/me", token).await;
    me["user_id"].as_str().expect("user id").to_owned()
}

/// A test app whose settings `adjust` changes (private targets allowed, as in
/// `config/test.toml`, unless it says otherwise).
pub(crate) async fn app_with(adjust: impl FnOnce(&mut ventanas::config::Settings)) -> TestApp {
    spawn_app_with(adjust).await
}

/// An onboarded tenant.
pub(crate) async fn tenant(app: &TestApp, prefix: &str) -> TestTenant {
    app.onboard(&slug(prefix)).await
}

#[tokio::test]
async fn registration_refuses_unsafe_urls_and_unknown_events_naming_the_field() {
    let app = app_with(|s| s.webhooks.allow_private_targets = false).await;
    let t = tenant(&app, "wh-reg").await;
    let token = t.admin_token.as_str();
    let events = json!(["price.changed"]);
    let cases = [
        (
            json!({ "url": "ftp://erp.example.com/x", "events": events }),
            "url",
            "scheme",
        ),
        (
            json!({ "url": "https://user:pw@erp.example.com/h", "events": events }),
            "url",
            "password",
        ),
        (
            json!({ "url": "http://127.0.0.1:9000/h", "events": events }),
            "url",
            "loopback",
        ),
        (
            json!({ "url": "http://localhost:9000/h", "events": events }),
            "url",
            "loopback",
        ),
        (
            json!({ "url": "http://10.0.0.7/h", "events": events }),
            "url",
            "private",
        ),
        (
            json!({ "url": "http://169.254.169.254/latest/meta-data", "events": events }),
            "url",
            "metadata",
        ),
        (
            json!({ "url": "http://[::ffff:192.168.1.1]/h", "events": events }),
            "url",
            "private",
        ),
        (
            json!({ "url": "http://[fd00:ec2::254]/", "events": events }),
            "url",
            "metadata",
        ),
        (
            json!({ "url": "not a url", "events": events }),
            "url",
            "not a URL",
        ),
        (
            json!({ "url": "https://erp.example.com/h", "events": ["price.changed", "price.deleted"] }),
            "events[1]",
            "price.deleted",
        ),
        (
            json!({ "url": "https://erp.example.com/h", "events": [] }),
            "events",
            "at least one",
        ),
    ];
    for (body, field, says) in cases {
        let what = format!("register {body}");
        let resp = app
            .request(Method::POST, "/api/v1/webhooks", Some(token), Some(body))
            .await;
        let err = expect_error(
            resp,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            &what,
        )
        .await;
        assert_eq!(err["details"]["field"], field, "{what}: {err}");
        assert!(
            err["message"].as_str().is_some_and(|m| m.contains(says)),
            "{what}: {err}"
        );
    }
    let list = app.get_json("/api/v1/webhooks", token).await;
    assert_eq!(list["total"], 0, "nothing was registered: {list}");
    app.cleanup().await;
}

#[tokio::test]
async fn only_admins_manage_webhooks_and_the_secret_is_shown_once() {
    let app = app_with(|_| {}).await;
    let t = tenant(&app, "wh-admin").await;
    let admin = t.admin_token.as_str();
    let body = json!({ "url": "https://erp.example.com/hooks", "events": ["price.changed"] });
    for role in ["estimator", "viewer"] {
        let token = app.user_token(&t, role).await;
        let post = app
            .request(
                Method::POST,
                "/api/v1/webhooks",
                Some(&token),
                Some(body.clone()),
            )
            .await;
        expect_error(post, StatusCode::FORBIDDEN, "forbidden", role).await;
        let list = app.get("/api/v1/webhooks", &token).await;
        expect_error(list, StatusCode::FORBIDDEN, "forbidden", role).await;
    }
    let created = register(
        &app,
        admin,
        "https://erp.example.com/hooks",
        &["price_update.applied", "price.changed", "price.changed"],
    )
    .await;
    let secret = created["secret"].as_str().expect("secret");
    assert!(
        secret.starts_with("whsec_") && secret.len() == 70,
        "{secret}"
    );
    assert_eq!(created["url"], "https://erp.example.com/hooks");
    assert_eq!(
        created["events"],
        json!(["price_update.applied", "price.changed"]),
        "listed once each"
    );
    assert_eq!(created["secret_version"], 1);
    assert_eq!(created["created_by"], user_id(&app, admin).await.as_str());
    let id = id_of(&created);
    let read = app.get_json(&format!("/api/v1/webhooks/{id}"), admin).await;
    assert!(read.get("secret").is_none(), "never shown again: {read}");
    assert_eq!(read["id"], id.as_str());
    let list = app.get_json("/api/v1/webhooks", admin).await;
    assert_eq!(list["total"], 1);
    assert!(list["items"][0].get("secret").is_none(), "{list}");
    let estimator = app.user_token(&t, "estimator").await;
    let rotate = app
        .request(
            Method::POST,
            &format!("/api/v1/webhooks/{id}/rotate-secret"),
            Some(&estimator),
            None,
        )
        .await;
    expect_error(
        rotate,
        StatusCode::FORBIDDEN,
        "forbidden",
        "estimator rotates",
    )
    .await;
    let delete = app
        .request(
            Method::DELETE,
            &format!("/api/v1/webhooks/{id}"),
            Some(&estimator),
            None,
        )
        .await;
    expect_error(
        delete,
        StatusCode::FORBIDDEN,
        "forbidden",
        "estimator deletes",
    )
    .await;
    app.cleanup().await;
}

#[tokio::test]
async fn a_price_edit_delivers_one_signed_price_changed_event() {
    // No polling to speak of: the commit's notification is what wakes the worker.
    let app = app_with(|s| s.webhooks.poll_interval_ms = 60_000).await;
    let t = tenant(&app, "wh-edit").await;
    let token = t.admin_token.as_str();
    let receiver = Receiver::start(&[]).await;
    let webhook = register(&app, token, &receiver.url, &["price.changed"]).await;
    let secret = webhook["secret"].as_str().expect("secret");
    let edited = Instant::now();
    app.set_price("PER-NAC3-RS", token, "61.5").await;
    let got = receiver.wait_for(1, GUARD).await;
    let sent = &got[0];
    assert!(
        sent.at.duration_since(edited) < Duration::from_secs(2),
        "sent promptly"
    );
    let t_signed = verify_signature(secret, sent).expect("the signature verifies");
    assert!(
        (chrono::Utc::now().timestamp() - t_signed).abs() < 60,
        "signed now"
    );
    let body = sent.json();
    assert_eq!(body["type"], "price.changed");
    assert_eq!(
        body["data"],
        json!({ "code": "PER-NAC3-RS", "old": "52.00", "new": "61.50", "source": "tenant",
                "user_id": user_id(&app, token).await })
    );
    assert!(
        chrono::DateTime::parse_from_rfc3339(body["created_at"].as_str().expect("created_at"))
            .is_ok()
    );
    assert_eq!(sent.header("content-type"), "application/json");
    assert!(
        sent.header("user-agent").starts_with("ventanas-webhooks/"),
        "{}",
        sent.header("user-agent")
    );
    assert_eq!(
        sent.header("x-ventanas-event"),
        body["id"].as_str().expect("id")
    );
    // A change that leaves the price as it was publishes nothing.
    let tag = app.etag("PER-NAC3-RS", token).await;
    let renamed = app
        .patch(
            "/api/v1/materials/PER-NAC3-RS",
            token,
            Some(&tag),
            json!({ "name": "Riel superior" }),
        )
        .await;
    expect_status(renamed, StatusCode::OK, "rename").await;
    receiver.expect_no_more_than(1, QUIET).await;
    let log = deliveries(&app, token, &id_of(&webhook)).await;
    assert_eq!(log.len(), 1, "{log:#?}");
    let d = &log[0];
    assert_eq!(d["status"], "delivered");
    assert_eq!(d["attempts"], 1);
    assert_eq!(d["last_status_code"], 204);
    assert_eq!(d["last_error"], Value::Null);
    assert_eq!(d["next_attempt_at"], Value::Null);
    assert!(d["delivered_at"].is_string());
    assert_eq!(d["event_type"], "price.changed");
    assert_eq!(d["event_id"], body["id"]);
    assert_eq!(
        sent.header("x-ventanas-delivery"),
        d["id"].as_str().expect("delivery id")
    );
    app.cleanup().await;
}

#[tokio::test]
async fn creating_and_deactivating_a_tenant_row_announce_the_effective_price() {
    let app = app_with(|_| {}).await;
    let t = tenant(&app, "wh-own").await;
    let token = t.admin_token.as_str();
    let receiver = Receiver::start(&[]).await;
    register(&app, token, &receiver.url, &["price.changed"]).await;
    let new = json!({ "code": "PER-NAC3-JA", "name": "Jamba propia", "category": "profile",
                      "unit": "m", "price": "50", "bar_length_m": "6" });
    let resp = app
        .request(Method::POST, "/api/v1/materials", Some(token), Some(new))
        .await;
    expect_status(resp, StatusCode::CREATED, "override a default").await;
    receiver.wait_for(1, GUARD).await;
    let brand_new = json!({ "code": "HER-PROPIO", "name": "Jaladera", "category": "hardware",
                            "unit": "piece", "price": "12.30" });
    let resp = app
        .request(
            Method::POST,
            "/api/v1/materials",
            Some(token),
            Some(brand_new),
        )
        .await;
    expect_status(resp, StatusCode::CREATED, "a code of its own").await;
    receiver.wait_for(2, GUARD).await;
    let resp = app
        .request(
            Method::DELETE,
            "/api/v1/materials/PER-NAC3-JA",
            Some(token),
            None,
        )
        .await;
    expect_status(resp, StatusCode::NO_CONTENT, "deactivate").await;
    let got = receiver.wait_for(3, GUARD).await;
    receiver.expect_no_more_than(3, QUIET).await;
    let mut data: Vec<Value> = got.iter().map(|r| r.json()["data"].clone()).collect();
    for d in &mut data {
        d.as_object_mut().expect("data").remove("user_id");
    }
    assert_eq!(
        data,
        [
            json!({ "code": "PER-NAC3-JA", "old": "48.00", "new": "50.00", "source": "tenant" }),
            json!({ "code": "HER-PROPIO", "old": null, "new": "12.30", "source": "tenant" }),
            json!({ "code": "PER-NAC3-JA", "old": "50.00", "new": "48.00", "source": "global" }),
        ]
    );
    app.cleanup().await;
}
