//! `POST /api/v1/quotes/preview` over HTTP: the seed cases, the tenant's own prices,
//! roles and bad input.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{
    expect_error, expect_named_error, expect_status, repo_dir, slug, spawn_app, TestApp,
};

fn seed_cases() -> Vec<Value> {
    let text = std::fs::read_to_string(repo_dir().join("tests/fixtures/seed-quotes.json"))
        .expect("fixture");
    let all: Value = serde_json::from_str(&text).expect("json");
    all["cases"].as_array().expect("cases").clone()
}

/// The case's input in the preview's request shape.
fn request_body(case: &Value) -> Value {
    let mut body = json!({ "items": case["items"], "material_items": case["material_items"] });
    if let Some(settings) = case["settings"].as_object() {
        for (key, value) in settings {
            body[key] = value.clone();
        }
    }
    body
}

fn cents(v: &Value) -> i64 {
    let text = v
        .as_str()
        .unwrap_or_else(|| panic!("not a money string: {v}"));
    let (int, frac) = text.split_once('.').unwrap_or((text, "00"));
    int.parse::<i64>().expect("int") * 100 + frac.parse::<i64>().expect("frac")
}

#[tokio::test]
async fn every_seed_case_prices_within_a_cent_over_http_with_the_fixture_products_posted_by_the_tenant(
) {
    let app = spawn_app().await;
    let t = app.onboard(&slug("quotes")).await;
    // The TEST-* fixture products are not defaults: the tenant adds them, posting
    // them exactly as the catalogue file has them.
    let catalogue: Value = serde_json::from_str(
        &std::fs::read_to_string(repo_dir().join("tests/fixtures/seed-catalog.json"))
            .expect("fixture"),
    )
    .expect("json");
    for product in catalogue["products"].as_array().expect("products") {
        if product["in_default_catalogue"] == false {
            let resp = app
                .request(
                    Method::POST,
                    "/api/v1/products",
                    Some(&t.admin_token),
                    Some(product.clone()),
                )
                .await;
            expect_status(
                resp,
                StatusCode::CREATED,
                product["code"].as_str().unwrap_or("product"),
            )
            .await;
        }
    }
    let estimator = app.user_token(&t, "estimator").await;
    let mut priced = 0;
    for case in seed_cases() {
        let id = case["id"].as_str().expect("id");
        let resp = app
            .request(
                Method::POST,
                "/api/v1/quotes/preview",
                Some(&estimator),
                Some(request_body(&case)),
            )
            .await;
        let body = expect_status(resp, StatusCode::OK, id).await;
        let expected = &case["expected"];
        for key in [
            "materials",
            "labour",
            "cost",
            "profit",
            "indirect",
            "before_tax",
            "tax",
            "total",
        ] {
            let (ours, theirs) = (cents(&body["totals"][key]), cents(&expected["totals"][key]));
            assert!(
                (ours - theirs).abs() <= 1,
                "{id} {key}: ours {ours}, original {theirs}"
            );
        }
        for (i, item) in expected["items"]
            .as_array()
            .expect("items")
            .iter()
            .enumerate()
        {
            for key in [
                "profiles",
                "glass",
                "hardware",
                "consumables",
                "labour",
                "subtotal",
            ] {
                let (ours, theirs) = (cents(&body["items"][i][key]), cents(&item[key]));
                assert!(
                    (ours - theirs).abs() <= 1,
                    "{id} item {i} {key}: ours {ours}, original {theirs}"
                );
            }
        }
        let totals = &body["totals"];
        assert_eq!(
            cents(&totals["cost"]) + cents(&totals["profit"]) + cents(&totals["indirect"]),
            cents(&totals["before_tax"]),
            "{id}"
        );
        assert_eq!(
            cents(&totals["before_tax"]) + cents(&totals["tax"]),
            cents(&totals["total"]),
            "{id}"
        );
        priced += 1;
    }
    assert_eq!(
        priced,
        seed_cases().len(),
        "every seed case priced over HTTP"
    );
    app.cleanup().await;
}

#[tokio::test]
async fn the_preview_itemises_every_bom_line_and_uses_the_tenants_own_prices_at_once() {
    let app = spawn_app().await;
    the_preview_itemises_every_bom_line_and_uses_the_tenants_own_prices_at_once_on(&app).await;
    app.cleanup().await;
}

/// The scenario of [`the_preview_itemises_every_bom_line_and_uses_the_tenants_own_prices_at_once`] on a running app (also run on Citus: tests/api/citus.rs).
pub(crate) async fn the_preview_itemises_every_bom_line_and_uses_the_tenants_own_prices_at_once_on(
    app: &TestApp,
) {
    let t = app.onboard(&slug("own")).await;
    let body = json!({ "items": [{ "product": "VEN-CORR-NAC3", "width_cm": "150", "height_cm": "120",
                                   "quantity": 1, "glass": "VID-CLARO-6", "colour": "NAT" }] });
    let first = expect_status(
        app.request(
            Method::POST,
            "/api/v1/quotes/preview",
            Some(&t.admin_token),
            Some(body.clone()),
        )
        .await,
        StatusCode::OK,
        "preview",
    )
    .await;
    let item = &first["items"][0];
    assert_eq!(item["glass"], "226.80");
    assert_eq!(
        item["lines"].as_array().map(Vec::len),
        Some(12),
        "every BOM line is shown"
    );
    let riel = &item["lines"][0];
    assert_eq!(
        (
            riel["material"].as_str(),
            riel["formula"].as_str(),
            riel["bars"].as_str()
        ),
        (Some("PER-NAC3-RS"), Some("width_m"), Some("1"))
    );
    assert_eq!(riel["quantity"], "6", "one whole 6 m bar");
    assert_eq!(first["currency"], "MXN");

    app.set_price("VID-CLARO-6", &t.admin_token, "130.00").await;
    let second = expect_status(
        app.request(
            Method::POST,
            "/api/v1/quotes/preview",
            Some(&t.admin_token),
            Some(body),
        )
        .await,
        StatusCode::OK,
        "preview after the edit",
    )
    .await;
    assert_eq!(
        second["items"][0]["glass"], "245.70",
        "1.8 m² × 130.00 × 1.05"
    );
}

#[tokio::test]
async fn viewers_cannot_price_quotes() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("qview")).await;
    let viewer = app.user_token(&t, "viewer").await;
    let body = json!({ "items": [{ "product": "VEN-FIJA-NAC3", "width_cm": "100", "height_cm": "100", "quantity": 1 }] });
    let resp = app
        .request(
            Method::POST,
            "/api/v1/quotes/preview",
            Some(&viewer),
            Some(body),
        )
        .await;
    expect_error(resp, StatusCode::FORBIDDEN, "forbidden", "viewer").await;
    app.cleanup().await;
}

#[tokio::test]
async fn bad_quote_input_gets_a_4xx_naming_the_field_and_value() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("qbad")).await;
    let item = |patch: Value| {
        let mut base = json!({ "product": "VEN-CORR-NAC3", "width_cm": "150", "height_cm": "120", "quantity": 1,
                               "glass": "VID-CLARO-6", "colour": "NAT" });
        for (k, v) in patch.as_object().expect("object") {
            base[k] = v.clone();
        }
        json!({ "items": [base] })
    };
    let cases = [
        (
            "too wide",
            item(json!({ "width_cm": "301" })),
            StatusCode::UNPROCESSABLE_ENTITY,
            "items[0].width_cm",
        ),
        (
            "too short",
            item(json!({ "height_cm": "59.99" })),
            StatusCode::UNPROCESSABLE_ENTITY,
            "items[0].height_cm",
        ),
        (
            "zero windows",
            item(json!({ "quantity": 0 })),
            StatusCode::UNPROCESSABLE_ENTITY,
            "items[0].quantity",
        ),
        (
            "fractional windows",
            item(json!({ "quantity": 1.5 })),
            StatusCode::BAD_REQUEST,
            "items[0].quantity",
        ),
        (
            "width as a number",
            item(json!({ "width_cm": 150 })),
            StatusCode::BAD_REQUEST,
            "items[0].width_cm",
        ),
        (
            "unknown product",
            item(json!({ "product": "VEN-NADA" })),
            StatusCode::NOT_FOUND,
            "VEN-NADA",
        ),
        (
            "unknown glass",
            item(json!({ "glass": "VID-NADA-9" })),
            StatusCode::NOT_FOUND,
            "VID-NADA-9",
        ),
        (
            "a profile as glass",
            item(json!({ "glass": "PER-NAC3-RS" })),
            StatusCode::UNPROCESSABLE_ENTITY,
            "items[0].glass",
        ),
        (
            "colour not offered",
            item(json!({ "colour": "ROSA" })),
            StatusCode::UNPROCESSABLE_ENTITY,
            "ROSA",
        ),
        (
            "negative tax",
            json!({ "items": [], "material_items": [{ "material": "HER-ROD-3", "quantity": "1" }], "tax_rate": "-0.16" }),
            StatusCode::BAD_REQUEST,
            "tax_rate",
        ),
        (
            "nothing to price",
            json!({ "items": [] }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "items",
        ),
        (
            "loose material unknown",
            json!({ "items": [], "material_items": [{ "material": "XYZ-1", "quantity": "2" }] }),
            StatusCode::NOT_FOUND,
            "XYZ-1",
        ),
    ];
    for (what, body, status, named) in cases {
        let resp = app
            .request(
                Method::POST,
                "/api/v1/quotes/preview",
                Some(&t.admin_token),
                Some(body),
            )
            .await;
        expect_named_error(resp, status, named, what).await;
    }
    app.cleanup().await;
}

#[tokio::test]
async fn products_are_listed_with_their_source_and_bad_products_are_refused_naming_the_bom_line() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("prod")).await;
    let listed = app.get_items("/api/v1/products", &t.admin_token).await;
    let codes: Vec<&str> = listed
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|p| p["code"].as_str())
        .collect();
    assert_eq!(codes, ["VEN-CORR-NAC3", "VEN-FIJA-NAC3", "VEN-PROY-S35"]);
    assert!(listed
        .as_array()
        .expect("array")
        .iter()
        .all(|p| p["source"] == "global"));
    let one = app
        .get_json("/api/v1/products/VEN-FIJA-NAC3", &t.admin_token)
        .await;
    assert_eq!(one["bom"].as_array().map(Vec::len), Some(6));

    let product = |formula: &str, material: &str| {
        json!({ "code": "VEN-NUEVA", "name": "Nueva", "kind": "window", "window_type": "fija",
                "width_cm": ["50", "150"], "height_cm": ["50", "150"],
                "bom": [{ "description": "Marco", "material": material, "kind": "profile",
                          "quantity_formula": formula, "waste_factor": "1.05" }] })
    };
    let cases = [
        (
            "unknown variable",
            product("widht_m * 2", "PER-NAC3-FE"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "bom[0].quantity_formula",
        ),
        (
            "division by zero at a corner",
            product("1 / (width_cm - 50)", "PER-NAC3-FE"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "bom[0].quantity_formula",
        ),
        (
            "too deep",
            product(
                &format!("{}1{}", "(".repeat(30), ")".repeat(30)),
                "PER-NAC3-FE",
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "bom[0].quantity_formula",
        ),
        (
            "unknown material",
            product("perimeter_m", "PER-NADA"),
            StatusCode::NOT_FOUND,
            "bom[0].material",
        ),
        (
            "glass as a profile",
            product("perimeter_m", "VID-CLARO-4"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "bom[0].material",
        ),
    ];
    for (what, body, status, field) in cases {
        let resp = app
            .request(
                Method::POST,
                "/api/v1/products",
                Some(&t.admin_token),
                Some(body),
            )
            .await;
        expect_named_error(resp, status, field, what).await;
    }
    let resp = app
        .request(
            Method::POST,
            "/api/v1/products",
            Some(&t.admin_token),
            Some(product("perimeter_m", "PER-NAC3-FE")),
        )
        .await;
    expect_status(resp, StatusCode::CREATED, "good product").await;
    let resp = app
        .request(
            Method::POST,
            "/api/v1/products",
            Some(&t.admin_token),
            Some(product("perimeter_m", "PER-NAC3-FE")),
        )
        .await;
    expect_error(resp, StatusCode::CONFLICT, "product_exists", "duplicate").await;

    // Another tenant neither sees nor can price it.
    let other = app.onboard(&slug("prod-b")).await;
    let resp = app
        .get("/api/v1/products/VEN-NUEVA", &other.admin_token)
        .await;
    expect_error(
        resp,
        StatusCode::NOT_FOUND,
        "product_not_found",
        "other tenant",
    )
    .await;
    let body = json!({ "items": [{ "product": "VEN-NUEVA", "width_cm": "100", "height_cm": "100", "quantity": 1 }] });
    let resp = app
        .request(
            Method::POST,
            "/api/v1/quotes/preview",
            Some(&other.admin_token),
            Some(body.clone()),
        )
        .await;
    expect_error(
        resp,
        StatusCode::NOT_FOUND,
        "product_not_found",
        "other tenant preview",
    )
    .await;
    let resp = app
        .request(
            Method::POST,
            "/api/v1/quotes/preview",
            Some(&t.admin_token),
            Some(body),
        )
        .await;
    let priced = expect_status(resp, StatusCode::OK, "own product").await;
    assert_eq!(
        priced["items"][0]["profiles"], "473.40",
        "4 m × 1.05 = 4.2 m → one 6 m bar × 78.90"
    );
    app.cleanup().await;
}

#[tokio::test]
async fn tenant_quote_settings_change_default_rates_and_rules_for_that_tenant_only() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("settings")).await;
    let other = app.onboard(&slug("settings-b")).await;
    let defaults = app
        .get_json("/api/v1/settings/quotes", &t.admin_token)
        .await;
    assert_eq!(
        defaults,
        json!({ "profit_rate": "0.2500", "indirect_rate": "0.1500", "tax_rate": "0.1600", "currency": "MXN",
                "validity_days": 30, "profile_billing": "whole_bars_per_line", "waste_on_hardware": true,
                "glass_billing": "window_area", "glass_step_cm": "0.00", "glass_min_area_m2": "0.000",
                "kerf_mm": 4, "trim_mm": 10, "rounding": "half_up",
                "time_zone": "America/Mexico_City" })
    );
    let c01 = json!({ "items": [{ "product": "VEN-CORR-NAC3", "width_cm": "150", "height_cm": "120",
                                  "quantity": 1, "glass": "VID-CLARO-6", "colour": "NAT" }] });
    let preview = |token: String| {
        let body = c01.clone();
        let app = &app;
        async move {
            let resp = app
                .request(
                    Method::POST,
                    "/api/v1/quotes/preview",
                    Some(&token),
                    Some(body),
                )
                .await;
            expect_status(resp, StatusCode::OK, "preview").await
        }
    };
    assert_eq!(
        preview(t.admin_token.clone()).await["items"][0]["profiles"],
        "1908.00"
    );

    let new = json!({ "profit_rate": "0.30", "indirect_rate": "0.10", "tax_rate": "0.08", "currency": "MXN",
                      "validity_days": 15, "profile_billing": "per_metre", "waste_on_hardware": false });
    let resp = app
        .request(
            Method::PUT,
            "/api/v1/settings/quotes",
            Some(&t.admin_token),
            Some(new),
        )
        .await;
    expect_status(resp, StatusCode::OK, "put settings").await;
    let after = preview(t.admin_token.clone()).await;
    let item = &after["items"][0];
    assert_eq!(
        (item["profiles"].as_str(), item["hardware"].as_str()),
        (Some("527.31"), Some("60.00")),
        "per metre, no hardware waste"
    );
    assert_eq!(after["rates"]["tax_rate"], "0.0800");
    // cost = 527.31 + 226.80 + 60.00 + 79.70 + 140.40 = 1034.21; profit 310.263 → 310.26,
    // indirect 103.421 → 103.42; before tax 1447.89; tax 8 % = 115.8312 → 115.83.
    assert_eq!(after["totals"]["cost"], "1034.21");
    assert_eq!(after["totals"]["total"], "1563.72");

    // The other tenant keeps the classic rules.
    assert_eq!(
        preview(other.admin_token.clone()).await["items"][0]["profiles"],
        "1908.00"
    );

    let estimator = app.user_token(&t, "estimator").await;
    let resp = app
        .request(
            Method::PUT,
            "/api/v1/settings/quotes",
            Some(&estimator),
            Some(defaults.clone()),
        )
        .await;
    expect_error(resp, StatusCode::FORBIDDEN, "forbidden", "estimator").await;
    let bad = |key: &str, value: Value| {
        let mut body = defaults.clone();
        body[key] = value;
        body
    };
    for (body, status, field) in [
        (
            bad("tax_rate", json!("1.5")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "tax_rate",
        ),
        (
            bad("currency", json!("mxn")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "currency",
        ),
        (
            bad("validity_days", json!(0)),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validity_days",
        ),
        (
            bad("profile_billing", json!("by_weight")),
            StatusCode::BAD_REQUEST,
            "profile_billing",
        ),
        (
            bad("profit_rate", json!(0.3)),
            StatusCode::BAD_REQUEST,
            "profit_rate",
        ),
    ] {
        let resp = app
            .request(
                Method::PUT,
                "/api/v1/settings/quotes",
                Some(&t.admin_token),
                Some(body),
            )
            .await;
        expect_named_error(resp, status, field, field).await;
    }
    let kept = app
        .get_json("/api/v1/settings/quotes", &t.admin_token)
        .await;
    assert_eq!(
        kept["profile_billing"], "per_metre",
        "refused changes changed nothing"
    );
    app.cleanup().await;
}
