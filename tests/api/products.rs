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
