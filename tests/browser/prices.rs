//! Precios in a real browser: a bulk update previewed, applied and reverted; a CSV
//! import with an error shows its report and changes nothing, and the corrected
//! file is checked and applied; a price edited in the catalogue prices the next
//! quote. Every figure is checked against the API.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{expect_status, slug, spawn_app, TestApp};
use crate::support::{assert_no_csp_violation, signed_in};
use crate::webdriver::Session;

use ventanas::web::format::money as pesos;

/// Picks `value` in the select `css` (a click on the option, as a user would).
async fn choose(browser: &Session, css: &str, value: &str) {
    browser
        .find(&format!(r#"{css} option[value="{value}"]"#))
        .await
        .click()
        .await;
}

/// Clicks the button `css` and waits for the page it loads.
async fn submit(browser: &Session, css: &str) {
    browser.find(css).await.click_to_load().await;
}

/// Chooses the file at `path` in the file input `css` (chromedriver reads the file
/// from this machine).
async fn attach(browser: &Session, css: &str, path: &std::path::Path) {
    let path = path.to_str().expect("utf-8 path");
    browser.find(css).await.type_text(path).await;
}

async fn total_of(app: &TestApp, token: &str, item: serde_json::Value) -> String {
    let resp = app
        .request(
            Method::POST,
            "/api/v1/quotes/preview",
            Some(token),
            Some(json!({ "items": [item] })),
        )
        .await;
    let preview = expect_status(resp, StatusCode::OK, "preview").await;
    preview["totals"]["total"]
        .as_str()
        .expect("total")
        .to_owned()
}

#[tokio::test]
async fn a_bulk_update_is_previewed_then_applied_then_reverted() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("br-lote")).await;
    let browser = signed_in(&app, &t.slug, &t.admin_email).await;
    browser.resize(1280, 800).await;
    browser.goto(&app.url("/precios")).await;

    choose(&browser, "#categoria", "glass").await;
    browser
        .find("#codigos")
        .await
        .type_text("VID-CLARO-4")
        .await;
    choose(&browser, "#cambio", "porcentaje").await;
    browser.find("#valor").await.type_text("10").await;
    submit(&browser, "#ajuste button[type=submit]").await;
    // The preview shows old and new, and changes nothing yet.
    let row = browser.find("#p-VID-CLARO-4").await.text().await;
    assert!(
        row.contains(&pesos("85.00")) && row.contains(&pesos("93.50")),
        "{row}"
    );
    assert_eq!(app.price_of("VID-CLARO-4", &t.admin_token).await, "85.00");

    submit(&browser, "#aplicar button[type=submit]").await;
    assert!(browser.find("#aviso").await.text().await.len() > 5);
    assert_eq!(app.price_of("VID-CLARO-4", &t.admin_token).await, "93.50");

    submit(&browser, "#lotes tr.lote form button[type=submit]").await;
    assert!(browser.current_url().await.contains("aviso=revertido"));
    assert_eq!(app.price_of("VID-CLARO-4", &t.admin_token).await, "85.00");
    assert_no_csp_violation(&browser, "the bulk update").await;
    app.cleanup().await;
}

#[tokio::test]
async fn a_csv_with_an_error_shows_the_report_and_the_corrected_file_is_applied() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("br-csv")).await;
    let dir = std::env::temp_dir().join(format!("{}-csv", app.db_name));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let bad = dir.join("precios-con-error.csv");
    std::fs::write(
        &bad,
        "code,name,category,unit,price\n\
         VID-CLARO-4,Vidrio Claro 4mm,glass,m2,88.00\n\
         VID-CLARO-6,Vidrio Claro 6mm,glass,m2,ciento veinte\n",
    )
    .expect("bad csv written");
    let good = dir.join("precios.csv");
    std::fs::write(
        &good,
        "code,name,category,unit,price\n\
         VID-CLARO-4,Vidrio Claro 4mm,glass,m2,88.00\n\
         VID-CLARO-6,Vidrio Claro 6mm,glass,m2,126.00\n",
    )
    .expect("good csv written");

    let browser = signed_in(&app, &t.slug, &t.admin_email).await;
    browser.resize(1280, 800).await;
    browser.goto(&app.url("/precios")).await;
    attach(&browser, "#archivo", &bad).await;
    submit(&browser, "#importar button[type=submit]").await;
    let report = browser.find("#reporte-csv").await.text().await;
    assert!(
        report.contains('3') && report.contains("price") && report.contains("ciento veinte"),
        "the report names line 3, its column and value: {report}"
    );
    let confirm = browser.find_all("#confirmar-csv").await;
    assert!(
        confirm.is_empty(),
        "no confirm button for a file with errors"
    );
    assert_eq!(app.price_of("VID-CLARO-4", &t.admin_token).await, "85.00");

    attach(&browser, "#archivo", &good).await;
    submit(&browser, "#importar button[type=submit]").await;
    let changes = browser.find("#cambios-csv").await.text().await;
    assert!(
        changes.contains(&pesos("88.00")) && changes.contains(&pesos("126.00")),
        "{changes}"
    );
    // Checked, not applied: the dry run changes nothing.
    assert_eq!(app.price_of("VID-CLARO-6", &t.admin_token).await, "120.00");
    submit(&browser, "#confirmar-csv button[type=submit]").await;
    assert_eq!(app.price_of("VID-CLARO-4", &t.admin_token).await, "88.00");
    assert_eq!(app.price_of("VID-CLARO-6", &t.admin_token).await, "126.00");
    assert_no_csp_violation(&browser, "the CSV import").await;
    let _ = std::fs::remove_dir_all(&dir);
    app.cleanup().await;
}

#[tokio::test]
async fn a_glass_price_edited_in_the_catalogue_prices_the_next_quote() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("br-vid")).await;
    let item = json!({ "product": "VEN-CORR-NAC3", "width_cm": "150", "height_cm": "120",
                       "quantity": 1, "glass": "VID-CLARO-4" });
    let before = total_of(&app, &t.admin_token, item.clone()).await;

    let browser = signed_in(&app, &t.slug, &t.admin_email).await;
    browser.resize(1280, 800).await;
    browser.goto(&app.url("/catalogo?categoria=glass")).await;
    let input = browser.find("#precio-VID-CLARO-4").await;
    input.clear().await;
    input.type_text("140.00").await;
    browser
        .find("#m-VID-CLARO-4 button[type=submit]")
        .await
        .click()
        .await;
    browser
        .wait_for_text("#m-VID-CLARO-4", &pesos("140.00"))
        .await;
    assert_eq!(app.price_of("VID-CLARO-4", &t.admin_token).await, "140.00");
    let after = total_of(&app, &t.admin_token, item).await;
    assert_ne!(before, after, "the glass price is part of the total");

    browser.goto(&app.url("/cotizar")).await;
    choose(&browser, "#p0_producto", "VEN-CORR-NAC3").await;
    choose(&browser, "#p0_vidrio", "VID-CLARO-4").await;
    browser.find("#p0_ancho").await.type_text("150").await;
    browser.find("#p0_alto").await.type_text("120").await;
    let shown = browser.wait_for_text("#totales", &pesos(&after)).await;
    assert!(!shown.contains(&pesos(&before)), "{shown}");
    app.cleanup().await;
}
