//! The quote list (`/cotizaciones`: status filter, search, client filter, keyset
//! paging checked against `GET /api/v1/quotes`), a quote's actions (send, accept,
//! reject, revise, duplicate as the API shows them, refusals in Spanish, stale
//! forms), its versions and history, a client's quotes, roles and shops.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use super::add_user;
use super::browser::{unescape, Browser, Page};
use crate::helpers::{expect_status, slug, spawn_app, TestApp, TestTenant};

use ventanas::web::format::money as pesos;

/// A one-window quote for `client`, `width` cm wide.
fn body(client: &str, width: u32) -> Value {
    json!({ "client_id": client, "items": [{ "product": "VEN-FIJA-NAC3",
            "width_cm": width.to_string(), "height_cm": "80", "quantity": 1 }] })
}

async fn api_quote(app: &TestApp, t: &TestTenant, id: &str) -> Value {
    app.get_json(&format!("/api/v1/quotes/{id}"), &t.admin_token)
        .await
}

/// The ids of the quotes listed on a page, in order.
fn listed(page: &Page) -> Vec<String> {
    let re = regex::Regex::new(r#"<tr id="q-([0-9a-f-]{36})">"#).expect("regex");
    re.captures_iter(&page.body)
        .map(|c| c[1].to_owned())
        .collect()
}

/// The "Más antiguas" link, unescaped.
fn older(page: &Page) -> Option<String> {
    let re =
        regex::Regex::new(r#"<a href="([^"]+)" rel="next" id="mas-antiguas">Más antiguas</a>"#)
            .expect("regex");
    re.captures(&page.body).map(|c| unescape(&c[1]))
}

/// Every quote id through the pages from `path`, following "Más antiguas".
async fn all_pages(browser: &mut Browser<'_>, path: &str) -> (Vec<String>, Vec<String>) {
    let mut ids = Vec::new();
    let mut links = Vec::new();
    let mut next = Some(path.to_owned());
    while let Some(path) = next {
        let page = browser.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
        ids.extend(listed(&page));
        next = older(&page);
        links.extend(next.clone());
    }
    (ids, links)
}

/// The entity tag the page's action forms carry.
fn version(page: &Page) -> String {
    let re = regex::Regex::new(r#"name="version" value="([^"]*)""#).expect("regex");
    re.captures(&page.body)
        .map(|c| unescape(&c[1]))
        .unwrap_or_else(|| panic!("no version in {}", page.body))
}

/// Posts the action `what` of quote `id` with the page's token and `tag`.
async fn act(browser: &mut Browser<'_>, id: &str, what: &str, csrf: &str, tag: &str) -> Page {
    browser
        .post(
            &format!("/cotizaciones/{id}/{what}"),
            &[("csrf", csrf), ("version", tag)],
        )
        .await
}

/// The action buttons shown, by path.
fn buttons(page: &Page) -> Vec<String> {
    let re = regex::Regex::new(r#"id="accion-([a-z]+)""#).expect("regex");
    re.captures_iter(&page.body)
        .map(|c| c[1].to_owned())
        .collect()
}

#[tokio::test]
async fn the_list_filters_searches_and_pages_to_the_apis_total() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-cots")).await;
    let valle = app
        .new_client(&t.admin_token, "Constructora del Valle")
        .await;
    let herreria = app.new_client(&t.admin_token, "Herrería Sánchez").await;
    for i in 0..27 {
        app.create_quote(&t.admin_token, body(&valle, 60 + i)).await;
    }
    let mut theirs = Vec::new();
    for i in 0..3 {
        let quote = app
            .create_quote(&t.admin_token, body(&herreria, 100 + i))
            .await;
        theirs.push(quote);
    }
    for quote in &theirs[..2] {
        let path = format!("/api/v1/quotes/{}/send", quote["id"].as_str().expect("id"));
        let resp = app
            .request(Method::POST, &path, Some(&t.admin_token), None)
            .await;
        expect_status(resp, StatusCode::OK, "send").await;
    }
    let api = app
        .get_json("/api/v1/quotes?limit=100", &t.admin_token)
        .await;
    assert_eq!(api["total"], 30);
    let mut api_ids: Vec<String> = api["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|q| q["id"].as_str().expect("id").to_owned())
        .collect();

    // A viewer reads the list: the nav entry, 25 a page, to the end.
    let email = add_user(&app, &t, "viewer").await;
    let mut browser = Browser::signed_in(&app, &t.slug, &email).await;
    let first = browser.get("/cotizaciones").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert!(first
        .body
        .contains(r#"href="/cotizaciones" aria-current="page">Cotizaciones"#));
    assert!(first.body.contains("30 cotizaciones"));
    assert!(
        !first.body.contains(r#"id="nueva""#),
        "a viewer cannot quote"
    );
    assert_eq!(listed(&first).len(), 25);
    let (mut ids, _) = all_pages(&mut browser, "/cotizaciones").await;
    assert_eq!(ids, api_ids, "the API's order");
    ids.sort();
    ids.dedup();
    api_ids.sort();
    assert_eq!(ids, api_ids, "each quote once");

    // A row: number, client, status, total, link.
    let sent = &theirs[0];
    let sent_id = sent["id"].as_str().expect("id");
    let row_start = first
        .body
        .find(&format!(r#"<tr id="q-{sent_id}">"#))
        .expect("row");
    let row =
        &first.body[row_start..row_start + first.body[row_start..].find("</tr>").expect("tr")];
    for part in [
        format!(
            r#"<a href="/cotizaciones/{sent_id}">{}</a>"#,
            sent["reference"].as_str().expect("ref")
        ),
        "Herrería Sánchez".to_owned(),
        ">Enviada<".to_owned(),
        pesos(sent["total"].as_str().expect("total")),
    ] {
        assert!(row.contains(&part), "{row} lacks {part}");
    }

    // Status in Spanish, search by client and number, the client's quotes.
    let enviadas = browser.get("/cotizaciones?estado=enviada").await;
    assert!(
        enviadas.body.contains("2 cotizaciones"),
        "{}",
        enviadas.body
    );
    assert!(enviadas
        .body
        .contains(r#"<option value="enviada" selected>"#));
    assert_eq!(listed(&enviadas).len(), 2);
    let borradores = browser
        .get("/cotizaciones?estado=borrador&q=Herrer%C3%ADa")
        .await;
    assert_eq!(
        listed(&borradores),
        vec![theirs[2]["id"].as_str().expect("id")]
    );
    let number = browser
        .get(&format!(
            "/cotizaciones?q={}",
            sent["reference"].as_str().expect("ref")
        ))
        .await;
    assert_eq!(listed(&number), vec![sent_id]);
    let by_client = browser
        .get(&format!("/cotizaciones?cliente={herreria}"))
        .await;
    assert!(by_client.body.contains("3 cotizaciones"));
    assert!(by_client.body.contains("Solo las de Herrería Sánchez"));

    // Paging with a search keeps it: 27 of the valley, over two pages.
    let (valley, links) = all_pages(&mut browser, "/cotizaciones?q=Valle").await;
    assert_eq!(valley.len(), 27);
    assert_eq!(links.len(), 1);
    assert!(
        links[0].starts_with("/cotizaciones?q=Valle&cursor="),
        "{links:?}"
    );
    let (client_pages, links) = all_pages(
        &mut browser,
        &format!("/cotizaciones?cliente={valle}&estado=borrador"),
    )
    .await;
    assert_eq!(client_pages.len(), 27);
    assert!(links[0].starts_with(&format!(
        "/cotizaciones?estado=borrador&cliente={valle}&cursor="
    )));
    let long = "x".repeat(101);
    let refused = browser.get(&format!("/cotizaciones?q={long}")).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused
        .body
        .contains("La búsqueda admite hasta 100 caracteres."));

    // The client's page: its quotes and the link to all of them.
    let client_page = browser.get(&format!("/clientes/{herreria}")).await;
    assert_eq!(client_page.status, StatusCode::OK);
    assert_eq!(listed(&client_page).len(), 3);
    assert!(client_page.body.contains(&format!(
        r#"<a href="/cotizaciones?cliente={herreria}" id="todas-cotizaciones">Ver todas sus cotizaciones (3)</a>"#
    )));
    let valle_page = browser.get(&format!("/clientes/{valle}")).await;
    assert_eq!(listed(&valle_page).len(), 20, "the last 20");

    // Another shop sees none of them, searching or not.
    let b = app.onboard(&slug("web-cots-b")).await;
    let mut other = Browser::signed_in(&app, &b.slug, &b.admin_email).await;
    for path in [
        "/cotizaciones".to_owned(),
        "/cotizaciones?q=Valle".to_owned(),
        format!("/cotizaciones?cliente={valle}"),
    ] {
        let page = other.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(page.body.contains("0 cotizaciones"), "{path}");
        assert!(listed(&page).is_empty(), "{path}");
        assert!(!page.body.contains("Constructora"), "{path}");
    }
    app.cleanup().await;
}

#[tokio::test]
async fn each_action_moves_the_status_as_the_api_shows_and_wrong_or_stale_ones_change_nothing() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-cots")).await;
    let client = app.new_client(&t.admin_token, "Vidrios Norte").await;
    let email = add_user(&app, &t, "estimator").await;
    let quote = app.create_quote(&t.admin_token, body(&client, 120)).await;
    let id = quote["id"].as_str().expect("id").to_owned();
    let reference = quote["reference"].as_str().expect("ref").to_owned();
    let mut browser = Browser::signed_in(&app, &t.slug, &email).await;
    let path = format!("/cotizaciones/{id}");

    let page = browser.get(&path).await;
    assert_eq!(buttons(&page), ["enviar", "duplicar"]);
    let csrf = page.csrf();
    // Each step: the action, the flash, the status the API shows, the buttons.
    for (what, flash, status, shown, next) in [
        (
            "enviar",
            "enviada",
            "sent",
            "Enviada",
            &["aceptar", "rechazar", "revisar", "duplicar"][..],
        ),
        (
            "rechazar",
            "rechazada",
            "rejected",
            "Rechazada",
            &["revisar", "duplicar"],
        ),
        (
            "revisar",
            "revisada",
            "draft",
            "Borrador",
            &["enviar", "duplicar"],
        ),
        (
            "enviar",
            "enviada",
            "sent",
            "Enviada",
            &["aceptar", "rechazar", "revisar", "duplicar"],
        ),
        ("aceptar", "aceptada", "accepted", "Aceptada", &["duplicar"]),
    ] {
        let tag = version(&browser.get(&path).await);
        let done = act(&mut browser, &id, what, &csrf, &tag).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{what}: {}", done.body);
        assert_eq!(done.location(), format!("{path}?aviso={flash}"));
        assert_eq!(api_quote(&app, &t, &id).await["status"], status, "{what}");
        let after = browser.get(done.location()).await;
        assert!(
            after
                .body
                .contains(&format!(r#"<dd id="estado">{shown}</dd>"#)),
            "{what}"
        );
        assert!(after.body.contains(r#"id="aviso""#), "{what}");
        assert_eq!(buttons(&after), next, "{what}");
    }
    let page = browser.get(&format!("{path}?aviso=aceptada")).await;
    assert!(page
        .body
        .contains(&format!("La cotización {reference} quedó aceptada.")));
    // Versions (the revision made a second) with their PDFs, and the history.
    let api = api_quote(&app, &t, &id).await;
    assert_eq!(api["version"], 2);
    for v in ["1", "2"] {
        assert!(
            page.body.contains(&format!(r#"<tr id="version-{v}">"#)),
            "version {v}"
        );
        let link = format!("/api/v1/quotes/{id}/pdf?version={v}");
        assert!(page.body.contains(&format!(r#"href="{link}""#)));
        let pdf = browser.get(&link).await;
        assert_eq!(pdf.status, StatusCode::OK);
        assert_eq!(pdf.header("content-type"), "application/pdf");
        assert!(pdf.body.starts_with("%PDF"));
    }
    let history = &page.body[page.body.find(r#"id="historial""#).expect("history")..];
    assert_eq!(
        history.matches("<tr>").count(),
        1 + api["history"].as_array().expect("h").len()
    );
    for line in [
        "Creó la cotización (versión 1)",
        "Envió (versión 1)",
        "Marcó como rechazada (versión 1)",
        "Abrió una nueva versión (versión 2)",
        "Marcó como aceptada (versión 2)",
    ] {
        assert!(history.contains(line), "{line}");
    }
    assert!(history.contains(&email), "who did it");
    assert!(history.contains(&t.admin_email), "who created it");

    // Not allowed by the status: refused in Spanish, nothing changed.
    let before = api_quote(&app, &t, &id).await;
    let tag = version(&page);
    for (what, verb) in [
        ("enviar", "enviar"),
        ("rechazar", "rechazar"),
        ("revisar", "revisar"),
    ] {
        let refused = act(&mut browser, &id, what, &csrf, &tag).await;
        assert_eq!(refused.status, StatusCode::CONFLICT, "{what}");
        assert!(
            refused.body.contains(&format!(
                "La cotización está «Aceptada»: no se puede {verb}. No se cambió nada."
            )),
            "{what}: {}",
            refused.body
        );
        assert!(refused.body.contains(r#"<dd id="estado">Aceptada</dd>"#));
    }
    assert_eq!(api_quote(&app, &t, &id).await, before, "nothing changed");
    assert_eq!(
        act(&mut browser, &id, "borrar", &csrf, &tag).await.status,
        StatusCode::NOT_FOUND
    );

    // Duplicate: a new draft with the same total, opened.
    let dup = act(&mut browser, &id, "duplicar", &csrf, &tag).await;
    assert_eq!(dup.status, StatusCode::SEE_OTHER, "{}", dup.body);
    let new_id = dup
        .location()
        .strip_prefix("/cotizaciones/")
        .and_then(|l| l.strip_suffix("?aviso=duplicada"))
        .expect("the new quote's page")
        .to_owned();
    assert_ne!(new_id, id);
    let copy = api_quote(&app, &t, &new_id).await;
    assert_eq!(copy["status"], "draft");
    assert_eq!(copy["total"], before["total"]);
    assert_eq!(copy["client"]["id"], client.as_str());
    let opened = browser.get(dup.location()).await;
    assert!(opened.body.contains(&format!(
        "Cotización {}",
        copy["reference"].as_str().expect("ref")
    )));
    assert!(opened.body.contains("un borrador copiado de otra"));
    assert!(opened
        .body
        .contains(&pesos(copy["total"].as_str().expect("total"))));

    // A stale form: the draft changed (through the API) after the page was read.
    let stale_tag = version(&opened);
    let resp = app
        .request(
            Method::PATCH,
            &format!("/api/v1/quotes/{new_id}"),
            Some(&t.admin_token),
            Some(json!({ "title": "Planta alta" })),
        )
        .await;
    expect_status(resp, StatusCode::OK, "edit").await;
    let changed = api_quote(&app, &t, &new_id).await;
    let stale = act(&mut browser, &new_id, "enviar", &csrf, &stale_tag).await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    assert!(stale
        .body
        .contains("Alguien cambió esta cotización mientras la veías"));
    assert!(stale.body.contains(r#"<dd id="estado">Borrador</dd>"#));
    assert_ne!(
        version(&stale),
        stale_tag,
        "the form carries the new version"
    );
    assert_eq!(
        api_quote(&app, &t, &new_id).await,
        changed,
        "nothing changed"
    );
    // With the new version it goes.
    let sent = act(&mut browser, &new_id, "enviar", &csrf, &version(&stale)).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    assert_eq!(api_quote(&app, &t, &new_id).await["status"], "sent");
    // A stale accept or revise too (the API's operations take no If-Match; the
    // page's forms are checked all the same).
    let stale = act(&mut browser, &new_id, "aceptar", &csrf, &stale_tag).await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert_eq!(api_quote(&app, &t, &new_id).await["status"], "sent");
    app.cleanup().await;
}

#[tokio::test]
async fn a_viewer_sees_no_action_and_another_shop_cannot_act() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-cots")).await;
    let client = app.new_client(&t.admin_token, "Aluminios Pérez").await;
    let quote = app.create_quote(&t.admin_token, body(&client, 120)).await;
    let id = quote["id"].as_str().expect("id").to_owned();
    let path = format!("/cotizaciones/{id}");
    let before = api_quote(&app, &t, &id).await;

    // A viewer: no form; its forged posts (own token, the right version) 403.
    let email = add_user(&app, &t, "viewer").await;
    let mut viewer = Browser::signed_in(&app, &t.slug, &email).await;
    let page = viewer.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(buttons(&page).is_empty());
    assert!(!page.body.contains(r#"id="acciones""#));
    assert!(page
        .body
        .contains("Solo lectura: tu rol no permite cambiar cotizaciones."));
    let csrf = page.csrf();
    let resp = app
        .get(&format!("/api/v1/quotes/{id}"), &t.admin_token)
        .await;
    let tag = resp.headers()["etag"].to_str().expect("etag").to_owned();
    for what in ["enviar", "aceptar", "rechazar", "revisar", "duplicar"] {
        let forged = act(&mut viewer, &id, what, &csrf, &tag).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{what}");
    }
    assert_eq!(api_quote(&app, &t, &id).await, before);
    assert_eq!(
        app.get_json("/api/v1/quotes", &t.admin_token).await["total"],
        1
    );

    // A writer with a made-up token or from another site: 403 as well.
    let mut admin = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let page = admin.get(&path).await;
    assert_eq!(version(&page), tag, "the page carries the API's ETag");
    assert_eq!(
        act(&mut admin, &id, "enviar", "00ff", &tag).await.status,
        StatusCode::FORBIDDEN
    );
    let csrf = page.csrf();
    let cross = admin
        .post_with(
            &format!("{path}/enviar"),
            &[("csrf", &csrf), ("version", &tag)],
            &[("origin", "https://evil.example")],
        )
        .await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
    assert_eq!(api_quote(&app, &t, &id).await, before);

    // Another shop: 404 on the page, its posts change nothing.
    let b = app.onboard(&slug("web-cots-b")).await;
    let mut other = Browser::signed_in(&app, &b.slug, &b.admin_email).await;
    let page = other.get(&path).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(!page.body.contains("Aluminios Pérez"));
    let csrf = other.get("/cotizaciones").await.csrf();
    for what in ["enviar", "duplicar", "revisar"] {
        let forged = act(&mut other, &id, what, &csrf, &tag).await;
        assert_eq!(forged.status, StatusCode::NOT_FOUND, "{what}");
        assert!(!forged.body.contains("Aluminios Pérez"));
    }
    assert_eq!(api_quote(&app, &t, &id).await, before);
    assert_eq!(
        app.get_json("/api/v1/quotes", &b.admin_token).await["total"],
        0
    );
    assert_eq!(
        app.get_json("/api/v1/quotes", &t.admin_token).await["total"],
        1
    );
    app.cleanup().await;
}

#[tokio::test]
async fn sending_after_a_price_change_says_so_with_both_totals_and_keeps_a_draft() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-cots")).await;
    let client = app.new_client(&t.admin_token, "Cliente").await;
    let quote = app
        .create_quote(
            &t.admin_token,
            json!({ "client_id": client, "items": [{ "product": "VEN-FIJA-NAC3",
                    "width_cm": "100", "height_cm": "80", "quantity": 1,
                    "glass": "VID-CLARO-6" }] }),
        )
        .await;
    let id = quote["id"].as_str().expect("id").to_owned();
    let mut browser = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let page = browser.get(&format!("/cotizaciones/{id}")).await;
    app.set_price("VID-CLARO-6", &t.admin_token, "150.00").await;

    let refused = act(&mut browser, &id, "enviar", &page.csrf(), &version(&page)).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    let now = api_quote(&app, &t, &id).await;
    assert_eq!(now["status"], "draft");
    assert_ne!(now["total"], quote["total"]);
    let message = format!(
        "se guardó con los precios de hoy y ahora suma {} en vez de {}",
        pesos(now["total"].as_str().expect("total")),
        pesos(quote["total"].as_str().expect("total"))
    );
    assert!(refused.body.contains(&message), "{}", refused.body);
    assert!(refused
        .body
        .contains(&pesos(now["total"].as_str().expect("total"))));
    // The page answered carries the new version: sending again goes.
    let sent = act(
        &mut browser,
        &id,
        "enviar",
        &refused.csrf(),
        &version(&refused),
    )
    .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    assert_eq!(api_quote(&app, &t, &id).await["status"], "sent");
    app.cleanup().await;
}
