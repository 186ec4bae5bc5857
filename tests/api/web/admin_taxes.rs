//! Administración > Impuestos: the shop's tax rates and the defaults, a new rate
//! and removing the shop's own, for admins only; roles, CSRF and shops apart.
//! Every write is checked through `GET /api/v1/tax-rates`.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use super::add_user;
use super::browser::Browser;
use crate::helpers::{expect_status, slug, spawn_app, TestApp, TestTenant};

const PATH: &str = "/administracion/impuestos";

/// The API's rates: (code, valid_from, rate, current, source), as listed.
async fn api_rates(app: &TestApp, t: &TestTenant) -> Vec<(String, String, String, bool, String)> {
    let items = app.get_items("/api/v1/tax-rates", &t.admin_token).await;
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    items
        .as_array()
        .expect("items")
        .iter()
        .map(|r| {
            (
                text(&r["code"]),
                text(&r["valid_from"]),
                text(&r["rate"]),
                r["current"] == true,
                text(&r["source"]),
            )
        })
        .collect()
}

/// The new rate's form.
fn form<'a>(
    csrf: &'a str,
    code: &'a str,
    name: &'a str,
    rate: &'a str,
    from: &'a str,
) -> [(&'a str, &'a str); 5] {
    [
        ("csrf", csrf),
        ("clave", code),
        ("nombre", name),
        ("tasa", rate),
        ("desde", from),
    ]
}

#[tokio::test]
async fn an_admin_adds_and_removes_tax_rates_the_api_then_shows() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-imp")).await;
    let mut admin = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let landing = admin.get("/administracion").await;
    assert!(landing
        .body
        .contains(r#"<a href="/administracion/impuestos">Impuestos</a>"#));
    let page = admin.get(PATH).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let row = page.tr("i-IVA16-2010-01-01");
    assert!(row.contains("IVA tasa general"), "{row}");
    assert!(row.contains("16 %") && row.contains("Vigente"), "{row}");
    assert!(
        row.contains("Predeterminada") && !row.contains("/quitar"),
        "{row}"
    );
    assert!(page.tr("i-IVA8-2019-01-01").contains("8 %"));
    let csrf = page.csrf();
    let before = api_rates(&app, &t).await;

    // Bad values: each named, what was typed kept, nothing written.
    for (code, name, rate, from, id, says) in [
        (
            "iva 16",
            "IVA",
            "16",
            "2099-01-01",
            "clave",
            "Revisa la clave",
        ),
        (
            "IS\0R",
            "IVA",
            "16",
            "2099-01-01",
            "clave",
            "Revisa «Clave»: tiene",
        ),
        (
            "ISR",
            " ",
            "10",
            "2099-01-01",
            "nombre",
            "Escribe el nombre",
        ),
        ("ISR", "ISR", "150", "2099-01-01", "tasa", "Revisa la tasa"),
        ("ISR", "ISR", "diez", "2099-01-01", "tasa", "Revisa la tasa"),
        ("ISR", "ISR", "", "2099-01-01", "tasa", "Revisa la tasa"),
        ("ISR", "ISR", "10", "2099-13-01", "desde", "Revisa la fecha"),
        ("ISR", "ISR", "10", "", "desde", "Revisa la fecha"),
    ] {
        let refused = admin.post(PATH, &form(&csrf, code, name, rate, from)).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{code} {rate}"
        );
        assert!(
            refused.body.contains(&format!(r#"id="{id}-error">{says}"#)),
            "{code} {name} {rate} {from}: {}",
            refused.body
        );
        assert!(refused.body.contains("No se guardó nada."));
    }
    let all_bad = admin
        .post(PATH, &form(&csrf, "x", "", "101", "mañana"))
        .await;
    assert_eq!(all_bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for id in ["clave", "nombre", "tasa", "desde"] {
        assert!(
            all_bad.body.contains(&format!(r#"id="{id}-error""#)),
            "{id}"
        );
    }
    assert!(all_bad.body.contains(r#"value="101""#) && all_bad.body.contains(r#"value="mañana""#));
    assert_eq!(api_rates(&app, &t).await, before, "nothing written");

    // A future rate and one from 2000 (in force now): the API lists them as the
    // shop's own.
    let saved = admin
        .post(
            PATH,
            &form(&csrf, "IVA16", "IVA nuevo", "17.5", "2099-01-01"),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let page = admin.get(saved.location()).await;
    assert!(page
        .body
        .contains("Se agregó la tasa de IVA16 desde el 1 de enero de 2099."));
    let row = page.tr("i-IVA16-2099-01-01");
    assert!(row.contains("17.5 %") && row.contains("Programada") && row.contains("Propia"));
    assert!(row.contains(r#"action="/administracion/impuestos/IVA16/2099-01-01/quitar""#));
    let saved = admin
        .post(PATH, &form(&csrf, "IVA16", "IVA", "17", "2000-01-01"))
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let rates = api_rates(&app, &t).await;
    let of = |day: &str| rates.iter().find(|r| r.0 == "IVA16" && r.1 == day).cloned();
    let own = |rate: &str, current: bool| {
        (
            String::from("IVA16"),
            String::new(),
            rate.to_owned(),
            current,
            "tenant".to_owned(),
        )
    };
    let strip = |r: Option<(String, String, String, bool, String)>| {
        r.map(|mut r| {
            r.1 = String::new();
            r
        })
    };
    assert_eq!(strip(of("2099-01-01")), Some(own("0.1750", false)));
    assert_eq!(strip(of("2000-01-01")), Some(own("0.1700", true)));
    assert_eq!(
        of("2010-01-01"),
        None,
        "the shop's 2000 rate replaces the default"
    );

    // The same code and day again: 409, named, nothing written.
    let again = admin
        .post(PATH, &form(&csrf, "IVA16", "Otro", "15", "2000-01-01"))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again
        .body
        .contains(r#"id="desde-error">IVA16 ya tiene una tasa desde el 1 de enero de 2000"#));
    assert_eq!(api_rates(&app, &t).await, rates, "nothing written");

    // The quote settings' tax code keeps a rate in force: 409, nothing removed.
    let saved = admin
        .post(PATH, &form(&csrf, "ISR", "Retención", "10", "2000-01-01"))
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let mut settings = app
        .get_json("/api/v1/settings/quotes", &t.admin_token)
        .await;
    settings["tax_code"] = json!("ISR");
    let resp = app
        .request(
            Method::PUT,
            "/api/v1/settings/quotes",
            Some(&t.admin_token),
            Some(settings),
        )
        .await;
    expect_status(resp, StatusCode::OK, "tax code").await;
    let rates = api_rates(&app, &t).await;
    let token = [("csrf", csrf.as_str())];
    let refused = admin
        .post(&format!("{PATH}/ISR/2000-01-01/quitar"), &token)
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused
        .body
        .contains("ISR es la clave de impuesto de los ajustes de cotizaciones"));
    assert_eq!(api_rates(&app, &t).await, rates, "nothing removed");

    // Removing the shop's own: gone from the API; the default is back.
    for day in ["2099-01-01", "2000-01-01"] {
        let removed = admin
            .post(&format!("{PATH}/IVA16/{day}/quitar"), &token)
            .await;
        assert_eq!(removed.status, StatusCode::SEE_OTHER, "{day}");
    }
    let page = admin
        .get(&format!(
            "{PATH}?aviso=quitada&clave=IVA16&desde=2000-01-01"
        ))
        .await;
    assert!(page
        .body
        .contains("Se quitó la tasa de IVA16 desde el 1 de enero de 2000."));
    let rates = api_rates(&app, &t).await;
    assert!(
        rates.iter().all(|r| !(r.0 == "IVA16" && r.4 == "tenant")),
        "{rates:?}"
    );
    assert!(rates
        .iter()
        .any(|r| r.0 == "IVA16" && r.1 == "2010-01-01" && r.3));

    // A default's rate, one that is not there, a day that is not one: 404.
    for path in ["IVA8/2019-01-01", "IVA16/2000-01-01", "IVA16/ayer"] {
        let resp = admin.post(&format!("{PATH}/{path}/quitar"), &token).await;
        assert_eq!(resp.status, StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(api_rates(&app, &t).await, rates, "nothing removed");
    app.cleanup().await;
}

#[tokio::test]
async fn estimators_viewers_forged_posts_and_other_shops_change_nothing() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-imp-rl")).await;
    let other = app.onboard(&slug("web-imp-ot")).await;
    let mut admin = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let csrf = admin.get(PATH).await.csrf();
    let saved = admin
        .post(
            PATH,
            &form(&csrf, "ISR", "Secreto de A", "10", "2000-01-01"),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let before = api_rates(&app, &t).await;
    let remove = format!("{PATH}/ISR/2000-01-01/quitar");

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
        let token = own.csrf();
        let resp = browser
            .post(PATH, &form(&token, "IVA5", "IVA", "5", "2000-01-01"))
            .await;
        assert_eq!(resp.status, StatusCode::FORBIDDEN, "{role}");
        assert!(resp.body.contains("Tu rol no permite esta acción"));
        let resp = browser.post(&remove, &[("csrf", token.as_str())]).await;
        assert_eq!(resp.status, StatusCode::FORBIDDEN, "{role}");
    }
    let evil: &[(&str, &str)] = &[("origin", "https://evil.example")];
    for (token, headers) in [("deadbeef", &[][..]), (csrf.as_str(), evil)] {
        let fields = form(token, "IVA5", "IVA", "5", "2000-01-01");
        let resp = admin.post_with(PATH, &fields, headers).await;
        assert_eq!(resp.status, StatusCode::FORBIDDEN);
        assert!(resp.body.contains("No pudimos verificar el formulario"));
        let resp = admin.post_with(&remove, &[("csrf", token)], headers).await;
        assert_eq!(resp.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(api_rates(&app, &t).await, before, "nothing changed");

    // Another shop neither sees nor removes this shop's rate; its own stay its own.
    let mut stranger = Browser::signed_in(&app, &other.slug, &other.admin_email).await;
    let page = stranger.get(PATH).await;
    assert!(!page.body.contains("Secreto de A"));
    let token = page.csrf();
    let resp = stranger.post(&remove, &[("csrf", token.as_str())]).await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
    let saved = stranger
        .post(PATH, &form(&token, "IVA5", "IVA cinco", "5", "2000-01-01"))
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert!(api_rates(&app, &other).await.iter().any(|r| r.0 == "IVA5"));
    assert_eq!(api_rates(&app, &t).await, before, "this shop's unchanged");
    app.cleanup().await;
}
