//! Cotizar in a real browser: typing three rows prices them through htmx (the
//! results block swapped in place, no navigation) with the API's figures; the
//! page fits 360 px with no CSP violation; saving opens the quote's page, where
//! "Enviar" sends it (the status shown and the API's) and its PDF link answers a
//! PDF with the browser's session; the quote list shows it.

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
            Some(json!({ "items": [
                { "product": "VEN-CORR-NAC3", "width_cm": "150", "height_cm": "120",
                  "quantity": 2, "colour": "NAT" },
                { "product": "VEN-FIJA-NAC3", "width_cm": "100", "height_cm": "80",
                  "quantity": 1 },
                { "product": "VEN-PROY-S35", "width_cm": "60", "height_cm": "50",
                  "quantity": 3, "glass": "VID-BRONCE-4", "colour": "BLA" },
            ] })),
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
    browser
        .find(r#"#p1_producto option[value="VEN-FIJA-NAC3"]"#)
        .await
        .click()
        .await;
    browser.find("#p1_ancho").await.type_text("100").await;
    browser.find("#p1_alto").await.type_text("80").await;
    browser
        .find(r#"#p2_producto option[value="VEN-PROY-S35"]"#)
        .await
        .click()
        .await;
    browser.find("#p2_ancho").await.type_text("60").await;
    browser.find("#p2_alto").await.type_text("50").await;
    browser
        .find(r#"#p2_vidrio option[value="VID-BRONCE-4"]"#)
        .await
        .click()
        .await;
    browser
        .find(r#"#p2_color option[value="BLA"]"#)
        .await
        .click()
        .await;
    let quantity = browser.find("#p2_cantidad").await;
    quantity.clear().await;
    quantity.type_text("3").await;
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
    let id = browser
        .current_url()
        .await
        .split("/cotizaciones/")
        .nth(1)
        .and_then(|rest| rest.split('?').next())
        .expect("the quote's id")
        .to_owned();

    // "Enviar": the page comes back with the new status; the API agrees.
    browser.find("#accion-enviar").await.click_to_load().await;
    assert!(browser.current_url().await.ends_with("?aviso=enviada"));
    assert_eq!(browser.find("#estado").await.text().await, "Enviada");
    assert!(browser
        .find("#aviso")
        .await
        .text()
        .await
        .starts_with("Se envió"));
    let api = app
        .get_json(&format!("/api/v1/quotes/{id}"), &t.admin_token)
        .await;
    assert_eq!(api["status"], "sent");
    assert_eq!(pesos(api["total"].as_str().expect("total")), total);
    assert!(browser.find_all("#accion-enviar").await.is_empty());
    assert_no_csp_violation(&browser, "enviada").await;
    for size in [(1280, 800), (360, 740)] {
        browser.resize(size.0, size.1).await;
        let scroll: u32 = browser
            .read("return document.documentElement.scrollWidth;", json!([]))
            .await;
        assert!(
            scroll <= size.0,
            "the quote at {} px: {scroll} px wide",
            size.0
        );
        let suffix = if size.0 == 360 { "phone" } else { "desktop" };
        screenshot(&browser, &format!("cotizacion-{suffix}"), size).await;
    }
    browser.resize(1280, 800).await;

    // The PDF link, fetched with the browser's own session cookie.
    let href = browser
        .find("#pdf")
        .await
        .attribute("href")
        .await
        .expect("href");
    let cookie = browser
        .cookies()
        .await
        .iter()
        .map(|c| {
            format!(
                "{}={}",
                c["name"].as_str().unwrap_or(""),
                c["value"].as_str().unwrap_or("")
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let pdf = reqwest::Client::new()
        .get(app.url(&href))
        .header("cookie", cookie)
        .send()
        .await
        .expect("the PDF");
    assert_eq!(pdf.status(), StatusCode::OK);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let bytes = pdf.bytes().await.expect("bytes");
    assert!(bytes.starts_with(b"%PDF"), "a PDF");

    // The list shows it, sent, with its total.
    browser.goto(&app.url("/cotizaciones?estado=enviada")).await;
    let row = browser.find(&format!("#q-{id}")).await.text().await;
    assert!(row.contains("Enviada") && row.contains(&total), "{row}");
    for size in [(1280, 800), (360, 740)] {
        browser.resize(size.0, size.1).await;
        let scroll: u32 = browser
            .read("return document.documentElement.scrollWidth;", json!([]))
            .await;
        assert!(
            scroll <= size.0,
            "the list at {} px: {scroll} px wide",
            size.0
        );
        let suffix = if size.0 == 360 { "phone" } else { "desktop" };
        screenshot(&browser, &format!("cotizaciones-{suffix}"), size).await;
    }
    assert_no_csp_violation(&browser, "cotizaciones").await;
    app.cleanup().await;
}
