//! `/api/v1/products`: replacing and removing products, with If-Match, fallback to
//! the defaults, isolation and bad input.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{expect_error, expect_named_error, expect_status, slug, spawn_app, TestApp};

const FIXED: &str = "/api/v1/products/VEN-FIJA-NAC3";

/// GETs a product; answers its body (without the read-only fields) and ETag.
async fn product(app: &TestApp, token: &str) -> (Value, String) {
    let resp = app.get(FIXED, token).await;
    let etag = resp
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .expect("etag")
        .to_owned();
    let mut body = expect_status(resp, StatusCode::OK, "get product").await;
    let obj = body.as_object_mut().expect("object");
    obj.remove("source");
    obj.remove("version");
    (body, etag)
}

async fn put(
    app: &TestApp,
    token: &str,
    if_match: Option<&str>,
    body: &Value,
) -> reqwest::Response {
    let mut req = app.client.put(app.url(FIXED)).bearer_auth(token).json(body);
    if let Some(tag) = if_match {
        req = req.header("If-Match", tag);
    }
    req.send().await.expect("request sent")
}

async fn preview_width(app: &TestApp, token: &str, width: &str) -> reqwest::Response {
    app.request(
        Method::POST,
        "/api/v1/quotes/preview",
        Some(token),
        Some(
            json!({ "items": [{ "product": "VEN-FIJA-NAC3", "width_cm": width,
                                  "height_cm": "100", "quantity": 1 }] }),
        ),
    )
    .await
}

#[tokio::test]
async fn a_tenant_replaces_a_default_product_then_removes_its_version_and_the_default_applies_again(
) {
    let app = spawn_app().await;
    let t = app.onboard(&slug("prod")).await;
    let other = app.onboard(&slug("prod2")).await;
    let (spec, etag) = product(&app, &t.admin_token).await;
    assert_eq!(etag, "\"pg1\"");
    expect_status(
        preview_width(&app, &t.admin_token, "200").await,
        StatusCode::OK,
        "wide",
    )
    .await;

    let mut narrower = spec.clone();
    narrower["name"] = json!("Fija angosta");
    narrower["width_cm"] = json!(["30", "150"]);
    let resp = put(&app, &t.admin_token, None, &narrower).await;
    expect_error(
        resp,
        StatusCode::PRECONDITION_REQUIRED,
        "if_match_required",
        "no If-Match",
    )
    .await;
    let resp = put(&app, &t.admin_token, Some(&etag), &narrower).await;
    let saved = expect_status(resp, StatusCode::OK, "replace").await;
    assert_eq!(saved["source"], "tenant");
    assert_eq!(saved["name"], "Fija angosta");
    assert_eq!(saved["width_cm"], json!(["30.00", "150.00"]));

    // The tenant's preview follows at once; the other tenant keeps the default.
    let resp = preview_width(&app, &t.admin_token, "200").await;
    expect_named_error(
        resp,
        StatusCode::UNPROCESSABLE_ENTITY,
        "items[0].width_cm",
        "narrow",
    )
    .await;
    expect_status(
        preview_width(&app, &other.admin_token, "200").await,
        StatusCode::OK,
        "other",
    )
    .await;
    let (theirs, _) = product(&app, &other.admin_token).await;
    assert_eq!(theirs["name"], spec["name"]);

    // The old ETag is stale now; the new one works and bumps the version.
    let resp = put(&app, &t.admin_token, Some(&etag), &narrower).await;
    expect_error(
        resp,
        StatusCode::PRECONDITION_FAILED,
        "version_mismatch",
        "stale",
    )
    .await;
    let (_, etag2) = product(&app, &t.admin_token).await;
    assert_eq!(etag2, "\"pt1\"");
    let resp = put(&app, &t.admin_token, Some(&etag2), &narrower).await;
    let saved = expect_status(resp, StatusCode::OK, "replace again").await;
    assert_eq!(saved["version"], 2);

    // Removing the tenant's version brings the default back.
    let resp = app
        .request(Method::DELETE, FIXED, Some(&t.admin_token), None)
        .await;
    expect_status(resp, StatusCode::NO_CONTENT, "delete").await;
    let (back, _) = product(&app, &t.admin_token).await;
    assert_eq!(back["name"], spec["name"]);
    expect_status(
        preview_width(&app, &t.admin_token, "200").await,
        StatusCode::OK,
        "default again",
    )
    .await;
    let resp = app
        .request(Method::DELETE, FIXED, Some(&t.admin_token), None)
        .await;
    expect_error(
        resp,
        StatusCode::CONFLICT,
        "default_product",
        "delete a default",
    )
    .await;
    let resp = app
        .request(
            Method::DELETE,
            "/api/v1/products/NOPE",
            Some(&t.admin_token),
            None,
        )
        .await;
    expect_error(
        resp,
        StatusCode::NOT_FOUND,
        "product_not_found",
        "delete unknown",
    )
    .await;

    // Creating the code again after removal makes a new version of the same row.
    let resp = app
        .request(
            Method::POST,
            "/api/v1/products",
            Some(&t.admin_token),
            Some(narrower.clone()),
        )
        .await;
    let created = expect_status(resp, StatusCode::CREATED, "re-create").await;
    assert_eq!(created["version"], 4);
    let resp = app
        .request(
            Method::POST,
            "/api/v1/products",
            Some(&t.admin_token),
            Some(narrower),
        )
        .await;
    expect_error(resp, StatusCode::CONFLICT, "product_exists", "create twice").await;
    app.cleanup().await;
}

#[tokio::test]
async fn bad_replacements_are_refused_naming_the_field_and_change_nothing() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("prodbad")).await;
    let (spec, etag) = product(&app, &t.admin_token).await;
    let estimator = app.user_token(&t, "estimator").await;
    let resp = put(&app, &estimator, Some(&etag), &spec).await;
    expect_error(resp, StatusCode::FORBIDDEN, "forbidden", "estimator").await;

    let mut cases = Vec::new();
    let mut other_code = spec.clone();
    other_code["code"] = json!("VEN-OTRA");
    cases.push((other_code, StatusCode::UNPROCESSABLE_ENTITY, "code"));
    let mut bad_formula = spec.clone();
    bad_formula["bom"][0]["quantity_formula"] = json!("2 * (width_m + depth_m)");
    cases.push((
        bad_formula,
        StatusCode::UNPROCESSABLE_ENTITY,
        "bom[0].quantity_formula",
    ));
    let mut unknown_material = spec.clone();
    unknown_material["bom"][0]["material"] = json!("PER-NADA");
    cases.push((unknown_material, StatusCode::NOT_FOUND, "bom[0].material"));
    let mut wrong_kind = spec.clone();
    wrong_kind["bom"][0]["material"] = json!("VID-CLARO-6");
    cases.push((
        wrong_kind,
        StatusCode::UNPROCESSABLE_ENTITY,
        "bom[0].material",
    ));
    let mut extra = spec.clone();
    extra["source"] = json!("tenant");
    cases.push((extra, StatusCode::BAD_REQUEST, "source"));
    for (body, status, named) in cases {
        let resp = put(&app, &t.admin_token, Some(&etag), &body).await;
        expect_named_error(resp, status, named, named).await;
    }
    let (after, etag_after) = product(&app, &t.admin_token).await;
    assert_eq!(after, spec);
    assert_eq!(etag_after, etag);
    app.cleanup().await;
}

async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> Value {
    let ok = if method == Method::DELETE {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::OK
    };
    let resp = app.request(method, path, Some(token), body).await;
    expect_status(resp, ok, path).await
}

/// Seed case C01 priced for `token`: VEN-CORR-NAC3 150 × 120 in natural colour.
async fn c01(app: &TestApp, token: &str, colour: &str) -> reqwest::Response {
    app.request(
        Method::POST,
        "/api/v1/quotes/preview",
        Some(token),
        Some(
            json!({ "items": [{ "product": "VEN-CORR-NAC3", "width_cm": "150",
                                  "height_cm": "120", "quantity": 1, "glass": "VID-CLARO-6",
                                  "colour": colour }] }),
        ),
    )
    .await
}

/// The unit price of a BOM line, as a number (the engine shows decimals unpadded).
/// A line's unit price as the API writes it (money always has two decimals).
fn unit_price_of(preview: &Value, material: &str) -> String {
    preview["items"][0]["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .find(|l| l["material"] == material)
        .and_then(|l| l["unit_price"].as_str())
        .expect("line")
        .to_owned()
}

#[tokio::test]
async fn colours_colour_prices_and_labour_rates_are_the_tenants_over_the_defaults() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("cat")).await;
    let other = app.onboard(&slug("cat2")).await;
    let admin = &t.admin_token;

    let colours = app.get_items("/api/v1/colours", admin).await;
    assert!(colours
        .as_array()
        .expect("colours")
        .iter()
        .any(|c| c["code"] == "NAT" && c["source"] == "global"));

    // A profile's natural price, overridden by the tenant, reaches its preview only.
    let before = expect_status(c01(&app, admin, "NAT").await, StatusCode::OK, "c01").await;
    let default_price = unit_price_of(&before, "PER-NAC3-RS");
    send(
        &app,
        Method::PUT,
        "/api/v1/materials/PER-NAC3-RS/colours/NAT",
        admin,
        Some(json!({ "price": "1.00" })),
    )
    .await;
    let cheap = expect_status(c01(&app, admin, "NAT").await, StatusCode::OK, "cheap").await;
    assert_eq!(unit_price_of(&cheap, "PER-NAC3-RS"), "1.00");
    let theirs = expect_status(
        c01(&app, &other.admin_token, "NAT").await,
        StatusCode::OK,
        "other",
    )
    .await;
    assert_eq!(unit_price_of(&theirs, "PER-NAC3-RS"), default_price);
    let prices = app
        .get_items("/api/v1/materials/PER-NAC3-RS/colours", admin)
        .await;
    assert!(prices
        .as_array()
        .expect("prices")
        .iter()
        .any(|p| p["colour"] == "NAT" && p["price"] == "1.00" && p["source"] == "tenant"));
    send(
        &app,
        Method::DELETE,
        "/api/v1/materials/PER-NAC3-RS/colours/NAT",
        admin,
        None,
    )
    .await;
    let back = expect_status(c01(&app, admin, "NAT").await, StatusCode::OK, "back").await;
    assert_eq!(unit_price_of(&back, "PER-NAC3-RS"), default_price);

    // A new colour is offered once every profile of the product has a price in it,
    // and not at all once the colour is removed.
    send(
        &app,
        Method::PUT,
        "/api/v1/colours/ROJO",
        admin,
        Some(json!({ "name": "Rojo" })),
    )
    .await;
    let resp = c01(&app, admin, "ROJO").await;
    expect_named_error(
        resp,
        StatusCode::UNPROCESSABLE_ENTITY,
        "items[0].colour",
        "unpriced",
    )
    .await;
    for profile in ["PER-NAC3-RS", "PER-NAC3-JA", "PER-NAC3-ZO", "PER-NAC3-TR"] {
        send(
            &app,
            Method::PUT,
            &format!("/api/v1/materials/{profile}/colours/ROJO"),
            admin,
            Some(json!({ "price": "99.00" })),
        )
        .await;
    }
    let red = expect_status(c01(&app, admin, "ROJO").await, StatusCode::OK, "red").await;
    assert_eq!(unit_price_of(&red, "PER-NAC3-RS"), "99.00");
    assert_eq!(red["items"][0]["colour_name"], "Rojo");
    let resp = c01(&app, &other.admin_token, "ROJO").await;
    expect_named_error(
        resp,
        StatusCode::UNPROCESSABLE_ENTITY,
        "items[0].colour",
        "other's red",
    )
    .await;
    send(&app, Method::DELETE, "/api/v1/colours/ROJO", admin, None).await;
    let resp = c01(&app, admin, "ROJO").await;
    expect_named_error(
        resp,
        StatusCode::UNPROCESSABLE_ENTITY,
        "items[0].colour",
        "removed",
    )
    .await;

    // Labour: C01 is 1.8 m² of corrediza; 100.00 × 1.000 per m² makes 180.00.
    assert_eq!(back["items"][0]["labour"], "140.40");
    send(
        &app,
        Method::PUT,
        "/api/v1/labour-rates/corrediza",
        admin,
        Some(json!({ "rate_per_m2": "100.00", "complexity": "1.000" })),
    )
    .await;
    let labour = expect_status(c01(&app, admin, "NAT").await, StatusCode::OK, "labour").await;
    assert_eq!(labour["items"][0]["labour"], "180.00");
    let theirs = expect_status(
        c01(&app, &other.admin_token, "NAT").await,
        StatusCode::OK,
        "o",
    )
    .await;
    assert_eq!(theirs["items"][0]["labour"], "140.40");
    let rates = app.get_items("/api/v1/labour-rates", admin).await;
    assert!(rates
        .as_array()
        .expect("rates")
        .iter()
        .any(|r| r["window_type"] == "corrediza" && r["source"] == "tenant"));
    send(
        &app,
        Method::DELETE,
        "/api/v1/labour-rates/corrediza",
        admin,
        None,
    )
    .await;
    let labour = expect_status(c01(&app, admin, "NAT").await, StatusCode::OK, "labour back").await;
    assert_eq!(labour["items"][0]["labour"], "140.40");
    app.cleanup().await;
}

#[tokio::test]
async fn bad_catalogue_edits_are_refused_naming_the_problem() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("catbad")).await;
    let estimator = app.user_token(&t, "estimator").await;
    let cases: Vec<(Method, &str, Value, StatusCode, &str)> = vec![
        (
            Method::PUT,
            "/api/v1/colours/rojo claro",
            json!({ "name": "x" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "code",
        ),
        (
            Method::PUT,
            "/api/v1/colours/ROJO",
            json!({ "name": "" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "name",
        ),
        (
            Method::PUT,
            "/api/v1/materials/VID-CLARO-6/colours/NAT",
            json!({ "price": "1.00" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "VID-CLARO-6",
        ),
        (
            Method::PUT,
            "/api/v1/materials/PER-NADA/colours/NAT",
            json!({ "price": "1.00" }),
            StatusCode::NOT_FOUND,
            "PER-NADA",
        ),
        (
            Method::PUT,
            "/api/v1/materials/PER-NAC3-RS/colours/NADA",
            json!({ "price": "1.00" }),
            StatusCode::NOT_FOUND,
            "NADA",
        ),
        (
            Method::PUT,
            "/api/v1/materials/PER-NAC3-RS/colours/NAT",
            json!({ "price": "-1.00" }),
            StatusCode::BAD_REQUEST,
            "price",
        ),
        (
            Method::PUT,
            "/api/v1/labour-rates/redonda",
            json!({ "rate_per_m2": "1.00", "complexity": "1" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "window_type",
        ),
        (
            Method::PUT,
            "/api/v1/labour-rates/fija",
            json!({ "rate_per_m2": "1.00", "complexity": "0" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "complexity",
        ),
        // Found by the fuzz: 1000 passed the type and overflowed numeric(6, 3) (500).
        (
            Method::PUT,
            "/api/v1/labour-rates/fija",
            json!({ "rate_per_m2": "1.00", "complexity": "1000" }),
            StatusCode::BAD_REQUEST,
            "complexity",
        ),
        (
            Method::DELETE,
            "/api/v1/colours/NAT",
            Value::Null,
            StatusCode::NOT_FOUND,
            "NAT",
        ),
        (
            Method::DELETE,
            "/api/v1/labour-rates/fija",
            Value::Null,
            StatusCode::NOT_FOUND,
            "fija",
        ),
    ];
    for (method, path, body, status, named) in cases {
        let body = (!body.is_null()).then_some(body);
        let resp = app
            .request(method.clone(), path, Some(&t.admin_token), body.clone())
            .await;
        let got = resp.status();
        assert!(got.is_client_error(), "{path}: {got}");
        assert_eq!(got, status, "{path}");
        expect_named_error(resp, got, named, path).await;
        // (A body that does not parse is refused before roles are looked at.)
        if method == Method::PUT && status != StatusCode::BAD_REQUEST {
            let resp = app.request(method, path, Some(&estimator), body).await;
            assert_eq!(resp.status(), StatusCode::FORBIDDEN, "estimator {path}");
        }
    }
    // Nothing was written.
    let colours = app.get_items("/api/v1/colours", &t.admin_token).await;
    assert!(colours
        .as_array()
        .expect("colours")
        .iter()
        .all(|c| c["source"] == "global"));
    let rates = app.get_items("/api/v1/labour-rates", &t.admin_token).await;
    assert!(rates
        .as_array()
        .expect("rates")
        .iter()
        .all(|r| r["source"] == "global"));
    app.cleanup().await;
}

#[tokio::test]
async fn concurrent_replacements_with_the_same_etag_let_exactly_one_through() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("prodrace")).await;
    let (spec, etag) = product(&app, &t.admin_token).await;
    for round in 0..2 {
        // Round 0 races on the inherited default, round 1 on the tenant's own row.
        let (_, etag) = if round == 0 {
            (spec.clone(), etag.clone())
        } else {
            product(&app, &t.admin_token).await
        };
        let puts = (0..4).map(|i| {
            let mut body = spec.clone();
            body["name"] = json!(format!("Fija {round}-{i}"));
            let app = &app;
            let token = t.admin_token.clone();
            let etag = etag.clone();
            async move { put(app, &token, Some(&etag), &body).await.status() }
        });
        let statuses = futures_util::future::join_all(puts).await;
        let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
        let stale = statuses
            .iter()
            .filter(|s| **s == StatusCode::PRECONDITION_FAILED)
            .count();
        assert_eq!((ok, stale), (1, 3), "round {round}: {statuses:?}");
    }
    app.cleanup().await;
}

/// A product with glass panes and frame pieces, as a tenant posts it.
fn pieced_product() -> Value {
    json!({
        "code": "VEN-PIEZAS", "name": "Ventana por piezas", "kind": "window",
        "window_type": "fija", "width_cm": ["10", "700"], "height_cm": ["10", "500"],
        "bom": [
            { "description": "Paños", "material": "VID-CLARO-6", "kind": "glass",
              "quantity_formula": "area_m2", "waste_factor": "1.05", "pieces": "2",
              "piece_width_cm": "width_cm / 2 - 3", "piece_height_cm": "height_cm - 6" },
            { "description": "Jambas", "material": "PER-NAC3-JA", "kind": "profile",
              "quantity_formula": "2 * height_m", "waste_factor": "1.05", "pieces": "2",
              "piece_length_cm": "height_cm" },
            { "description": "Cabezales", "material": "PER-NAC3-JA", "kind": "profile",
              "quantity_formula": "2 * width_m", "waste_factor": "1.05", "pieces": "2",
              "piece_length_cm": "width_cm" }
        ]
    })
}

#[tokio::test]
async fn tenant_settings_switch_on_glass_pieces_and_job_cut_plans_for_its_products() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("piezas")).await;
    let admin = &t.admin_token;
    let resp = app
        .request(
            Method::POST,
            "/api/v1/products",
            Some(admin),
            Some(pieced_product()),
        )
        .await;
    let saved = expect_status(resp, StatusCode::CREATED, "pieced product").await;
    assert_eq!(saved["bom"][0]["piece_width_cm"], "width_cm / 2 - 3");
    assert_eq!(saved["bom"][1]["piece_length_cm"], "height_cm");
    let read = app.get_json("/api/v1/products/VEN-PIEZAS", admin).await;
    assert_eq!(read["bom"], saved["bom"], "piece formulas are stored");

    let mut settings = app.get_json("/api/v1/settings/quotes", admin).await;
    settings["glass_billing"] = json!("bom_pieces");
    settings["glass_step_cm"] = json!("5");
    settings["glass_min_area_m2"] = json!("0.5");
    settings["profile_billing"] = json!("cut_plan_per_job");
    let resp = app
        .request(
            Method::PUT,
            "/api/v1/settings/quotes",
            Some(admin),
            Some(settings),
        )
        .await;
    expect_status(resp, StatusCode::OK, "settings").await;

    let body = json!({ "items": [
        { "product": "VEN-PIEZAS", "width_cm": "150", "height_cm": "100", "quantity": 2 },
        { "product": "VEN-PIEZAS", "width_cm": "200", "height_cm": "120", "quantity": 1 } ] });
    let resp = app
        .request(
            Method::POST,
            "/api/v1/quotes/preview",
            Some(admin),
            Some(body),
        )
        .await;
    let q = expect_status(resp, StatusCode::OK, "preview").await;
    // Panes of the 150 × 100 window: 72 → 75 cm by 94 → 95 cm = 0.7125 m²;
    // 2 × 0.7125 × 1.05 × 120.00 × 2 windows = 359.10.
    let panes = &q["items"][0]["lines"][0];
    assert_eq!(panes["pieces"]["count"], 2);
    assert_eq!(panes["pieces"]["width_cm"], "75");
    assert_eq!(panes["pieces"]["height_cm"], "95");
    assert_eq!(q["items"][0]["glass"], "359.10");
    // The same 12 pieces as the engine's hand-checked plan: 3 bars of 6 m at 48.00
    // = 864.00; the windows pay 16.4 m = 787.20; offcuts 76.80.
    let plan = &q["cut_plans"][0];
    assert_eq!(plan["material"], "PER-NAC3-JA");
    assert_eq!(plan["bar_count"], 3);
    assert_eq!(plan["bars"][0]["cuts_mm"], json!([2000, 2000, 1500]));
    assert_eq!(plan["amount"], "864.00");
    assert_eq!(plan["offcuts"], "76.80");
    assert_eq!(q["totals"]["offcuts"], "76.80");
    assert_eq!(q["items"][0]["profiles"], "480.00");

    // The default products carry piece formulas too. C01's panes: 2 × 75 × 120 cm
    // (already multiples of 5) = 1.8 m² × 1.05 × 120.00 = 226.80, as the classic
    // rule bills the whole window.
    let body = json!({ "items": [{ "product": "VEN-CORR-NAC3", "width_cm": "150",
        "height_cm": "120", "quantity": 1, "glass": "VID-CLARO-6", "colour": "NAT" }] });
    let resp = app
        .request(
            Method::POST,
            "/api/v1/quotes/preview",
            Some(admin),
            Some(body),
        )
        .await;
    let q = expect_status(resp, StatusCode::OK, "default product").await;
    let panes = q["items"][0]["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .find(|l| l["kind"] == "glass")
        .expect("glass line");
    assert_eq!(panes["pieces"]["width_cm"], "75");
    assert_eq!(q["items"][0]["glass"], "226.80");
    let planned: Vec<&str> = q["cut_plans"]
        .as_array()
        .expect("plans")
        .iter()
        .filter_map(|p| p["material"].as_str())
        .collect();
    assert_eq!(
        planned,
        ["PER-NAC3-RS", "PER-NAC3-ZO", "PER-NAC3-JA", "PER-NAC3-TR"]
    );
    app.cleanup().await;
}

#[tokio::test]
async fn piece_formulas_are_checked_when_a_product_is_saved() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("piezasbad")).await;
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "/bom/0/piece_width_cm",
            json!("ancho / 2"),
            "bom[0].piece_width_cm",
        ),
        (
            "/bom/0/piece_height_cm",
            Value::Null,
            "bom[0].piece_height_cm",
        ),
        (
            "/bom/1/piece_width_cm",
            json!("width_cm"),
            "bom[1].piece_width_cm",
        ),
        (
            "/bom/0/piece_length_cm",
            json!("width_cm"),
            "bom[0].piece_length_cm",
        ),
        (
            "/bom/1/pieces",
            json!("2 / (width_cm - 10)"),
            "bom[1].pieces",
        ),
        ("/bom/1/pieces", json!("height_cm"), "bom[1].pieces"),
        (
            "/bom/2/piece_length_cm",
            json!("width_cm * 1000"),
            "bom[2].piece_length_cm",
        ),
        (
            "/bom/2/piece_length_cm",
            Value::Null,
            "bom[2].piece_length_cm",
        ),
    ];
    for (pointer, value, named) in cases {
        let mut body = pieced_product();
        let (parent, key) = pointer.rsplit_once('/').expect("pointer");
        let target = body
            .pointer_mut(parent)
            .and_then(Value::as_object_mut)
            .expect("parent");
        if value.is_null() {
            target.remove(key);
        } else {
            target.insert(key.to_owned(), value);
        }
        let resp = app
            .request(
                Method::POST,
                "/api/v1/products",
                Some(&t.admin_token),
                Some(body),
            )
            .await;
        expect_named_error(resp, StatusCode::UNPROCESSABLE_ENTITY, named, pointer).await;
    }
    let resp = app.get("/api/v1/products/VEN-PIEZAS", &t.admin_token).await;
    expect_error(
        resp,
        StatusCode::NOT_FOUND,
        "product_not_found",
        "nothing saved",
    )
    .await;
    app.cleanup().await;
}
