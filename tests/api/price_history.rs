//! The price history: every kind of change recorded, filters, tenant isolation, and
//! the effective price as of any moment.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{expect_error, expect_named_error, expect_status, slug, spawn_app, TestApp};

fn kinds(items: &Value) -> Vec<(String, String)> {
    items
        .as_array()
        .expect("items")
        .iter()
        .map(|h| {
            (
                h["kind"].as_str().expect("kind").to_owned(),
                h["new"].as_str().expect("new").to_owned(),
            )
        })
        .collect()
}

/// Changes a default through the platform API.
async fn platform_price(app: &TestApp, code: &str, price: &str) {
    let list = app
        .get_items("/api/v1/platform/materials?limit=100", &app.platform_key)
        .await;
    let row = list
        .as_array()
        .and_then(|rows| rows.iter().find(|m| m["code"] == code))
        .cloned()
        .unwrap_or_else(|| panic!("{code} in the defaults"));
    let tag = format!("\"g{}\"", row["version"]);
    let resp = app
        .patch(
            &format!("/api/v1/platform/materials/{code}"),
            &app.platform_key,
            Some(&tag),
            json!({ "price": price }),
        )
        .await;
    expect_status(resp, StatusCode::OK, "platform price").await;
}

#[tokio::test]
async fn every_change_is_recorded_with_its_kind_and_the_filters_combine() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("hist")).await;
    let seeded = app
        .get_items("/api/v1/price-history?code=VID-CLARO-4", &t.admin_token)
        .await;
    assert_eq!(kinds(&seeded), [("seed".to_owned(), "85.00".to_owned())]);
    assert_eq!(
        (&seeded[0]["old"], &seeded[0]["user_id"]),
        (&Value::Null, &Value::Null)
    );

    app.set_price("VID-CLARO-4", &t.admin_token, "90.00").await;
    let resp = app
        .request(
            Method::DELETE,
            "/api/v1/materials/VID-CLARO-4",
            Some(&t.admin_token),
            None,
        )
        .await;
    expect_status(resp, StatusCode::NO_CONTENT, "deactivate").await;
    let history = app
        .get_items("/api/v1/price-history?code=VID-CLARO-4", &t.admin_token)
        .await;
    // Newest first: the withdrawal (the default's 85.00 applies again), the edit,
    // the onboarding copy; and, the default being inherited again, the platform's
    // setting of it.
    assert_eq!(
        kinds(&history),
        [
            ("edit".to_owned(), "85.00".to_owned()),
            ("edit".to_owned(), "90.00".to_owned()),
            ("seed".to_owned(), "85.00".to_owned()),
            ("platform".to_owned(), "85.00".to_owned())
        ]
    );
    assert_eq!(history[3]["source"], "global");
    assert_eq!(
        (&history[0]["withdrawn"], &history[0]["old"]),
        (&json!(true), &json!("90.00"))
    );
    assert_eq!(history[1]["old"], "85.00");
    let me = app.get_json("/api/v1/auth/me", &t.admin_token).await;
    assert!(history[1]["user_id"].is_string());
    assert_eq!(history[1]["user_id"], me["user_id"]);

    // Filters: by user (only the two edits), by category, by time.
    let user = history[1]["user_id"].as_str().expect("user");
    let mine = app
        .get_items(
            &format!("/api/v1/price-history?user_id={user}"),
            &t.admin_token,
        )
        .await;
    assert_eq!(mine.as_array().map(Vec::len), Some(2));
    let profiles = app
        .get_items(
            "/api/v1/price-history?category=profile&code=VID-CLARO-4",
            &t.admin_token,
        )
        .await;
    assert_eq!(profiles, json!([]));
    let at = history[1]["at"].as_str().expect("at");
    let from = app
        .get_items(
            &format!(
                "/api/v1/price-history?code=VID-CLARO-4&from={}",
                urlencode(at)
            ),
            &t.admin_token,
        )
        .await;
    assert_eq!(from.as_array().map(Vec::len), Some(2), "from is inclusive");
    let to = app
        .get_items(
            &format!(
                "/api/v1/price-history?code=VID-CLARO-4&to={}",
                urlencode(at)
            ),
            &t.admin_token,
        )
        .await;
    assert_eq!(
        kinds(&to),
        [
            ("seed".to_owned(), "85.00".to_owned()),
            ("platform".to_owned(), "85.00".to_owned())
        ],
        "to is exclusive"
    );

    // Paging: one entry per page, no repeats, same order.
    let first = app
        .get_json(
            "/api/v1/price-history?code=VID-CLARO-4&limit=1",
            &t.admin_token,
        )
        .await;
    assert_eq!(first["total"], 4);
    let next = first["next"].as_str().expect("next");
    let second = app
        .get_json(
            &format!("/api/v1/price-history?code=VID-CLARO-4&limit=1&cursor={next}"),
            &t.admin_token,
        )
        .await;
    assert_eq!(second["items"][0], history[1]);
    app.cleanup().await;
}

fn urlencode(text: &str) -> String {
    text.replace('+', "%2B").replace(':', "%3A")
}

#[tokio::test]
async fn platform_changes_show_for_inherited_defaults_only_and_viewers_read_them() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("plat")).await;
    let viewer = app.user_token(&t, "viewer").await;
    platform_price(&app, "HER-ROD-3", "16.00").await; // inherited
    platform_price(&app, "VID-CLARO-4", "86.00").await; // overridden by the shop's copy
    let rod = app
        .get_items("/api/v1/price-history?code=HER-ROD-3", &viewer)
        .await;
    assert_eq!(rod[0]["kind"], "platform");
    assert_eq!(
        (&rod[0]["old"], &rod[0]["new"], &rod[0]["source"]),
        (&json!("15.00"), &json!("16.00"), &json!("global"))
    );
    let claro = app
        .get_items("/api/v1/price-history?code=VID-CLARO-4", &viewer)
        .await;
    assert!(
        claro
            .as_array()
            .expect("items")
            .iter()
            .all(|h| h["kind"] != "platform"),
        "the shop sets its own VID-CLARO-4: {claro}"
    );
    app.cleanup().await;
}

#[tokio::test]
async fn the_history_is_the_tenants_own() {
    let app = spawn_app().await;
    let a = app.onboard(&slug("ha")).await;
    let b = app.onboard(&slug("hb")).await;
    app.set_price("VID-CLARO-6", &a.admin_token, "150.00").await;
    let seen_by_b = app
        .get_items("/api/v1/price-history?code=VID-CLARO-6", &b.admin_token)
        .await;
    assert_eq!(
        kinds(&seen_by_b),
        [("seed".to_owned(), "120.00".to_owned())]
    );
    let all = app
        .get_json("/api/v1/price-history?limit=100", &b.admin_token)
        .await;
    let items = all["items"].as_array().expect("items");
    assert!(
        items.iter().all(|h| h["kind"] != "edit"),
        "B made no edit: {all}"
    );
    assert_eq!(items.iter().filter(|h| h["kind"] == "seed").count(), 7);
    app.cleanup().await;
}

#[tokio::test]
async fn bad_history_queries_name_the_parameter() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("hbad")).await;
    for (query, status, named) in [
        ("user_id=nope", StatusCode::BAD_REQUEST, "user_id"),
        ("batch_id=12", StatusCode::BAD_REQUEST, "batch_id"),
        ("from=yesterday", StatusCode::BAD_REQUEST, "from"),
        ("category=wood", StatusCode::BAD_REQUEST, "category"),
        ("code=bad%20code", StatusCode::UNPROCESSABLE_ENTITY, "code"),
        ("limit=0", StatusCode::UNPROCESSABLE_ENTITY, "limit"),
        ("cursor=zz", StatusCode::BAD_REQUEST, "cursor"),
        (
            "from=2026-12-01T00:00:00Z&to=2026-11-01T00:00:00Z",
            StatusCode::UNPROCESSABLE_ENTITY,
            "to",
        ),
    ] {
        let resp = app
            .get(&format!("/api/v1/price-history?{query}"), &t.admin_token)
            .await;
        expect_named_error(resp, status, named, query).await;
    }
    for method in [Method::POST, Method::PATCH, Method::DELETE] {
        let resp = app
            .request(
                method.clone(),
                "/api/v1/price-history",
                Some(&t.admin_token),
                Some(json!({})),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED, "{method}");
    }
    app.cleanup().await;
}

#[tokio::test]
async fn the_price_as_of_a_moment_is_the_one_in_effect_then() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("asof")).await;
    let as_of = |code: &str, at: &str| format!("/api/v1/prices/{code}?as_of={}", urlencode(at));
    let before_edit = chrono::Utc::now().to_rfc3339();
    app.set_price("VID-CLARO-4", &t.admin_token, "90.00").await;
    let after_edit = chrono::Utc::now().to_rfc3339();
    let resp = app
        .request(
            Method::DELETE,
            "/api/v1/materials/VID-CLARO-4",
            Some(&t.admin_token),
            None,
        )
        .await;
    expect_status(resp, StatusCode::NO_CONTENT, "deactivate").await;
    platform_price(&app, "VID-CLARO-4", "87.00").await;

    let then = app
        .get_json(&as_of("VID-CLARO-4", &before_edit), &t.admin_token)
        .await;
    assert_eq!(
        (&then["price"], &then["source"]),
        (&json!("85.00"), &json!("tenant"))
    );
    let edited = app
        .get_json(&as_of("VID-CLARO-4", &after_edit), &t.admin_token)
        .await;
    assert_eq!(
        (&edited["price"], &edited["source"]),
        (&json!("90.00"), &json!("tenant"))
    );
    let now = app
        .get_json(
            &as_of("VID-CLARO-4", &chrono::Utc::now().to_rfc3339()),
            &t.admin_token,
        )
        .await;
    assert_eq!(
        (&now["price"], &now["source"]),
        (&json!("87.00"), &json!("global"))
    );
    assert_eq!(now["name"], "Vidrio Claro 4mm");

    let resp = app
        .get(
            &as_of("VID-CLARO-4", "2020-01-01T00:00:00Z"),
            &t.admin_token,
        )
        .await;
    expect_error(
        resp,
        StatusCode::NOT_FOUND,
        "price_not_found",
        "before anything",
    )
    .await;
    let resp = app
        .get(&as_of("NO-SUCH", "2026-11-01T00:00:00Z"), &t.admin_token)
        .await;
    expect_error(
        resp,
        StatusCode::NOT_FOUND,
        "price_not_found",
        "unknown code",
    )
    .await;
    let resp = app
        .get("/api/v1/prices/VID-CLARO-4?as_of=last-week", &t.admin_token)
        .await;
    expect_named_error(resp, StatusCode::BAD_REQUEST, "as_of", "bad moment").await;
    app.cleanup().await;
}
