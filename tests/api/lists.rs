//! Lists answer one envelope, `{"items", "total", "next"}`, in a stable order, and
//! keyset pages add up to the whole list without skipping or repeating.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{expect_status, slug, spawn_app, TestApp};

/// Reads every page of `path` (which has no query) `limit` at a time.
async fn all_pages(app: &TestApp, path: &str, token: &str, limit: u32) -> (Vec<Value>, i64) {
    let (mut items, mut total) = (Vec::new(), -1);
    let mut url = format!("{path}?limit={limit}");
    loop {
        let page = app.get_json(&url, token).await;
        let this_total = page["total"].as_i64().expect("total");
        assert!(
            total == -1 || total == this_total,
            "the total holds across pages"
        );
        total = this_total;
        let page_items = page["items"].as_array().expect("items").clone();
        assert!(
            page_items.len() <= limit as usize,
            "a page holds at most limit"
        );
        items.extend(page_items);
        match page["next"].as_str() {
            Some(next) => url = format!("{path}?limit={limit}&cursor={next}"),
            None => break,
        }
    }
    (items, total)
}

#[tokio::test]
async fn material_pages_add_up_to_the_whole_catalogue_in_order() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("pages")).await;
    let token = &t.admin_token;
    // An override, an own material and an inactive own row mixed into the defaults.
    app.set_price("VID-CLARO-6", token, "121.00").await;
    let own = json!({"code": "HER-PROPIO", "name": "Herraje propio", "category": "hardware",
                     "unit": "piece", "price": "12.50"});
    let resp = app
        .request(
            reqwest::Method::POST,
            "/api/v1/materials",
            Some(token),
            Some(own),
        )
        .await;
    expect_status(resp, StatusCode::CREATED, "own material").await;

    let whole = app.get_json("/api/v1/materials?limit=100", token).await;
    let whole_items = whole["items"].as_array().expect("items").clone();
    assert!(whole["next"].is_null(), "the catalogue fits in 100");
    assert_eq!(whole["total"].as_i64(), Some(whole_items.len() as i64));
    for limit in [1, 7] {
        let (paged, total) = all_pages(&app, "/api/v1/materials", token, limit).await;
        assert_eq!(
            paged, whole_items,
            "pages of {limit} add up to the whole list"
        );
        assert_eq!(total, whole_items.len() as i64);
    }
    let keys: Vec<(String, String)> = whole_items
        .iter()
        .map(|m| {
            (
                m["category"].as_str().unwrap_or("").to_owned(),
                m["code"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "by category, then code");

    // The price history pages the same way, oldest first.
    for price in ["122.00", "123.00", "124.00"] {
        app.set_price("VID-CLARO-6", token, price).await;
    }
    let path = "/api/v1/materials/VID-CLARO-6/history";
    let whole = app.get_json(&format!("{path}?limit=100"), token).await;
    let (paged, total) = all_pages(&app, path, token, 2).await;
    assert_eq!(paged, whole["items"].as_array().expect("items").clone());
    let news: Vec<&str> = paged
        .iter()
        .filter_map(|c| c["new_price"].as_str())
        .collect();
    assert!(total >= 5, "the seed copy and four edits: {news:?}");
    assert_eq!(
        &news[news.len() - 4..],
        ["121.00", "122.00", "123.00", "124.00"]
    );
    app.cleanup().await;
}

#[tokio::test]
async fn every_list_answers_the_same_envelope() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("env")).await;
    for path in [
        "/api/v1/materials",
        "/api/v1/materials/VID-CLARO-4/history",
        "/api/v1/materials/PER-NAC3-RS/colours",
        "/api/v1/prices",
        "/api/v1/products",
        "/api/v1/colours",
        "/api/v1/labour-rates",
        "/api/v1/tax-rates",
        "/api/v1/users",
        "/api/v1/clients",
        "/api/v1/quotes",
    ] {
        // get_items checks the envelope: items, total, next.
        app.get_items(path, &t.admin_token).await;
    }
    for path in [
        "/api/v1/platform/tenants",
        "/api/v1/platform/materials",
        "/api/v1/platform/materials/VID-CLARO-4/history",
        "/api/v1/platform/products",
    ] {
        let items = app.get_items(path, &app.platform_key).await;
        assert!(!items.as_array().expect("items").is_empty(), "{path}");
    }
    app.cleanup().await;
}
