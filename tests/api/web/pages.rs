//! What every page and asset carries: security headers, no inline code, hashed
//! immutable assets, a light weight.

use reqwest::StatusCode;

use super::browser::Browser;
use crate::helpers::{repo_dir, slug, spawn_app};

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Inline script or style in an HTML text: a `<script>` without `src`, a `<style>`
/// element, a `style=` attribute, an `on...=` handler or a `javascript:` URL.
fn inline_code(html: &str) -> Vec<String> {
    let lower = html.to_lowercase();
    let mut found = Vec::new();
    for script in lower.split("<script").skip(1) {
        let tag = script.split('>').next().unwrap_or_default();
        if !tag.contains(" src=") {
            found.push(format!("<script{tag}>"));
        }
    }
    let handler = regex::Regex::new(r#"\son[a-z]+\s*="#).expect("regex");
    for (needle, what) in [
        ("<style", "style element"),
        (" style=", "style attribute"),
        ("javascript:", "javascript: URL"),
    ] {
        if lower.contains(needle) {
            found.push(what.to_owned());
        }
    }
    if let Some(m) = handler.find(&lower) {
        found.push(m.as_str().to_owned());
    }
    found
}

#[test]
fn no_template_has_inline_script_or_style() {
    let dir = repo_dir().join("src/web/templates");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).expect("templates") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("template");
        assert_eq!(
            inline_code(&text),
            Vec::<String>::new(),
            "{}",
            path.display()
        );
        checked += 1;
    }
    assert!(checked >= 5, "found the templates");
    assert!(
        !inline_code(r#"<p style="x">"#).is_empty(),
        "the check can fail"
    );
    assert!(!inline_code("<script>alert(1)</script>").is_empty());
    assert!(!inline_code(r#"<a onclick="x">"#).is_empty());
}

fn assert_page_headers(page: &super::browser::Page, what: &str) {
    assert_eq!(page.header("content-security-policy"), CSP, "{what}");
    assert_eq!(page.header("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(page.header("referrer-policy"), "same-origin", "{what}");
}

#[tokio::test]
async fn every_page_and_asset_has_the_security_headers_and_no_inline_code() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-hd")).await;
    let mut stranger = Browser::new(&app);
    for path in ["/", "/entrar", "/catalogo", "/assets/nothing.css"] {
        let page = stranger.get(path).await;
        assert_page_headers(&page, path);
    }
    let mut admin = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let mut assets = Vec::new();
    let re = regex::Regex::new(r#"(?:href|src)="(/assets/[^"]+)""#).expect("regex");
    for path in [
        "/catalogo",
        "/catalogo?categoria=profile&q=riel",
        "/catalogo/VID-CLARO-4/historial",
        "/catalogo/NO-SUCH/historial",
        "/precios",
        "/precios/historial",
        "/clientes",
        "/clientes?q=x&archivados=si",
        "/clientes/nuevo",
        "/clientes/00000000-0000-0000-0000-000000000000",
        "/cotizar",
        "/cotizaciones",
        "/cotizaciones?estado=enviada&q=x",
        "/administracion",
        "/administracion/usuarios",
        "/administracion/empresa",
        "/administracion/cotizaciones",
        "/administracion/mano-de-obra",
        "/administracion/impuestos",
        "/administracion/colores",
        "/administracion/webhooks",
        "/administracion/productos",
        "/administracion/productos/VEN-CORR-NAC3",
        "/administracion/productos/nuevo",
        "/administracion/productos/VEN-CORR-NAC3/editar",
        "/cotizaciones/00000000-0000-0000-0000-000000000000",
    ] {
        let page = admin.get(path).await;
        assert_page_headers(&page, path);
        assert_eq!(page.header("cache-control"), "no-store", "{path}");
        assert_eq!(inline_code(&page.body), Vec::<String>::new(), "{path}");
        for c in re.captures_iter(&page.body) {
            assets.push(c[1].to_owned());
        }
    }
    // A draft's page and the builder editing it.
    let client = app.new_client(&t.admin_token, "Cliente").await;
    let body = serde_json::json!({ "client_id": client, "items": [{ "product": "VEN-FIJA-NAC3",
        "width_cm": "100", "height_cm": "80", "quantity": 1 }],
        "material_items": [{ "material": "CON-SIL-NEU", "quantity": "1" }] });
    let quote = app.create_quote(&t.admin_token, body).await;
    let id = quote["id"].as_str().expect("id");
    for path in [
        format!("/cotizaciones/{id}"),
        format!("/cotizar?cotizacion={id}"),
    ] {
        let page = admin.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert_page_headers(&page, &path);
        assert_eq!(inline_code(&page.body), Vec::<String>::new(), "{path}");
    }
    assets.sort();
    assets.dedup();
    assert_eq!(assets.len(), 2, "the stylesheet and htmx: {assets:?}");
    let hashed =
        regex::Regex::new(r"^/assets/[a-z0-9.-]+\.[0-9a-f]{12}\.(css|js)$").expect("regex");
    for path in &assets {
        assert!(hashed.is_match(path), "{path} carries its hash");
        let asset = admin.get(path).await;
        assert_eq!(asset.status, StatusCode::OK, "{path}");
        assert_eq!(
            asset.header("cache-control"),
            "public, max-age=31536000, immutable"
        );
        assert_page_headers(&asset, path);
        let expected = if path.ends_with(".css") {
            "text/css; charset=utf-8"
        } else {
            "text/javascript; charset=utf-8"
        };
        assert_eq!(asset.header("content-type"), expected, "{path}");
    }
    let unhashed = admin.get("/assets/app.css").await;
    assert_eq!(unhashed.status, StatusCode::NOT_FOUND);
    app.cleanup().await;
}

#[tokio::test]
async fn the_catalogue_page_with_its_assets_weighs_under_100_kb() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-kb")).await;
    let mut admin = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let page = admin.get("/catalogo").await;
    let re = regex::Regex::new(r#"(?:href|src)="(/assets/[^"]+)""#).expect("regex");
    let assets: Vec<String> = re
        .captures_iter(&page.body)
        .map(|c| c[1].to_owned())
        .collect();
    assert_eq!(assets.len(), 2);
    let mut plain = page.body.len();
    let mut gzipped = page.body.len();
    let client = reqwest::Client::new();
    for path in assets {
        plain += admin.get(&path).await.body.len();
        // The test client decodes nothing: the length is what travels.
        let resp = client
            .get(app.url(&path))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .expect("asset");
        assert_eq!(resp.headers()["vary"], "accept-encoding");
        let js = path.ends_with(".js");
        let encoding = resp
            .headers()
            .get("content-encoding")
            .map(|v| v.to_str().expect("ascii").to_owned());
        assert_eq!(encoding.as_deref(), js.then_some("gzip"), "{path}");
        gzipped += resp.bytes().await.expect("body").len();
    }
    eprintln!(
        "the catalogue page weighs {plain} bytes with its assets ({gzipped} with htmx gzipped)"
    );
    assert!(plain < 100 * 1024, "the catalogue weighs {plain} bytes");
    assert!(
        plain > 50 * 1024,
        "htmx alone is about 50 KB: {plain} bytes counted"
    );
    assert!(
        gzipped < plain - 30 * 1024,
        "htmx travels gzipped: {gzipped} bytes"
    );
    app.cleanup().await;
}
