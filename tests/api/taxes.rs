//! Tax rates as data with effective dates, chosen per quote or by default, and the
//! client's standing discount.
//!
//! C01 (VEN-CORR-NAC3 150 × 120, VID-CLARO-6, natural) costs 2417.90; with 25 %
//! profit (604.48) and 15 % indirect (362.69) it is 3385.07 before tax.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{expect_error, expect_named_error, expect_status, slug, spawn_app, TestApp};

fn c01(extra: Value) -> Value {
    let mut body = json!({ "items": [{ "product": "VEN-CORR-NAC3", "width_cm": "150",
        "height_cm": "120", "quantity": 1, "glass": "VID-CLARO-6", "colour": "NAT" }] });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    body
}

async fn preview(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    app.request(
        Method::POST,
        "/api/v1/quotes/preview",
        Some(token),
        Some(body),
    )
    .await
}

async fn tax_of(app: &TestApp, token: &str, extra: Value) -> (String, Value) {
    let body = expect_status(
        preview(app, token, c01(extra)).await,
        StatusCode::OK,
        "preview",
    )
    .await;
    (
        body["totals"]["tax"].as_str().expect("tax").to_owned(),
        body["rates"]["tax_code"].clone(),
    )
}

#[tokio::test]
async fn a_quote_names_a_tax_code_and_gets_the_rate_in_force_today() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("tax")).await;
    let other = app.onboard(&slug("tax2")).await;
    let admin = &t.admin_token;

    let rates = app.get_items("/api/v1/tax-rates", admin).await;
    let current: Vec<(&str, &str)> = rates
        .as_array()
        .expect("rates")
        .iter()
        .filter(|r| r["current"] == true)
        .filter_map(|r| Some((r["code"].as_str()?, r["rate"].as_str()?)))
        .collect();
    assert_eq!(
        current,
        [("IVA0", "0.0000"), ("IVA16", "0.1600"), ("IVA8", "0.0800")]
    );

    // 3385.07 × 0.08 = 270.8056 → 270.81; the default 16 % gives 541.61.
    assert_eq!(
        tax_of(&app, admin, json!({ "tax_code": "IVA8" })).await,
        ("270.81".to_owned(), json!("IVA8"))
    );
    assert_eq!(tax_of(&app, admin, json!({})).await.0, "541.61");
    let resp = preview(
        &app,
        admin,
        c01(json!({ "tax_code": "IVA8", "tax_rate": "0.16" })),
    )
    .await;
    expect_named_error(resp, StatusCode::UNPROCESSABLE_ENTITY, "tax_code", "both").await;
    let resp = preview(&app, admin, c01(json!({ "tax_code": "VAT20" }))).await;
    expect_named_error(resp, StatusCode::NOT_FOUND, "tax_code", "unknown").await;

    // A tenant's IVA16 from tomorrow leaves the default in force today; one from
    // 2000 at 17 % replaces the default from then on.
    let tomorrow = (chrono::Utc::now().date_naive() + chrono::Days::new(1)).to_string();
    let resp = app
        .request(Method::POST, "/api/v1/tax-rates", Some(admin),
                 Some(json!({ "code": "IVA16", "name": "IVA nuevo", "rate": "0.18", "valid_from": tomorrow })))
        .await;
    let created = expect_status(resp, StatusCode::CREATED, "future rate").await;
    assert_eq!(created["current"], false);
    assert_eq!(
        tax_of(&app, admin, json!({ "tax_code": "IVA16" })).await.0,
        "541.61",
        "the default is in force until tomorrow"
    );
    let resp = app
        .request(Method::POST, "/api/v1/tax-rates", Some(admin),
                 Some(json!({ "code": "IVA16", "name": "IVA", "rate": "0.17", "valid_from": "2000-01-01" })))
        .await;
    let created = expect_status(resp, StatusCode::CREATED, "past rate").await;
    assert_eq!(created["current"], true);
    // 3385.07 × 0.17 = 575.4619 → 575.46.
    assert_eq!(
        tax_of(&app, admin, json!({ "tax_code": "IVA16" })).await.0,
        "575.46"
    );
    assert_eq!(
        tax_of(&app, &other.admin_token, json!({ "tax_code": "IVA16" }))
            .await
            .0,
        "541.61",
        "another tenant keeps the default"
    );
    let resp = app
        .request(Method::POST, "/api/v1/tax-rates", Some(admin),
                 Some(json!({ "code": "IVA16", "name": "IVA", "rate": "0.15", "valid_from": "2000-01-01" })))
        .await;
    expect_error(resp, StatusCode::CONFLICT, "tax_rate_exists", "same day").await;
    for bad in [
        json!({ "code": "iva 16", "name": "x", "rate": "0.1", "valid_from": "2000-01-01" }),
        json!({ "code": "IVA", "name": "x", "rate": "1.5", "valid_from": "2000-01-01" }),
        json!({ "code": "IVA", "name": "x", "rate": "0.1", "valid_from": "2000-13-01" }),
    ] {
        let resp = app
            .request(
                Method::POST,
                "/api/v1/tax-rates",
                Some(admin),
                Some(bad.clone()),
            )
            .await;
        assert!(resp.status().is_client_error(), "{bad}");
    }

    // A code of the tenant's own with only a future rate has none in force.
    let resp = app
        .request(
            Method::POST,
            "/api/v1/tax-rates",
            Some(admin),
            Some(json!({ "code": "ISR", "name": "Nuevo", "rate": "0.10", "valid_from": tomorrow })),
        )
        .await;
    expect_status(resp, StatusCode::CREATED, "future code").await;
    let resp = preview(&app, admin, c01(json!({ "tax_code": "ISR" }))).await;
    expect_named_error(
        resp,
        StatusCode::UNPROCESSABLE_ENTITY,
        "tax_code",
        "none in force",
    )
    .await;

    // Removing the tenant's rows brings the default back.
    for day in [tomorrow.as_str(), "2000-01-01"] {
        let resp = app
            .request(
                Method::DELETE,
                &format!("/api/v1/tax-rates/IVA16/{day}"),
                Some(admin),
                None,
            )
            .await;
        expect_status(resp, StatusCode::NO_CONTENT, day).await;
    }
    assert_eq!(
        tax_of(&app, admin, json!({ "tax_code": "IVA16" })).await.0,
        "541.61"
    );
    app.cleanup().await;
}

#[tokio::test]
async fn the_tenants_default_tax_code_applies_unless_a_quote_sets_a_rate() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("taxdef")).await;
    let admin = &t.admin_token;
    let mut settings = app.get_json("/api/v1/settings/quotes", admin).await;
    settings["tax_code"] = json!("IVA8");
    let resp = app
        .request(
            Method::PUT,
            "/api/v1/settings/quotes",
            Some(admin),
            Some(settings.clone()),
        )
        .await;
    expect_status(resp, StatusCode::OK, "settings").await;
    assert_eq!(
        tax_of(&app, admin, json!({})).await,
        ("270.81".to_owned(), json!("IVA8"))
    );
    assert_eq!(
        tax_of(&app, admin, json!({ "tax_rate": "0.16" })).await,
        ("541.61".to_owned(), Value::Null)
    );
    settings["tax_code"] = json!("NOPE");
    let resp = app
        .request(
            Method::PUT,
            "/api/v1/settings/quotes",
            Some(admin),
            Some(settings),
        )
        .await;
    expect_named_error(resp, StatusCode::NOT_FOUND, "tax_code", "unknown default").await;

    // A default code must have a rate in force, and keep one.
    let resp = app
        .request(Method::POST, "/api/v1/tax-rates", Some(admin),
                 Some(json!({ "code": "LOCAL", "name": "Local", "rate": "0.10", "valid_from": "2001-01-01" })))
        .await;
    expect_status(resp, StatusCode::CREATED, "local rate").await;
    let mut settings = app.get_json("/api/v1/settings/quotes", admin).await;
    settings["tax_code"] = json!("LOCAL");
    let resp = app
        .request(
            Method::PUT,
            "/api/v1/settings/quotes",
            Some(admin),
            Some(settings),
        )
        .await;
    expect_status(resp, StatusCode::OK, "local default").await;
    let resp = app
        .request(
            Method::DELETE,
            "/api/v1/tax-rates/LOCAL/2001-01-01",
            Some(admin),
            None,
        )
        .await;
    expect_error(
        resp,
        StatusCode::CONFLICT,
        "tax_code_in_use",
        "last rate of the default",
    )
    .await;
    app.cleanup().await;
}

#[tokio::test]
async fn a_clients_standing_discount_starts_its_quotes_and_a_tax_code_is_kept_on_edits() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("disc")).await;
    let admin = &t.admin_token;
    let resp = app
        .request(
            Method::POST,
            "/api/v1/clients",
            Some(admin),
            Some(json!({ "name": "Constructora", "discount_rate": "0.10" })),
        )
        .await;
    let client = expect_status(resp, StatusCode::CREATED, "client").await;
    assert_eq!(client["discount_rate"], "0.1000");
    let resp = app
        .request(
            Method::POST,
            "/api/v1/clients",
            Some(admin),
            Some(json!({ "name": "x", "discount_rate": "1.5" })),
        )
        .await;
    expect_named_error(
        resp,
        StatusCode::UNPROCESSABLE_ENTITY,
        "discount_rate",
        "150 %",
    )
    .await;

    let mut body = c01(json!({ "tax_code": "IVA8" }));
    body["client_id"] = client["id"].clone();
    let resp = app
        .request(Method::POST, "/api/v1/quotes", Some(admin), Some(body))
        .await;
    let q = expect_status(resp, StatusCode::CREATED, "quote").await;
    // 10 % of 3385.07 = 338.51; before tax 3046.56; IVA 8 % 243.72; total 3290.28.
    assert_eq!(q["request"]["discount_rate"], "0.1000");
    assert_eq!(q["result"]["totals"]["discount"], "338.51");
    assert_eq!(q["result"]["rates"]["tax_code"], "IVA8");
    assert_eq!(q["total"], "3290.28");
    let id = q["id"].as_str().expect("id");
    let resp = app
        .patch(
            &format!("/api/v1/quotes/{id}"),
            admin,
            None,
            json!({ "title": "Obra" }),
        )
        .await;
    let q = expect_status(resp, StatusCode::OK, "edit").await;
    assert_eq!(q["request"]["tax_code"], "IVA8");
    assert_eq!(q["total"], "3290.28");
    app.cleanup().await;
}
