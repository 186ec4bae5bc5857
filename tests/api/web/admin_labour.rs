//! Administración > Mano de obra: labour per m² by window type, for admins only;
//! roles, CSRF and shops apart. Every write is checked through
//! `GET /api/v1/labour-rates`.

use reqwest::StatusCode;
use serde_json::Value;

use super::add_user;
use super::browser::Browser;
use crate::helpers::{slug, spawn_app, TestApp, TestTenant};

const PATH: &str = "/administracion/mano-de-obra";

/// The API's (rate, complexity, source) for `window_type`.
async fn api_rate(app: &TestApp, t: &TestTenant, window_type: &str) -> (Value, Value, Value) {
    let items = app.get_items("/api/v1/labour-rates", &t.admin_token).await;
    let rate = items
        .as_array()
        .expect("items")
        .iter()
        .find(|r| r["window_type"] == window_type)
        .cloned()
        .unwrap_or_else(|| panic!("no {window_type} in {items}"));
    (
        rate["rate_per_m2"].clone(),
        rate["complexity"].clone(),
        rate["source"].clone(),
    )
}

#[tokio::test]
async fn an_admin_edits_a_labour_rate_the_api_then_shows() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-mo")).await;
    let mut admin = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let landing = admin.get("/administracion").await;
    assert!(landing
        .body
        .contains(r#"<a href="/administracion/mano-de-obra">Mano de obra</a>"#));
    let page = admin.get(PATH).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains(r#"<tr id="m-corrediza">"#));
    assert!(page.body.contains("Corrediza"));
    let csrf = page.csrf();
    let before = api_rate(&app, &t, "corrediza").await;
    assert_eq!(before.2, "global");

    for (rate, complexity, says) in [
        ("doscientos", "1.2", "revisa la tarifa"),
        ("280.00", "0", "revisa el factor"),
        ("280.00", "uno", "revisa el factor"),
        ("280\0", "1.2", "revisa la tarifa"),
    ] {
        let fields = [
            ("csrf", csrf.as_str()),
            ("tarifa", rate),
            ("complejidad", complexity),
        ];
        let refused = admin.post(&format!("{PATH}/corrediza"), &fields).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{rate} {complexity}"
        );
        assert!(
            refused
                .body
                .contains(&format!(r#"id="error-corrediza">Corrediza: {says}"#)),
            "{rate} {complexity}: {}",
            refused.body
        );
        assert_eq!(
            api_rate(&app, &t, "corrediza").await,
            before,
            "nothing written"
        );
    }
    let fields = [
        ("csrf", csrf.as_str()),
        ("tarifa", "312.50"),
        ("complejidad", "1.15"),
    ];
    let saved = admin.post(&format!("{PATH}/corrediza"), &fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let page = admin.get(saved.location()).await;
    assert!(page
        .body
        .contains("Se guardó la mano de obra de Corrediza."));
    assert!(page.body.contains("$312.50"));
    let after = api_rate(&app, &t, "corrediza").await;
    assert_eq!(after, ("312.50".into(), "1.150".into(), "tenant".into()));
    let unknown = admin.post(&format!("{PATH}/redonda"), &fields).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    // "Restaurar predeterminada" on the shop's own rate only: the API's DELETE,
    // the default applies again; a second time, or an unknown type, is 404.
    assert!(page
        .tr("m-corrediza")
        .contains(r#"id="restaurar-corrediza""#));
    assert!(!page.tr("m-fija").contains("restaurar"));
    let token = [("csrf", csrf.as_str())];
    let restore = format!("{PATH}/corrediza/restaurar");
    let restored = admin.post(&restore, &token).await;
    assert_eq!(restored.status, StatusCode::SEE_OTHER, "{}", restored.body);
    let page = admin.get(restored.location()).await;
    assert!(page
        .body
        .contains("Corrediza vuelve a usar la tarifa predeterminada."));
    assert!(!page.body.contains(r#"id="restaurar-corrediza""#));
    assert_eq!(api_rate(&app, &t, "corrediza").await, before);
    assert_eq!(
        admin.post(&restore, &token).await.status,
        StatusCode::NOT_FOUND
    );
    let unknown = admin
        .post(&format!("{PATH}/redonda/restaurar"), &token)
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(api_rate(&app, &t, "corrediza").await, before);
    app.cleanup().await;
}

#[tokio::test]
async fn estimators_viewers_forged_posts_and_other_shops_change_nothing() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-mo-rl")).await;
    let other = app.onboard(&slug("web-mo-ot")).await;
    let mut admin = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let csrf = admin.get(PATH).await.csrf();
    let own = [
        ("csrf", csrf.as_str()),
        ("tarifa", "410.00"),
        ("complejidad", "1.3"),
    ];
    let saved = admin.post(&format!("{PATH}/abatible"), &own).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let abatible = api_rate(&app, &t, "abatible").await;
    assert_eq!(abatible.2, "tenant");
    let before = api_rate(&app, &t, "fija").await;
    for role in ["estimator", "viewer"] {
        let email = add_user(&app, &t, role).await;
        let mut browser = Browser::signed_in(&app, &t.slug, &email).await;
        let own = browser.get("/catalogo").await;
        assert_eq!(
            browser.get(PATH).await.status,
            StatusCode::FORBIDDEN,
            "{role}"
        );
        let csrf = own.csrf();
        let fields = [
            ("csrf", csrf.as_str()),
            ("tarifa", "1.00"),
            ("complejidad", "1"),
        ];
        let resp = browser.post(&format!("{PATH}/fija"), &fields).await;
        assert_eq!(resp.status, StatusCode::FORBIDDEN, "{role}");
        assert!(resp.body.contains("Tu rol no permite esta acción"));
        let token = [("csrf", csrf.as_str())];
        let resp = browser
            .post(&format!("{PATH}/abatible/restaurar"), &token)
            .await;
        assert_eq!(resp.status, StatusCode::FORBIDDEN, "{role}");
    }
    let evil: &[(&str, &str)] = &[("origin", "https://evil.example")];
    for (token, headers) in [("deadbeef", &[][..]), (csrf.as_str(), evil)] {
        let fields = [("csrf", token), ("tarifa", "1.00"), ("complejidad", "1")];
        let resp = admin
            .post_with(&format!("{PATH}/fija"), &fields, headers)
            .await;
        assert_eq!(resp.status, StatusCode::FORBIDDEN);
        assert!(resp.body.contains("No pudimos verificar el formulario"));
        let resp = admin
            .post_with(
                &format!("{PATH}/abatible/restaurar"),
                &[("csrf", token)],
                headers,
            )
            .await;
        assert_eq!(resp.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(api_rate(&app, &t, "fija").await, before, "nothing changed");
    assert_eq!(
        api_rate(&app, &t, "abatible").await,
        abatible,
        "nothing changed"
    );
    // Another shop's edit stays its own.
    let mut stranger = Browser::signed_in(&app, &other.slug, &other.admin_email).await;
    let csrf = stranger.get(PATH).await.csrf();
    let fields = [
        ("csrf", csrf.as_str()),
        ("tarifa", "999.00"),
        ("complejidad", "2"),
    ];
    let saved = stranger.post(&format!("{PATH}/fija"), &fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(api_rate(&app, &other, "fija").await.0, "999.00");
    assert_eq!(
        api_rate(&app, &t, "fija").await,
        before,
        "this shop's unchanged"
    );
    let page = admin.get(PATH).await;
    assert!(!page.body.contains("$999.00"));
    // The stranger restores its own rate, not this shop's (404 for a type it has
    // no rate of its own for).
    let token = [("csrf", csrf.as_str())];
    let resp = stranger
        .post(&format!("{PATH}/abatible/restaurar"), &token)
        .await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
    let resp = stranger
        .post(&format!("{PATH}/fija/restaurar"), &token)
        .await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER);
    assert_eq!(api_rate(&app, &other, "fija").await.2, "global");
    assert_eq!(
        api_rate(&app, &t, "abatible").await,
        abatible,
        "this shop's unchanged"
    );
    app.cleanup().await;
}
