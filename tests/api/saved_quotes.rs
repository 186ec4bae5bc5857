//! Saved quotes over HTTP: drafts, editing, the status machine, frozen versions,
//! revisions, duplicates, lists, isolation and bad input.
//!
//! The figures are hand-checked from seed case C01 (VEN-CORR-NAC3 150 × 120 cm in
//! VID-CLARO-6 at 120.00/m², natural colour): cost 2417.90 per window, of which glass
//! is 1.8 m² × 120.00 × 1.05 = 226.80. Shown figures add up exactly, so before tax is
//! the sum of the rounded cost, profit and indirect (a cent off the original app's
//! 3385.06 for C01).

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{
    expect_error, expect_named_error, expect_status, slug, spawn_app, TestApp, TestTenant,
};
use ventanas::db::TenantTx;
use ventanas::ids::TenantId;

fn window(quantity: u32) -> Value {
    json!({ "product": "VEN-CORR-NAC3", "width_cm": "150", "height_cm": "120",
            "quantity": quantity, "glass": "VID-CLARO-6", "colour": "NAT" })
}

async fn action(app: &TestApp, token: &str, id: &str, action: &str) -> reqwest::Response {
    app.request(
        Method::POST,
        &format!("/api/v1/quotes/{id}/{action}"),
        Some(token),
        None,
    )
    .await
}

async fn act(app: &TestApp, token: &str, id: &str, what: &str) -> Value {
    expect_status(action(app, token, id, what).await, StatusCode::OK, what).await
}

/// Today in a time zone, by the database's clock and zone rules.
async fn local_today(app: &TestApp, zone: &str) -> chrono::NaiveDate {
    let pool = app.runtime_pool(1).await;
    sqlx::query_scalar("SELECT (now() AT TIME ZONE $1)::date")
        .bind(zone)
        .fetch_one(&pool)
        .await
        .expect("today")
}

fn id_of(quote: &Value) -> String {
    quote["id"].as_str().expect("quote id").to_owned()
}

/// Sets a sent quote's validity date in the past, as the runtime role would see time pass.
async fn backdate(app: &TestApp, tenant: &TestTenant, quote: &str) {
    let pool = app.runtime_pool(1).await;
    let mut tx = TenantTx::begin(&pool, TenantId(tenant.id))
        .await
        .expect("bind");
    let id: Uuid = quote.parse().expect("uuid");
    let done = sqlx::query(
        "UPDATE quotes SET valid_until = tenant_date(tenant_id, now()) - 1 WHERE id = $1 AND status = 'sent'",
    )
    .bind(id)
    .execute(tx.conn())
    .await
    .expect("backdate");
    assert_eq!(done.rows_affected(), 1);
    tx.commit().await.expect("commit");
}

#[tokio::test]
async fn a_quote_goes_from_draft_to_sent_frozen_then_revised_from_current_prices_and_accepted() {
    let app = spawn_app().await;
    a_quote_goes_from_draft_to_sent_frozen_then_revised_from_current_prices_and_accepted_on(&app)
        .await;
    app.cleanup().await;
}

/// The scenario of [`a_quote_goes_from_draft_to_sent_frozen_then_revised_from_current_prices_and_accepted`] on a running app (also run on Citus: tests/api/citus.rs).
pub(crate) async fn a_quote_goes_from_draft_to_sent_frozen_then_revised_from_current_prices_and_accepted_on(
    app: &TestApp,
) {
    let t = app.onboard(&slug("life")).await;
    let estimator = app.user_token(&t, "estimator").await;
    let client = app.new_client(&estimator, "Familia Pérez").await;

    // A draft with a per-quote profit rate of 30 %: cost 2417.90, profit 725.37,
    // indirect 362.69, before tax 3505.96, tax 560.95, total 4066.91.
    let q = app
        .create_quote(
            &estimator,
            json!({ "client_id": client, "title": "Casa Pérez", "items": [window(1)],
                "profit_rate": "0.30" }),
        )
        .await;
    let id = id_of(&q);
    assert_eq!(q["status"], "draft");
    assert_eq!(q["number"], 1);
    assert_eq!(q["reference"], "COT-000001");
    assert_eq!(q["client"]["name"], "Familia Pérez");
    assert_eq!(q["version"], 1);
    assert_eq!(q["total"], "4066.91");
    assert_eq!(q["result"]["totals"]["profit"], "725.37");
    assert_eq!(q["result"]["totals"]["total"], "4066.91");
    assert_eq!(q["history"][0]["action"], "created");

    // Editing the items keeps the override: 2 windows, cost 4835.79 (consumables
    // 2 × 79.695 = 159.39), profit 1450.74, indirect 725.37, before tax 7011.90,
    // tax 1121.90, total 8133.80.
    let resp = app
        .patch(
            &format!("/api/v1/quotes/{id}"),
            &estimator,
            None,
            json!({ "items": [window(2)] }),
        )
        .await;
    let q = expect_status(resp, StatusCode::OK, "edit draft").await;
    assert_eq!(q["request"]["profit_rate"], "0.3000");
    assert_eq!(q["result"]["totals"]["cost"], "4835.79");
    assert_eq!(q["result"]["totals"]["profit"], "1450.74");
    assert_eq!(q["total"], "8133.80");
    assert_eq!(q["title"], "Casa Pérez", "absent fields stay");

    // Sending freezes version 1, valid for the default 30 days.
    let q = act(app, &estimator, &id, "send").await;
    assert_eq!(q["status"], "sent");
    let expected_until =
        (local_today(app, "America/Mexico_City").await + chrono::Days::new(30)).to_string();
    assert_eq!(q["valid_until"], expected_until.as_str());
    assert!(q["sent_at"].is_string());

    // A sent quote cannot be edited or sent again.
    let resp = app
        .patch(
            &format!("/api/v1/quotes/{id}"),
            &estimator,
            None,
            json!({ "title": "otro" }),
        )
        .await;
    expect_error(resp, StatusCode::CONFLICT, "invalid_status", "edit sent").await;
    let resp = action(app, &estimator, &id, "send").await;
    expect_error(resp, StatusCode::CONFLICT, "invalid_status", "send twice").await;

    // The glass gets dearer: the sent quote does not move.
    app.set_price("VID-CLARO-6", &t.admin_token, "150.00").await;
    let q = app
        .get_json(&format!("/api/v1/quotes/{id}"), &estimator)
        .await;
    assert_eq!(q["total"], "8133.80");
    assert_eq!(q["result"]["totals"]["total"], "8133.80");

    // Revising prices version 2 with today's glass, keeping the override: glass
    // 1.8 × 150.00 × 1.05 × 2 = 567.00, cost 4949.19, profit 1484.76, indirect 742.38,
    // before tax 7176.33, tax 1148.21, total 8324.54.
    let q = act(app, &estimator, &id, "revise").await;
    assert_eq!(q["status"], "draft");
    assert_eq!(q["version"], 2);
    assert_eq!(q["result"]["items"][0]["glass"], "567.00");
    assert_eq!(q["total"], "8324.54");
    assert_eq!(q["request"]["profit_rate"], "0.3000");
    assert!(
        q.get("valid_until").is_none(),
        "a draft has no validity yet"
    );
    let versions = q["versions"].as_array().expect("versions");
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0]["total"], "8133.80");
    assert!(versions[0]["sent_at"].is_string());
    assert!(versions[1].get("sent_at").is_none());

    // Version 1 is still exactly what was sent.
    let v1 = app
        .get_json(&format!("/api/v1/quotes/{id}/versions/1"), &estimator)
        .await;
    assert_eq!(v1["frozen"], true);
    assert_eq!(v1["result"]["items"][0]["glass"], "453.60");
    assert_eq!(v1["result"]["totals"]["total"], "8133.80");
    let resp = app
        .get(&format!("/api/v1/quotes/{id}/versions/3"), &estimator)
        .await;
    expect_error(resp, StatusCode::NOT_FOUND, "version_not_found", "v3").await;

    // Accepting needs a sent quote; once accepted, it is final.
    let resp = action(app, &estimator, &id, "accept").await;
    expect_error(resp, StatusCode::CONFLICT, "invalid_status", "accept draft").await;
    act(app, &estimator, &id, "send").await;
    let q = act(app, &estimator, &id, "accept").await;
    assert_eq!(q["status"], "accepted");
    for what in ["revise", "reject", "send", "accept"] {
        let resp = action(app, &estimator, &id, what).await;
        expect_error(resp, StatusCode::CONFLICT, "invalid_status", what).await;
    }
    let actions: Vec<&str> = q["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(
        actions,
        ["created", "edited", "sent", "revised", "sent", "accepted"]
    );
}

#[tokio::test]
async fn editing_a_draft_keeps_rate_overrides_until_cleared_and_a_stale_if_match_is_refused() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("edit")).await;
    let client = app.new_client(&t.admin_token, "Constructora Norte").await;
    let other = app.new_client(&t.admin_token, "Hotel Sur").await;
    let q = app
        .create_quote(
            &t.admin_token,
            json!({ "client_id": client, "items": [window(1)], "tax_rate": "0.08",
                "notes": "Instalación incluida" }),
        )
        .await;
    let id = id_of(&q);
    // IVA 8 %: before tax 2417.90 + 604.48 + 362.69 = 3385.07, tax 270.81,
    // total 3655.88.
    assert_eq!(q["total"], "3655.88");

    let stale = "\"q1-0\"";
    let resp = app
        .patch(
            &format!("/api/v1/quotes/{id}"),
            &t.admin_token,
            Some(stale),
            json!({ "title": "x" }),
        )
        .await;
    expect_error(
        resp,
        StatusCode::PRECONDITION_FAILED,
        "version_mismatch",
        "stale",
    )
    .await;

    let resp = app
        .get(&format!("/api/v1/quotes/{id}"), &t.admin_token)
        .await;
    let tag = resp
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .expect("etag")
        .to_owned();
    let resp = app
        .patch(
            &format!("/api/v1/quotes/{id}"),
            &t.admin_token,
            Some(&tag),
            json!({ "client_id": other, "discount_rate": "0.10", "notes": "" }),
        )
        .await;
    let q = expect_status(resp, StatusCode::OK, "edit with etag").await;
    assert_eq!(q["client"]["name"], "Hotel Sur");
    assert_eq!(q["request"]["tax_rate"], "0.0800", "override kept");
    assert!(q.get("notes").is_none(), "empty notes clear them");
    // 10 % off 3385.07 = 338.51; before tax 3046.56; tax 243.72; total 3290.28.
    assert_eq!(q["result"]["totals"]["discount"], "338.51");
    assert_eq!(q["total"], "3290.28");

    // null goes back to the tenant's default (16 %): tax 487.45, total 3534.01.
    let resp = app
        .patch(
            &format!("/api/v1/quotes/{id}"),
            &t.admin_token,
            None,
            json!({ "tax_rate": null }),
        )
        .await;
    let q = expect_status(resp, StatusCode::OK, "clear override").await;
    assert!(q["request"]["tax_rate"].is_null());
    assert_eq!(q["request"]["discount_rate"], "0.1000");
    assert_eq!(q["total"], "3534.01");
    app.cleanup().await;
}

#[tokio::test]
async fn a_sent_quote_past_its_validity_reads_expired_cannot_be_accepted_and_can_be_revised() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("expiry")).await;
    let client = app.new_client(&t.admin_token, "Cliente").await;
    let q = app
        .create_quote(
            &t.admin_token,
            json!({ "client_id": client, "items": [window(1)] }),
        )
        .await;
    let id = id_of(&q);
    act(&app, &t.admin_token, &id, "send").await;
    backdate(&app, &t, &id).await;

    let q = app
        .get_json(&format!("/api/v1/quotes/{id}"), &t.admin_token)
        .await;
    assert_eq!(q["status"], "expired");
    let listed = app
        .get_items("/api/v1/quotes?status=expired", &t.admin_token)
        .await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    let listed = app
        .get_items("/api/v1/quotes?status=sent", &t.admin_token)
        .await;
    assert_eq!(listed.as_array().map(Vec::len), Some(0));

    let resp = action(&app, &t.admin_token, &id, "accept").await;
    let body = expect_error(
        resp,
        StatusCode::CONFLICT,
        "invalid_status",
        "accept expired",
    )
    .await;
    assert_eq!(body["details"]["status"], "expired");
    let q = act(&app, &t.admin_token, &id, "revise").await;
    assert_eq!(q["status"], "draft");
    assert_eq!(q["version"], 2);
    let q = act(&app, &t.admin_token, &id, "send").await;
    assert_eq!(q["status"], "sent");
    let q = act(&app, &t.admin_token, &id, "reject").await;
    assert_eq!(q["status"], "rejected");
    app.cleanup().await;
}

#[tokio::test]
async fn a_sent_version_is_frozen_in_the_database_too() {
    let app = spawn_app().await;
    a_sent_version_is_frozen_in_the_database_too_on(&app).await;
    app.cleanup().await;
}

/// The scenario of [`a_sent_version_is_frozen_in_the_database_too`] on a running app (also run on Citus: tests/api/citus.rs).
pub(crate) async fn a_sent_version_is_frozen_in_the_database_too_on(app: &TestApp) {
    let t = app.onboard(&slug("frozen")).await;
    let client = app.new_client(&t.admin_token, "Cliente").await;
    let q = app
        .create_quote(
            &t.admin_token,
            json!({ "client_id": client, "items": [window(1)] }),
        )
        .await;
    let id: Uuid = id_of(&q).parse().expect("uuid");
    act(app, &t.admin_token, &id.to_string(), "send").await;

    let pool = app.runtime_pool(1).await;
    for sql in [
        "UPDATE quote_versions SET total = 1 WHERE quote_id = $1",
        "DELETE FROM quote_versions WHERE quote_id = $1",
    ] {
        let mut tx = TenantTx::begin(&pool, TenantId(t.id)).await.expect("bind");
        let err = sqlx::query(sql)
            .bind(id)
            .execute(tx.conn())
            .await
            .expect_err(sql);
        assert!(err.to_string().contains("frozen"), "{sql}: {err}");
    }
}

#[tokio::test]
async fn duplicating_makes_a_new_numbered_draft_and_lists_filter_search_and_page() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("list")).await;
    let norte = app.new_client(&t.admin_token, "Constructora Norte").await;
    let sur = app.new_client(&t.admin_token, "Hotel Sur").await;
    let first = app
        .create_quote(
            &t.admin_token,
            json!({ "client_id": norte, "title": "Torre A", "items": [window(1)],
                "profit_rate": "0.30" }),
        )
        .await;
    act(&app, &t.admin_token, &id_of(&first), "send").await;
    app.create_quote(
        &t.admin_token,
        json!({ "client_id": sur, "title": "Lobby",
                "material_items": [{ "material": "CON-SIL-NEU", "quantity": "3" }] }),
    )
    .await;

    let copy = expect_status(
        action(&app, &t.admin_token, &id_of(&first), "duplicate").await,
        StatusCode::CREATED,
        "duplicate",
    )
    .await;
    assert_eq!(copy["number"], 3);
    assert_eq!(copy["status"], "draft");
    assert_eq!(copy["version"], 1);
    assert_eq!(copy["title"], "Torre A");
    assert_eq!(copy["client"]["id"], norte.as_str());
    assert_eq!(copy["request"]["profit_rate"], "0.3000");
    assert_eq!(copy["total"], first["total"]);
    assert_ne!(copy["id"], first["id"]);

    let numbers = |v: &Value| -> Vec<i64> {
        v.as_array()
            .expect("list")
            .iter()
            .filter_map(|q| q["number"].as_i64())
            .collect()
    };
    let all = app.get_items("/api/v1/quotes", &t.admin_token).await;
    assert_eq!(numbers(&all), [3, 2, 1], "most recently changed first");
    let by_client = app
        .get_items(&format!("/api/v1/quotes?client_id={norte}"), &t.admin_token)
        .await;
    assert_eq!(numbers(&by_client), [3, 1]);
    let drafts = app
        .get_items("/api/v1/quotes?status=draft", &t.admin_token)
        .await;
    assert_eq!(numbers(&drafts), [3, 2]);
    for (search, expected) in [
        ("COT-000002", vec![2]),
        ("lobby", vec![2]),
        ("norte", vec![3, 1]),
        ("%", vec![]),
    ] {
        let found = app
            .get_items(&format!("/api/v1/quotes?search={search}"), &t.admin_token)
            .await;
        assert_eq!(numbers(&found), expected, "search {search}");
    }
    // Keyset pages: each cursor goes on after the last quote shown, and every page
    // names the total.
    let mut seen = Vec::new();
    let mut path = "/api/v1/quotes?limit=2".to_owned();
    loop {
        let page = app.get_json(&path, &t.admin_token).await;
        assert_eq!(page["total"], 3);
        seen.extend(numbers(&page["items"]));
        match page["next"].as_str() {
            Some(next) => path = format!("/api/v1/quotes?limit=2&cursor={next}"),
            None => break,
        }
    }
    assert_eq!(seen, [3, 2, 1], "pages neither skip nor repeat");
    for (query, status, named) in [
        ("limit=0", StatusCode::UNPROCESSABLE_ENTITY, "limit"),
        ("cursor=zz", StatusCode::BAD_REQUEST, "cursor"),
        ("status=lost", StatusCode::BAD_REQUEST, "status"),
        ("client_id=nope", StatusCode::BAD_REQUEST, "client_id"),
    ] {
        let resp = app
            .get(&format!("/api/v1/quotes?{query}"), &t.admin_token)
            .await;
        expect_named_error(resp, status, named, query).await;
    }
    app.cleanup().await;
}

#[tokio::test]
async fn another_tenants_quotes_are_404_and_unchanged_and_viewers_only_read() {
    let app = spawn_app().await;
    another_tenants_quotes_are_404_and_unchanged_and_viewers_only_read_on(&app).await;
    app.cleanup().await;
}

/// The scenario of [`another_tenants_quotes_are_404_and_unchanged_and_viewers_only_read`] on a running app (also run on Citus: tests/api/citus.rs).
pub(crate) async fn another_tenants_quotes_are_404_and_unchanged_and_viewers_only_read_on(
    app: &TestApp,
) {
    let a = app.onboard(&slug("qa")).await;
    let b = app.onboard(&slug("qb")).await;
    let client = app.new_client(&a.admin_token, "Cliente de A").await;
    let q = app
        .create_quote(
            &a.admin_token,
            json!({ "client_id": client, "items": [window(1)] }),
        )
        .await;
    let id = id_of(&q);

    for what in ["send", "accept", "reject", "revise", "duplicate"] {
        let resp = action(app, &b.admin_token, &id, what).await;
        expect_error(resp, StatusCode::NOT_FOUND, "quote_not_found", what).await;
    }
    for path in [
        format!("/api/v1/quotes/{id}"),
        format!("/api/v1/quotes/{id}/versions/1"),
    ] {
        let resp = app.get(&path, &b.admin_token).await;
        expect_error(resp, StatusCode::NOT_FOUND, "quote_not_found", &path).await;
    }
    let resp = app
        .patch(
            &format!("/api/v1/quotes/{id}"),
            &b.admin_token,
            None,
            json!({ "title": "mío" }),
        )
        .await;
    expect_error(resp, StatusCode::NOT_FOUND, "quote_not_found", "patch").await;
    let listed = app.get_items("/api/v1/quotes", &b.admin_token).await;
    assert_eq!(listed, json!([]));
    // B cannot address a quote to A's client either.
    let resp = app
        .request(
            Method::POST,
            "/api/v1/quotes",
            Some(&b.admin_token),
            Some(json!({ "client_id": client, "items": [window(1)] })),
        )
        .await;
    expect_error(
        resp,
        StatusCode::NOT_FOUND,
        "client_not_found",
        "A's client",
    )
    .await;

    // A's quote is as it was.
    let after = app
        .get_json(&format!("/api/v1/quotes/{id}"), &a.admin_token)
        .await;
    assert_eq!(after["status"], "draft");
    assert_eq!(after["title"], Value::Null);
    assert_eq!(after["history"].as_array().map(Vec::len), Some(1));

    let viewer = app.user_token(&a, "viewer").await;
    app.get_json(&format!("/api/v1/quotes/{id}"), &viewer).await;
    app.get_items("/api/v1/quotes", &viewer).await;
    let resp = action(app, &viewer, &id, "send").await;
    expect_error(resp, StatusCode::FORBIDDEN, "forbidden", "viewer send").await;
    let resp = app
        .request(
            Method::POST,
            "/api/v1/quotes",
            Some(&viewer),
            Some(json!({ "client_id": client, "items": [window(1)] })),
        )
        .await;
    expect_error(resp, StatusCode::FORBIDDEN, "forbidden", "viewer create").await;
}

#[tokio::test]
async fn bad_quotes_are_refused_naming_the_field_and_nothing_is_saved() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("badq")).await;
    let client = app.new_client(&t.admin_token, "Cliente").await;
    let archived = app.new_client(&t.admin_token, "Archivado").await;
    let resp = app
        .patch(
            &format!("/api/v1/clients/{archived}"),
            &t.admin_token,
            None,
            json!({ "active": false }),
        )
        .await;
    expect_status(resp, StatusCode::OK, "archive").await;

    let long = "x".repeat(201);
    let cases: Vec<(Value, StatusCode, &str)> = vec![
        (
            json!({ "client_id": Uuid::new_v4(), "items": [window(1)] }),
            StatusCode::NOT_FOUND,
            "client_id",
        ),
        (
            json!({ "client_id": archived, "items": [window(1)] }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "client_id",
        ),
        (
            json!({ "items": [window(1)] }),
            StatusCode::BAD_REQUEST,
            "client_id",
        ),
        (
            json!({ "client_id": client, "items": [] }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "items",
        ),
        (
            json!({ "client_id": client, "items": [{ "product": "NOPE", "width_cm": "100",
                     "height_cm": "100", "quantity": 1 }] }),
            StatusCode::NOT_FOUND,
            "items[0].product",
        ),
        (
            json!({ "client_id": client, "items": [{ "product": "VEN-CORR-NAC3",
                     "width_cm": "9000", "height_cm": "120", "quantity": 1 }] }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "items[0].width_cm",
        ),
        (
            json!({ "client_id": client, "items": [window(1)], "title": long }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "title",
        ),
        (
            json!({ "client_id": client, "items": [window(1)], "profit_rate": 0.3 }),
            StatusCode::BAD_REQUEST,
            "profit_rate",
        ),
        (
            json!({ "client_id": client, "items": [window(1)], "status": "sent" }),
            StatusCode::BAD_REQUEST,
            "status",
        ),
    ];
    for (body, status, named) in cases {
        let resp = app
            .request(
                Method::POST,
                "/api/v1/quotes",
                Some(&t.admin_token),
                Some(body.clone()),
            )
            .await;
        expect_named_error(resp, status, named, &body.to_string()).await;
    }
    let listed = app.get_items("/api/v1/quotes", &t.admin_token).await;
    assert_eq!(listed, json!([]), "nothing saved");

    // The first quote that does save is number 1: failed requests used no number.
    let q = app
        .create_quote(
            &t.admin_token,
            json!({ "client_id": client, "items": [window(1)] }),
        )
        .await;
    assert_eq!(q["number"], 1);
    let id = id_of(&q);

    // A failed edit changes nothing.
    let resp = app
        .patch(
            &format!("/api/v1/quotes/{id}"),
            &t.admin_token,
            None,
            json!({ "title": "Nuevo", "items": [{ "product": "VEN-CORR-NAC3", "width_cm": "150",
                    "height_cm": "120", "quantity": 1, "glass": "PER-NAC3-RS" }] }),
        )
        .await;
    expect_named_error(
        resp,
        StatusCode::UNPROCESSABLE_ENTITY,
        "items[0].glass",
        "profile as glass",
    )
    .await;
    let after = app
        .get_json(&format!("/api/v1/quotes/{id}"), &t.admin_token)
        .await;
    assert_eq!(after["title"], Value::Null);
    assert_eq!(after["history"].as_array().map(Vec::len), Some(1));
    // Our figures add up: 2417.90 + 604.48 + 362.69 = 3385.07, tax 541.61.
    assert_eq!(after["total"], "3926.68");
    app.cleanup().await;
}

/// The text of a PDF: every Flate stream inflated and joined, with hex strings
/// (`<56E16C696461>`, how non-ASCII text is written) decoded as Latin-1, which
/// WinAnsi matches for Spanish letters. Enough to find what the pages say.
fn pdf_text(bytes: &[u8]) -> String {
    let raw = pdf_streams(bytes);
    let mut text = String::with_capacity(raw.len());
    let mut rest = raw.as_str();
    while let Some(open) = rest.find('<') {
        text.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('>') {
            Some(close) if after[..close].bytes().all(|b| b.is_ascii_hexdigit()) => {
                let hex = &after[..close];
                for i in (0..hex.len() / 2 * 2).step_by(2) {
                    let byte = u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(b'?');
                    text.push(char::from(byte));
                }
                rest = &after[close + 1..];
            }
            _ => {
                text.push('<');
                rest = after;
            }
        }
    }
    text.push_str(rest);
    text
}

fn pdf_streams(bytes: &[u8]) -> String {
    let mut text = String::new();
    let mut rest = bytes;
    while let Some(start) = find(rest, b"stream") {
        let mut body = &rest[start + 6..];
        if body.starts_with(b"\r\n") {
            body = &body[2..];
        } else if body.starts_with(b"\n") {
            body = &body[1..];
        }
        let Some(end) = find(body, b"endstream") else {
            break;
        };
        if let Ok(plain) = miniz_oxide::inflate::decompress_to_vec_zlib(&body[..end]) {
            text.push_str(&String::from_utf8_lossy(&plain));
        }
        rest = &body[end + 9..];
    }
    text
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

async fn get_pdf(app: &TestApp, token: &str, path: &str) -> Vec<u8> {
    let resp = app.get(path, token).await;
    assert_eq!(resp.status(), StatusCode::OK, "{path}");
    assert_eq!(
        resp.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/pdf")
    );
    let bytes = resp.bytes().await.expect("pdf").to_vec();
    assert!(bytes.starts_with(b"%PDF-"), "{path}: not a PDF");
    bytes
}

#[tokio::test]
async fn the_pdf_shows_the_company_client_items_and_totals_and_another_tenant_gets_404() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("pdf")).await;
    let other = app.onboard(&slug("pdf2")).await;
    let resp = app
        .request(
            Method::PUT,
            "/api/v1/settings/company",
            Some(&t.admin_token),
            Some(
                json!({ "legal_name": "Aluminios del Norte SA de CV", "rfc": "AND010101AB1",
                         "address": "Av. Juarez 100, Monterrey" }),
            ),
        )
        .await;
    expect_status(resp, StatusCode::OK, "company").await;
    let estimator = app.user_token(&t, "estimator").await;
    let client = app.new_client(&estimator, "Familia Perez").await;
    let q = app
        .create_quote(
            &estimator,
            json!({ "client_id": client, "title": "Casa Perez", "items": [window(1)],
                "material_items": [{ "material": "CON-SIL-NEU", "quantity": "2" }],
                "notes": "Incluye instalacion" }),
        )
        .await;
    let id = id_of(&q);
    let total = q["total"].as_str().expect("total").to_owned();

    let draft = pdf_text(&get_pdf(&app, &estimator, &format!("/api/v1/quotes/{id}/pdf")).await);
    for expected in [
        "Aluminios del Norte SA de CV",
        "AND010101AB1",
        "COT-000001",
        "Familia Perez",
        "Casa Perez",
        "Incluye instalacion",
        "BORRADOR",
        "Total",
    ] {
        assert!(draft.contains(expected), "draft PDF lacks {expected:?}");
    }
    // The total, as printed: "$4,0xx.xx" style with thousands separators.
    let (int, frac) = total.split_once('.').expect("decimal");
    let printed = format!(
        "${},{}.{frac}",
        &int[..int.len() - 3],
        &int[int.len() - 3..]
    );
    assert!(draft.contains(&printed), "draft PDF lacks {printed}");

    act(&app, &estimator, &id, "send").await;
    let sent = pdf_text(&get_pdf(&app, &estimator, &format!("/api/v1/quotes/{id}/pdf")).await);
    assert!(!sent.contains("BORRADOR"), "a sent quote is not a draft");
    assert!(sent.contains("Válida hasta"), "the validity is printed");
    let viewer = app.user_token(&t, "viewer").await;
    get_pdf(&app, &viewer, &format!("/api/v1/quotes/{id}/pdf?version=1")).await;

    // With a logo, a draft's PDF carries an image; the version sent without one
    // keeps printing without it.
    let resp = app
        .client
        .put(app.url("/api/v1/settings/company/logo"))
        .bearer_auth(&t.admin_token)
        .header("Content-Type", "image/png")
        .body(crate::company::png(40, 20))
        .send()
        .await
        .expect("logo");
    expect_status(resp, StatusCode::OK, "logo").await;
    let sent = get_pdf(&app, &estimator, &format!("/api/v1/quotes/{id}/pdf")).await;
    assert!(
        find(&sent, b"/Subtype /Image").is_none(),
        "sent without a logo"
    );
    act(&app, &estimator, &id, "revise").await;
    let with_logo = get_pdf(&app, &estimator, &format!("/api/v1/quotes/{id}/pdf")).await;
    assert!(
        find(&with_logo, b"/Subtype /Image").is_some(),
        "logo embedded"
    );

    let resp = app
        .get(&format!("/api/v1/quotes/{id}/pdf"), &other.admin_token)
        .await;
    expect_error(
        resp,
        StatusCode::NOT_FOUND,
        "quote_not_found",
        "other tenant",
    )
    .await;
    let resp = app
        .get(&format!("/api/v1/quotes/{id}/pdf?version=9"), &estimator)
        .await;
    expect_error(resp, StatusCode::NOT_FOUND, "version_not_found", "v9").await;
    app.cleanup().await;
}

#[tokio::test]
async fn sending_after_a_price_change_saves_the_new_figures_and_asks_for_a_second_send() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("reprice")).await;
    let client = app.new_client(&t.admin_token, "Cliente").await;
    let q = app
        .create_quote(
            &t.admin_token,
            json!({ "client_id": client, "items": [window(1)] }),
        )
        .await;
    let id = id_of(&q);
    assert_eq!(q["total"], "3926.68");
    // Glass 120.00 → 150.00: 1.8 × 150 × 1.05 = 283.50 instead of 226.80, so cost
    // 2474.60, profit 618.65, indirect 371.19, before tax 3464.44, tax 554.31,
    // total 4018.75.
    app.set_price("VID-CLARO-6", &t.admin_token, "150.00").await;
    let resp = action(&app, &t.admin_token, &id, "send").await;
    let body = expect_error(resp, StatusCode::CONFLICT, "quote_repriced", "stale send").await;
    assert_eq!(body["details"]["previous_total"], "3926.68");
    assert_eq!(body["details"]["total"], "4018.75");
    let q = app
        .get_json(&format!("/api/v1/quotes/{id}"), &t.admin_token)
        .await;
    assert_eq!(q["status"], "draft");
    assert_eq!(q["total"], "4018.75", "the draft now shows today's figures");
    let q = act(&app, &t.admin_token, &id, "send").await;
    assert_eq!(q["status"], "sent");
    assert_eq!(q["total"], "4018.75");

    // Duplicating prices the copy today too.
    app.set_price("VID-CLARO-6", &t.admin_token, "120.00").await;
    let copy = expect_status(
        action(&app, &t.admin_token, &id, "duplicate").await,
        StatusCode::CREATED,
        "duplicate",
    )
    .await;
    assert_eq!(copy["total"], "3926.68");
    app.cleanup().await;
}

#[tokio::test]
async fn a_quote_is_valid_through_its_last_day_and_expires_the_day_after() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("lastday")).await;
    let client = app.new_client(&t.admin_token, "Cliente").await;
    let q = app
        .create_quote(
            &t.admin_token,
            json!({ "client_id": client, "items": [window(1)] }),
        )
        .await;
    let id = id_of(&q);
    act(&app, &t.admin_token, &id, "send").await;
    let pool = app.runtime_pool(1).await;
    for (offset, status) in [(0, "sent"), (-1, "expired")] {
        let mut tx = TenantTx::begin(&pool, TenantId(t.id)).await.expect("bind");
        sqlx::query(
            "UPDATE quotes SET valid_until = tenant_date(tenant_id, now()) + $2 WHERE id = $1",
        )
        .bind(id.parse::<Uuid>().expect("uuid"))
        .bind(offset)
        .execute(tx.conn())
        .await
        .expect("set validity");
        tx.commit().await.expect("commit");
        let q = app
            .get_json(&format!("/api/v1/quotes/{id}"), &t.admin_token)
            .await;
        assert_eq!(q["status"], status, "valid_until = today + {offset}");
    }
    app.cleanup().await;
}

#[tokio::test]
async fn concurrent_sends_and_creates_do_not_race() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("race")).await;
    let client = app.new_client(&t.admin_token, "Cliente").await;
    let body = json!({ "client_id": client, "items": [window(1)] });
    let creates = (0..6).map(|_| {
        app.request(
            Method::POST,
            "/api/v1/quotes",
            Some(&t.admin_token),
            Some(body.clone()),
        )
    });
    let mut numbers = Vec::new();
    let mut ids = Vec::new();
    for resp in futures_util::future::join_all(creates).await {
        let q = expect_status(resp, StatusCode::CREATED, "create").await;
        numbers.push(q["number"].as_i64().expect("number"));
        ids.push(id_of(&q));
    }
    numbers.sort_unstable();
    assert_eq!(numbers, [1, 2, 3, 4, 5, 6], "gap-free and distinct");

    let id = &ids[0];
    let sends = (0..4).map(|_| action(&app, &t.admin_token, id, "send"));
    let statuses: Vec<StatusCode> = futures_util::future::join_all(sends)
        .await
        .iter()
        .map(reqwest::Response::status)
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CONFLICT)
            .count(),
        3,
        "{statuses:?}"
    );
    let q = app
        .get_json(&format!("/api/v1/quotes/{id}"), &t.admin_token)
        .await;
    let sent_events = q["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter(|e| e["action"] == "sent")
        .count();
    assert_eq!(sent_events, 1);
    app.cleanup().await;
}

#[tokio::test]
async fn a_sent_versions_pdf_keeps_the_title_client_and_company_it_was_sent_with() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("pdfkeep")).await;
    let first = app.new_client(&t.admin_token, "Cliente Original").await;
    let second = app.new_client(&t.admin_token, "Cliente Nuevo").await;
    let q = app
        .create_quote(
            &t.admin_token,
            json!({ "client_id": first, "title": "Primera obra", "items": [window(1)] }),
        )
        .await;
    let id = id_of(&q);
    let logo = |method: Method| {
        let req = app
            .client
            .request(method, app.url("/api/v1/settings/company/logo"))
            .bearer_auth(&t.admin_token)
            .header("Content-Type", "image/png")
            .body(crate::company::png(30, 10));
        async move { req.send().await.expect("logo request").status() }
    };
    assert_eq!(logo(Method::PUT).await, StatusCode::OK);
    act(&app, &t.admin_token, &id, "send").await;
    act(&app, &t.admin_token, &id, "revise").await;
    assert_eq!(logo(Method::DELETE).await, StatusCode::NO_CONTENT);
    let resp = app
        .patch(
            &format!("/api/v1/quotes/{id}"),
            &t.admin_token,
            None,
            json!({ "client_id": second, "title": "Segunda obra" }),
        )
        .await;
    expect_status(resp, StatusCode::OK, "edit v2").await;
    let resp = app
        .request(
            Method::PUT,
            "/api/v1/settings/company",
            Some(&t.admin_token),
            Some(json!({ "legal_name": "Nombre Cambiado SA" })),
        )
        .await;
    expect_status(resp, StatusCode::OK, "rename company").await;

    let v1_pdf = get_pdf(
        &app,
        &t.admin_token,
        &format!("/api/v1/quotes/{id}/pdf?version=1"),
    )
    .await;
    assert!(
        find(&v1_pdf, b"/Subtype /Image").is_some(),
        "v1 keeps the logo it was sent with"
    );
    let v1 = pdf_text(&v1_pdf);
    for kept in [
        "Cliente Original",
        "Primera obra",
        &format!("Aluminios {}", t.slug),
    ] {
        assert!(v1.contains(kept), "v1 PDF lacks {kept:?}");
    }
    for later in ["Cliente Nuevo", "Segunda obra", "Nombre Cambiado"] {
        assert!(!v1.contains(later), "v1 PDF shows the later {later:?}");
    }
    let v2_pdf = get_pdf(&app, &t.admin_token, &format!("/api/v1/quotes/{id}/pdf")).await;
    assert!(
        find(&v2_pdf, b"/Subtype /Image").is_none(),
        "the draft has today's (no) logo"
    );
    let v2 = pdf_text(&v2_pdf);
    for now in [
        "Cliente Nuevo",
        "Segunda obra",
        "Nombre Cambiado SA",
        "BORRADOR",
    ] {
        assert!(v2.contains(now), "draft v2 PDF lacks {now:?}");
    }
    app.cleanup().await;
}

#[tokio::test]
async fn quotes_are_dated_and_expire_on_the_shops_local_days() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("zone")).await;
    let admin = &t.admin_token;
    let mut settings = app.get_json("/api/v1/settings/quotes", admin).await;
    assert_eq!(settings["time_zone"], "America/Mexico_City");
    settings["time_zone"] = json!("Marte/Olimpo");
    let resp = app
        .request(
            Method::PUT,
            "/api/v1/settings/quotes",
            Some(admin),
            Some(settings.clone()),
        )
        .await;
    expect_named_error(
        resp,
        StatusCode::UNPROCESSABLE_ENTITY,
        "time_zone",
        "unknown zone",
    )
    .await;
    // UTC+14: the first place where a day starts, often a day ahead of Mexico.
    settings["time_zone"] = json!("Pacific/Kiritimati");
    settings["validity_days"] = json!(10);
    let resp = app
        .request(
            Method::PUT,
            "/api/v1/settings/quotes",
            Some(admin),
            Some(settings),
        )
        .await;
    expect_status(resp, StatusCode::OK, "zone").await;
    let client = app.new_client(admin, "Cliente").await;
    let q = app
        .create_quote(admin, json!({ "client_id": client, "items": [window(1)] }))
        .await;
    let q = act(&app, admin, &id_of(&q), "send").await;
    let expected = local_today(&app, "Pacific/Kiritimati").await + chrono::Days::new(10);
    assert_eq!(q["valid_until"], expected.to_string().as_str());
    app.cleanup().await;
}
