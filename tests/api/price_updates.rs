//! Bulk price updates: preview equals apply, stale previews and failed applies
//! leave no trace, concurrent batches lose no update, reverts, roles, isolation,
//! and a second instance sees a batch at once.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{
    expect_error, expect_named_error, expect_status, slug, spawn_app, spawn_second_instance,
    TestApp,
};

/// The seven default glass codes every tenant gets its own copy of.
const GLASS: [&str; 7] = [
    "VID-BRONCE-4",
    "VID-BRONCE-6",
    "VID-CLARO-4",
    "VID-CLARO-6",
    "VID-LAMINADO-6",
    "VID-REFLECTIVO-6",
    "VID-TEMPLADO-6",
];

async fn preview(app: &TestApp, token: &str, body: &Value) -> reqwest::Response {
    app.request(
        Method::POST,
        "/api/v1/price-updates/preview",
        Some(token),
        Some(body.clone()),
    )
    .await
}

async fn apply(app: &TestApp, token: &str, body: &Value, fingerprint: &Value) -> reqwest::Response {
    let mut body = body.clone();
    body["fingerprint"] = fingerprint.clone();
    app.request(
        Method::POST,
        "/api/v1/price-updates",
        Some(token),
        Some(body),
    )
    .await
}

/// Previews and applies; returns the preview and the batch.
async fn preview_and_apply(app: &TestApp, token: &str, body: &Value) -> (Value, Value) {
    let shown = expect_status(preview(app, token, body).await, StatusCode::OK, "preview").await;
    let batch = expect_status(
        apply(app, token, body, &shown["fingerprint"]).await,
        StatusCode::CREATED,
        "apply",
    )
    .await;
    (shown, batch)
}

fn glass_up_7_5() -> Value {
    json!({ "filter": { "category": "glass" },
            "change": { "percent": "7.5" },
            "rounding": { "step": "0.50", "mode": "up" } })
}

fn item<'a>(items: &'a Value, code: &str) -> &'a Value {
    items
        .as_array()
        .and_then(|a| a.iter().find(|i| i["code"] == code))
        .unwrap_or_else(|| panic!("{code} in {items}"))
}

#[tokio::test]
async fn the_preview_changes_nothing_and_apply_does_exactly_what_it_showed() {
    let app = spawn_app().await;
    the_preview_changes_nothing_and_apply_does_exactly_what_it_showed_on(&app).await;
    app.cleanup().await;
}

/// The scenario of [`the_preview_changes_nothing_and_apply_does_exactly_what_it_showed`]
/// on a running app (also run on Citus: tests/api/citus_writes.rs).
pub(crate) async fn the_preview_changes_nothing_and_apply_does_exactly_what_it_showed_on(
    app: &TestApp,
) {
    let t = app.onboard(&slug("bulk")).await;
    let body = glass_up_7_5();
    let shown = expect_status(
        preview(app, &t.admin_token, &body).await,
        StatusCode::OK,
        "preview",
    )
    .await;
    assert_eq!(shown["count"], 7);
    let codes: Vec<&str> = shown["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["code"].as_str().expect("code"))
        .collect();
    assert_eq!(codes, GLASS, "every glass of the tenant, by code");
    let claro = item(&shown["items"], "VID-CLARO-4");
    // 85.00 * 1.075 = 91.375, up to the next 0.50.
    assert_eq!(
        (
            &claro["old"],
            &claro["new"],
            &claro["source"],
            &claro["name"]
        ),
        (
            &json!("85.00"),
            &json!("91.50"),
            &json!("tenant"),
            &json!("Vidrio Claro 4mm")
        )
    );
    assert_eq!(item(&shown["items"], "VID-LAMINADO-6")["new"], "236.50"); // a step already
    assert_eq!(
        app.price_of("VID-CLARO-4", &t.admin_token).await,
        "85.00",
        "preview wrote"
    );

    let batch = expect_status(
        apply(app, &t.admin_token, &body, &shown["fingerprint"]).await,
        StatusCode::CREATED,
        "apply",
    )
    .await;
    assert_eq!(
        batch["items"], shown["items"],
        "apply did what the preview showed"
    );
    assert_eq!(
        (&batch["count"], &batch["kind"]),
        (&json!(7), &json!("bulk"))
    );
    assert!(batch["created_by"].is_string() && batch["created_at"].is_string());
    for i in shown["items"].as_array().expect("items") {
        let code = i["code"].as_str().expect("code");
        assert_eq!(app.price_of(code, &t.admin_token).await, i["new"], "{code}");
    }

    // The batch is listed, readable, and in the history as seven bulk changes.
    let id = batch["id"].as_str().expect("id");
    let listed = app.get_items("/api/v1/price-updates", &t.admin_token).await;
    assert_eq!(listed[0]["id"], id);
    assert_eq!(listed[0]["reverted_by"], Value::Null);
    let read = app
        .get_json(&format!("/api/v1/price-updates/{id}"), &t.admin_token)
        .await;
    assert_eq!(read["items"], batch["items"]);
    let history = app
        .get_items(
            &format!("/api/v1/price-history?batch_id={id}"),
            &t.admin_token,
        )
        .await;
    assert_eq!(history.as_array().map(Vec::len), Some(7));
    let change = item(&history, "VID-CLARO-4");
    assert_eq!(
        (&change["old"], &change["new"], &change["kind"]),
        (&json!("85.00"), &json!("91.50"), &json!("bulk"))
    );
    assert_eq!(change["user_id"], batch["created_by"]);
}

#[tokio::test]
async fn a_stale_preview_applies_nothing() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("stale")).await;
    let body = glass_up_7_5();
    let shown = expect_status(
        preview(&app, &t.admin_token, &body).await,
        StatusCode::OK,
        "preview",
    )
    .await;
    app.set_price("VID-CLARO-6", &t.admin_token, "130.00").await;
    let resp = apply(&app, &t.admin_token, &body, &shown["fingerprint"]).await;
    expect_error(
        resp,
        StatusCode::CONFLICT,
        "preview_outdated",
        "stale apply",
    )
    .await;
    assert_eq!(app.price_of("VID-CLARO-4", &t.admin_token).await, "85.00");
    assert_eq!(app.price_of("VID-CLARO-6", &t.admin_token).await, "130.00");
    let batches = app.get_items("/api/v1/price-updates", &t.admin_token).await;
    assert_eq!(batches, json!([]), "no batch recorded");
    let bulk = app
        .get_items("/api/v1/price-history?code=VID-CLARO-4", &t.admin_token)
        .await;
    assert!(
        bulk.as_array()
            .expect("items")
            .iter()
            .all(|h| h["kind"] != "bulk"),
        "no bulk change recorded: {bulk}"
    );
    app.cleanup().await;
}

#[tokio::test]
async fn concurrent_batches_on_the_same_materials_lose_no_update() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("race")).await;
    let raise = json!({ "filter": { "codes": ["VID-CLARO-4", "VID-CLARO-6"] },
                        "change": { "amount": "10.00" } });
    let set = json!({ "filter": { "codes": ["VID-CLARO-6", "VID-CLARO-4"] },
                      "change": { "set": "100.00" } });
    let p1 = expect_status(
        preview(&app, &t.admin_token, &raise).await,
        StatusCode::OK,
        "p1",
    )
    .await;
    let p2 = expect_status(
        preview(&app, &t.admin_token, &set).await,
        StatusCode::OK,
        "p2",
    )
    .await;
    let (a, b) = tokio::join!(
        apply(&app, &t.admin_token, &raise, &p1["fingerprint"]),
        apply(&app, &t.admin_token, &set, &p2["fingerprint"]),
    );
    let statuses = [a.status(), b.status()];
    assert!(
        statuses.contains(&StatusCode::CREATED) && statuses.contains(&StatusCode::CONFLICT),
        "one applies, the other sees the prices moved: {statuses:?}"
    );
    let (claro4, claro6) = (
        app.price_of("VID-CLARO-4", &t.admin_token).await,
        app.price_of("VID-CLARO-6", &t.admin_token).await,
    );
    if a.status() == StatusCode::CREATED {
        assert_eq!((claro4.as_str(), claro6.as_str()), ("95.00", "130.00"));
    } else {
        assert_eq!((claro4.as_str(), claro6.as_str()), ("100.00", "100.00"));
    }
    // The loser previews again and applies over the winner's prices.
    let loser = if a.status() == StatusCode::CREATED {
        &set
    } else {
        &raise
    };
    preview_and_apply(&app, &t.admin_token, loser).await;
    let batches = app.get_items("/api/v1/price-updates", &t.admin_token).await;
    assert_eq!(batches.as_array().map(Vec::len), Some(2));
    app.cleanup().await;
}

#[tokio::test]
async fn inherited_defaults_change_only_when_asked_and_a_revert_gives_them_back() {
    let app = spawn_app().await;
    inherited_defaults_change_only_when_asked_and_a_revert_gives_them_back_on(&app).await;
    app.cleanup().await;
}

/// The scenario of [`inherited_defaults_change_only_when_asked_and_a_revert_gives_them_back`]
/// on a running app (also run on Citus: tests/api/citus_writes.rs).
pub(crate) async fn inherited_defaults_change_only_when_asked_and_a_revert_gives_them_back_on(
    app: &TestApp,
) {
    let t = app.onboard(&slug("inh")).await;
    let profiles = json!({ "filter": { "category": "profile", "code_prefix": "PER-NAC3-" },
                           "change": { "percent": "10" } });
    let resp = preview(app, &t.admin_token, &profiles).await;
    expect_error(
        resp,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no_materials_matched",
        "own only",
    )
    .await;

    let mut inherited = profiles.clone();
    inherited["filter"]["include_inherited"] = json!(true);
    let (shown, batch) = preview_and_apply(app, &t.admin_token, &inherited).await;
    let rs = item(&shown["items"], "PER-NAC3-RS");
    assert_eq!(
        (&rs["old"], &rs["new"], &rs["source"]),
        (&json!("52.00"), &json!("57.20"), &json!("global"))
    );
    let own = app
        .get_json("/api/v1/materials/PER-NAC3-RS", &t.admin_token)
        .await;
    assert_eq!(
        (&own["source"], &own["price"]),
        (&json!("tenant"), &json!("57.20"))
    );

    // The revert withdraws the rows the batch made: the defaults apply again.
    let id = batch["id"].as_str().expect("id");
    let resp = app
        .request(
            Method::POST,
            &format!("/api/v1/price-updates/{id}/revert"),
            Some(&t.admin_token),
            None,
        )
        .await;
    let reverted = expect_status(resp, StatusCode::CREATED, "revert").await;
    assert_eq!(
        (&reverted["kind"], &reverted["reverts"]),
        (&json!("revert"), &json!(id))
    );
    let rs = item(&reverted["items"], "PER-NAC3-RS");
    assert_eq!(
        (&rs["old"], &rs["new"], &rs["withdrawn"]),
        (&json!("57.20"), &json!("52.00"), &json!(true))
    );
    let price = app
        .get_json("/api/v1/prices/PER-NAC3-RS", &t.admin_token)
        .await;
    assert_eq!(
        (&price["source"], &price["price"]),
        (&json!("global"), &json!("52.00"))
    );
    let listed = app.get_items("/api/v1/price-updates", &t.admin_token).await;
    assert_eq!(listed[1]["reverted_by"], reverted["id"]);
}

#[tokio::test]
async fn a_revert_refuses_to_undo_later_changes_unless_forced() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("rev")).await;
    let (_, batch) = preview_and_apply(&app, &t.admin_token, &glass_up_7_5()).await;
    let id = batch["id"].as_str().expect("id");
    app.set_price("VID-CLARO-4", &t.admin_token, "99.00").await;
    let path = format!("/api/v1/price-updates/{id}/revert");
    let resp = app
        .request(Method::POST, &path, Some(&t.admin_token), Some(json!({})))
        .await;
    let body = expect_error(resp, StatusCode::CONFLICT, "batch_superseded", "later edit").await;
    assert_eq!(body["details"]["codes"], json!(["VID-CLARO-4"]));
    assert_eq!(
        app.price_of("VID-CLARO-6", &t.admin_token).await,
        "129.00",
        "nothing reverted"
    );

    let resp = app
        .request(
            Method::POST,
            &path,
            Some(&t.admin_token),
            Some(json!({ "force": true })),
        )
        .await;
    let reverted = expect_status(resp, StatusCode::CREATED, "forced revert").await;
    assert_eq!(reverted["count"], 7);
    assert_eq!(item(&reverted["items"], "VID-CLARO-4")["old"], "99.00");
    for (code, price) in [("VID-CLARO-4", "85.00"), ("VID-CLARO-6", "120.00")] {
        assert_eq!(app.price_of(code, &t.admin_token).await, price, "{code}");
    }
    // Reverting again: the revert itself is a later change.
    let resp = app
        .request(Method::POST, &path, Some(&t.admin_token), None)
        .await;
    expect_error(
        resp,
        StatusCode::CONFLICT,
        "batch_superseded",
        "second revert",
    )
    .await;
    // The revert's own revert puts the bulk prices back.
    let again = format!(
        "/api/v1/price-updates/{}/revert",
        reverted["id"].as_str().expect("id")
    );
    let resp = app
        .request(Method::POST, &again, Some(&t.admin_token), None)
        .await;
    expect_status(resp, StatusCode::CREATED, "revert of the revert").await;
    assert_eq!(app.price_of("VID-CLARO-4", &t.admin_token).await, "99.00");
    assert_eq!(app.price_of("VID-CLARO-6", &t.admin_token).await, "129.00");
    app.cleanup().await;
}

#[tokio::test]
async fn only_admins_run_bulk_updates_and_every_role_reads_the_history() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("roles")).await;
    let (_, batch) = preview_and_apply(&app, &t.admin_token, &glass_up_7_5()).await;
    let id = batch["id"].as_str().expect("id");
    for role in ["estimator", "viewer"] {
        let token = app.user_token(&t, role).await;
        let resp = preview(&app, &token, &glass_up_7_5()).await;
        expect_error(resp, StatusCode::FORBIDDEN, "forbidden", role).await;
        let resp = apply(&app, &token, &glass_up_7_5(), &json!("v1-x")).await;
        expect_error(resp, StatusCode::FORBIDDEN, "forbidden", role).await;
        for path in [
            "/api/v1/price-updates".to_owned(),
            format!("/api/v1/price-updates/{id}"),
        ] {
            expect_error(
                app.get(&path, &token).await,
                StatusCode::FORBIDDEN,
                "forbidden",
                role,
            )
            .await;
        }
        let revert = format!("/api/v1/price-updates/{id}/revert");
        let resp = app.request(Method::POST, &revert, Some(&token), None).await;
        expect_error(resp, StatusCode::FORBIDDEN, "forbidden", role).await;
        let history = app
            .get_items(&format!("/api/v1/price-history?batch_id={id}"), &token)
            .await;
        assert_eq!(
            history.as_array().map(Vec::len),
            Some(7),
            "{role} reads the history"
        );
    }
    assert_eq!(app.price_of("VID-CLARO-4", &t.admin_token).await, "91.50");
    app.cleanup().await;
}

#[tokio::test]
async fn bad_bulk_requests_name_the_field_and_write_nothing() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("badbulk")).await;
    let glass = json!({ "category": "glass" });
    let cases = [
        (
            json!({ "filter": glass, "change": {} }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "change",
        ),
        (
            json!({ "filter": glass, "change": { "percent": "5", "amount": "1.00" } }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "change",
        ),
        (
            json!({ "filter": glass, "change": { "percent": "abc" } }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "change.percent",
        ),
        (
            json!({ "filter": glass, "change": { "percent": "-100" } }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "change.percent",
        ),
        (
            json!({ "filter": glass, "change": { "amount": "1.234" } }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "change.amount",
        ),
        (
            json!({ "filter": glass, "change": { "amount": "-100.00" } }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "below zero",
        ),
        (
            json!({ "filter": glass, "change": { "set": "-1" } }),
            StatusCode::BAD_REQUEST,
            "change.set",
        ),
        (
            json!({ "filter": glass, "change": { "percent": 7.5 } }),
            StatusCode::BAD_REQUEST,
            "change.percent",
        ),
        (
            json!({ "filter": glass, "change": { "percent": "5" }, "rounding": { "step": "0.00", "mode": "up" } }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "rounding.step",
        ),
        (
            json!({ "filter": glass, "change": { "percent": "5" }, "rounding": { "step": "0.50", "mode": "sideways" } }),
            StatusCode::BAD_REQUEST,
            "rounding.mode",
        ),
        (
            json!({ "filter": { "codes": ["VID-CLARO-4", "NO-SUCH"] }, "change": { "percent": "5" } }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "NO-SUCH",
        ),
        (
            json!({ "filter": { "codes": [] }, "change": { "percent": "5" } }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "filter.codes",
        ),
        (
            json!({ "filter": { "codes": ["bad code"] }, "change": { "percent": "5" } }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "filter.codes",
        ),
        (
            json!({ "filter": { "code_prefix": "" }, "change": { "percent": "5" } }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "filter.code_prefix",
        ),
        (
            json!({ "filter": { "categry": "glass" }, "change": { "percent": "5" } }),
            StatusCode::BAD_REQUEST,
            "categry",
        ),
        (
            json!({ "filter": { "category": "wood" }, "change": { "percent": "5" } }),
            StatusCode::BAD_REQUEST,
            "filter.category",
        ),
        (
            json!({ "change": { "percent": "5" } }),
            StatusCode::BAD_REQUEST,
            "filter",
        ),
        (
            json!({ "filter": glass, "change": { "percent": "0" } }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "no_price_changes",
        ),
        (
            json!({ "filter": { "category": "glass", "code_prefix": "PER-" }, "change": { "percent": "5" } }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "no_materials_matched",
        ),
    ];
    for (body, status, named) in cases {
        let resp = preview(&app, &t.admin_token, &body).await;
        expect_named_error(resp, status, named, &body.to_string()).await;
        let resp = apply(&app, &t.admin_token, &body, &json!("v1-0")).await;
        expect_named_error(resp, status, named, &format!("apply {body}")).await;
    }
    let resp = apply(
        &app,
        &t.admin_token,
        &glass_up_7_5(),
        &json!("v1-not-the-preview"),
    )
    .await;
    expect_error(
        resp,
        StatusCode::CONFLICT,
        "preview_outdated",
        "made-up fingerprint",
    )
    .await;
    let resp = app
        .request(
            Method::POST,
            "/api/v1/price-updates",
            Some(&t.admin_token),
            Some(glass_up_7_5()),
        )
        .await;
    expect_named_error(
        resp,
        StatusCode::BAD_REQUEST,
        "fingerprint",
        "no fingerprint",
    )
    .await;
    let missing = "/api/v1/price-updates/00000000-0000-4000-8000-000000000000";
    expect_error(
        app.get(missing, &t.admin_token).await,
        StatusCode::NOT_FOUND,
        "batch_not_found",
        "404",
    )
    .await;
    expect_status(
        app.get("/api/v1/price-updates/not-a-uuid", &t.admin_token)
            .await,
        StatusCode::BAD_REQUEST,
        "bad id",
    )
    .await;
    let resp = app
        .request(
            Method::POST,
            &format!("{missing}/revert"),
            Some(&t.admin_token),
            Some(json!({ "forse": true })),
        )
        .await;
    expect_named_error(
        resp,
        StatusCode::BAD_REQUEST,
        "forse",
        "unknown revert field",
    )
    .await;

    assert_eq!(app.price_of("VID-CLARO-4", &t.admin_token).await, "85.00");
    assert_eq!(
        app.get_items("/api/v1/price-updates", &t.admin_token).await,
        json!([])
    );
    app.cleanup().await;
}

#[tokio::test]
async fn a_shop_never_sees_or_reverts_another_shops_batches() {
    let app = spawn_app().await;
    a_shop_never_sees_or_reverts_another_shops_batches_on(&app).await;
    app.cleanup().await;
}

/// The scenario of [`a_shop_never_sees_or_reverts_another_shops_batches`]
/// on a running app (also run on Citus: tests/api/citus_writes.rs).
pub(crate) async fn a_shop_never_sees_or_reverts_another_shops_batches_on(app: &TestApp) {
    let a = app.onboard(&slug("iso-a")).await;
    let b = app.onboard(&slug("iso-b")).await;
    let (_, batch) = preview_and_apply(app, &a.admin_token, &glass_up_7_5()).await;
    let id = batch["id"].as_str().expect("id");
    let path = format!("/api/v1/price-updates/{id}");
    expect_error(
        app.get(&path, &b.admin_token).await,
        StatusCode::NOT_FOUND,
        "batch_not_found",
        "B reads A's",
    )
    .await;
    let resp = app
        .request(
            Method::POST,
            &format!("{path}/revert"),
            Some(&b.admin_token),
            Some(json!({ "force": true })),
        )
        .await;
    expect_error(
        resp,
        StatusCode::NOT_FOUND,
        "batch_not_found",
        "B reverts A's",
    )
    .await;
    assert_eq!(
        app.get_items("/api/v1/price-updates", &b.admin_token).await,
        json!([])
    );
    let history = app
        .get_items(
            &format!("/api/v1/price-history?batch_id={id}"),
            &b.admin_token,
        )
        .await;
    assert_eq!(history, json!([]));
    let mine = app
        .get_items("/api/v1/price-history?limit=100", &b.admin_token)
        .await;
    assert!(mine
        .as_array()
        .expect("items")
        .iter()
        .all(|h| h["kind"] != "bulk"));
    assert_eq!(app.price_of("VID-CLARO-4", &b.admin_token).await, "85.00");
    assert_eq!(app.price_of("VID-CLARO-4", &a.admin_token).await, "91.50");
}

#[tokio::test]
async fn a_second_instance_serves_a_batch_at_once() {
    let app = spawn_app().await;
    let second = spawn_second_instance(&app).await;
    let t = app.onboard(&slug("two")).await;
    // Warm both instances' caches.
    assert_eq!(
        second.price_of("VID-CLARO-4", &t.admin_token).await,
        "85.00"
    );
    assert_eq!(app.price_of("VID-CLARO-4", &t.admin_token).await, "85.00");
    let prices = second
        .get_json("/api/v1/prices?category=glass", &t.admin_token)
        .await;
    assert_eq!(item(&prices["items"], "VID-CLARO-4")["price"], "85.00");
    preview_and_apply(&app, &t.admin_token, &glass_up_7_5()).await;
    assert_eq!(
        second.price_of("VID-CLARO-4", &t.admin_token).await,
        "91.50"
    );
    let prices = second
        .get_json("/api/v1/prices?category=glass", &t.admin_token)
        .await;
    assert_eq!(item(&prices["items"], "VID-CLARO-4")["price"], "91.50");
    let mut second = second;
    second.stop_server().await;
    app.cleanup().await;
}
