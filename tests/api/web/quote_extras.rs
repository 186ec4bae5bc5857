//! Cotizar's loose materials, labour override and own tax rate (priced as the
//! API's preview, to the cent), and a client created from the builder (the
//! checks of /clientes/nuevo, the rows kept, the client chosen, once).

use reqwest::StatusCode;
use serde_json::json;

use super::add_user;
use super::browser::Browser;
use super::quote_builder::{
    api_client, api_preview_with, api_quotes, borrowed, form, slot_set, totals,
};
use crate::helpers::{slug, spawn_app, TestApp, TestTenant};

use ventanas::web::format::money as pesos;

/// `form` with two loose materials, a labour rate and an own tax rate.
fn with_extras(csrf: &str, action: &str, client: &str) -> Vec<(String, String)> {
    let mut fields = form(csrf, action, client);
    for (name, value) in [
        ("materiales", "2"),
        ("m0_material", "CON-SIL-NEU"),
        ("m0_cantidad", "2.5"),
        ("m1_material", "VID-CLARO-4"),
        ("m1_cantidad", "1.2"),
        ("mano_obra", "350"),
        ("iva_propio", "8"),
    ] {
        fields.push((name.to_owned(), value.to_owned()));
    }
    fields
}

#[tokio::test]
async fn loose_materials_and_the_labour_and_tax_overrides_price_as_the_apis_preview() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-mat")).await;
    let client = api_client(&app, &t, "Herrería Materiales").await;
    let mut browser = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let page = browser.get("/cotizar").await;
    for label in [
        r#"<label for="m0_material">Material</label>"#,
        r#"<label for="m1_cantidad">Cantidad (en su unidad)</label>"#,
        r#"<label for="mano_obra">Mano de obra por m² ($)</label>"#,
        r#"<label for="iva_propio">IVA propio (%)</label>"#,
    ] {
        assert!(page.body.contains(label), "{label}");
    }
    assert!(!page.body.contains(r#"id="m2_material""#), "two at first");
    let csrf = page.csrf();
    let preview = api_preview_with(
        &app,
        &t,
        json!({
            "material_items": [
                { "material": "CON-SIL-NEU", "quantity": "2.5" },
                { "material": "VID-CLARO-4", "quantity": "1.2" }
            ],
            "labour_rate_override_per_m2": "350",
            "tax_rate": "0.08"
        }),
    )
    .await;
    let expected: Vec<String> = [
        "cost",
        "profit",
        "indirect",
        "discount",
        "before_tax",
        "tax",
        "total",
    ]
    .iter()
    .map(|k| pesos(preview["totals"][*k].as_str().expect("amount")))
    .collect();

    // On the page and in the fragment: the preview's totals and lines.
    let fields = with_extras(&csrf, "calcular", "");
    let priced = browser.post("/cotizar", &borrowed(&fields)).await;
    assert_eq!(priced.status, StatusCode::OK, "{}", priced.body);
    assert_eq!(totals(&priced), expected);
    for (row, line) in preview["material_items"]
        .as_array()
        .expect("materials")
        .iter()
        .enumerate()
    {
        let id = format!(r#"id="material-resultado-{}""#, row + 1);
        let start = priced.body.find(&id).unwrap_or_else(|| panic!("{id}"));
        let tr = &priced.body[start..start + priced.body[start..].find("</tr>").expect("tr")];
        let amount = pesos(line["amount"].as_str().expect("amount"));
        assert!(tr.contains(&amount), "{tr} lacks {amount}");
    }
    let fragment = browser
        .post_with(
            "/cotizar/calculo",
            &borrowed(&fields),
            &[("hx-request", "true")],
        )
        .await;
    assert_eq!(totals(&fragment), expected);
    assert!(priced.body.contains(r#"name="m1_cantidad" value="1.2""#));
    assert!(priced.body.contains(r#"name="mano_obra" value="350""#));

    // "Agregar material": a third material row, the others kept.
    let more = browser
        .post(
            "/cotizar",
            &borrowed(&with_extras(&csrf, "agregar_material", "")),
        )
        .await;
    assert!(more.body.contains(r#"id="m2_material""#));
    assert!(more.body.contains(r#"name="materiales" value="3""#));

    // Bad input: each named by its row or field, 422, nothing saved.
    for (name, value, named) in [
        (
            "m0_cantidad",
            "abc",
            "Material 1, «Cantidad (en su unidad)»: escribe una cantidad mayor que 0",
        ),
        ("m1_cantidad", "0", "Material 2, «Cantidad (en su unidad)»"),
        (
            "m1_material",
            "NO-EXISTE",
            "Material 2, «Material»: el material NO-EXISTE no está en el catálogo de la tienda.",
        ),
        (
            "mano_obra",
            "-5",
            "«Mano de obra por m² ($)»: escribe un importe",
        ),
        (
            "iva_propio",
            "ocho",
            "«IVA propio (%)»: escribe un porcentaje",
        ),
        ("iva", "IVA16", "«IVA»"),
    ] {
        let mut bad = with_extras(&csrf, "guardar", &client);
        bad.retain(|(n, _)| n != name);
        bad.push((name.to_owned(), value.to_owned()));
        let refused = browser.post("/cotizar", &borrowed(&bad)).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(refused.body.contains(named), "{name}: {}", refused.body);
        assert!(refused.body.contains(r#"aria-invalid="true""#), "{name}");
    }
    assert_eq!(api_quotes(&app, &t).await["total"], 0, "nothing saved");

    // Saved: the API's quote has the preview's total and the materials.
    let saved = browser
        .post(
            "/cotizar",
            &borrowed(&with_extras(&csrf, "guardar", &client)),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let list = api_quotes(&app, &t).await;
    assert_eq!(list["items"][0]["total"], preview["totals"]["total"]);
    let id = list["items"][0]["id"].as_str().expect("id");
    let quote = app
        .get_json(&format!("/api/v1/quotes/{id}"), &t.admin_token)
        .await;
    assert_eq!(
        quote["request"]["material_items"][1]["material"],
        "VID-CLARO-4"
    );
    assert_eq!(quote["request"]["tax_rate"], "0.0800");

    // Loose materials alone, no window: the API's preview of them, saved.
    let resp = app
        .request(
            reqwest::Method::POST,
            "/api/v1/quotes/preview",
            Some(&t.admin_token),
            Some(json!({ "items": [], "material_items": [{ "material": "CON-SIL-NEU", "quantity": "3" }] })),
        )
        .await;
    let alone = crate::helpers::expect_status(resp, StatusCode::OK, "preview").await;
    let fields = [
        ("csrf", csrf.as_str()),
        ("accion", "guardar"),
        ("cliente", client.as_str()),
        ("m0_material", "CON-SIL-NEU"),
        ("m0_cantidad", "3"),
    ];
    let saved = browser.post("/cotizar", &fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let list = api_quotes(&app, &t).await;
    assert_eq!(list["total"], 2);
    assert_eq!(
        list["items"][0]["total"], alone["totals"]["total"],
        "{list}"
    );
    app.cleanup().await;
}

async fn client_total(app: &TestApp, t: &TestTenant) -> serde_json::Value {
    app.get_json("/api/v1/clients", &t.admin_token).await["total"].clone()
}

#[tokio::test]
async fn a_client_created_from_cotizar_is_chosen_and_the_rows_are_kept() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-newcli")).await;
    let email = add_user(&app, &t, "estimator").await;
    let mut browser = Browser::signed_in(&app, &t.slug, &email).await;
    let page = browser.get("/cotizar").await;
    assert!(
        page.body.contains(r#"<details id="cliente-nuevo" open>"#),
        "open when there is no client"
    );
    assert!(page
        .body
        .contains(r#"<label for="cliente_nombre">Nombre</label>"#));
    let nonce = page
        .hidden_fields("cotizar")
        .into_iter()
        .find(|(n, _)| n == "envio")
        .expect("nonce")
        .1;
    let csrf = page.csrf();
    let create = |name: &str, mail: &str| {
        let mut fields = form(&csrf, "crear_cliente", "");
        for (n, v) in [
            ("envio", nonce.as_str()),
            ("cliente_nombre", name),
            ("cliente_telefono", "81 1234 5678"),
            ("cliente_correo", mail),
        ] {
            fields.push((n.to_owned(), v.to_owned()));
        }
        fields
    };

    // No name, or a bad email: named by the client form's own checks, nothing
    // written, the rows kept.
    for (name, mail, named) in [
        ("  ", "", "Escribe el nombre del cliente"),
        (
            "Familia Pérez",
            "no-es-correo",
            "Revisa «Correo electrónico»",
        ),
    ] {
        let refused = browser
            .post("/cotizar", &borrowed(&create(name, mail)))
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.body.contains(named), "{}", refused.body);
        assert!(refused.body.contains(r#"name="p0_ancho" value="150""#));
        assert!(refused.body.contains(r#"aria-invalid="true""#));
    }
    assert_eq!(client_total(&app, &t).await, 0, "nothing written");

    // Created: chosen in the select, the rows and totals kept, a new nonce.
    let fields = create(" Familia Pérez ", "familia@perez.mx");
    let created = browser.post("/cotizar", &borrowed(&fields)).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let list = app.get_json("/api/v1/clients", &t.admin_token).await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["name"], "Familia Pérez");
    assert_eq!(list["items"][0]["email"], "familia@perez.mx");
    let id = list["items"][0]["id"].as_str().expect("id").to_owned();
    assert!(created.body.contains(&format!(
        r#"<option value="{id}" selected>Familia Pérez</option>"#
    )));
    assert!(created
        .body
        .contains("Creaste el cliente «Familia Pérez» y quedó elegido"));
    assert!(created.body.contains(r#"name="p3_ancho" value="60""#));
    assert!(created
        .body
        .contains(r#"id="cliente_nombre" name="cliente_nombre" value="""#));
    assert_eq!(totals(&created).len(), 7, "priced");
    let new_nonce = created
        .hidden_fields("cotizar")
        .into_iter()
        .find(|(n, _)| n == "envio")
        .expect("nonce")
        .1;
    assert_ne!(new_nonce, nonce);
    // The same post again (a double click): one client, chosen again.
    let again = browser.post("/cotizar", &borrowed(&fields)).await;
    assert_eq!(again.status, StatusCode::OK);
    assert!(again
        .body
        .contains(&format!(r#"<option value="{id}" selected>"#)));
    assert_eq!(client_total(&app, &t).await, 1);

    // Saved for it with the page's new nonce.
    let mut save = form(&csrf, "guardar", &id);
    save.push(("envio".to_owned(), new_nonce));
    let saved = browser.post("/cotizar", &borrowed(&save)).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(
        api_quotes(&app, &t).await["items"][0]["client"]["id"],
        id.as_str()
    );

    // A viewer, a made-up token, another site: 403, nothing written.
    let viewer_email = add_user(&app, &t, "viewer").await;
    let mut viewer = Browser::signed_in(&app, &t.slug, &viewer_email).await;
    let viewer_csrf = viewer.get("/clientes").await.csrf();
    let mut forged = create("Cliente Falso", "");
    slot_set(&mut forged, "csrf", &viewer_csrf);
    slot_set(&mut forged, "envio", &uuid::Uuid::new_v4().to_string());
    assert_eq!(
        viewer.post("/cotizar", &borrowed(&forged)).await.status,
        StatusCode::FORBIDDEN
    );
    slot_set(&mut forged, "csrf", "00ff");
    assert_eq!(
        browser.post("/cotizar", &borrowed(&forged)).await.status,
        StatusCode::FORBIDDEN
    );
    slot_set(&mut forged, "csrf", &csrf);
    let cross = browser
        .post_with(
            "/cotizar",
            &borrowed(&forged),
            &[("origin", "https://evil.example")],
        )
        .await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
    assert_eq!(client_total(&app, &t).await, 1);
    app.cleanup().await;
}

#[tokio::test]
async fn the_discount_hint_is_the_chosen_clients_standing_discount() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-hint")).await;
    let resp = app
        .request(
            reqwest::Method::POST,
            "/api/v1/clients",
            Some(&t.admin_token),
            Some(json!({ "name": "Cliente con descuento", "discount_rate": "0.075" })),
        )
        .await;
    let client = crate::helpers::expect_status(resp, StatusCode::CREATED, "client").await;
    let client = client["id"].as_str().expect("id").to_owned();
    let mut browser = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let page = browser.get("/cotizar").await;
    assert!(
        !page.body.contains(r#"placeholder="7.5""#),
        "the shop's default"
    );
    let csrf = page.csrf();
    let priced = browser
        .post("/cotizar", &borrowed(&form(&csrf, "calcular", &client)))
        .await;
    assert_eq!(priced.status, StatusCode::OK);
    assert!(priced
        .body
        .contains(r#"id="descuento" name="descuento" value="" placeholder="7.5""#));
    app.cleanup().await;
}
