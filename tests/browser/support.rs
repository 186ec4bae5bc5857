//! What the browser tests share: signing in through the form, users of a role,
//! the console check and screenshots.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{expect_status, repo_dir, TestApp, TestTenant, ADMIN_PASSWORD};
use crate::webdriver::Session;

/// WebDriver's Tab and Enter keys.
pub const TAB: &str = "\u{E004}";
pub const ENTER: &str = "\u{E007}";

/// The texts the pages show (`src/web/i18n/es_mx.rs`), as a user reads them.
pub const WRONG_LOGIN: &str = "La tienda, el correo o la contraseña no son correctos.";
pub const FORBIDDEN: &str = "Tu rol no permite esta acción. No se cambió nada.";
pub const READ_ONLY: &str = "Solo lectura: tu rol no permite cambiar precios.";

/// Creates a user of `role` in the tenant (password [`ADMIN_PASSWORD`]); returns
/// its email.
pub async fn add_user(app: &TestApp, tenant: &TestTenant, role: &str) -> String {
    let email = format!("{role}@{}.example.mx", tenant.slug);
    let resp = app
        .request(
            Method::POST,
            "/api/v1/users",
            Some(&tenant.admin_token),
            Some(json!({ "email": email, "password": ADMIN_PASSWORD, "role": role })),
        )
        .await;
    expect_status(resp, StatusCode::CREATED, "create user").await;
    email
}

/// Fills the login form and submits it with a click (waiting for the next page).
pub async fn log_in(browser: &Session, app: &TestApp, shop: &str, email: &str, password: &str) {
    browser.goto(&app.url("/entrar")).await;
    let field = browser.find("#tienda").await;
    field.clear().await;
    field.type_text(shop).await;
    let field = browser.find("#correo").await;
    field.clear().await;
    field.type_text(email).await;
    browser.find("#contrasena").await.type_text(password).await;
    browser
        .find("form.stack button[type=submit]")
        .await
        .click_to_load()
        .await;
}

/// A new browser signed in as `email` of `shop`, on the catalogue.
pub async fn signed_in(app: &TestApp, shop: &str, email: &str) -> Session {
    let browser = Session::start().await;
    log_in(&browser, app, shop, email, ADMIN_PASSWORD).await;
    if browser.current_url().await != app.url("/catalogo") {
        let page: String = browser
            .read("return document.body.innerText;", serde_json::json!([]))
            .await;
        panic!("{email} of {shop} is not signed in; the page says:\n{page}");
    }
    browser
}

/// The version a catalogue form would carry for `code` (`t3`), from the API's ETag.
pub async fn version_of(app: &TestApp, code: &str, token: &str) -> String {
    app.etag(code, token).await.trim_matches('"').to_owned()
}

/// Fails the test when the browser's console reports a Content-Security-Policy
/// violation (Chromium logs each "Refused to ..." as an error); returns every
/// entry read, for the caller's own checks.
pub async fn assert_no_csp_violation(browser: &Session, after: &str) -> Vec<String> {
    let entries: Vec<String> = browser
        .console()
        .await
        .into_iter()
        .map(|e| format!("{} {}", e.level, e.message))
        .collect();
    let violations: Vec<&String> = entries
        .iter()
        .filter(|e| e.contains("Content Security Policy"))
        .collect();
    assert!(
        violations.is_empty(),
        "CSP violations after {after}: {violations:#?}"
    );
    entries
}

/// A PNG's width and height, from its header.
pub fn png_size(png: &[u8]) -> (u32, u32) {
    assert!(
        png.len() > 24 && png.starts_with(b"\x89PNG\r\n\x1a\n") && &png[12..16] == b"IHDR",
        "not a PNG"
    );
    let word = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().expect("4 bytes"));
    (word(16), word(20))
}

/// Takes a screenshot of the viewport, checks its size and saves it as
/// `target/screenshots/<name>.png`, or, with `UPDATE_SCREENSHOTS=1`, as the README's
/// `docs/screenshots/<name>.png` (pages show the run's times, so every run's PNGs
/// differ: the committed ones change only when asked).
pub async fn screenshot(browser: &Session, name: &str, size: (u32, u32)) {
    let png = browser.screenshot().await;
    assert_eq!(png_size(&png), size, "{name}: the viewport's size");
    let dir = if std::env::var_os("UPDATE_SCREENSHOTS").is_some_and(|v| v == "1") {
        repo_dir().join("docs/screenshots")
    } else {
        repo_dir().join("target/screenshots")
    };
    std::fs::create_dir_all(&dir).expect("screenshot directory");
    std::fs::write(dir.join(format!("{name}.png")), png).expect("screenshot saved");
}
