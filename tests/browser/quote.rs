//! Cotizar in a real browser: typing a row prices it through htmx (the results
//! block swapped in place, no navigation) with the API's figures; the page fits
//! 360 px with no CSP violation; saving opens the quote's page.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{expect_status, slug, spawn_app};
use crate::support::{assert_no_csp_violation, screenshot, signed_in};

/// `$1,234.56` from the API's decimal string: the page's own formatter (tested in
/// `web::format`), so the comparison is of the figures.
use ventanas::web::format::money as pesos;

#[tokio::test]
async fn typing_a_row_prices_it_in_place_with_the_apis_figures_and_saving_opens_the_quote() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("br-cot")).await;
    let resp = app
        .request(
            Method::POST,
            "/api/v1/clients",
            Some(&t.admin_token),
            Some(json!({ "name": "Constructora del Valle" })),
        )
        .await;
    let client = expect_status(resp, StatusCode::CREATED, "client").await;
    let client = client["id"].as_str().expect("id").to_owned();
    let resp = app
        .request(
            Method::POST,
            "/api/v1/quotes/preview",
            Some(&t.admin_token),
            Some(
                json!({ "items": [{ "product": "VEN-CORR-NAC3", "width_cm": "150",
                                     "height_cm": "120", "quantity": 2, "colour": "NAT" }] }),
            ),
        )
        .await;
    let preview = expect_status(resp, StatusCode::OK, "preview").await;
    let total = pesos(preview["totals"]["total"].as_str().expect("total"));

    let browser = signed_in(&app, &t.slug, &t.admin_email).await;
    browser.resize(1280, 800).await;
    browser.goto(&app.url("/cotizar")).await;
    assert_eq!(browser.find("h1").await.text().await, "Cotizar");
    browser
        .find(r#"#p0_producto option[value="VEN-CORR-NAC3"]"#)
        .await
        .click()
        .await;
    browser.find("#p0_ancho").await.type_text("150").await;
    browser.find("#p0_alto").await.type_text("120").await;
    browser
        .find(r#"#p0_color option[value="NAT"]"#)
        .await
        .click()
        .await;
    let quantity = browser.find("#p0_cantidad").await;
    quantity.clear().await;
    quantity.type_text("2").await;
    // htmx answers the results block; the page itself stays (no navigation).
    let shown = browser.wait_for_text("#totales", &total).await;
    assert!(shown.contains("Total"), "{shown}");
    assert_eq!(browser.current_url().await, app.url("/cotizar"));
    let typed: String = browser
        .read(
            "return document.querySelector('#p0_ancho').value;",
            json!([]),
        )
        .await;
    assert_eq!(typed, "150", "the form was not reloaded");

    for size in [(1280, 800), (360, 740)] {
        browser.resize(size.0, size.1).await;
        let scroll: u32 = browser
            .read("return document.documentElement.scrollWidth;", json!([]))
            .await;
        assert!(
            scroll <= size.0,
            "/cotizar at {} px: {scroll} px wide",
            size.0
        );
        let suffix = if size.0 == 360 { "phone" } else { "desktop" };
        screenshot(&browser, &format!("cotizar-{suffix}"), size).await;
    }
    assert_no_csp_violation(&browser, "cotizar").await;

    browser.resize(1280, 800).await;
    browser
        .find(&format!(r#"#cliente option[value="{client}"]"#))
        .await
        .click()
        .await;
    browser
        .find(r#"button[value="guardar"]"#)
        .await
        .click_to_load()
        .await;
    assert!(
        browser.current_url().await.contains("/cotizaciones/"),
        "{}",
        browser.current_url().await
    );
    let heading = browser.find("h1").await.text().await;
    assert!(heading.starts_with("Cotización COT-"), "{heading}");
    browser.wait_for_text("#totales", &total).await;
    assert_no_csp_violation(&browser, "cotización").await;
    app.cleanup().await;
}
