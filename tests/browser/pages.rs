//! The main pages at a desktop's and a phone's width: nothing scrolls sideways at
//! 360 px, the console reports no Content-Security-Policy violation, and each is
//! saved as a screenshot (`support::screenshot`: `<page>-desktop.png`,
//! `<page>-phone.png`).

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{expect_status, spawn_app, TestApp, ADMIN_PASSWORD};
use crate::support::{assert_no_csp_violation, log_in, screenshot};
use crate::webdriver::Session;

const DESKTOP: (u32, u32) = (1280, 800);
const PHONE: (u32, u32) = (360, 740);

/// Checks the page fits its viewport's width (no horizontal scroll) and saves it.
async fn check_and_save(browser: &Session, name: &str, size: (u32, u32), heading: &str) {
    assert_eq!(browser.find("h1").await.text().await, heading, "{name}");
    let (inner, scroll): (u32, u32) = browser
        .read(
            "return [window.innerWidth, document.documentElement.scrollWidth];",
            json!([]),
        )
        .await;
    assert_eq!(inner, size.0, "{name}: the viewport's width");
    assert!(
        scroll <= size.0,
        "{name} at {} px scrolls sideways: {scroll} px wide",
        size.0
    );
    let suffix = if size == PHONE { "phone" } else { "desktop" };
    screenshot(browser, &format!("{name}-{suffix}"), size).await;
    assert_no_csp_violation(browser, name).await;
}

/// A shop with a readable name and some price history to show.
async fn demo_shop(app: &TestApp) -> (String, String) {
    let slug = "aluminios-norte";
    let email = "dueno@aluminios-norte.mx";
    let resp = app
        .request(
            Method::POST,
            "/api/v1/platform/tenants",
            Some(&app.platform_key),
            Some(json!({ "slug": slug, "name": "Aluminios del Norte",
                         "admin": { "email": email, "password": ADMIN_PASSWORD } })),
        )
        .await;
    expect_status(resp, StatusCode::CREATED, "onboarding").await;
    let token = app.login(slug, email, ADMIN_PASSWORD).await;
    for (code, price) in [
        ("VID-CLARO-4", "89.50"),
        ("VID-CLARO-4", "92.00"),
        ("VID-CLARO-6", "131.25"),
        ("PER-NAC3-RS", "61.40"),
    ] {
        app.set_price(code, &token, price).await;
    }
    (slug.to_owned(), email.to_owned())
}

/// A few clients of the demo shop, with long fields; returns the first one's id.
async fn demo_clients(app: &TestApp, shop: &str, email: &str) -> String {
    let token = app.login(shop, email, ADMIN_PASSWORD).await;
    let mut first = None;
    for body in [
        json!({ "name": "Constructora del Valle", "rfc": "CDV010101AB1",
                "email": "compras.obras.monterrey@constructoradelvalle.com.mx",
                "phone": "+52 81 1234 5678",
                "address": "Av. Constitución 1500 Pte., Col. Centro, Monterrey, N.L., C.P. 64000",
                "notes": "Pagan a 30 días. Entregas solo por la mañana.",
                "discount_rate": "0.05" }),
        json!({ "name": "Ana López Martínez", "email": "ana@correo.mx", "phone": "81 5555 1212" }),
        json!({ "name": "Beto Ruiz", "rfc": "RUBE800101XY9" }),
    ] {
        let resp = app
            .request(Method::POST, "/api/v1/clients", Some(&token), Some(body))
            .await;
        let client = expect_status(resp, StatusCode::CREATED, "client").await;
        first.get_or_insert(client["id"].as_str().expect("id").to_owned());
    }
    first.expect("a client")
}

#[tokio::test]
async fn the_main_pages_fit_a_phone_break_no_csp_rule_and_are_saved_as_screenshots() {
    let app = spawn_app().await;
    let (shop, email) = demo_shop(&app).await;
    let client = demo_clients(&app, &shop, &email).await;
    let client_page = format!("/clientes/{client}");
    let browser = Session::start().await;
    for size in [DESKTOP, PHONE] {
        browser.resize(size.0, size.1).await;
        browser.goto(&app.url("/entrar")).await;
        check_and_save(&browser, "entrar", size, "Entrar").await;
    }
    browser.resize(DESKTOP.0, DESKTOP.1).await;
    log_in(&browser, &app, &shop, &email, ADMIN_PASSWORD).await;
    assert_eq!(browser.current_url().await, app.url("/catalogo"));
    let pages = [
        ("catalogo", "/catalogo", "Catálogo"),
        (
            "catalogo-historial",
            "/catalogo/VID-CLARO-4/historial",
            "Historial de precios de VID-CLARO-4",
        ),
        (
            "precios-historial",
            "/precios/historial",
            "Historial de precios",
        ),
        ("clientes", "/clientes", "Clientes"),
        ("cliente", client_page.as_str(), "Constructora del Valle"),
        ("cliente-nuevo", "/clientes/nuevo", "Nuevo cliente"),
        ("administracion", "/administracion", "Administración"),
        (
            "administracion-usuarios",
            "/administracion/usuarios",
            "Usuarios",
        ),
        (
            "administracion-empresa",
            "/administracion/empresa",
            "Empresa",
        ),
        (
            "administracion-cotizaciones",
            "/administracion/cotizaciones",
            "Ajustes de cotizaciones",
        ),
        (
            "administracion-mano-de-obra",
            "/administracion/mano-de-obra",
            "Mano de obra",
        ),
        (
            "administracion-impuestos",
            "/administracion/impuestos",
            "Impuestos",
        ),
        (
            "administracion-colores",
            "/administracion/colores",
            "Colores",
        ),
        (
            "administracion-webhooks",
            "/administracion/webhooks",
            "Webhooks",
        ),
        (
            "administracion-productos",
            "/administracion/productos",
            "Productos",
        ),
    ];
    for size in [DESKTOP, PHONE] {
        browser.resize(size.0, size.1).await;
        for (name, path, heading) in pages {
            browser.goto(&app.url(path)).await;
            check_and_save(&browser, name, size, heading).await;
        }
    }

    // The console check can fail: an image from elsewhere, which the policy
    // refuses, is reported.
    browser
        .tamper(
            "const img = document.createElement('img');
             img.src = 'https://elsewhere.example/pixel.png';
             document.body.appendChild(img);",
            json!([]),
        )
        .await;
    let started = Instant::now();
    let reported = loop {
        let entries: Vec<String> = browser
            .console()
            .await
            .into_iter()
            .map(|e| e.message)
            .collect();
        if entries
            .iter()
            .any(|m| m.contains("Content Security Policy"))
        {
            break true;
        }
        if started.elapsed() > Duration::from_secs(5) {
            break false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(reported, "a refused image shows as a CSP violation");
    drop(browser);
    app.cleanup().await;
}
