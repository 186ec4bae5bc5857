//! Publishing: a change that rolls back is never sent, a batch is one event, a
//! platform change of a default reaches the tenants that inherit it, tenants never
//! see each other's webhooks, and a repeated registration keeps no secret.

use reqwest::{Method, StatusCode};
use serde_json::json;
use sqlx::{Connection as _, PgConnection};
use uuid::Uuid;
use ventanas::config::ExposeSecret as _;
use ventanas::db::TenantTx;
use ventanas::ids::TenantId;
use ventanas::money::Money;
use ventanas::webhooks::{publish, BatchKind, Event, MaterialPrice};

use super::receiver::Receiver;
use super::{app_with, deliveries, id_of, register, tenant, GUARD, QUIET};
use crate::helpers::{expect_error, expect_status, TestApp};

fn money(text: &str) -> Money {
    Money::parse(text).expect("money")
}

#[tokio::test]
async fn a_change_that_rolls_back_is_never_sent() {
    let app = app_with(|_| {}).await;
    let t = tenant(&app, "wh-rollback").await;
    let token = t.admin_token.as_str();
    let receiver = Receiver::start(&[]).await;
    let id = id_of(&register(&app, token, &receiver.url, &["price.changed"]).await);

    // Published, then rolled back: the transaction is dropped without a commit.
    let pool = app.runtime_pool(1).await;
    let mut tx = TenantTx::begin(&pool, TenantId(t.id)).await.expect("bind");
    let event = Event::PriceChanged {
        code: "PER-NAC3-RS".to_owned(),
        old: None,
        new: money("1"),
        source: ventanas::catalog::model::Source::Tenant,
        user_id: None,
    };
    publish(&mut tx, event).await.expect("published");
    drop(tx);

    // An edit that fails when it commits, after it published: a deferred trigger
    // refuses the price 666.
    let mut owner = PgConnection::connect(app.settings.database.owner_url.expose_secret())
        .await
        .expect("owner connects");
    for sql in [
        "CREATE FUNCTION test_refuse_666() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN IF NEW.price = 666 THEN RAISE EXCEPTION 'refused at commit'; END IF; RETURN NULL; END $$",
        "CREATE CONSTRAINT TRIGGER test_refuse_666 AFTER INSERT OR UPDATE ON materials
         DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION test_refuse_666()",
    ] {
        sqlx::query(sql).execute(&mut owner).await.expect(sql);
    }
    let tag = app.etag("PER-NAC3-RS", token).await;
    let failed = app
        .patch(
            "/api/v1/materials/PER-NAC3-RS",
            token,
            Some(&tag),
            json!({ "price": "666" }),
        )
        .await;
    expect_error(
        failed,
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal_error",
        "commit refused",
    )
    .await;
    assert_eq!(
        app.price_of("PER-NAC3-RS", token).await,
        "52.00",
        "the edit rolled back"
    );

    receiver.expect_no_more_than(0, QUIET).await;
    assert!(deliveries(&app, token, &id).await.is_empty());
    let mut tx = TenantTx::begin(&pool, TenantId(t.id)).await.expect("bind");
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM webhook_events")
        .fetch_one(tx.conn())
        .await
        .expect("count");
    tx.commit().await.expect("commit");
    assert_eq!(events, 0, "no event was kept");

    app.set_price("PER-NAC3-RS", token, "667").await;
    let got = receiver.wait_for(1, GUARD).await;
    assert_eq!(got[0].json()["data"]["new"], "667.00");
    receiver.expect_no_more_than(1, QUIET).await;
    app.cleanup().await;
}

#[tokio::test]
async fn a_batch_is_one_event_listing_its_materials_sent_to_its_subscribers_only() {
    let app = app_with(|_| {}).await;
    let t = tenant(&app, "wh-batch").await;
    let token = t.admin_token.as_str();
    let batches = Receiver::start(&[]).await;
    let singles = Receiver::start(&[]).await;
    register(&app, token, &batches.url, &["price_update.applied"]).await;
    register(&app, token, &singles.url, &["price.changed"]).await;
    let pool = app.runtime_pool(1).await;
    let mut tx = TenantTx::begin(&pool, TenantId(t.id)).await.expect("bind");
    let batch_id = Uuid::new_v4();
    let materials = vec![
        MaterialPrice {
            code: "PER-NAC3-RS".to_owned(),
            old: Some(money("52")),
            new: money("54.60"),
        },
        MaterialPrice {
            code: "PER-NAC3-JA".to_owned(),
            old: Some(money("48")),
            new: money("50.40"),
        },
        MaterialPrice {
            code: "HER-NUEVO".to_owned(),
            old: None,
            new: money("9.99"),
        },
    ];
    let event = Event::PriceUpdateApplied {
        batch_id,
        kind: BatchKind::Bulk,
        materials,
    };
    publish(&mut tx, event).await.expect("published");
    tx.commit().await.expect("commit");
    let got = batches.wait_for(1, GUARD).await;
    let body = got[0].json();
    assert_eq!(body["type"], "price_update.applied");
    assert_eq!(
        body["data"],
        json!({ "batch_id": batch_id.to_string(), "kind": "bulk", "materials": [
            { "code": "PER-NAC3-RS", "old": "52.00", "new": "54.60" },
            { "code": "PER-NAC3-JA", "old": "48.00", "new": "50.40" },
            { "code": "HER-NUEVO", "old": null, "new": "9.99" },
        ] })
    );
    batches.expect_no_more_than(1, QUIET).await;
    singles
        .expect_no_more_than(0, std::time::Duration::ZERO)
        .await;
    app.cleanup().await;
}

#[tokio::test]
async fn a_platform_change_reaches_tenants_that_inherit_the_code_only() {
    let app = app_with(|_| {}).await;
    a_platform_change_reaches_tenants_that_inherit_the_code_only_on(&app).await;
    app.cleanup().await;
}

/// The scenario of [`a_platform_change_reaches_tenants_that_inherit_the_code_only`]
/// on a running app (also run on Citus: tests/api/citus_writes.rs).
pub(crate) async fn a_platform_change_reaches_tenants_that_inherit_the_code_only_on(app: &TestApp) {
    let inherits = tenant(app, "wh-inherit").await;
    let overrides = tenant(app, "wh-override").await;
    let other_events = tenant(app, "wh-batches").await;
    app.set_price("PER-NAC3-JA", &overrides.admin_token, "50")
        .await;
    let (rx, ry, rz) = (
        Receiver::start(&[]).await,
        Receiver::start(&[]).await,
        Receiver::start(&[]).await,
    );
    let x = id_of(&register(app, &inherits.admin_token, &rx.url, &["price.changed"]).await);
    register(app, &overrides.admin_token, &ry.url, &["price.changed"]).await;
    register(
        app,
        &other_events.admin_token,
        &rz.url,
        &["price_update.applied"],
    )
    .await;

    let path = "/api/v1/platform/materials/PER-NAC3-JA";
    let key = app.platform_key.clone();
    let resp = app
        .patch(path, &key, Some("*"), json!({ "price": "49.50" }))
        .await;
    expect_status(resp, StatusCode::OK, "platform price change").await;
    let got = rx.wait_for(1, GUARD).await;
    let body = got[0].json();
    assert_eq!(body["type"], "price.changed");
    assert_eq!(
        body["data"],
        json!({ "code": "PER-NAC3-JA", "old": "48.00", "new": "49.50", "source": "global", "user_id": null })
    );
    // A change that leaves the price alone announces nothing.
    let resp = app
        .patch(path, &key, Some("*"), json!({ "name": "Jamba (nueva)" }))
        .await;
    expect_status(resp, StatusCode::OK, "platform rename").await;
    rx.expect_no_more_than(1, QUIET).await;
    ry.expect_no_more_than(0, std::time::Duration::ZERO).await;
    rz.expect_no_more_than(0, std::time::Duration::ZERO).await;
    let log = deliveries(app, &inherits.admin_token, &x).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["status"], "delivered");
}

#[tokio::test]
async fn a_tenant_never_sees_or_touches_another_tenants_webhooks() {
    let app = app_with(|_| {}).await;
    let a = tenant(&app, "wh-a").await;
    let b = tenant(&app, "wh-b").await;
    let (ra, rb) = (Receiver::start(&[]).await, Receiver::start(&[]).await);
    let a_hook = id_of(&register(&app, &a.admin_token, &ra.url, &["price.changed"]).await);
    let b_hook = id_of(&register(&app, &b.admin_token, &rb.url, &["price.changed"]).await);
    app.set_price("PER-NAC3-RS", &a.admin_token, "90").await;
    ra.wait_for(1, GUARD).await;

    let b_token = b.admin_token.as_str();
    let one = format!("/api/v1/webhooks/{a_hook}");
    for (method, path) in [
        (Method::GET, one.clone()),
        (Method::GET, format!("{one}/deliveries")),
        (Method::POST, format!("{one}/rotate-secret")),
        (Method::DELETE, one.clone()),
    ] {
        let what = format!("B: {method} {path}");
        let resp = app.request(method, &path, Some(b_token), None).await;
        expect_error(resp, StatusCode::NOT_FOUND, "webhook_not_found", &what).await;
    }
    let list = app.get_json("/api/v1/webhooks", b_token).await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["id"], b_hook.as_str());
    assert!(deliveries(&app, b_token, &b_hook).await.is_empty());
    rb.expect_no_more_than(0, QUIET).await;
    let still = app.get_json(&one, &a.admin_token).await;
    assert_eq!(still["id"], a_hook.as_str(), "A's webhook is untouched");
    assert_eq!(deliveries(&app, &a.admin_token, &a_hook).await.len(), 1);
    app.cleanup().await;
}

#[tokio::test]
async fn a_repeated_registration_answers_the_same_webhook_and_secret_without_storing_the_secret() {
    let app = app_with(|_| {}).await;
    let t = tenant(&app, "wh-idem").await;
    let token = t.admin_token.as_str();
    let path = "/api/v1/webhooks";
    let body = json!({ "url": "https://erp.example.com/hooks", "events": ["price.changed"] });
    let post = || {
        let req = app
            .client
            .post(app.url(path))
            .bearer_auth(token)
            .header("Idempotency-Key", "register-erp-1")
            .json(&body);
        app.send(&Method::POST, path, req)
    };
    let first = expect_status(post().await, StatusCode::CREATED, "first").await;
    let again = post().await;
    assert_eq!(
        again
            .headers()
            .get("idempotent-replayed")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    let again = expect_status(again, StatusCode::CREATED, "replay").await;
    assert_eq!(again, first, "the same answer, secret included");
    let list = app.get_json(path, token).await;
    assert_eq!(list["total"], 1, "registered once");

    let secret = first["secret"].as_str().expect("secret");
    let pool = app.runtime_pool(1).await;
    let mut tx = TenantTx::begin(&pool, TenantId(t.id)).await.expect("bind");
    let stored: Vec<u8> =
        sqlx::query_scalar("SELECT body FROM idempotency_keys WHERE key = 'register-erp-1'")
            .fetch_one(tx.conn())
            .await
            .expect("the answer is kept");
    tx.commit().await.expect("commit");
    let stored = String::from_utf8(stored).expect("text");
    assert!(!stored.contains(secret), "no secret kept: {stored}");
    assert!(
        stored.contains(first["id"].as_str().expect("id")),
        "{stored}"
    );

    let id = id_of(&first);
    let rotate = format!("{path}/{id}/rotate-secret");
    let rotated = app.request(Method::POST, &rotate, Some(token), None).await;
    let rotated = expect_status(rotated, StatusCode::OK, "rotate").await;
    let replayed = expect_status(post().await, StatusCode::CREATED, "replay after rotation").await;
    assert_eq!(replayed["secret"], rotated["secret"], "the secret in force");
    assert_eq!(replayed["secret_version"], 2);
    let gone = app
        .request(Method::DELETE, &format!("{path}/{id}"), Some(token), None)
        .await;
    expect_status(gone, StatusCode::NO_CONTENT, "delete").await;
    expect_error(
        post().await,
        StatusCode::NOT_FOUND,
        "webhook_not_found",
        "replay after delete",
    )
    .await;
    app.cleanup().await;
}

#[tokio::test]
async fn bulk_updates_imports_and_reverts_each_send_one_signed_event() {
    let app = app_with(|_| {}).await;
    let t = tenant(&app, "wh-admin").await;
    let token = t.admin_token.as_str();
    let receiver = Receiver::start(&[]).await;
    let hook = register(
        &app,
        token,
        &receiver.url,
        &["price_update.applied", "price.changed"],
    )
    .await;
    let secret = hook["secret"].as_str().expect("secret").to_owned();

    let body = json!({ "filter": { "codes": ["VID-CLARO-4", "VID-CLARO-6"] },
                       "change": { "amount": "10.00" } });
    let resp = app
        .request(
            Method::POST,
            "/api/v1/price-updates/preview",
            Some(token),
            Some(body.clone()),
        )
        .await;
    let preview = expect_status(resp, StatusCode::OK, "preview").await;
    // A stale apply writes nothing and sends nothing.
    let mut stale = body.clone();
    stale["fingerprint"] = json!("v1-stale");
    let resp = app
        .request(
            Method::POST,
            "/api/v1/price-updates",
            Some(token),
            Some(stale),
        )
        .await;
    expect_error(resp, StatusCode::CONFLICT, "preview_outdated", "stale").await;
    let mut apply = body;
    apply["fingerprint"] = preview["fingerprint"].clone();
    let resp = app
        .request(
            Method::POST,
            "/api/v1/price-updates",
            Some(token),
            Some(apply),
        )
        .await;
    let batch = expect_status(resp, StatusCode::CREATED, "apply").await;

    let got = receiver.wait_for(1, GUARD).await;
    super::receiver::verify_signature(&secret, &got[0]).expect("signed with the secret");
    let event = got[0].json();
    assert_eq!(event["type"], "price_update.applied");
    assert_eq!(
        event["data"],
        json!({ "batch_id": batch["id"], "kind": "bulk", "materials": [
            { "code": "VID-CLARO-4", "old": "85.00", "new": "95.00" },
            { "code": "VID-CLARO-6", "old": "120.00", "new": "130.00" },
        ] })
    );

    let path = format!(
        "/api/v1/price-updates/{}/revert",
        batch["id"].as_str().expect("id")
    );
    let resp = app.request(Method::POST, &path, Some(token), None).await;
    let revert = expect_status(resp, StatusCode::CREATED, "revert").await;
    let req = app
        .client
        .post(app.url("/api/v1/materials/import"))
        .bearer_auth(token)
        .header("Content-Type", "text/csv")
        .body("code,price\nVID-CLARO-4,86.00\n");
    let resp = app
        .send(&Method::POST, "/api/v1/materials/import", req)
        .await;
    let import = expect_status(resp, StatusCode::OK, "import").await;

    let got = receiver.wait_for(3, GUARD).await;
    let mut kinds: Vec<(String, String)> = got[1..]
        .iter()
        .map(|r| {
            let e = r.json();
            (
                e["data"]["kind"].as_str().expect("kind").to_owned(),
                e["data"]["batch_id"].as_str().expect("id").to_owned(),
            )
        })
        .collect();
    kinds.sort();
    let expected = [
        (
            "import".to_owned(),
            import["batch_id"].as_str().expect("id").to_owned(),
        ),
        (
            "revert".to_owned(),
            revert["id"].as_str().expect("id").to_owned(),
        ),
    ];
    assert_eq!(kinds, expected, "one event per batch, none per material");
    receiver.expect_no_more_than(3, QUIET).await;
    app.cleanup().await;
}
