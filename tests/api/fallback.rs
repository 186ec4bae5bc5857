//! Global defaults: new tenants get their own glass prices; anything a tenant lacks
//! falls back to the default catalogue.

use reqwest::{Method, StatusCode};
use serde_json::json;
use ventanas::db::TenantTx;
use ventanas::ids::TenantId;

use crate::helpers::{expect_error, expect_status, slug, spawn_app, TestApp};

const DEFAULT_GLASS: [(&str, &str); 7] = [
    ("VID-BRONCE-4", "95.00"),
    ("VID-BRONCE-6", "135.00"),
    ("VID-CLARO-4", "85.00"),
    ("VID-CLARO-6", "120.00"),
    ("VID-LAMINADO-6", "220.00"),
    ("VID-REFLECTIVO-6", "180.00"),
    ("VID-TEMPLADO-6", "195.00"),
];

#[tokio::test]
async fn a_new_tenant_has_its_own_copy_of_all_seven_glass_prices() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("glass")).await;
    let prices = app
        .get_items("/api/v1/prices?category=glass", &t.admin_token)
        .await;
    let seen: Vec<(String, String, String)> = prices
        .as_array()
        .expect("array")
        .iter()
        .map(|p| {
            (
                p["code"].as_str().unwrap_or("").to_owned(),
                p["price"].as_str().unwrap_or("").to_owned(),
                p["source"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let expected: Vec<(String, String, String)> = DEFAULT_GLASS
        .iter()
        .map(|(c, p)| (c.to_string(), p.to_string(), "tenant".to_owned()))
        .collect();
    assert_eq!(seen, expected);
    for p in prices.as_array().expect("array") {
        assert_eq!(
            (p["currency"].as_str(), p["unit"].as_str()),
            (Some("MXN"), Some("m2"))
        );
        assert!(p["updated_at"].is_string());
    }

    // And in the database, as the runtime role: seven rows of its own.
    let pool = app.runtime_pool(1).await;
    let mut tx = TenantTx::begin(&pool, TenantId(t.id)).await.expect("bind");
    let own: i64 = sqlx::query_scalar("SELECT count(*) FROM materials WHERE category = 'glass'")
        .fetch_one(tx.conn())
        .await
        .expect("count");
    assert_eq!(own, 7);
    app.cleanup().await;
}

#[tokio::test]
async fn deactivating_the_tenants_copy_falls_back_to_the_global_default() {
    let app = spawn_app().await;
    deactivating_the_tenants_copy_falls_back_to_the_global_default_on(&app).await;
    app.cleanup().await;
}

/// The scenario of [`deactivating_the_tenants_copy_falls_back_to_the_global_default`] on a running app (also run on Citus: tests/api/citus.rs).
pub(crate) async fn deactivating_the_tenants_copy_falls_back_to_the_global_default_on(
    app: &TestApp,
) {
    let t = app.onboard(&slug("deact")).await;
    let token = &t.admin_token;
    app.set_price("VID-BRONCE-6", token, "150.00").await;
    assert_eq!(app.price_of("VID-BRONCE-6", token).await, "150.00");
    let resp = app
        .request(
            Method::DELETE,
            "/api/v1/materials/VID-BRONCE-6",
            Some(token),
            None,
        )
        .await;
    expect_status(resp, StatusCode::NO_CONTENT, "deactivate").await;
    let price = app.get_json("/api/v1/prices/VID-BRONCE-6", token).await;
    assert_eq!(
        (price["price"].as_str(), price["source"].as_str()),
        (Some("135.00"), Some("global"))
    );

    // The inactive row is still listed on request, and can be reactivated.
    let all = app
        .get_items(
            "/api/v1/materials?category=glass&include_inactive=true",
            token,
        )
        .await;
    let inactive = all
        .as_array()
        .expect("array")
        .iter()
        .find(|m| m["code"] == "VID-BRONCE-6" && m["active"] == false);
    let tag = format!("\"t{}\"", inactive.expect("inactive row listed")["version"]);
    let resp = app
        .patch(
            "/api/v1/materials/VID-BRONCE-6",
            token,
            Some(&tag),
            json!({ "active": true }),
        )
        .await;
    expect_status(resp, StatusCode::OK, "reactivate").await;
    assert_eq!(app.price_of("VID-BRONCE-6", token).await, "150.00");
}

#[tokio::test]
async fn deleting_the_tenants_copy_falls_back_to_the_global_default() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("del")).await;
    let pool = app.runtime_pool(1).await;
    let mut tx = TenantTx::begin(&pool, TenantId(t.id)).await.expect("bind");
    let deleted = sqlx::query("DELETE FROM materials WHERE code = 'VID-LAMINADO-6'")
        .execute(tx.conn())
        .await
        .expect("delete");
    assert_eq!(deleted.rows_affected(), 1);
    tx.commit().await.expect("commit");
    let price = app
        .get_json("/api/v1/prices/VID-LAMINADO-6", &t.admin_token)
        .await;
    assert_eq!(
        (price["price"].as_str(), price["source"].as_str()),
        (Some("220.00"), Some("global"))
    );
    app.cleanup().await;
}

#[tokio::test]
async fn a_code_added_to_the_defaults_after_onboarding_is_visible_through_the_fallback() {
    let app = spawn_app().await;
    a_code_added_to_the_defaults_after_onboarding_is_visible_through_the_fallback_on(&app).await;
    app.cleanup().await;
}

/// The scenario of [`a_code_added_to_the_defaults_after_onboarding_is_visible_through_the_fallback`] on a running app (also run on Citus: tests/api/citus.rs).
pub(crate) async fn a_code_added_to_the_defaults_after_onboarding_is_visible_through_the_fallback_on(
    app: &TestApp,
) {
    let t = app.onboard(&slug("newcode")).await;
    // Read (and cache) the miss first: the later addition must still show.
    let resp = app
        .get("/api/v1/prices/VID-ESMERILADO-6", &t.admin_token)
        .await;
    expect_error(
        resp,
        StatusCode::NOT_FOUND,
        "price_not_found",
        "before the default exists",
    )
    .await;

    let resp = app
        .request(
            Method::POST,
            "/api/v1/platform/materials",
            Some(&app.platform_key),
            Some(json!({ "code": "VID-ESMERILADO-6", "name": "Vidrio Esmerilado 6mm", "category": "glass", "unit": "m2", "price": "240.00" })),
        )
        .await;
    expect_status(resp, StatusCode::CREATED, "platform adds a default").await;
    let price = app
        .get_json("/api/v1/prices/VID-ESMERILADO-6", &t.admin_token)
        .await;
    assert_eq!(
        (price["price"].as_str(), price["source"].as_str()),
        (Some("240.00"), Some("global"))
    );
}

#[tokio::test]
async fn a_new_default_price_reaches_inheriting_tenants_while_tenants_with_their_own_row_keep_it() {
    let app = spawn_app().await;
    let inherits = app.onboard(&slug("inh")).await;
    let overrides = app.onboard(&slug("ovr")).await;
    app.set_price("PER-NAC3-JA", &overrides.admin_token, "50.00")
        .await;
    assert_eq!(
        app.price_of("PER-NAC3-JA", &inherits.admin_token).await,
        "48.00"
    );

    let tag = {
        let list = app
            .get_items(
                "/api/v1/platform/materials?category=profile",
                &app.platform_key,
            )
            .await;
        let row = list
            .as_array()
            .expect("array")
            .iter()
            .find(|m| m["code"] == "PER-NAC3-JA")
            .cloned()
            .expect("row");
        format!("\"g{}\"", row["version"])
    };
    let resp = app
        .patch(
            "/api/v1/platform/materials/PER-NAC3-JA",
            &app.platform_key,
            Some(&tag),
            json!({ "price": "49.50" }),
        )
        .await;
    expect_status(resp, StatusCode::OK, "platform edits a default").await;

    assert_eq!(
        app.price_of("PER-NAC3-JA", &inherits.admin_token).await,
        "49.50",
        "inheriting tenant sees it"
    );
    assert_eq!(
        app.price_of("PER-NAC3-JA", &overrides.admin_token).await,
        "50.00",
        "own row kept"
    );
    let history = app
        .get_items(
            "/api/v1/platform/materials/PER-NAC3-JA/history",
            &app.platform_key,
        )
        .await;
    let last = history.as_array().and_then(|h| h.last()).expect("history");
    assert_eq!(
        (last["old_price"].as_str(), last["new_price"].as_str()),
        (Some("48.00"), Some("49.50"))
    );
    assert_eq!(
        last["changed_by"],
        json!({ "kind": "platform", "id": "tests" }),
        "the platform key that made the change"
    );
    let first = history.as_array().and_then(|h| h.first()).expect("seed");
    assert_eq!(
        first["changed_by"],
        json!({ "kind": "seed", "id": "global.toml" })
    );
    app.cleanup().await;
}

#[tokio::test]
async fn listing_materials_marks_each_row_with_its_source() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("list")).await;
    let list = app.get_items("/api/v1/materials", &t.admin_token).await;
    let rows = list.as_array().expect("array");
    assert_eq!(rows.len(), 25, "7 own glass rows + 18 inherited defaults");
    let own = rows.iter().filter(|m| m["source"] == "tenant").count();
    assert_eq!(own, 7);
    let profiles = app
        .get_items("/api/v1/materials?category=profile", &t.admin_token)
        .await;
    assert!(profiles
        .as_array()
        .expect("array")
        .iter()
        .all(|m| m["category"] == "profile" && m["source"] == "global"));
    app.cleanup().await;
}
