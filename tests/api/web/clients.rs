//! Clientes: list, search and paging; create and edit with Spanish field messages
//! and the stale-edit check; archive and restore; roles, CSRF and shops apart.
//! Every write is checked through the API's `GET /api/v1/clients`.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use super::add_user;
use super::browser::{unescape, Browser, Page};
use crate::helpers::{expect_status, slug, spawn_app, TestApp, TestTenant};

/// Adds a client through the API; returns its id.
async fn api_client(app: &TestApp, t: &TestTenant, body: Value) -> String {
    let resp = app
        .request(
            Method::POST,
            "/api/v1/clients",
            Some(&t.admin_token),
            Some(body),
        )
        .await;
    let client = expect_status(resp, StatusCode::CREATED, "create client").await;
    client["id"].as_str().expect("id").to_owned()
}

async fn api_get(app: &TestApp, t: &TestTenant, id: &str) -> Value {
    app.get_json(&format!("/api/v1/clients/{id}"), &t.admin_token)
        .await
}

/// Every client of the shop through the API, archived too.
async fn api_all(app: &TestApp, t: &TestTenant) -> Value {
    app.get_json(
        "/api/v1/clients?include_inactive=true&limit=100",
        &t.admin_token,
    )
    .await
}

/// The client form's fields as a browser sends them.
fn form<'a>(
    csrf: &'a str,
    version: &'a str,
    values: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("csrf", csrf),
        ("version", version),
        ("nombre", ""),
        ("rfc", ""),
        ("correo", ""),
        ("telefono", ""),
        ("direccion", ""),
        ("notas", ""),
        ("descuento", ""),
    ];
    for (name, value) in values {
        let slot = fields
            .iter_mut()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no field {name}"));
        slot.1 = value;
    }
    fields
}

/// The version the client's form carries.
fn version(page: &Page) -> String {
    page.hidden_fields("cliente")
        .into_iter()
        .find(|(n, _)| n == "version")
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("no version in {}", page.body))
}

/// The client names the list shows, in order.
fn names(page: &Page) -> Vec<String> {
    let re = regex::Regex::new(r#"<a href="/clientes/[0-9a-f-]{36}">([^<]+)</a>"#).expect("regex");
    re.captures_iter(&page.body)
        .map(|c| unescape(&c[1]))
        .collect()
}

#[tokio::test]
async fn an_estimator_creates_searches_and_edits_clients_the_api_then_shows() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-cl")).await;
    let email = add_user(&app, &t, "estimator").await;
    let mut browser = Browser::signed_in(&app, &t.slug, &email).await;
    let list = browser.get("/clientes").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert!(list
        .body
        .contains(r#"href="/clientes" aria-current="page">Clientes"#));
    assert!(
        list.body.contains("Clientes que coinciden: 0,"),
        "{}",
        list.body
    );
    assert!(list.body.contains("Ningún cliente coincide"));

    // A bad RFC and email: each field says what is wrong; nothing is written.
    let new = browser.get("/clientes/nuevo").await;
    assert_eq!(new.status, StatusCode::OK);
    let csrf = new.csrf();
    let bad = form(
        &csrf,
        "",
        &[
            ("nombre", "Constructora del Valle"),
            ("rfc", "CDV01"),
            ("correo", "ventas-sin-arroba"),
            ("descuento", "5"),
        ],
    );
    let refused = browser.post("/clientes/nuevo", &bad).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = &refused.body;
    assert!(body.contains("Revisa los campos marcados. No se guardó nada."));
    assert!(
        body.contains(r#"<p class="field-error" id="rfc-error">Revisa «RFC»"#),
        "{body}"
    );
    assert!(
        body.contains(r#"id="correo-error">Revisa «Correo electrónico»"#),
        "{body}"
    );
    assert!(!body.contains("nombre-error"), "the name was fine");
    assert!(
        body.contains(r#"value="ventas-sin-arroba""#),
        "what was typed stays"
    );
    let nul = form(&csrf, "", &[("nombre", "Ana"), ("telefono", "81\u{0}12")]);
    let refused = browser.post("/clientes/nuevo", &nul).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not a 500"
    );
    assert!(refused
        .body
        .contains(r#"id="telefono-error">Revisa «Teléfono»: tiene un carácter"#));
    assert_eq!(api_all(&app, &t).await["total"], 0);

    let good = form(
        &csrf,
        "",
        &[
            ("nombre", " Constructora del Valle "),
            ("rfc", "cdv010101ab1"),
            ("correo", "Ventas@Example.MX"),
            ("telefono", "81 1234 5678"),
            ("direccion", "Av. Juárez 10, Monterrey"),
            ("notas", "Pagan a 30 días"),
            ("descuento", "7.5"),
        ],
    );
    let done = browser.post("/clientes/nuevo", &good).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let id = done
        .location()
        .strip_prefix("/clientes/")
        .and_then(|rest| rest.strip_suffix("?aviso=creado"))
        .unwrap_or_else(|| panic!("{}", done.location()))
        .to_owned();
    let client = api_get(&app, &t, &id).await;
    assert_eq!(client["name"], "Constructora del Valle");
    assert_eq!(client["rfc"], "CDV010101AB1");
    assert_eq!(client["email"], "ventas@example.mx");
    assert_eq!(client["phone"], "81 1234 5678");
    assert_eq!(client["address"], "Av. Juárez 10, Monterrey");
    assert_eq!(client["notes"], "Pagan a 30 días");
    assert_eq!(client["discount_rate"], "0.0750");
    assert_eq!(client["active"], true);
    let page = browser.get(done.location()).await;
    assert!(page.body.contains("Se agregó a Constructora del Valle."));
    assert!(
        page.body.contains(r#"value="7.5""#),
        "the discount in percent"
    );

    // Search by name, RFC or email, as the API's `search`.
    api_client(
        &app,
        &t,
        json!({ "name": "Ana López", "email": "ana@correo.mx" }),
    )
    .await;
    api_client(
        &app,
        &t,
        json!({ "name": "Beto Ruiz", "rfc": "RUBE800101XY9" }),
    )
    .await;
    let all = browser.get("/clientes").await;
    assert_eq!(
        names(&all),
        ["Ana López", "Beto Ruiz", "Constructora del Valle"]
    );
    assert!(all.body.contains("Clientes que coinciden: 3,"));
    assert!(all.body.contains(&format!(r#"<a href="/clientes/{id}">"#)));
    for (q, expected) in [
        ("valle", "Constructora del Valle"),
        ("rube8001", "Beto Ruiz"),
        ("ANA@CORREO", "Ana López"),
    ] {
        let found = browser.get(&format!("/clientes?q={q}")).await;
        assert_eq!(names(&found), [expected], "{q}");
        assert!(found.body.contains("Clientes que coinciden: 1,"), "{q}");
    }
    let long = "x".repeat(101);
    let refused = browser.get(&format!("/clientes?q={long}")).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("hasta 100 caracteres"));

    // Edit: the phone and discount change; a bad email changes nothing.
    let read_at = version(&page);
    let change = form(
        &csrf,
        &read_at,
        &[
            ("nombre", "Constructora del Valle"),
            ("rfc", "CDV010101AB1"),
            ("correo", "ventas@example.mx"),
            ("telefono", "81 0000 1111"),
            ("direccion", "Av. Juárez 10, Monterrey"),
            ("notas", ""),
            ("descuento", "10"),
        ],
    );
    let saved = browser.post(&format!("/clientes/{id}"), &change).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(saved.location(), format!("/clientes/{id}?aviso=guardado"));
    let client = api_get(&app, &t, &id).await;
    assert_eq!(client["phone"], "81 0000 1111");
    assert_eq!(client["discount_rate"], "0.1000");
    assert!(client.get("notes").is_none(), "emptied: {client}");
    let page = browser.get(saved.location()).await;
    assert!(page
        .body
        .contains("Se guardaron los cambios de Constructora del Valle."));
    let now = version(&page);
    assert_ne!(now, read_at, "the version moved");
    let mut bad = change.clone();
    bad.iter_mut().for_each(|f| match f.0 {
        "version" => f.1 = &now,
        "correo" => f.1 = "sin arroba",
        "descuento" => f.1 = "150",
        _ => {}
    });
    let refused = browser.post(&format!("/clientes/{id}"), &bad).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains(r#"id="correo-error""#));
    assert!(refused
        .body
        .contains(r#"id="descuento-error">Revisa «Descuento habitual»"#));
    assert_eq!(api_get(&app, &t, &id).await, client, "nothing written");

    // A form read before the last change: nothing is saved, the page says what
    // the user typed and what the client has now.
    let mut old = change.clone();
    old.iter_mut().for_each(|f| {
        if f.0 == "telefono" {
            f.1 = "55 9999 8888";
        }
    });
    let stale = browser.post(&format!("/clientes/{id}"), &old).await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    assert!(
        stale.body.contains("Alguien más cambió este cliente"),
        "{}",
        stale.body
    );
    assert!(
        stale
            .body
            .contains("Teléfono: escribiste «55 9999 8888»; ahora es «81 0000 1111»."),
        "{}",
        stale.body
    );
    assert!(
        stale.body.contains(r#"value="81 0000 1111""#),
        "the form shows what is stored"
    );
    assert_eq!(version(&stale), now, "the form can now be sent again");
    assert_eq!(api_get(&app, &t, &id).await, client, "nothing written");
    app.cleanup().await;
}

#[tokio::test]
async fn archived_clients_are_hidden_unless_asked_for_and_can_be_restored() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-cl-ar")).await;
    let id = api_client(&app, &t, json!({ "name": "Dora Archivada" })).await;
    api_client(&app, &t, json!({ "name": "Elsa Activa" })).await;
    let mut browser = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let page = browser.get(&format!("/clientes/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = page.csrf();
    let done = browser
        .post(&format!("/clientes/{id}/archivar"), &[("csrf", &csrf)])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location(), format!("/clientes/{id}?aviso=archivado"));
    assert_eq!(api_get(&app, &t, &id).await["active"], false);
    let page = browser.get(done.location()).await;
    assert!(page.body.contains("Dora Archivada quedó archivado."));
    assert!(page.body.contains("Este cliente está archivado"));
    assert!(page
        .body
        .contains(&format!(r#"action="/clientes/{id}/restaurar""#)));

    let list = browser.get("/clientes").await;
    assert_eq!(names(&list), ["Elsa Activa"]);
    let with_archived = browser.get("/clientes?archivados=si").await;
    assert_eq!(names(&with_archived), ["Dora Archivada", "Elsa Activa"]);
    assert!(with_archived.body.contains("Archivado</span>"));
    assert!(with_archived.body.contains(r#"value="si" checked"#));

    let done = browser
        .post(&format!("/clientes/{id}/restaurar"), &[("csrf", &csrf)])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let client = api_get(&app, &t, &id).await;
    assert_eq!(client["active"], true);
    assert_eq!(client["name"], "Dora Archivada", "only the flag changed");
    let page = browser.get(done.location()).await;
    assert!(page.body.contains("Dora Archivada está activo de nuevo."));
    let list = browser.get("/clientes").await;
    assert_eq!(names(&list), ["Dora Archivada", "Elsa Activa"]);
    app.cleanup().await;
}

#[tokio::test]
async fn the_list_pages_with_the_apis_cursor_keeping_the_search() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-cl-pg")).await;
    for n in 0..52 {
        api_client(&app, &t, json!({ "name": format!("Cliente {n:02}") })).await;
    }
    api_client(&app, &t, json!({ "name": "Otro nombre" })).await;
    let mut browser = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let first = browser.get("/clientes?q=cliente").await;
    let shown = names(&first);
    assert_eq!(shown.len(), 50);
    assert_eq!(shown[0], "Cliente 00");
    assert!(first.body.contains("Clientes que coinciden: 52,"));
    let re = regex::Regex::new(r#"<a href="([^"]+)" rel="next">Más clientes</a>"#).expect("regex");
    let next = unescape(&re.captures(&first.body).expect("a next page")[1]);
    assert!(next.starts_with("/clientes?q=cliente&cursor="), "{next}");
    let second = browser.get(&next).await;
    assert_eq!(second.status, StatusCode::OK);
    assert_eq!(names(&second), ["Cliente 50", "Cliente 51"]);
    assert!(!second.body.contains("rel=\"next\""), "the last page");
    assert!(second.body.contains("Volver al principio"));
    let broken = browser.get("/clientes?cursor=nada").await;
    assert_eq!(
        broken.status,
        StatusCode::BAD_REQUEST,
        "the API's answer, as a page"
    );
    assert!(
        broken.body.contains("La solicitud no es válida."),
        "{}",
        broken.body
    );
    app.cleanup().await;
}

#[tokio::test]
async fn a_viewer_sees_no_form_and_a_forged_post_is_refused() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-cl-vw")).await;
    let id = api_client(
        &app,
        &t,
        json!({ "name": "Fausto Gil", "phone": "33 1234 5678" }),
    )
    .await;
    let before = api_all(&app, &t).await;
    let email = add_user(&app, &t, "viewer").await;
    let mut browser = Browser::signed_in(&app, &t.slug, &email).await;
    let list = browser.get("/clientes").await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(names(&list), ["Fausto Gil"]);
    assert!(!list.body.contains("/clientes/nuevo"));
    assert!(list.body.contains("Solo lectura"));
    let page = browser.get(&format!("/clientes/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<dd>33 1234 5678</dd>"), "{}", page.body);
    assert!(!page
        .body
        .contains(r#"<form method="post" action="/clientes"#));
    assert!(!page.body.contains("<input id="), "no field at all");
    assert_eq!(
        browser.get("/clientes/nuevo").await.status,
        StatusCode::FORBIDDEN
    );

    // The viewer's own valid token (from the logout form) and a same-site post.
    let csrf = page.csrf();
    let fields = form(&csrf, "0", &[("nombre", "Cambiado")]);
    for path in [
        "/clientes/nuevo".to_owned(),
        format!("/clientes/{id}"),
        format!("/clientes/{id}/archivar"),
        format!("/clientes/{id}/restaurar"),
    ] {
        let forged = browser.post(&path, &fields).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{path}");
        assert!(
            forged.body.contains("Tu rol no permite esta acción"),
            "{path}"
        );
    }
    assert_eq!(api_all(&app, &t).await, before, "nothing changed");
    app.cleanup().await;
}

#[tokio::test]
async fn client_forms_without_the_sessions_token_or_from_another_site_change_nothing() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-cl-cs")).await;
    let id = api_client(&app, &t, json!({ "name": "Gema Paz" })).await;
    let before = api_all(&app, &t).await;
    let mut browser = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let page = browser.get(&format!("/clientes/{id}")).await;
    let csrf = page.csrf();
    let read_at = version(&page);
    let evil: &[(&str, &str)] = &[("origin", "https://evil.example")];
    for (token, headers, why) in [
        ("deadbeef", &[][..], "a made-up token"),
        (csrf.as_str(), evil, "a foreign Origin"),
    ] {
        let fields = form(token, &read_at, &[("nombre", "Cambiado")]);
        for path in [
            "/clientes/nuevo".to_owned(),
            format!("/clientes/{id}"),
            format!("/clientes/{id}/archivar"),
        ] {
            let resp = browser.post_with(&path, &fields, headers).await;
            assert_eq!(resp.status, StatusCode::FORBIDDEN, "{path}: {why}");
            assert!(
                resp.body.contains("No pudimos verificar el formulario"),
                "{path}: {why}"
            );
        }
    }
    assert_eq!(api_all(&app, &t).await, before, "nothing changed");
    app.cleanup().await;
}

#[tokio::test]
async fn another_shop_never_sees_nor_changes_this_shops_clients() {
    let app = spawn_app().await;
    let a = app.onboard(&slug("web-cl-a")).await;
    let b = app.onboard(&slug("web-cl-b")).await;
    let id = api_client(
        &app,
        &a,
        json!({ "name": "Secreto de A", "rfc": "SEA010101AA1" }),
    )
    .await;
    let before = api_all(&app, &a).await;
    let mut own = Browser::signed_in(&app, &a.slug, &a.admin_email).await;
    assert_eq!(
        names(&own.get("/clientes").await),
        ["Secreto de A"],
        "the check can fail"
    );
    assert_eq!(
        own.get(&format!("/clientes/{id}")).await.status,
        StatusCode::OK
    );

    let mut other = Browser::signed_in(&app, &b.slug, &b.admin_email).await;
    for path in [
        "/clientes",
        "/clientes?q=secreto&archivados=si",
        "/clientes?q=SEA0101",
    ] {
        let page = other.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(!page.body.contains("Secreto"), "{path}");
        assert!(!page.body.contains(&id), "{path}");
    }
    let page = other.get(&format!("/clientes/{id}")).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(!page.body.contains("Secreto"));
    let csrf = other.get("/clientes").await.csrf();
    let fields = form(&csrf, "0", &[("nombre", "Robado")]);
    for path in [
        format!("/clientes/{id}"),
        format!("/clientes/{id}/archivar"),
    ] {
        let resp = other.post(&path, &fields).await;
        assert_eq!(resp.status, StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(
        other.get("/clientes/no-es-un-id").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(api_all(&app, &a).await, before, "nothing changed");
    assert_eq!(api_all(&app, &b).await["total"], 0);
    app.cleanup().await;
}
