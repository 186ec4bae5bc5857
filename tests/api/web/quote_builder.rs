//! Cotizar: a quote built row by row, priced by the API's preview code (the page's
//! figures are the preview's), the htmx results fragment, row and field errors,
//! saving for a client (checked through `GET /api/v1/quotes`), roles and shops.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use super::add_user;
use super::browser::{Browser, Page};
use crate::helpers::{expect_status, slug, spawn_app, TestApp, TestTenant};

/// `$1,234.56` from the API's decimal string: the page's own formatter (tested in
/// `web::format`), so the comparison is of the figures.
use ventanas::web::format::money as pesos;

/// Three items: (product, width, height, glass, colour, quantity).
pub(super) const ITEMS: [(&str, &str, &str, &str, &str, &str); 3] = [
    ("VEN-CORR-NAC3", "150", "120", "VID-CLARO-6", "NAT", "2"),
    ("VEN-FIJA-NAC3", "100", "80", "", "", "1"),
    ("VEN-PROY-S35", "60", "50", "VID-BRONCE-4", "BLA", "3"),
];

/// The builder form with `ITEMS` in rows 0, 2 and 3 (row 1 and 4 empty).
pub(super) fn form(csrf: &str, action: &str, client: &str) -> Vec<(String, String)> {
    let mut fields = vec![
        ("csrf".to_owned(), csrf.to_owned()),
        ("filas".to_owned(), "5".to_owned()),
        ("accion".to_owned(), action.to_owned()),
        ("cliente".to_owned(), client.to_owned()),
    ];
    for (row, item) in [0, 2, 3].into_iter().zip(ITEMS) {
        let (product, width, height, glass, colour, quantity) = item;
        for (name, value) in [
            ("producto", product),
            ("ancho", width),
            ("alto", height),
            ("vidrio", glass),
            ("color", colour),
            ("cantidad", quantity),
        ] {
            fields.push((format!("p{row}_{name}"), value.to_owned()));
        }
    }
    for row in [1, 4] {
        for name in ["producto", "ancho", "alto", "vidrio", "color"] {
            fields.push((format!("p{row}_{name}"), String::new()));
        }
        fields.push((format!("p{row}_cantidad"), "1".to_owned()));
    }
    fields
}

pub(super) fn borrowed(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect()
}

/// The API's preview of `ITEMS`.
async fn api_preview(app: &TestApp, t: &TestTenant) -> Value {
    api_preview_with(app, t, json!({})).await
}

/// The API's preview of `ITEMS` with the request's other fields in `extra`.
pub(super) async fn api_preview_with(app: &TestApp, t: &TestTenant, extra: Value) -> Value {
    let items: Vec<Value> = ITEMS
        .iter()
        .map(|(product, width, height, glass, colour, quantity)| {
            let mut item = json!({
                "product": product,
                "width_cm": width,
                "height_cm": height,
                "quantity": quantity.parse::<u32>().expect("quantity"),
            });
            if !glass.is_empty() {
                item["glass"] = json!(glass);
            }
            if !colour.is_empty() {
                item["colour"] = json!(colour);
            }
            item
        })
        .collect();
    let mut body = extra;
    body["items"] = json!(items);
    let resp = app
        .request(
            Method::POST,
            "/api/v1/quotes/preview",
            Some(&t.admin_token),
            Some(body),
        )
        .await;
    expect_status(resp, StatusCode::OK, "preview").await
}

/// Adds a client through the API; returns its id.
pub(super) async fn api_client(app: &TestApp, t: &TestTenant, name: &str) -> String {
    let resp = app
        .request(
            Method::POST,
            "/api/v1/clients",
            Some(&t.admin_token),
            Some(json!({ "name": name })),
        )
        .await;
    let client = expect_status(resp, StatusCode::CREATED, "create client").await;
    client["id"].as_str().expect("id").to_owned()
}

pub(super) async fn api_quotes(app: &TestApp, t: &TestTenant) -> Value {
    app.get_json("/api/v1/quotes", &t.admin_token).await
}

/// Every amount the API's preview answers, formatted as the page shows them:
/// each item's subtotal and the seven totals.
fn expected_amounts(preview: &Value) -> Vec<String> {
    let mut amounts: Vec<String> = preview["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| pesos(i["subtotal"].as_str().expect("subtotal")))
        .collect();
    for key in [
        "cost",
        "profit",
        "indirect",
        "discount",
        "before_tax",
        "tax",
        "total",
    ] {
        amounts.push(pesos(preview["totals"][key].as_str().expect(key)));
    }
    amounts
}

/// The results block's totals (`<dd>`s of `#totales`), in order.
pub(super) fn totals(page: &Page) -> Vec<String> {
    let start = page.body.find(r#"id="totales""#).expect("totals");
    let block = &page.body[start..];
    let block = &block[..block.find("</dl>").expect("end")];
    let re = regex::Regex::new(r"<dd>([^<]*)</dd>").expect("regex");
    re.captures_iter(block).map(|c| c[1].to_owned()).collect()
}

#[tokio::test]
async fn a_three_item_quote_priced_on_the_page_equals_the_apis_preview_and_is_saved() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-cot")).await;
    let client = api_client(&app, &t, "Constructora del Valle").await;
    let email = add_user(&app, &t, "estimator").await;
    let mut browser = Browser::signed_in(&app, &t.slug, &email).await;

    let page = browser.get("/cotizar").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page
        .body
        .contains(r#"href="/cotizar" aria-current="page">Cotizar"#));
    assert!(page
        .body
        .contains(r#"<label for="p4_ancho">Ancho (cm)</label>"#));
    assert!(
        !page.body.contains(r#"id="p5_ancho""#),
        "five rows at first"
    );
    assert!(page
        .body
        .contains(r#"hx-trigger="input changed delay:400ms""#));
    assert!(page.body.contains("Constructora del Valle"));
    let csrf = page.csrf();

    // "Calcular" without JavaScript: the whole page with the breakdown.
    let preview = api_preview(&app, &t).await;
    let expected = expected_amounts(&preview);
    let fields = form(&csrf, "calcular", "");
    let priced = browser.post("/cotizar", &borrowed(&fields)).await;
    assert_eq!(priced.status, StatusCode::OK, "{}", priced.body);
    assert_eq!(totals(&priced), expected[3..], "totals as the API's");
    for (row, subtotal) in ["1", "3", "4"].iter().zip(&expected[..3]) {
        let id = format!(r#"id="partida-resultado-{row}""#);
        let start = priced.body.find(&id).unwrap_or_else(|| panic!("{id}"));
        let line = &priced.body[start..start + priced.body[start..].find("</tr>").expect("tr")];
        assert!(line.contains(subtotal.as_str()), "{line} lacks {subtotal}");
    }
    assert!(priced.body.contains(r#"<html"#));
    assert!(
        priced.body.contains(r#"value="150""#),
        "what was typed stays"
    );

    // The htmx fragment: only the results block, the same figures.
    let fragment = browser
        .post_with(
            "/cotizar/calculo",
            &borrowed(&fields),
            &[("hx-request", "true")],
        )
        .await;
    assert_eq!(fragment.status, StatusCode::OK, "{}", fragment.body);
    assert!(fragment
        .body
        .trim_start()
        .starts_with(r#"<section id="resultado""#));
    assert!(fragment.body.trim_end().ends_with("</section>"));
    assert!(!fragment.body.contains("<form"), "no form in the fragment");
    assert_eq!(totals(&fragment), expected[3..]);

    // "Agregar partida": one more row, the figures kept.
    let more = browser
        .post("/cotizar", &borrowed(&form(&csrf, "agregar", "")))
        .await;
    assert_eq!(more.status, StatusCode::OK);
    assert!(more.body.contains(r#"id="p5_ancho""#), "a sixth row");
    assert!(more.body.contains(r#"name="filas" value="6""#));

    // Saving without a client: named, nothing saved.
    let no_client = browser
        .post("/cotizar", &borrowed(&form(&csrf, "guardar", "")))
        .await;
    assert_eq!(no_client.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_client
        .body
        .contains("Elige un cliente activo de la lista."));
    assert_eq!(api_quotes(&app, &t).await["total"], 0);

    // Saved for the client: 303 to the quote's page; the API lists it with the
    // preview's total.
    let saved = browser
        .post("/cotizar", &borrowed(&form(&csrf, "guardar", &client)))
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let list = api_quotes(&app, &t).await;
    assert_eq!(list["total"], 1, "{list}");
    let quote = &list["items"][0];
    assert_eq!(quote["total"], preview["totals"]["total"]);
    assert_eq!(quote["client"]["id"], client.as_str());
    let id = quote["id"].as_str().expect("id");
    assert_eq!(
        saved.location(),
        format!("/cotizaciones/{id}?aviso=guardada")
    );
    let shown = browser.get(saved.location()).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    let reference = quote["reference"].as_str().expect("reference");
    assert!(shown.body.contains(&format!("Cotización {reference}")));
    assert!(shown.body.contains("Borrador"));
    assert!(shown.body.contains("Constructora del Valle"));
    assert_eq!(totals(&shown), expected[3..]);
    let pdf_link = format!(r#"href="/api/v1/quotes/{id}/pdf""#);
    assert!(shown.body.contains(&pdf_link));
    let pdf = browser.get(&format!("/api/v1/quotes/{id}/pdf")).await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(pdf.header("content-type"), "application/pdf");
    app.cleanup().await;
}

#[tokio::test]
async fn a_bad_width_names_the_row_and_field_and_nothing_is_saved() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-cot")).await;
    let client = api_client(&app, &t, "Herrería Sánchez").await;
    let mut browser = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let csrf = browser.get("/cotizar").await.csrf();

    // Out of the product's range (50 to 200 cm) in the third row.
    let mut fields = form(&csrf, "guardar", &client);
    let slot = fields
        .iter_mut()
        .find(|(n, _)| n == "p2_ancho")
        .expect("p2_ancho");
    slot.1 = "20".to_owned();
    let page = browser.post("/cotizar", &borrowed(&fields)).await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("Partida 3, «Ancho (cm)»: 20 cm está fuera de lo que admite VEN-FIJA-NAC3: escribe una medida de 50 a 200 cm."),
        "{}",
        page.body
    );
    assert!(page
        .body
        .contains(r#"id="p2_ancho" name="p2_ancho" value="20""#));
    assert!(page
        .body
        .contains(r#"name="p2_ancho" value="20" inputmode="decimal" size="6" autocomplete="off" aria-invalid="true""#));
    assert_eq!(api_quotes(&app, &t).await["total"], 0, "nothing saved");

    // Not a number, in the fragment too: 200 with the row and field named.
    slot_set(&mut fields, "p2_ancho", "ancho");
    let fragment = browser
        .post_with(
            "/cotizar/calculo",
            &borrowed(&fields),
            &[("hx-request", "true")],
        )
        .await;
    assert_eq!(fragment.status, StatusCode::OK);
    assert!(
        fragment
            .body
            .contains("Partida 3, «Ancho (cm)»: escribe un número positivo"),
        "{}",
        fragment.body
    );
    let page = browser.post("/cotizar", &borrowed(&fields)).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(api_quotes(&app, &t).await["total"], 0, "nothing saved");
    app.cleanup().await;
}

#[tokio::test]
async fn the_engines_refusals_are_worded_in_spanish_by_kind_naming_the_row_shown() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-cot")).await;
    let mut browser = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let csrf = browser.get("/cotizar").await.csrf();

    // One change to the first row (or a term) per case: the engine's kind, worded
    // in Spanish on the row the user sees (the API's `items[0]` is "Partida 1").
    let cases: [(&str, &str, &str); 5] = [
        (
            "p0_producto",
            "NO-EXISTE",
            "Partida 1, «Producto»: no hay un producto con la clave NO-EXISTE en el catálogo; elige uno de la lista.",
        ),
        (
            "p0_vidrio",
            "PER-NAC3-RS",
            "Partida 1, «Vidrio»: PER-NAC3-RS no es un vidrio (es de la categoría «Perfil»); elige un vidrio de la lista.",
        ),
        (
            "p0_color",
            "ZZZ",
            "Partida 1, «Color»: el color ZZZ no se ofrece para el perfil ",
        ),
        (
            "p3_alto",
            "5000",
            "Partida 4, «Alto (cm)»: 5000 cm está fuera de lo que admite VEN-PROY-S35: escribe una medida de ",
        ),
        (
            "iva_propio",
            "150",
            "«IVA propio (%)»: 150 % está fuera del rango de 0 a 100 %.",
        ),
    ];
    for (name, value, spanish) in cases {
        let mut fields = form(&csrf, "calcular", "");
        match fields.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = value.to_owned(),
            None => fields.push((name.to_owned(), value.to_owned())),
        }
        let page = browser.post("/cotizar", &borrowed(&fields)).await;
        assert_eq!(
            page.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name}: {}",
            page.body
        );
        let fragment = browser
            .post_with(
                "/cotizar/calculo",
                &borrowed(&fields),
                &[("hx-request", "true")],
            )
            .await;
        assert_eq!(fragment.status, StatusCode::OK, "{name}");
        for body in [&page.body, &fragment.body] {
            assert!(body.contains(spanish), "{name}: {body}");
            assert!(!body.contains(r#"lang="en""#), "{name}: English shown");
            for english in [
                "items[",
                "is not",
                "is outside",
                "no product",
                "not offered",
            ] {
                assert!(!body.contains(english), "{name}: {english} in {body}");
            }
        }
    }

    // The API still answers its own English for the same request.
    let item =
        json!({"product": "NO-EXISTE", "width_cm": "100", "height_cm": "100", "quantity": 1});
    let resp = app
        .request(
            Method::POST,
            "/api/v1/quotes/preview",
            Some(&t.admin_token),
            Some(json!({ "items": [item] })),
        )
        .await;
    let body = expect_status(resp, StatusCode::NOT_FOUND, "preview").await;
    assert_eq!(
        body["message"],
        "items[0].product: no product with code NO-EXISTE"
    );
    app.cleanup().await;
}

pub(super) fn slot_set(fields: &mut [(String, String)], name: &str, value: &str) {
    let slot = fields.iter_mut().find(|(n, _)| n == name).expect("field");
    slot.1 = value.to_owned();
}

#[tokio::test]
async fn a_viewer_sees_no_form_and_a_forged_post_is_refused() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-cot")).await;
    let client = api_client(&app, &t, "Vidrios Norte").await;
    let email = add_user(&app, &t, "viewer").await;
    let mut browser = Browser::signed_in(&app, &t.slug, &email).await;
    let catalog = browser.get("/catalogo").await;
    assert!(!catalog.body.contains(r#"href="/cotizar""#), "no nav entry");
    let page = browser.get("/cotizar").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(!page.body.contains(r#"id="cotizar""#));

    // The viewer's own valid token (from the logout form), same origin.
    let csrf = catalog.csrf();
    for path in ["/cotizar", "/cotizar/calculo"] {
        let forged = browser
            .post(path, &borrowed(&form(&csrf, "guardar", &client)))
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(api_quotes(&app, &t).await["total"], 0, "nothing saved");

    // A quote saved through the API: the viewer reads it, with no way to quote.
    let resp = app
        .request(
            Method::POST,
            "/api/v1/quotes",
            Some(&t.admin_token),
            Some(
                json!({ "client_id": client, "items": [{ "product": "VEN-FIJA-NAC3",
                         "width_cm": "100", "height_cm": "80", "quantity": 1 }] }),
            ),
        )
        .await;
    let quote = expect_status(resp, StatusCode::CREATED, "create quote").await;
    let id = quote["id"].as_str().expect("id");
    let page = browser.get(&format!("/cotizaciones/{id}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Vidrios Norte"));
    assert!(page
        .body
        .contains(&pesos(quote["total"].as_str().expect("total"))));
    assert!(
        !page.body.contains(r#"href="/cotizar""#),
        "no link to quote"
    );
    assert_eq!(api_quotes(&app, &t).await["total"], 1);

    // A made-up token or another site's Origin, for a writer: refused too.
    let mut admin = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let bad = admin
        .post("/cotizar", &borrowed(&form("00ff", "guardar", &client)))
        .await;
    assert_eq!(bad.status, StatusCode::FORBIDDEN);
    let csrf = admin.get("/cotizar").await.csrf();
    let cross = admin
        .post_with(
            "/cotizar",
            &borrowed(&form(&csrf, "guardar", &client)),
            &[("origin", "https://evil.example")],
        )
        .await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
    assert_eq!(api_quotes(&app, &t).await["total"], 1, "nothing more saved");
    app.cleanup().await;
}

#[tokio::test]
async fn another_shop_cannot_open_a_quote_of_this_shop() {
    let app = spawn_app().await;
    let a = app.onboard(&slug("web-cot-a")).await;
    let b = app.onboard(&slug("web-cot-b")).await;
    let client = api_client(&app, &a, "Cliente de A").await;
    let mut browser = Browser::signed_in(&app, &a.slug, &a.admin_email).await;
    let csrf = browser.get("/cotizar").await.csrf();
    let saved = browser
        .post("/cotizar", &borrowed(&form(&csrf, "guardar", &client)))
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let path = saved.location().split('?').next().expect("path").to_owned();
    assert_eq!(browser.get(&path).await.status, StatusCode::OK);

    let mut other = Browser::signed_in(&app, &b.slug, &b.admin_email).await;
    let page = other.get(&path).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(!page.body.contains("Cliente de A"));
    // Nor save a quote for A's client.
    let csrf = other.get("/cotizar").await.csrf();
    let forged = other
        .post("/cotizar", &borrowed(&form(&csrf, "guardar", &client)))
        .await;
    assert_eq!(forged.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(forged.body.contains("Elige un cliente activo de la lista."));
    assert_eq!(api_quotes(&app, &b).await["total"], 0);
    assert_eq!(
        other.get("/cotizaciones/no-es-uuid").await.status,
        StatusCode::NOT_FOUND
    );
    app.cleanup().await;
}

#[tokio::test]
async fn a_clients_standing_discount_shows_on_the_page_as_the_saved_quote_has_it() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-cot")).await;
    let resp = app
        .request(
            Method::POST,
            "/api/v1/clients",
            Some(&t.admin_token),
            Some(json!({ "name": "Cliente con descuento", "discount_rate": "0.05" })),
        )
        .await;
    let client = expect_status(resp, StatusCode::CREATED, "client").await;
    let client = client["id"].as_str().expect("id").to_owned();
    let mut browser = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let csrf = browser.get("/cotizar").await.csrf();

    let plain = totals(
        &browser
            .post("/cotizar", &borrowed(&form(&csrf, "calcular", "")))
            .await,
    );
    let fields = form(&csrf, "calcular", &client);
    let page = browser.post("/cotizar", &borrowed(&fields)).await;
    let fragment = browser
        .post_with(
            "/cotizar/calculo",
            &borrowed(&fields),
            &[("hx-request", "true")],
        )
        .await;
    assert_eq!(totals(&page), totals(&fragment));
    assert_ne!(
        totals(&page)[3],
        plain[3],
        "a discount: {:?}",
        totals(&page)
    );
    assert_ne!(totals(&page)[6], plain[6], "a lower total");

    let saved = browser
        .post("/cotizar", &borrowed(&form(&csrf, "guardar", &client)))
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let list = api_quotes(&app, &t).await;
    let total = list["items"][0]["total"].as_str().expect("total");
    assert_eq!(pesos(total), totals(&page)[6], "the page's total was saved");
    app.cleanup().await;
}

#[tokio::test]
async fn saving_the_same_form_twice_saves_one_quote() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-cot-twice")).await;
    let client = api_client(&app, &t, "Aluminios Doble").await;
    let mut browser = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let page = browser.get("/cotizar").await;
    let nonce = page
        .hidden_fields("cotizar")
        .into_iter()
        .find(|(name, _)| name == "envio")
        .expect("the form's nonce")
        .1;
    assert!(uuid::Uuid::parse_str(&nonce).is_ok(), "{nonce}");
    let mut fields = form(&page.csrf(), "guardar", &client);
    fields.push(("envio".to_owned(), nonce.clone()));

    // A double click: the same form posted twice, one quote, both to its page.
    let first = browser.post("/cotizar", &borrowed(&fields)).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    let second = browser.post("/cotizar", &borrowed(&fields)).await;
    assert_eq!(second.status, StatusCode::SEE_OTHER, "{}", second.body);
    let list = api_quotes(&app, &t).await;
    assert_eq!(list["total"], 1, "{list}");
    let id = list["items"][0]["id"].as_str().expect("id");
    let expected = format!("/cotizaciones/{id}?aviso=guardada");
    assert_eq!(first.location(), expected);
    assert_eq!(second.location(), expected);

    // A new page is a new form: its save is a second quote.
    let again = browser.get("/cotizar").await;
    let other = again
        .hidden_fields("cotizar")
        .into_iter()
        .find(|(name, _)| name == "envio")
        .expect("nonce")
        .1;
    assert_ne!(other, nonce);
    let mut fields = form(&again.csrf(), "guardar", &client);
    fields.push(("envio".to_owned(), other));
    let third = browser.post("/cotizar", &borrowed(&fields)).await;
    assert_eq!(third.status, StatusCode::SEE_OTHER, "{}", third.body);
    assert_ne!(third.location(), expected);
    assert_eq!(api_quotes(&app, &t).await["total"], 2);
    app.cleanup().await;
}

#[tokio::test]
async fn a_failed_save_frees_the_form_for_the_corrected_one() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-cot-retry")).await;
    let client = api_client(&app, &t, "Cancelería Reintento").await;
    let mut browser = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let csrf = browser.get("/cotizar").await.csrf();
    let nonce = uuid::Uuid::new_v4().to_string();
    let mut fields = form(&csrf, "guardar", "");
    fields.push(("envio".to_owned(), nonce.clone()));
    let failed = browser.post("/cotizar", &borrowed(&fields)).await;
    assert_eq!(failed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(failed
        .body
        .contains(&format!(r#"name="envio" value="{nonce}""#)));
    let mut fields = form(&csrf, "guardar", &client);
    fields.push(("envio".to_owned(), nonce));
    let saved = browser.post("/cotizar", &borrowed(&fields)).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(api_quotes(&app, &t).await["total"], 1);
    app.cleanup().await;
}

#[tokio::test]
async fn the_quotes_own_profit_and_discount_price_as_the_apis_preview() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-cot-terms")).await;
    let client = api_client(&app, &t, "Vitrales Términos").await;
    let mut browser = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let page = browser.get("/cotizar").await;
    assert!(page
        .body
        .contains(r#"id="utilidad" name="utilidad" value="""#));
    assert!(page.body.contains(r#"<select id="iva" name="iva">"#));
    let csrf = page.csrf();
    let preview = api_preview_with(
        &app,
        &t,
        json!({ "profit_rate": "0.30", "discount_rate": "0.05" }),
    )
    .await;
    let with_terms = |action: &str, client: &str, profit: &str, discount: &str| {
        let mut fields = form(&csrf, action, client);
        fields.push(("utilidad".to_owned(), profit.to_owned()));
        fields.push(("descuento".to_owned(), discount.to_owned()));
        fields.push(("indirectos".to_owned(), String::new()));
        fields.push(("iva".to_owned(), String::new()));
        fields
    };

    // 30 % profit and 5 % discount: the preview's figures, kept in the form.
    let priced = browser
        .post(
            "/cotizar",
            &borrowed(&with_terms("calcular", "", "30", "5")),
        )
        .await;
    assert_eq!(priced.status, StatusCode::OK, "{}", priced.body);
    let total = pesos(preview["totals"]["total"].as_str().expect("total"));
    assert_eq!(totals(&priced).last(), Some(&total), "{}", priced.body);
    assert_ne!(
        preview["totals"]["total"],
        api_preview(&app, &t).await["totals"]["total"]
    );
    assert!(priced.body.contains(r#"name="utilidad" value="30""#));

    // Bad percentages: each named by its field, 422, nothing saved.
    for (profit, discount, named) in [
        ("abc", "5", "«Utilidad (%)»"),
        ("30", "-5", "«Descuento (%)»"),
    ] {
        let refused = browser
            .post(
                "/cotizar",
                &borrowed(&with_terms("guardar", &client, profit, discount)),
            )
            .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{profit} {discount}"
        );
        assert!(
            refused
                .body
                .contains(&format!("{named}: escribe un porcentaje")),
            "{}",
            refused.body
        );
        assert!(refused.body.contains(r#"aria-invalid="true""#));
    }
    assert_eq!(api_quotes(&app, &t).await["total"], 0, "nothing saved");

    // Saved with them: the API's quote has the preview's total.
    let saved = browser
        .post(
            "/cotizar",
            &borrowed(&with_terms("guardar", &client, "30", "5")),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let list = api_quotes(&app, &t).await;
    assert_eq!(
        list["items"][0]["total"], preview["totals"]["total"],
        "{list}"
    );
    app.cleanup().await;
}

#[tokio::test]
async fn a_title_and_notes_are_saved_with_the_quote() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-cot-title")).await;
    let client = api_client(&app, &t, "Ventanería Títulos").await;
    let mut browser = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let csrf = browser.get("/cotizar").await.csrf();
    let with_title = |title: &str| {
        let mut fields = form(&csrf, "guardar", &client);
        fields.push(("titulo".to_owned(), title.to_owned()));
        fields.push(("notas".to_owned(), "Incluye instalación.".to_owned()));
        fields
    };

    // Too long: named, kept in the form, nothing saved.
    let long = "x".repeat(201);
    let refused = browser
        .post("/cotizar", &borrowed(&with_title(&long)))
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .body
            .contains("«Título (opcional)»: es demasiado largo"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains(">Incluye instalación.</textarea>"));
    assert_eq!(api_quotes(&app, &t).await["total"], 0, "nothing saved");

    let saved = browser
        .post(
            "/cotizar",
            &borrowed(&with_title(" Casa Pérez, planta alta ")),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let list = api_quotes(&app, &t).await;
    let id = list["items"][0]["id"].as_str().expect("id");
    let quote = app
        .get_json(&format!("/api/v1/quotes/{id}"), &t.admin_token)
        .await;
    assert_eq!(quote["title"], "Casa Pérez, planta alta", "{quote}");
    assert_eq!(quote["notes"], "Incluye instalación.", "{quote}");
    app.cleanup().await;
}
