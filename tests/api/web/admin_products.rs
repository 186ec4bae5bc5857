//! Administración > Productos: the shop's products and the defaults, read only,
//! each with its details (the BOM as `GET /api/v1/products/{code}` shows it), for
//! admins only; shops apart.

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::add_user;
use super::browser::Browser;
use crate::helpers::{expect_status, slug, spawn_app, TestApp, TestTenant};

const PATH: &str = "/administracion/productos";

/// Saves the shop's own copy of a default product as `code`, named `name`.
async fn own_product(app: &TestApp, t: &TestTenant, code: &str, name: &str) {
    let mut spec = app
        .get_json("/api/v1/products/VEN-FIJA-NAC3", &t.admin_token)
        .await;
    let fields = spec.as_object_mut().expect("an object");
    fields.remove("source");
    fields.remove("version");
    spec["code"] = json!(code);
    spec["name"] = json!(name);
    let resp = app
        .request(
            Method::POST,
            "/api/v1/products",
            Some(&t.admin_token),
            Some(spec),
        )
        .await;
    expect_status(resp, StatusCode::CREATED, "own product").await;
}

#[tokio::test]
async fn an_admin_reads_the_products_and_their_materials_as_the_api_shows_them() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-prod")).await;
    own_product(&app, &t, "VEN-PROPIA", "Ventana Propia").await;
    let mut admin = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let landing = admin.get("/administracion").await;
    assert!(landing
        .body
        .contains(r#"<a href="/administracion/productos">Productos</a>"#));
    let page = admin.get(PATH).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let products = app.get_items("/api/v1/products", &t.admin_token).await;
    let products = products.as_array().expect("items");
    assert!(products.len() >= 3);
    for p in products {
        let code = p["code"].as_str().expect("code");
        let row = page.tr(&format!("p-{code}"));
        assert!(
            row.contains(&format!(
                r#"<a href="/administracion/productos/{code}">{code}</a>"#
            )),
            "{row}"
        );
        let bom = p["bom"].as_array().expect("bom").len();
        assert!(
            row.contains(&format!(">{bom}</td>")),
            "{code}: {bom} lines in {row}"
        );
        let source = if p["source"] == "tenant" {
            "Propio"
        } else {
            "Predeterminado"
        };
        assert!(row.contains(source), "{code}: {row}");
    }
    let row = page.tr("p-VEN-CORR-NAC3");
    assert!(
        row.contains("Ventana Corrediza") && row.contains("80 – 300 cm"),
        "{row}"
    );
    assert!(
        row.contains("60 – 250 cm") && row.contains("nacional_serie_3"),
        "{row}"
    );
    assert!(page.tr("p-VEN-PROPIA").contains("Ventana Propia"));
    // No edit controls: the page is read only.
    assert!(!page.body.contains("<form method=\"post\""));

    // A product's details: every BOM line as the API has it.
    let details = admin.get(&format!("{PATH}/VEN-CORR-NAC3")).await;
    assert_eq!(details.status, StatusCode::OK, "{}", details.body);
    let api = app
        .get_json("/api/v1/products/VEN-CORR-NAC3", &t.admin_token)
        .await;
    for (i, line) in api["bom"].as_array().expect("bom").iter().enumerate() {
        let row = details.tr(&format!("bom-{}", i + 1));
        let material = line["material"].as_str().expect("material");
        let formula = line["quantity_formula"].as_str().expect("formula");
        assert!(row.contains(&format!(">{material}</a>")), "{row}");
        assert!(row.contains(&format!("<code>{formula}</code>")), "{row}");
    }
    let first = details.tr("bom-1");
    assert!(
        first.contains("Riel Superior") && first.contains("Perfil"),
        "{first}"
    );
    assert!(
        first.contains("1.05") && first.contains("largo: width_cm"),
        "{first}"
    );
    for missing in ["NO-EXISTE", "ven-corr-nac3"] {
        let resp = admin.get(&format!("{PATH}/{missing}")).await;
        assert_eq!(resp.status, StatusCode::NOT_FOUND, "{missing}");
    }
    app.cleanup().await;
}

#[tokio::test]
async fn estimators_viewers_and_other_shops_do_not_see_them() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-prod-rl")).await;
    let other = app.onboard(&slug("web-prod-ot")).await;
    own_product(&app, &t, "VEN-SECRETA", "Secreto de A").await;
    for role in ["estimator", "viewer"] {
        let email = add_user(&app, &t, role).await;
        let mut browser = Browser::signed_in(&app, &t.slug, &email).await;
        for path in [PATH.to_owned(), format!("{PATH}/VEN-SECRETA")] {
            let resp = browser.get(&path).await;
            assert_eq!(resp.status, StatusCode::FORBIDDEN, "{role} {path}");
            assert!(!resp.body.contains("Secreto de A"));
        }
    }
    let mut stranger = Browser::signed_in(&app, &other.slug, &other.admin_email).await;
    let page = stranger.get(PATH).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("VEN-SECRETA") && !page.body.contains("Secreto de A"));
    let resp = stranger.get(&format!("{PATH}/VEN-SECRETA")).await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
    assert!(!resp.body.contains("Secreto de A"));
    app.cleanup().await;
}
