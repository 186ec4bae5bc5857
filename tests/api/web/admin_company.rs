//! Administración > Empresa: the company details and the logo, for admins only;
//! roles, CSRF and shops apart. Every write is checked through
//! `GET /api/v1/settings/company`.

use reqwest::StatusCode;
use serde_json::Value;

use super::add_user;
use super::browser::Browser;
use crate::company::png;
use crate::helpers::{slug, spawn_app, TestApp, TestTenant};

const PATH: &str = "/administracion/empresa";
const LOGO: &str = "/administracion/empresa/logo";
const REMOVE: &str = "/administracion/empresa/logo/quitar";

async fn api_company(app: &TestApp, t: &TestTenant) -> Value {
    app.get_json("/api/v1/settings/company", &t.admin_token)
        .await
}

/// The details form as a browser sends it, with `values` over empty fields.
fn form<'a>(csrf: &'a str, values: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("csrf", csrf),
        ("razon_social", ""),
        ("rfc", ""),
        ("direccion", ""),
        ("telefono", ""),
        ("correo", ""),
        ("sitio", ""),
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

#[tokio::test]
async fn an_admin_saves_the_company_details_the_api_then_shows() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-em")).await;
    let mut admin = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let landing = admin.get("/administracion").await;
    assert!(landing
        .body
        .contains(r#"<a href="/administracion/empresa">Empresa</a>"#));
    let page = admin.get(PATH).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains(r#"id="sin-logo">Aún no hay logo."#));
    let csrf = page.csrf();
    let before = api_company(&app, &t).await;

    // A bad RFC and email, a NUL in the phone: each named, what was typed kept.
    let bad = form(
        &csrf,
        &[
            ("razon_social", "Aluminios del Norte SA de CV"),
            ("rfc", "AND01"),
            ("correo", "ventas-sin-arroba"),
        ],
    );
    let refused = admin.post(PATH, &bad).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = &refused.body;
    assert!(body.contains("Revisa los campos marcados. No se guardó nada."));
    assert!(body.contains(r#"id="rfc-error">Revisa «RFC»"#), "{body}");
    assert!(body.contains(r#"id="correo-error">Revisa «Correo electrónico»"#));
    assert!(body.contains(r#"value="Aluminios del Norte SA de CV""#));
    assert!(body.contains(r#"value="AND01""#));
    let nul = form(
        &csrf,
        &[("razon_social", "Aluminios"), ("telefono", "81\0 1234")],
    );
    let refused = admin.post(PATH, &nul).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused
        .body
        .contains(r#"id="telefono-error">Revisa «Teléfono»: tiene un carácter"#));
    let empty = admin.post(PATH, &form(&csrf, &[])).await;
    assert!(empty
        .body
        .contains(r#"id="razon_social-error">Escribe la razón social"#));
    assert_eq!(api_company(&app, &t).await, before, "nothing written");

    // Good details: 303 with the flash; the API shows them, normalised.
    let good = form(
        &csrf,
        &[
            ("razon_social", "Aluminios del Norte SA de CV"),
            ("rfc", "and010101ab1"),
            ("direccion", "Calle Industria 45\nMonterrey, NL"),
            ("telefono", "+52 81 1234 5678"),
            ("correo", "Ventas@Norte.MX"),
            ("sitio", "https://norte.mx"),
        ],
    );
    let saved = admin.post(PATH, &good).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let page = admin.get(saved.location()).await;
    assert!(page.body.contains("Se guardaron los datos de la empresa."));
    assert!(page.body.contains(r#"value="AND010101AB1""#));
    let company = api_company(&app, &t).await;
    assert_eq!(company["legal_name"], "Aluminios del Norte SA de CV");
    assert_eq!(company["rfc"], "AND010101AB1");
    assert_eq!(company["address"], "Calle Industria 45\nMonterrey, NL");
    assert_eq!(company["phone"], "+52 81 1234 5678");
    assert_eq!(company["email"], "ventas@norte.mx");
    assert_eq!(company["website"], "https://norte.mx");
    // Emptied optional fields are cleared, as the API's PUT does.
    let cleared = form(&csrf, &[("razon_social", "Aluminios del Norte")]);
    assert_eq!(
        admin.post(PATH, &cleared).await.status,
        StatusCode::SEE_OTHER
    );
    let company = api_company(&app, &t).await;
    assert_eq!(company["legal_name"], "Aluminios del Norte");
    assert!(company.get("rfc").is_none(), "{company}");
    app.cleanup().await;
}

#[tokio::test]
async fn an_admin_uploads_a_logo_and_a_bad_or_large_file_changes_nothing() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-em-lg")).await;
    let mut admin = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let csrf = admin.get(PATH).await.csrf();
    let token = [("csrf", csrf.as_str())];
    let logo = png(40, 20);
    let uploaded = admin
        .post_file(LOGO, &token, ("logo", "logo.png", &logo))
        .await;
    assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{}", uploaded.body);
    let page = admin.get(uploaded.location()).await;
    assert!(page.body.contains("Se guardó el logo nuevo."));
    let re =
        regex::Regex::new(r#"<img src="(/administracion/empresa/logo\?v=\d+)""#).expect("regex");
    let src = re.captures(&page.body).map(|c| c[1].to_owned());
    let src = src.unwrap_or_else(|| panic!("no logo in {}", page.body));
    let image = admin.get(&src).await;
    assert_eq!(image.status, StatusCode::OK);
    assert_eq!(image.header("content-type"), "image/png");
    assert_eq!(api_company(&app, &t).await["logo_type"], "image/png");
    let resp = app
        .get("/api/v1/settings/company/logo", &t.admin_token)
        .await;
    assert_eq!(resp.bytes().await.expect("bytes").as_ref(), logo.as_slice());
    let before = api_company(&app, &t).await;

    // Not an image, no file, a file over 512 KiB (by the handler, then in front
    // of the page by the body limit): a Spanish message, nothing changed.
    let text = admin
        .post_file(LOGO, &token, ("logo", "logo.txt", b"hola, no soy imagen"))
        .await;
    assert_eq!(text.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(text
        .body
        .contains("El logo debe ser una imagen PNG o JPEG. No se cambió nada."));
    assert!(text
        .body
        .contains(r#"<img src="/administracion/empresa/logo"#));
    let none = admin.post_file(LOGO, &token, ("logo", "", b"")).await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(none.body.contains("Elige un archivo PNG o JPEG."));
    for size in [520 * 1024, 2 * 1024 * 1024] {
        let mut big = png(4, 4);
        big.resize(size, 0);
        let refused = admin
            .post_file(LOGO, &token, ("logo", "big.png", &big))
            .await;
        assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE, "{size}");
        assert!(
            refused
                .body
                .contains("El logo pasa de 512 KiB. No se cambió nada."),
            "{size}: {}",
            refused.body
        );
        assert!(!refused.header("content-security-policy").is_empty());
    }
    assert_eq!(api_company(&app, &t).await, before, "nothing changed");

    // "Quitar logo": the API's DELETE; then no logo, and a second time 404.
    let page = admin.get(PATH).await;
    assert!(page.body.contains(
        r#"<form method="post" action="/administracion/empresa/logo/quitar" id="quitar-logo">"#
    ));
    let removed = admin.post(REMOVE, &token).await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER, "{}", removed.body);
    let page = admin.get(removed.location()).await;
    assert!(page.body.contains("Se quitó el logo."));
    assert!(page.body.contains(r#"id="sin-logo""#));
    assert!(!page.body.contains(r#"id="quitar-logo""#));
    assert!(api_company(&app, &t).await.get("logo_type").is_none());
    let resp = app
        .get("/api/v1/settings/company/logo", &t.admin_token)
        .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        admin.post(REMOVE, &token).await.status,
        StatusCode::NOT_FOUND
    );
    app.cleanup().await;
}

#[tokio::test]
async fn estimators_viewers_forged_posts_and_other_shops_change_nothing() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-em-rl")).await;
    let other = app.onboard(&slug("web-em-ot")).await;
    let mut admin = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let csrf = admin.get(PATH).await.csrf();
    let secret = form(&csrf, &[("razon_social", "Secreto de A SA")]);
    assert_eq!(
        admin.post(PATH, &secret).await.status,
        StatusCode::SEE_OTHER
    );
    let token = [("csrf", csrf.as_str())];
    let logo = png(8, 8);
    admin
        .post_file(LOGO, &token, ("logo", "a.png", &logo))
        .await;
    let before = api_company(&app, &t).await;
    assert_eq!(before["logo_type"], "image/png");

    for role in ["estimator", "viewer"] {
        let email = add_user(&app, &t, role).await;
        let mut browser = Browser::signed_in(&app, &t.slug, &email).await;
        let page = browser.get("/catalogo").await;
        assert!(!page.body.contains("/administracion"), "{role}");
        let refused = browser.get(PATH).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{role}");
        let own = page.csrf();
        let forged = form(&own, &[("razon_social", "Cambiado")]);
        let resp = browser.post(PATH, &forged).await;
        assert_eq!(resp.status, StatusCode::FORBIDDEN, "{role}");
        assert!(resp.body.contains("Tu rol no permite esta acción"));
        let resp = browser
            .post_file(
                LOGO,
                &[("csrf", own.as_str())],
                ("logo", "b.png", &png(9, 9)),
            )
            .await;
        assert_eq!(resp.status, StatusCode::FORBIDDEN, "{role}");
        let resp = browser.post(REMOVE, &[("csrf", own.as_str())]).await;
        assert_eq!(resp.status, StatusCode::FORBIDDEN, "{role}");
    }

    // A made-up token or another site's Origin.
    let evil: &[(&str, &str)] = &[("origin", "https://evil.example")];
    for (token, headers) in [("deadbeef", &[][..]), (csrf.as_str(), evil)] {
        let fields = form(token, &[("razon_social", "Cambiado")]);
        let resp = admin.post_with(PATH, &fields, headers).await;
        assert_eq!(resp.status, StatusCode::FORBIDDEN);
        assert!(resp.body.contains("No pudimos verificar el formulario"));
        let resp = admin.post_with(REMOVE, &[("csrf", token)], headers).await;
        assert_eq!(resp.status, StatusCode::FORBIDDEN);
    }
    let resp = admin
        .post_file(LOGO, &[("csrf", "deadbeef")], ("logo", "c.png", &png(7, 7)))
        .await;
    assert_eq!(resp.status, StatusCode::FORBIDDEN);

    // Another shop sees its own details and no logo.
    let mut stranger = Browser::signed_in(&app, &other.slug, &other.admin_email).await;
    let page = stranger.get(PATH).await;
    assert!(!page.body.contains("Secreto de A"));
    assert!(page.body.contains(r#"id="sin-logo""#));
    assert_eq!(stranger.get(LOGO).await.status, StatusCode::NOT_FOUND);
    let token = page.csrf();
    let resp = stranger.post(REMOVE, &[("csrf", token.as_str())]).await;
    assert_eq!(
        resp.status,
        StatusCode::NOT_FOUND,
        "it has no logo to remove"
    );
    assert_eq!(api_company(&app, &t).await, before, "nothing changed");
    app.cleanup().await;
}
