//! `/api/v1/platform/…` for the quoting defaults: the platform operator edits default
//! products, colours, colour prices, labour and tax rates; inheriting tenants price with
//! the change at once, tenants with their own rows keep them.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{expect_error, expect_named_error, expect_status, slug, spawn_app, TestApp};

async fn platform(
    app: &TestApp,
    method: Method,
    path: &str,
    if_match: Option<&str>,
    body: Option<Value>,
) -> reqwest::Response {
    let mut req = app
        .client
        .request(method, app.url(path))
        .bearer_auth(&app.platform_key);
    if let Some(tag) = if_match {
        req = req.header("If-Match", tag);
    }
    if let Some(body) = body {
        req = req.json(&body);
    }
    req.send().await.expect("request sent")
}

fn c01() -> Value {
    json!({ "items": [{ "product": "VEN-CORR-NAC3", "width_cm": "150", "height_cm": "120",
                        "quantity": 1, "glass": "VID-CLARO-6", "colour": "NAT" }] })
}

#[tokio::test]
async fn the_platform_edits_default_products_and_inheriting_tenants_follow() {
    let app = spawn_app().await;
    let inherits = app.onboard(&slug("hereda")).await;
    let own = app.onboard(&slug("propio")).await;

    let resp = platform(&app, Method::GET, "/api/v1/platform/products", None, None).await;
    let list = expect_status(resp, StatusCode::OK, "list").await;
    let fixed = list["items"]
        .as_array()
        .expect("products")
        .iter()
        .find(|p| p["code"] == "VEN-FIJA-NAC3")
        .expect("default product")
        .clone();
    let etag = format!("\"pg{}\"", fixed["version"]);
    let mut spec = fixed.clone();
    let obj = spec.as_object_mut().expect("object");
    obj.remove("source");
    obj.remove("version");

    // The tenant with a version of its own keeps it.
    let mut theirs = spec.clone();
    theirs["name"] = json!("Fija de la casa");
    let resp = app
        .request(
            Method::POST,
            "/api/v1/products",
            Some(&own.admin_token),
            Some(theirs),
        )
        .await;
    expect_status(resp, StatusCode::CREATED, "own version").await;

    let path = "/api/v1/platform/products/VEN-FIJA-NAC3";
    spec["name"] = json!("Ventana Fija renovada");
    let resp = platform(&app, Method::PUT, path, None, Some(spec.clone())).await;
    expect_error(
        resp,
        StatusCode::PRECONDITION_REQUIRED,
        "if_match_required",
        "no etag",
    )
    .await;
    let resp = platform(&app, Method::PUT, path, Some(&etag), Some(spec.clone())).await;
    let saved = expect_status(resp, StatusCode::OK, "replace default").await;
    assert_eq!(saved["name"], "Ventana Fija renovada");
    let resp = platform(&app, Method::PUT, path, Some(&etag), Some(spec.clone())).await;
    expect_error(
        resp,
        StatusCode::PRECONDITION_FAILED,
        "version_mismatch",
        "stale",
    )
    .await;

    let seen = app
        .get_json("/api/v1/products/VEN-FIJA-NAC3", &inherits.admin_token)
        .await;
    assert_eq!(seen["name"], "Ventana Fija renovada");
    let kept = app
        .get_json("/api/v1/products/VEN-FIJA-NAC3", &own.admin_token)
        .await;
    assert_eq!(kept["name"], "Fija de la casa");

    // A new default appears for every tenant; withdrawing it removes it.
    let mut new = spec.clone();
    new["code"] = json!("VEN-NUEVA");
    let resp = platform(
        &app,
        Method::PUT,
        "/api/v1/platform/products/VEN-NUEVA",
        None,
        Some(new),
    )
    .await;
    expect_status(resp, StatusCode::CREATED, "new default").await;
    app.get_json("/api/v1/products/VEN-NUEVA", &own.admin_token)
        .await;
    let resp = platform(
        &app,
        Method::DELETE,
        "/api/v1/platform/products/VEN-NUEVA",
        None,
        None,
    )
    .await;
    expect_status(resp, StatusCode::NO_CONTENT, "withdraw").await;
    let resp = app
        .get("/api/v1/products/VEN-NUEVA", &own.admin_token)
        .await;
    expect_error(
        resp,
        StatusCode::NOT_FOUND,
        "product_not_found",
        "withdrawn",
    )
    .await;

    // Bad input names the problem and changes nothing.
    let mut bad = spec.clone();
    bad["bom"][0]["material"] = json!("PER-NADA");
    let resp = platform(&app, Method::PUT, path, Some("*"), Some(bad)).await;
    expect_named_error(
        resp,
        StatusCode::NOT_FOUND,
        "bom[0].material",
        "unknown material",
    )
    .await;
    let mut other = spec.clone();
    other["code"] = json!("VEN-OTRA");
    let resp = platform(&app, Method::PUT, path, Some("*"), Some(other)).await;
    expect_named_error(
        resp,
        StatusCode::UNPROCESSABLE_ENTITY,
        "code",
        "code mismatch",
    )
    .await;

    // Tenant sessions cannot use the platform endpoints.
    let resp = app
        .request(
            Method::GET,
            "/api/v1/platform/products",
            Some(&own.admin_token),
            None,
        )
        .await;
    assert!(
        matches!(
            resp.status(),
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
        ),
        "{}",
        resp.status()
    );
    app.cleanup().await;
}

#[tokio::test]
async fn default_labour_colours_and_tax_rates_reach_inheriting_tenants_at_once() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("defs")).await;
    let own = app.onboard(&slug("defs-own")).await;
    let resp = app
        .request(
            Method::PUT,
            "/api/v1/labour-rates/corrediza",
            Some(&own.admin_token),
            Some(json!({ "rate_per_m2": "50.00", "complexity": "1" })),
        )
        .await;
    expect_status(resp, StatusCode::OK, "own labour").await;
    let labour = |token: String| {
        let app = &app;
        async move {
            let resp = app
                .request(
                    Method::POST,
                    "/api/v1/quotes/preview",
                    Some(&token),
                    Some(c01()),
                )
                .await;
            let q = expect_status(resp, StatusCode::OK, "preview").await;
            q["items"][0]["labour"].as_str().expect("labour").to_owned()
        }
    };
    assert_eq!(labour(t.admin_token.clone()).await, "140.40");

    // 1.8 m² × 100.00 × 1.000 = 180.00 for the inheriting tenant; the other keeps
    // its own 1.8 × 50.00 = 90.00.
    let resp = platform(
        &app,
        Method::PUT,
        "/api/v1/platform/labour-rates/corrediza",
        None,
        Some(json!({ "rate_per_m2": "100.00", "complexity": "1.000" })),
    )
    .await;
    expect_status(resp, StatusCode::NO_CONTENT, "default labour").await;
    assert_eq!(labour(t.admin_token.clone()).await, "180.00");
    assert_eq!(labour(own.admin_token.clone()).await, "90.00");

    let resp = platform(
        &app,
        Method::PUT,
        "/api/v1/platform/colours/ROJO",
        None,
        Some(json!({ "name": "Rojo" })),
    )
    .await;
    expect_status(resp, StatusCode::NO_CONTENT, "colour").await;
    let resp = platform(
        &app,
        Method::PUT,
        "/api/v1/platform/materials/PER-NAC3-RS/colours/ROJO",
        None,
        Some(json!({ "price": "70.00" })),
    )
    .await;
    expect_status(resp, StatusCode::NO_CONTENT, "colour price").await;
    let prices = app
        .get_items("/api/v1/materials/PER-NAC3-RS/colours", &t.admin_token)
        .await;
    assert!(prices
        .as_array()
        .expect("prices")
        .iter()
        .any(|p| p["colour"] == "ROJO" && p["price"] == "70.00" && p["source"] == "global"));
    let resp = platform(
        &app,
        Method::PUT,
        "/api/v1/platform/materials/PER-NAC3-RS/colours/AZUL",
        None,
        Some(json!({ "price": "70.00" })),
    )
    .await;
    expect_named_error(resp, StatusCode::NOT_FOUND, "AZUL", "unknown colour").await;
    let resp = platform(
        &app,
        Method::PUT,
        "/api/v1/platform/materials/VID-CLARO-6/colours/ROJO",
        None,
        Some(json!({ "price": "70.00" })),
    )
    .await;
    expect_named_error(resp, StatusCode::NOT_FOUND, "VID-CLARO-6", "not a profile").await;

    let resp = platform(
        &app,
        Method::PUT,
        "/api/v1/platform/tax-rates/IVA16/2099-01-01",
        None,
        Some(json!({ "name": "IVA futuro", "rate": "0.18" })),
    )
    .await;
    expect_status(resp, StatusCode::NO_CONTENT, "future default tax").await;
    let rates = app.get_items("/api/v1/tax-rates", &t.admin_token).await;
    let iva16: Vec<(&str, bool)> = rates
        .as_array()
        .expect("rates")
        .iter()
        .filter(|r| r["code"] == "IVA16")
        .filter_map(|r| Some((r["valid_from"].as_str()?, r["current"].as_bool()?)))
        .collect();
    assert_eq!(iva16, [("2010-01-01", true), ("2099-01-01", false)]);
    app.cleanup().await;
}
