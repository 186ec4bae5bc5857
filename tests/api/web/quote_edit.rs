//! Editing a draft in Cotizar (`/cotizar?cotizacion={id}`: the saved request in
//! the form, "Guardar cambios" through the API's update with the page's ETag,
//! stale and sent quotes refused), and "Duplicar" posted twice making one copy.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use super::add_user;
use super::browser::{Browser, Page};
use super::quote_builder::{api_quotes, borrowed, totals};
use crate::helpers::{expect_status, slug, spawn_app, TestApp, TestTenant};

use ventanas::web::format::money as pesos;

/// A draft with two windows, a loose material and its own terms.
fn draft(client: &str) -> Value {
    json!({
        "client_id": client,
        "title": "Casa Ríos",
        "notes": "Incluye instalación.",
        "items": [
            { "product": "VEN-CORR-NAC3", "width_cm": "150", "height_cm": "120",
              "quantity": 2, "glass": "VID-CLARO-6", "colour": "NAT" },
            { "product": "VEN-FIJA-NAC3", "width_cm": "100.5", "height_cm": "80", "quantity": 1 }
        ],
        "material_items": [{ "material": "CON-SIL-NEU", "quantity": "2.5" }],
        "profit_rate": "0.30",
        "tax_code": "IVA8",
        "labour_rate_override_per_m2": "350.00"
    })
}

/// The builder's form for `draft` as loaded, with the first window `width` wide,
/// the given hidden fields (token, nonce, quote and version) and action.
fn edited(
    hidden: &[(String, String)],
    csrf: &str,
    client: &str,
    width: &str,
) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = hidden
        .iter()
        .filter(|(n, _)| n != "csrf")
        .cloned()
        .collect();
    let mut add = |n: &str, v: &str| fields.push((n.to_owned(), v.to_owned()));
    add("csrf", csrf);
    add("accion", "guardar");
    add("cliente", client);
    for (row, values) in [
        ["VEN-CORR-NAC3", width, "120", "VID-CLARO-6", "NAT", "2"],
        ["VEN-FIJA-NAC3", "100.5", "80", "", "", "1"],
    ]
    .iter()
    .enumerate()
    {
        for (name, value) in ["producto", "ancho", "alto", "vidrio", "color", "cantidad"]
            .iter()
            .zip(values)
        {
            add(&format!("p{row}_{name}"), value);
        }
    }
    add("m0_material", "CON-SIL-NEU");
    add("m0_cantidad", "2.5");
    add("utilidad", "30");
    add("iva", "IVA8");
    add("mano_obra", "350.00");
    add("titulo", "Casa Ríos, planta alta");
    add("notas", "Incluye instalación.");
    fields
}

fn set(fields: &mut Vec<(String, String)>, name: &str, value: &str) {
    match fields.iter_mut().find(|(n, _)| n == name) {
        Some(slot) => slot.1 = value.to_owned(),
        None => fields.push((name.to_owned(), value.to_owned())),
    }
}

fn hidden(page: &Page, name: &str) -> String {
    page.hidden_fields("cotizar")
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no {name} in {}", page.body))
        .1
}

async fn api_quote(app: &TestApp, t: &TestTenant, id: &str) -> Value {
    app.get_json(&format!("/api/v1/quotes/{id}"), &t.admin_token)
        .await
}

async fn etag(app: &TestApp, t: &TestTenant, id: &str) -> String {
    let resp = app
        .get(&format!("/api/v1/quotes/{id}"), &t.admin_token)
        .await;
    resp.headers()["etag"].to_str().expect("etag").to_owned()
}

#[tokio::test]
async fn a_draft_opens_in_the_builder_and_saving_updates_the_same_quote() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-edit")).await;
    let client = app.new_client(&t.admin_token, "Obras Ríos").await;
    let quote = app.create_quote(&t.admin_token, draft(&client)).await;
    let id = quote["id"].as_str().expect("id").to_owned();
    let reference = quote["reference"].as_str().expect("ref").to_owned();
    let email = add_user(&app, &t, "estimator").await;
    let mut browser = Browser::signed_in(&app, &t.slug, &email).await;

    // The draft's page links to the builder, which has the saved request.
    let shown = browser.get(&format!("/cotizaciones/{id}")).await;
    let link = format!(r#"<a href="/cotizar?cotizacion={id}" id="editar">Editar</a>"#);
    assert!(shown.body.contains(&link), "{}", shown.body);
    let page = browser.get(&format!("/cotizar?cotizacion={id}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page
        .body
        .contains(&format!("<h1>Editar la cotización {reference}</h1>")));
    for expected in [
        r#"<option value="VEN-CORR-NAC3" selected>"#,
        r#"id="p0_ancho" name="p0_ancho" value="150""#,
        r#"id="p1_ancho" name="p1_ancho" value="100.5""#,
        r#"id="p0_cantidad" name="p0_cantidad" value="2""#,
        r#"<option value="VID-CLARO-6" selected>"#,
        r#"<option value="CON-SIL-NEU" selected>"#,
        r#"id="m0_cantidad" name="m0_cantidad" value="2.5""#,
        r#"id="utilidad" name="utilidad" value="30""#,
        r#"<option value="IVA8" selected>IVA8</option>"#,
        r#"id="mano_obra" name="mano_obra" value="350.00""#,
        r#"id="titulo" name="titulo" value="Casa Ríos""#,
        ">Incluye instalación.</textarea>",
        ">Guardar cambios</button>",
    ] {
        assert!(page.body.contains(expected), "{expected}");
    }
    assert!(page.body.contains(&format!(
        r#"<option value="{client}" selected>Obras Ríos</option>"#
    )));
    assert_eq!(hidden(&page, "cotizacion"), id);
    assert_eq!(hidden(&page, "version"), etag(&app, &t, &id).await);

    // "Calcular" with the first window wider: the API's preview of the same
    // request, to the cent; then saved, the same quote has that total.
    let mut body = draft(&client);
    body["items"][0]["width_cm"] = json!("160");
    let object = body.as_object_mut().expect("object");
    for key in ["client_id", "title", "notes"] {
        object.remove(key);
    }
    let preview = app
        .request(
            Method::POST,
            "/api/v1/quotes/preview",
            Some(&t.admin_token),
            Some(body),
        )
        .await;
    let preview = expect_status(preview, StatusCode::OK, "preview").await;
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
    let hidden_fields = page.hidden_fields("cotizar");
    let mut fields = edited(&hidden_fields, &page.csrf(), &client, "160");
    set(&mut fields, "accion", "calcular");
    let priced = browser.post("/cotizar", &borrowed(&fields)).await;
    assert_eq!(priced.status, StatusCode::OK, "{}", priced.body);
    assert_eq!(totals(&priced), expected);
    assert_eq!(hidden(&priced, "cotizacion"), id, "still editing");

    set(&mut fields, "accion", "guardar");
    let saved = browser.post("/cotizar", &borrowed(&fields)).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(
        saved.location(),
        format!("/cotizaciones/{id}?aviso=editada")
    );
    let now = api_quote(&app, &t, &id).await;
    assert_eq!(now["total"], preview["totals"]["total"], "{now}");
    assert_eq!(now["request"]["items"][0]["width_cm"], "160.00");
    assert_eq!(now["request"]["material_items"][0]["quantity"], "2.500");
    assert_eq!(now["request"]["tax_code"], "IVA8");
    assert_eq!(now["request"]["labour_rate_override_per_m2"], "350.00");
    assert_eq!(now["title"], "Casa Ríos, planta alta");
    assert_eq!(now["history"][1]["action"], "edited", "{now}");
    assert_eq!(api_quotes(&app, &t).await["total"], 1, "no new quote");
    let flash = browser.get(saved.location()).await;
    assert!(flash.body.contains(&format!(
        "Guardaste los cambios de la cotización {reference}."
    )));
    // The same form again (a double click): the same page, nothing more.
    let again = browser.post("/cotizar", &borrowed(&fields)).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
    assert_eq!(again.location(), saved.location());
    assert_eq!(api_quote(&app, &t, &id).await, now);

    // A stale form: someone changed the draft after the builder was opened.
    let page = browser.get(&format!("/cotizar?cotizacion={id}")).await;
    let mut fields = edited(&page.hidden_fields("cotizar"), &page.csrf(), &client, "170");
    let resp = app
        .request(
            Method::PATCH,
            &format!("/api/v1/quotes/{id}"),
            Some(&t.admin_token),
            Some(json!({ "title": "Cambio de otra persona" })),
        )
        .await;
    expect_status(resp, StatusCode::OK, "patch").await;
    let changed = api_quote(&app, &t, &id).await;
    let stale = browser.post("/cotizar", &borrowed(&fields)).await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    assert!(stale.body.contains(&format!(
        "Alguien cambió la cotización {reference} mientras la editabas: no se guardó nada."
    )));
    assert!(
        stale.body.contains(r#"name="p0_ancho" value="170""#),
        "kept"
    );
    assert_eq!(api_quote(&app, &t, &id).await, changed, "nothing saved");
    let current = etag(&app, &t, &id).await;
    assert_eq!(hidden(&stale, "version"), current, "the version now");
    // Saved again knowingly, with the version the refusal carried.
    set(&mut fields, "version", &current);
    let replaced = browser.post("/cotizar", &borrowed(&fields)).await;
    assert_eq!(replaced.status, StatusCode::SEE_OTHER, "{}", replaced.body);
    assert_eq!(
        api_quote(&app, &t, &id).await["request"]["items"][0]["width_cm"],
        "170.00"
    );

    // Sent: no Editar, the builder and a forged save refused (409), unchanged.
    let page = browser.get(&format!("/cotizar?cotizacion={id}")).await;
    let fields = edited(&page.hidden_fields("cotizar"), &page.csrf(), &client, "180");
    let resp = app
        .request(
            Method::POST,
            &format!("/api/v1/quotes/{id}/send"),
            Some(&t.admin_token),
            None,
        )
        .await;
    expect_status(resp, StatusCode::OK, "send").await;
    let sent = api_quote(&app, &t, &id).await;
    let shown = browser.get(&format!("/cotizaciones/{id}")).await;
    assert!(!shown.body.contains(r#"id="editar""#));
    let opened = browser.get(&format!("/cotizar?cotizacion={id}")).await;
    assert_eq!(opened.status, StatusCode::CONFLICT);
    assert!(opened
        .body
        .contains("La cotización está «Enviada»: ya no se puede editar."));
    let refused = browser.post("/cotizar", &borrowed(&fields)).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(refused
        .body
        .contains("La cotización está «Enviada»: ya no se puede editar."));
    assert_eq!(api_quote(&app, &t, &id).await, sent, "nothing changed");
    app.cleanup().await;
}

#[tokio::test]
async fn editing_is_refused_to_viewers_forged_posts_and_other_shops() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-edit")).await;
    let client = app.new_client(&t.admin_token, "Obras Norte").await;
    let quote = app.create_quote(&t.admin_token, draft(&client)).await;
    let id = quote["id"].as_str().expect("id").to_owned();
    let before = api_quote(&app, &t, &id).await;
    let mut admin = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let page = admin.get(&format!("/cotizar?cotizacion={id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let hidden_fields = page.hidden_fields("cotizar");

    // A viewer: no link, 403 on the builder and on its own-token post.
    let email = add_user(&app, &t, "viewer").await;
    let mut viewer = Browser::signed_in(&app, &t.slug, &email).await;
    let shown = viewer.get(&format!("/cotizaciones/{id}")).await;
    assert!(!shown.body.contains(r#"id="editar""#));
    let opened = viewer.get(&format!("/cotizar?cotizacion={id}")).await;
    assert_eq!(opened.status, StatusCode::FORBIDDEN);
    let fields = edited(&hidden_fields, &shown.csrf(), &client, "160");
    assert_eq!(
        viewer.post("/cotizar", &borrowed(&fields)).await.status,
        StatusCode::FORBIDDEN
    );
    // A made-up token or another site's Origin: 403.
    let forged = edited(&hidden_fields, "00ff", &client, "160");
    assert_eq!(
        admin.post("/cotizar", &borrowed(&forged)).await.status,
        StatusCode::FORBIDDEN
    );
    let fields = edited(&hidden_fields, &page.csrf(), &client, "160");
    let cross = admin
        .post_with(
            "/cotizar",
            &borrowed(&fields),
            &[("origin", "https://evil.example")],
        )
        .await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
    // A bad value: named, 422, nothing saved.
    let mut bad = fields.clone();
    set(&mut bad, "p0_ancho", "ancho");
    let refused = admin.post("/cotizar", &borrowed(&bad)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused
        .body
        .contains("Partida 1, «Ancho (cm)»: escribe un número positivo"));
    assert_eq!(api_quote(&app, &t, &id).await, before, "nothing changed");

    // Another shop: 404 on the builder and on the post; nothing changed.
    let b = app.onboard(&slug("web-edit-b")).await;
    let theirs = app.new_client(&b.admin_token, "Cliente de B").await;
    let mut other = Browser::signed_in(&app, &b.slug, &b.admin_email).await;
    let opened = other.get(&format!("/cotizar?cotizacion={id}")).await;
    assert_eq!(opened.status, StatusCode::NOT_FOUND);
    assert!(!opened.body.contains("Obras Norte"));
    assert_eq!(
        other.get("/cotizar?cotizacion=no-es-uuid").await.status,
        StatusCode::NOT_FOUND
    );
    let csrf = other.get("/cotizar").await.csrf();
    let fields = edited(&hidden_fields, &csrf, &theirs, "160");
    let forged = other.post("/cotizar", &borrowed(&fields)).await;
    assert_eq!(forged.status, StatusCode::NOT_FOUND, "{}", forged.body);
    assert_eq!(api_quote(&app, &t, &id).await, before, "nothing changed");
    assert_eq!(api_quotes(&app, &b).await["total"], 0);
    app.cleanup().await;
}

#[tokio::test]
async fn duplicar_posted_twice_makes_one_copy() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-dup")).await;
    let client = app.new_client(&t.admin_token, "Obras Doble").await;
    let quote = app.create_quote(&t.admin_token, draft(&client)).await;
    let id = quote["id"].as_str().expect("id").to_owned();
    let mut browser = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let path = format!("/cotizaciones/{id}");
    let page = browser.get(&path).await;
    let re = regex::Regex::new(r#"name="envio" value="([0-9a-f-]{36})""#).expect("regex");
    let nonce = |page: &Page| re.captures(&page.body).expect("nonce")[1].to_owned();
    let first_nonce = nonce(&page);
    let csrf = page.csrf();
    let post = |envio: String| {
        vec![
            ("csrf".to_owned(), csrf.clone()),
            ("version".to_owned(), String::new()),
            ("envio".to_owned(), envio),
        ]
    };

    // A double click: one copy, both posts to its page.
    let fields = post(first_nonce.clone());
    let first = browser
        .post(&format!("{path}/duplicar"), &borrowed(&fields))
        .await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    let second = browser
        .post(&format!("{path}/duplicar"), &borrowed(&fields))
        .await;
    assert_eq!(second.status, StatusCode::SEE_OTHER, "{}", second.body);
    assert_eq!(second.location(), first.location());
    assert!(first.location().ends_with("?aviso=duplicada"));
    assert_eq!(api_quotes(&app, &t).await["total"], 2);

    // The page read again carries a new nonce: a second copy.
    let again = browser.get(&path).await;
    assert_ne!(nonce(&again), first_nonce);
    let third = browser
        .post(&format!("{path}/duplicar"), &borrowed(&post(nonce(&again))))
        .await;
    assert_eq!(third.status, StatusCode::SEE_OTHER);
    assert_ne!(third.location(), first.location());
    assert_eq!(api_quotes(&app, &t).await["total"], 3);

    // A viewer's post with a fresh nonce is still 403, nothing copied.
    let email = add_user(&app, &t, "viewer").await;
    let mut viewer = Browser::signed_in(&app, &t.slug, &email).await;
    let csrf = viewer.get(&path).await.csrf();
    let forged = viewer
        .post(
            &format!("{path}/duplicar"),
            &[
                ("csrf", &csrf),
                ("envio", &uuid::Uuid::new_v4().to_string()),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(api_quotes(&app, &t).await["total"], 3);
    app.cleanup().await;
}
