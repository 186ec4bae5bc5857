//! Administración > Colores: the colours profiles come in, the shop's own over the
//! defaults; a new colour, a rename and removing the shop's own, for admins only;
//! roles, CSRF and shops apart. Every write is checked through
//! `GET /api/v1/colours`.

use reqwest::StatusCode;
use serde_json::Value;

use super::add_user;
use super::browser::Browser;
use crate::helpers::{slug, spawn_app, TestApp, TestTenant};

const PATH: &str = "/administracion/colores";

/// The API's colours: (code, name, source), by code.
async fn api_colours(app: &TestApp, t: &TestTenant) -> Vec<(String, String, String)> {
    let items = app.get_items("/api/v1/colours", &t.admin_token).await;
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    items
        .as_array()
        .expect("items")
        .iter()
        .map(|c| (text(&c["code"]), text(&c["name"]), text(&c["source"])))
        .collect()
}

/// The API's colour `code`, if listed.
async fn api_colour(app: &TestApp, t: &TestTenant, code: &str) -> Option<(String, String)> {
    api_colours(app, t)
        .await
        .into_iter()
        .find(|c| c.0 == code)
        .map(|c| (c.1, c.2))
}

fn colour(name: &str, source: &str) -> Option<(String, String)> {
    Some((name.to_owned(), source.to_owned()))
}

#[tokio::test]
async fn an_admin_adds_renames_and_removes_colours_the_api_then_shows() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-col")).await;
    let mut admin = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let landing = admin.get("/administracion").await;
    assert!(landing
        .body
        .contains(r#"<a href="/administracion/colores">Colores</a>"#));
    let page = admin.get(PATH).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let row = page.tr("c-BLA");
    assert!(
        row.contains("Blanco") && row.contains("Predeterminado"),
        "{row}"
    );
    assert!(
        !row.contains("/quitar"),
        "a default cannot be removed: {row}"
    );
    let csrf = page.csrf();
    let before = api_colours(&app, &t).await;

    // A new colour's bad values: each named, what was typed kept, nothing written.
    let long = "x".repeat(101);
    for (code, name, id, says) in [
        ("rojo", "Rojo", "clave", "Revisa la clave"),
        ("", "Rojo", "clave", "Revisa la clave"),
        (
            "ROJO-MUY-LARGO-DE-VERDAD",
            "Rojo",
            "clave",
            "Revisa la clave",
        ),
        ("RO\0J", "Rojo", "clave", "Revisa «Clave»: tiene"),
        ("ROJ", "  ", "nombre", "Escribe el nombre"),
        ("ROJ", long.as_str(), "nombre", "Escribe el nombre"),
        ("ROJ", "Ro\0jo", "nombre", "Revisa «Nombre»: tiene"),
    ] {
        let fields = [("csrf", csrf.as_str()), ("clave", code), ("nombre", name)];
        let refused = admin.post(PATH, &fields).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{code}");
        assert!(
            refused.body.contains(&format!(r#"id="{id}-error">{says}"#)),
            "{code} {name}: {}",
            refused.body
        );
    }
    let both = [("csrf", csrf.as_str()), ("clave", "rojo"), ("nombre", "")];
    let refused = admin.post(PATH, &both).await;
    assert!(
        refused.body.contains(r#"id="clave-error""#)
            && refused.body.contains(r#"id="nombre-error""#)
    );
    assert!(refused.body.contains(r#"value="rojo""#));
    assert_eq!(api_colours(&app, &t).await, before, "nothing written");

    // A new colour, then a default renamed: both the shop's own in the API.
    let fields = [
        ("csrf", csrf.as_str()),
        ("clave", "ROJ"),
        ("nombre", " Rojo Ferrari "),
    ];
    let saved = admin.post(PATH, &fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let page = admin.get(saved.location()).await;
    assert!(page.body.contains("Se guardó el color ROJ."));
    assert!(page.tr("c-ROJ").contains("Propio"));
    assert_eq!(
        api_colour(&app, &t, "ROJ").await,
        colour("Rojo Ferrari", "tenant")
    );
    let fields = [("csrf", csrf.as_str()), ("nombre", "Champaña")];
    let saved = admin.post(&format!("{PATH}/CHA"), &fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(
        api_colour(&app, &t, "CHA").await,
        colour("Champaña", "tenant")
    );

    // A bad rename is named on its row; nothing written.
    let snapshot = api_colours(&app, &t).await;
    for (name, says) in [
        ("", "Escribe el nombre"),
        ("Cha\0", "Revisa «Nombre»: tiene"),
    ] {
        let fields = [("csrf", csrf.as_str()), ("nombre", name)];
        let refused = admin.post(&format!("{PATH}/CHA"), &fields).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused
                .body
                .contains(&format!(r#"id="error-CHA">CHA: {says}"#)),
            "{}",
            refused.body
        );
    }
    assert_eq!(api_colours(&app, &t).await, snapshot, "nothing written");

    // Removing the shop's own: the default comes back; a colour of its own only
    // is gone.
    let token = [("csrf", csrf.as_str())];
    for code in ["CHA", "ROJ"] {
        let removed = admin.post(&format!("{PATH}/{code}/quitar"), &token).await;
        assert_eq!(removed.status, StatusCode::SEE_OTHER, "{code}");
    }
    let page = admin.get(&format!("{PATH}?aviso=quitado&clave=ROJ")).await;
    assert!(page.body.contains("Se quitó el color propio ROJ."));
    assert_eq!(
        api_colour(&app, &t, "CHA").await,
        colour("Champagne", "global")
    );
    assert_eq!(api_colour(&app, &t, "ROJ").await, None);
    assert_eq!(api_colours(&app, &t).await, before);

    // A default, a colour that is not there: 404 for a removal or a rename.
    for code in ["BLA", "ROJ"] {
        let resp = admin.post(&format!("{PATH}/{code}/quitar"), &token).await;
        assert_eq!(resp.status, StatusCode::NOT_FOUND, "{code}");
    }
    let fields = [("csrf", csrf.as_str()), ("nombre", "Rojo")];
    let resp = admin.post(&format!("{PATH}/ROJ"), &fields).await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
    assert_eq!(api_colours(&app, &t).await, before, "nothing written");
    app.cleanup().await;
}

#[tokio::test]
async fn estimators_viewers_forged_posts_and_other_shops_change_nothing() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-col-rl")).await;
    let other = app.onboard(&slug("web-col-ot")).await;
    let mut admin = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let csrf = admin.get(PATH).await.csrf();
    let fields = [
        ("csrf", csrf.as_str()),
        ("clave", "SEC"),
        ("nombre", "Secreto de A"),
    ];
    assert_eq!(
        admin.post(PATH, &fields).await.status,
        StatusCode::SEE_OTHER
    );
    let before = api_colours(&app, &t).await;

    for role in ["estimator", "viewer"] {
        let email = add_user(&app, &t, role).await;
        let mut browser = Browser::signed_in(&app, &t.slug, &email).await;
        let own = browser.get("/catalogo").await;
        assert_eq!(
            browser.get(PATH).await.status,
            StatusCode::FORBIDDEN,
            "{role}"
        );
        let token = own.csrf();
        let new = [
            ("csrf", token.as_str()),
            ("clave", "ROJ"),
            ("nombre", "Rojo"),
        ];
        let resp = browser.post(PATH, &new).await;
        assert_eq!(resp.status, StatusCode::FORBIDDEN, "{role}");
        assert!(resp.body.contains("Tu rol no permite esta acción"));
        let rename = [("csrf", token.as_str()), ("nombre", "Otro")];
        let resp = browser.post(&format!("{PATH}/SEC"), &rename).await;
        assert_eq!(resp.status, StatusCode::FORBIDDEN, "{role}");
        let resp = browser
            .post(&format!("{PATH}/SEC/quitar"), &[("csrf", token.as_str())])
            .await;
        assert_eq!(resp.status, StatusCode::FORBIDDEN, "{role}");
    }
    let evil: &[(&str, &str)] = &[("origin", "https://evil.example")];
    for (token, headers) in [("deadbeef", &[][..]), (csrf.as_str(), evil)] {
        let new = [("csrf", token), ("clave", "ROJ"), ("nombre", "Rojo")];
        let resp = admin.post_with(PATH, &new, headers).await;
        assert_eq!(resp.status, StatusCode::FORBIDDEN);
        assert!(resp.body.contains("No pudimos verificar el formulario"));
        let rename = [("csrf", token), ("nombre", "Otro")];
        let resp = admin
            .post_with(&format!("{PATH}/SEC"), &rename, headers)
            .await;
        assert_eq!(resp.status, StatusCode::FORBIDDEN);
        let resp = admin
            .post_with(&format!("{PATH}/SEC/quitar"), &[("csrf", token)], headers)
            .await;
        assert_eq!(resp.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(api_colours(&app, &t).await, before, "nothing changed");

    // Another shop neither sees, renames nor removes this shop's colour.
    let mut stranger = Browser::signed_in(&app, &other.slug, &other.admin_email).await;
    let page = stranger.get(PATH).await;
    assert!(!page.body.contains("Secreto de A"));
    let token = page.csrf();
    let rename = [("csrf", token.as_str()), ("nombre", "Robado")];
    let resp = stranger.post(&format!("{PATH}/SEC"), &rename).await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
    let resp = stranger
        .post(&format!("{PATH}/SEC/quitar"), &[("csrf", token.as_str())])
        .await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
    assert_eq!(api_colour(&app, &other, "SEC").await, None);
    assert_eq!(api_colours(&app, &t).await, before, "this shop's unchanged");
    app.cleanup().await;
}
