//! Administración > Webhooks: the shop's webhooks, a new one (its secret shown
//! once), a new secret for one (shown once too) and removing one, for admins only; roles, CSRF and shops apart. Every
//! write is checked through `GET /api/v1/webhooks`.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use super::add_user;
use super::browser::Browser;
use crate::helpers::{expect_status, slug, spawn_app, TestApp, TestTenant};

const PATH: &str = "/administracion/webhooks";

/// The API's webhooks: (id, url, events), oldest first.
async fn api_webhooks(app: &TestApp, t: &TestTenant) -> Vec<(String, String, Vec<String>)> {
    let items = app.get_items("/api/v1/webhooks", &t.admin_token).await;
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    items
        .as_array()
        .expect("items")
        .iter()
        .map(|w| {
            let events = w["events"].as_array().expect("events");
            (
                text(&w["id"]),
                text(&w["url"]),
                events.iter().map(text).collect(),
            )
        })
        .collect()
}

/// The API's `secret_version` of a webhook.
async fn secret_version(app: &TestApp, t: &TestTenant, id: &str) -> i64 {
    let webhook = app
        .get_json(&format!("/api/v1/webhooks/{id}"), &t.admin_token)
        .await;
    webhook["secret_version"].as_i64().expect("secret_version")
}

/// The secret shown on a page, in its read-only input.
fn shown_secret(body: &str) -> String {
    body.split(r#"id="secreto" value=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the secret")
        .to_owned()
}

/// A webhook registered through the API; its id.
async fn api_create(app: &TestApp, t: &TestTenant, url: &str) -> String {
    let body = json!({ "url": url, "events": ["price.changed"] });
    let resp = app
        .request(
            Method::POST,
            "/api/v1/webhooks",
            Some(&t.admin_token),
            Some(body),
        )
        .await;
    let made = expect_status(resp, StatusCode::CREATED, "webhook").await;
    made["id"].as_str().expect("id").to_owned()
}

#[tokio::test]
async fn an_admin_registers_and_deletes_webhooks_the_api_then_shows() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-wh")).await;
    let mut admin = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let landing = admin.get("/administracion").await;
    assert!(landing
        .body
        .contains(r#"<a href="/administracion/webhooks">Webhooks</a>"#));
    let page = admin.get(PATH).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains(r#"id="sin-webhooks""#));
    for name in ["price.changed", "price_update.applied"] {
        let checkbox = format!(r#"name="evento" value="{name}" checked"#);
        assert!(page.body.contains(&checkbox), "{name}");
    }
    let csrf = page.csrf();

    // Bad values: each named, what was typed kept, nothing written.
    let good = "https://erp.example.com/hooks";
    for (url, events, id, says) in [
        (
            "ftp://erp.example.com/x",
            &["price.changed"][..],
            "url",
            "Revisa la URL",
        ),
        (
            "https://u:p@erp.example.com/x",
            &["price.changed"],
            "url",
            "Revisa la URL",
        ),
        ("no es url", &["price.changed"], "url", "Revisa la URL"),
        ("", &["price.changed"], "url", "Revisa la URL"),
        (
            "https://erp.example.com/\0",
            &["price.changed"],
            "url",
            "Revisa «URL»: tiene",
        ),
        (good, &[], "eventos", "Elige al menos un evento."),
        (
            good,
            &["price.changed", "quote.sent"],
            "eventos",
            "Elige eventos de la lista.",
        ),
    ] {
        let mut fields = vec![("csrf", csrf.as_str()), ("url", url)];
        fields.extend(events.iter().map(|e| ("evento", *e)));
        let refused = admin.post(PATH, &fields).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{url} {events:?}"
        );
        assert!(
            refused.body.contains(&format!(r#"id="{id}-error">{says}"#)),
            "{url} {events:?}: {}",
            refused.body
        );
        assert!(refused.body.contains("No se guardó nada."));
    }
    let both = admin
        .post(PATH, &[("csrf", csrf.as_str()), ("url", "gopher://x")])
        .await;
    assert_eq!(both.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(both.body.contains(r#"id="url-error""#) && both.body.contains(r#"id="eventos-error""#));
    assert!(both.body.contains(r#"value="gopher://x""#));
    assert!(!both.body.contains(r#"value="price.changed" checked"#));
    assert_eq!(api_webhooks(&app, &t).await, vec![], "nothing written");

    // Registered: the secret on the answer only; the API lists it.
    let made = admin
        .post(
            PATH,
            &[
                ("csrf", csrf.as_str()),
                ("url", " https://erp.example.com/hooks "),
                ("evento", "price_update.applied"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    assert!(made.body.contains("no se volverá a mostrar"));
    let secret = shown_secret(&made.body);
    assert!(
        secret.starts_with("whsec_") && secret.len() > 20,
        "{secret}"
    );
    let list = api_webhooks(&app, &t).await;
    assert_eq!(list.len(), 1);
    let (id, url, events) = list[0].clone();
    assert_eq!(url, good);
    assert_eq!(events, vec!["price_update.applied".to_owned()]);
    let page = admin.get(PATH).await;
    assert!(!page.body.contains(&secret), "shown once");
    let row = page.tr(&format!("w-{id}"));
    assert!(
        row.contains(good) && row.contains("(price_update.applied)"),
        "{row}"
    );
    assert!(!row.contains("(price.changed)"), "{row}");
    assert!(row.contains(&format!(
        r#"action="/administracion/webhooks/{id}/eliminar""#
    )));

    // A new secret: shown once on the answer, another one each time; the API's
    // secret version grows and the page never lists it again.
    assert_eq!(secret_version(&app, &t, &id).await, 1);
    let rotate = format!("{PATH}/{id}/rotar");
    assert!(row.contains(&format!(r#"action="{rotate}""#)), "{row}");
    assert!(row.contains(&format!(r#"aria-label="Rotar secreto: {good}""#)));
    let rotated = admin.post(&rotate, &[("csrf", csrf.as_str())]).await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.body);
    assert!(rotated
        .body
        .contains(r#"<h2 id="registrado-titulo">Secreto nuevo</h2>"#));
    assert!(rotated.body.contains("no se volverá a mostrar"));
    let new_secret = shown_secret(&rotated.body);
    assert!(
        new_secret.starts_with("whsec_") && new_secret != secret,
        "{new_secret}"
    );
    assert_eq!(secret_version(&app, &t, &id).await, 2);
    let again = admin.post(&rotate, &[("csrf", csrf.as_str())]).await;
    let third = shown_secret(&again.body);
    assert!(third != new_secret && third != secret);
    assert_eq!(secret_version(&app, &t, &id).await, 3);
    let page = admin.get(PATH).await;
    assert!(!page.body.contains(&third) && !page.body.contains(r#"id="secreto""#));

    // One made by the API shows too; deleting it here is seen by the API.
    let other = api_create(&app, &t, "https://tienda.example.com/h").await;
    assert!(admin
        .get(PATH)
        .await
        .tr(&format!("w-{other}"))
        .contains("tienda.example.com"));
    // Its deliveries, read only, as the API lists them; none for the first.
    app.set_price("PER-NAC3-RS", &t.admin_token, "75").await;
    let api = app
        .get_items(
            &format!("/api/v1/webhooks/{other}/deliveries"),
            &t.admin_token,
        )
        .await;
    assert_eq!(api.as_array().map(Vec::len), Some(1), "{api}");
    let status = match api[0]["status"].as_str() {
        Some("pending") => "Pendiente",
        Some("delivered") => "Entregada",
        _ => "Fallida",
    };
    let page = admin.get(&format!("{PATH}/{other}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("https://tienda.example.com/h"));
    let table = page.body.split(r#"id="entregas""#).nth(1).expect("a table");
    assert!(table.contains("Cambió el precio de un material") && table.contains(status));
    assert_eq!(
        table.matches("<tr>").count(),
        2,
        "the header and one delivery"
    );
    let none = admin.get(&format!("{PATH}/{id}")).await;
    assert!(none.body.contains(r#"id="sin-entregas""#), "{}", none.body);

    let token = [("csrf", csrf.as_str())];
    let removed = admin
        .post(&format!("{PATH}/{other}/eliminar"), &token)
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    let page = admin.get(removed.location()).await;
    assert!(page.body.contains("Se eliminó el webhook"));
    assert!(!page.body.contains("tienda.example.com"));
    let list = api_webhooks(&app, &t).await;
    assert_eq!(
        list.iter().map(|w| w.0.clone()).collect::<Vec<_>>(),
        vec![id.clone()]
    );

    // Gone already, not an id: 404, nothing removed.
    for path in [other.as_str(), "nada"] {
        let resp = admin.post(&format!("{PATH}/{path}/eliminar"), &token).await;
        assert_eq!(resp.status, StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(api_webhooks(&app, &t).await, list);
    for path in [other.as_str(), "nada"] {
        let resp = admin.post(&format!("{PATH}/{path}/rotar"), &token).await;
        assert_eq!(resp.status, StatusCode::NOT_FOUND, "{path}");
        let resp = admin.get(&format!("{PATH}/{path}")).await;
        assert_eq!(resp.status, StatusCode::NOT_FOUND, "{path}");
    }

    // The 17th webhook: 409 on the form, nothing written.
    for n in 1..16 {
        api_create(&app, &t, &format!("https://erp.example.com/{n}")).await;
    }
    let fields = [
        ("csrf", csrf.as_str()),
        ("url", good),
        ("evento", "price.changed"),
    ];
    let refused = admin.post(PATH, &fields).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused
        .body
        .contains(r#"id="url-error">El taller ya tiene 16 webhooks"#));
    assert_eq!(api_webhooks(&app, &t).await.len(), 16);
    app.cleanup().await;
}

#[tokio::test]
async fn estimators_viewers_forged_posts_and_other_shops_change_nothing() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-wh-rl")).await;
    let other = app.onboard(&slug("web-wh-ot")).await;
    let mut admin = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let csrf = admin.get(PATH).await.csrf();
    let id = api_create(&app, &t, "https://secreto-de-a.example.com/h").await;
    let before = api_webhooks(&app, &t).await;
    let remove = format!("{PATH}/{id}/eliminar");
    let rotate = format!("{PATH}/{id}/rotar");
    let new = |token: &str| {
        [
            ("csrf", token.to_owned()),
            ("url", "https://evil.example.com/h".to_owned()),
            ("evento", "price.changed".to_owned()),
        ]
    };

    for role in ["estimator", "viewer"] {
        let email = add_user(&app, &t, role).await;
        let mut browser = Browser::signed_in(&app, &t.slug, &email).await;
        let own = browser.get("/catalogo").await;
        assert!(!own.body.contains("/administracion"), "{role}");
        assert_eq!(
            browser.get(PATH).await.status,
            StatusCode::FORBIDDEN,
            "{role}"
        );
        let resp = browser.get(&format!("{PATH}/{id}")).await;
        assert_eq!(resp.status, StatusCode::FORBIDDEN, "{role}");
        let token = own.csrf();
        let fields = new(&token);
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let resp = browser.post(PATH, &fields).await;
        assert_eq!(resp.status, StatusCode::FORBIDDEN, "{role}");
        assert!(resp.body.contains("Tu rol no permite esta acción"));
        let resp = browser.post(&remove, &[("csrf", token.as_str())]).await;
        assert_eq!(resp.status, StatusCode::FORBIDDEN, "{role}");
        let resp = browser.post(&rotate, &[("csrf", token.as_str())]).await;
        assert_eq!(resp.status, StatusCode::FORBIDDEN, "{role}");
        assert!(!resp.body.contains("whsec_"));
    }
    let evil: &[(&str, &str)] = &[("origin", "https://evil.example")];
    for (token, headers) in [("deadbeef", &[][..]), (csrf.as_str(), evil)] {
        let fields = new(token);
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let resp = admin.post_with(PATH, &fields, headers).await;
        assert_eq!(resp.status, StatusCode::FORBIDDEN);
        assert!(resp.body.contains("No pudimos verificar el formulario"));
        let resp = admin.post_with(&remove, &[("csrf", token)], headers).await;
        assert_eq!(resp.status, StatusCode::FORBIDDEN);
        let resp = admin.post_with(&rotate, &[("csrf", token)], headers).await;
        assert_eq!(resp.status, StatusCode::FORBIDDEN);
        assert!(!resp.body.contains("whsec_"));
    }
    assert_eq!(api_webhooks(&app, &t).await, before, "nothing changed");
    assert_eq!(secret_version(&app, &t, &id).await, 1, "the secret kept");

    // Another shop neither sees nor deletes this shop's webhook.
    let mut stranger = Browser::signed_in(&app, &other.slug, &other.admin_email).await;
    let page = stranger.get(PATH).await;
    assert!(!page.body.contains("secreto-de-a"));
    let token = page.csrf();
    let resp = stranger.post(&remove, &[("csrf", token.as_str())]).await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
    let resp = stranger.post(&rotate, &[("csrf", token.as_str())]).await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
    assert!(!resp.body.contains("whsec_"));
    let resp = stranger.get(&format!("{PATH}/{id}")).await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
    let fields = new(&token);
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let made = stranger.post(PATH, &fields).await;
    assert_eq!(made.status, StatusCode::CREATED);
    assert_eq!(api_webhooks(&app, &other).await.len(), 1);
    assert_eq!(
        api_webhooks(&app, &t).await,
        before,
        "this shop's unchanged"
    );
    assert_eq!(secret_version(&app, &t, &id).await, 1);
    app.cleanup().await;
}
