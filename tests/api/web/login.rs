//! Entrar and Salir.

use reqwest::StatusCode;
use sqlx::Connection as _;
use ventanas::config::ExposeSecret as _;

use super::browser::Browser;
use crate::helpers::{slug, spawn_app, spawn_app_with, ADMIN_PASSWORD};

#[tokio::test]
async fn the_root_sends_a_stranger_to_the_login_page_and_pages_never_answer_json() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    for path in ["/", "/catalogo", "/catalogo/VID-CLARO-4/historial"] {
        let page = browser.get(path).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(page.location(), "/entrar", "{path}");
    }
    let form = browser.get("/entrar").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.header("content-type").starts_with("text/html"));
    assert!(form.body.contains(r#"<html lang="es-MX">"#));
    assert!(form.body.contains(r#"<label for="tienda">Tienda</label>"#));
    assert!(form
        .body
        .contains(r#"<label for="correo">Correo electrónico</label>"#));
    assert!(form
        .body
        .contains(r#"<label for="contrasena">Contraseña</label>"#));
    app.cleanup().await;
}

#[tokio::test]
async fn logging_in_sets_the_session_cookie_remembers_the_shop_and_logging_out_revokes_it() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-in")).await;
    let mut browser = Browser::new(&app);
    let resp = browser
        .log_in(&t.slug, &t.admin_email, ADMIN_PASSWORD)
        .await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER, "{}", resp.body);
    assert_eq!(resp.location(), "/catalogo");
    let cookies: Vec<&str> = resp
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().expect("cookie"))
        .collect();
    let session = cookies
        .iter()
        .find(|c| c.starts_with("__Host-ventanas_session="))
        .expect("session cookie");
    for flag in ["Path=/", "Secure", "HttpOnly", "SameSite=Strict"] {
        assert!(session.contains(flag), "{flag} in {session}");
    }
    assert!(cookies
        .iter()
        .any(|c| c.starts_with(&format!("__Host-ventanas_shop={};", t.slug))));

    let token = browser.session_token();
    let me = app.get_json("/api/v1/auth/me", &token).await;
    assert_eq!(
        me["email"],
        t.admin_email.as_str(),
        "the API takes the page's session"
    );
    let home = browser.get("/").await;
    assert_eq!(home.location(), "/catalogo");
    let catalog = browser.get("/catalogo").await;
    assert_eq!(catalog.status, StatusCode::OK);
    assert!(
        catalog.body.contains(&format!("Aluminios {}", t.slug)),
        "shop name"
    );
    assert!(catalog.body.contains(&t.admin_email));

    let csrf = catalog.csrf();
    let out = browser.post("/salir", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(out.location(), "/entrar?salida=1");
    assert!(!browser.cookies.contains_key("__Host-ventanas_session"));
    let revoked = app.get("/api/v1/auth/me", &token).await;
    assert_eq!(
        revoked.status(),
        StatusCode::UNAUTHORIZED,
        "the session is revoked"
    );
    browser
        .cookies
        .insert("__Host-ventanas_session".to_owned(), token);
    let after = browser.get("/catalogo").await;
    assert_eq!(after.location(), "/entrar", "the old cookie opens nothing");

    let form = browser.get("/entrar?salida=1").await;
    assert!(form.body.contains("Cerraste tu sesión."));
    assert!(
        form.body
            .contains(&format!(r#"name="tienda" value="{}""#, t.slug)),
        "the shop is remembered: {}",
        form.body
    );
    app.cleanup().await;
}

#[tokio::test]
async fn refused_logins_say_why_in_spanish() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-no")).await;
    let mut browser = Browser::new(&app);
    let wrong = "La tienda, el correo o la contraseña no son correctos.";
    for (shop, email, password, why) in [
        (
            t.slug.as_str(),
            t.admin_email.as_str(),
            "not the password",
            "wrong password",
        ),
        (
            t.slug.as_str(),
            "nadie@example.mx",
            ADMIN_PASSWORD,
            "unknown email",
        ),
        (
            "no-such-shop",
            t.admin_email.as_str(),
            ADMIN_PASSWORD,
            "unknown shop",
        ),
    ] {
        let page = browser.log_in(shop, email, password).await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED, "{why}");
        assert!(page.body.contains(wrong), "{why}: {}", page.body);
        assert!(
            !page.body.contains(password),
            "{why}: the password is not echoed"
        );
        assert!(
            !browser.cookies.contains_key("__Host-ventanas_session"),
            "{why}"
        );
    }
    // Five failures lock the (shop, email) pair, the right password included.
    for _ in 0..4 {
        browser.log_in(&t.slug, &t.admin_email, "wrong").await;
    }
    let locked = browser
        .log_in(&t.slug, &t.admin_email, ADMIN_PASSWORD)
        .await;
    assert_eq!(
        locked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        locked.body
    );
    assert!(
        locked.body.contains(
            "Cuenta bloqueada por demasiados intentos fallidos. Intenta de nuevo en 5 min."
        ),
        "{}",
        locked.body
    );

    let other = app.onboard(&slug("web-off")).await;
    let mut owner = sqlx::PgConnection::connect(app.settings.database.owner_url.expose_secret())
        .await
        .expect("owner connects");
    sqlx::query("UPDATE tenants SET active = false WHERE slug = $1")
        .bind(&other.slug)
        .execute(&mut owner)
        .await
        .expect("shop suspended");
    let inactive = browser
        .log_in(&other.slug, &other.admin_email, ADMIN_PASSWORD)
        .await;
    assert_eq!(inactive.status, StatusCode::UNAUTHORIZED);
    assert!(
        inactive
            .body
            .contains("Esta tienda está inactiva. Comunícate con soporte de Ventanas."),
        "{}",
        inactive.body
    );
    app.cleanup().await;
}

#[tokio::test]
async fn a_login_without_its_form_token_opens_no_session() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-lc")).await;
    let mut browser = Browser::new(&app);
    browser.get("/entrar").await;
    let other = Browser::new(&app).get("/entrar").await.csrf();
    for (token, why) in [
        ("", "no token"),
        ("00ff", "a made-up token"),
        (other.as_str(), "another form's token"),
    ] {
        let page = browser
            .post(
                "/entrar",
                &[
                    ("csrf", token),
                    ("tienda", &t.slug),
                    ("correo", &t.admin_email),
                    ("contrasena", ADMIN_PASSWORD),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{why}");
        assert!(
            page.body.contains("El formulario caducó."),
            "{why}: {}",
            page.body
        );
        assert!(
            !browser.cookies.contains_key("__Host-ventanas_session"),
            "{why}"
        );
    }
    // The right token from another site's page is refused too.
    let csrf = browser.get("/entrar").await.csrf();
    let page = browser
        .post_with(
            "/entrar",
            &[
                ("csrf", &csrf),
                ("tienda", &t.slug),
                ("correo", &t.admin_email),
                ("contrasena", ADMIN_PASSWORD),
            ],
            &[
                ("origin", "https://evil.example"),
                ("sec-fetch-site", "cross-site"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(!browser.cookies.contains_key("__Host-ventanas_session"));
    app.cleanup().await;
}

#[tokio::test]
async fn with_a_host_suffix_the_subdomain_names_the_shop() {
    let app = spawn_app_with(|s| s.web.tenant_host_suffix = "ventanas.test".to_owned()).await;
    let a = app.onboard(&slug("web-sa")).await;
    let b = app.onboard(&slug("web-sb")).await;
    let mut browser = Browser::at_host(&app, &format!("{}.ventanas.test", a.slug));
    let form = browser.get("/entrar").await;
    assert!(
        !form.body.contains(r#"name="tienda""#),
        "no shop field: {}",
        form.body
    );
    let csrf = form.csrf();
    let resp = browser
        .post(
            "/entrar",
            &[
                ("csrf", &csrf),
                ("tienda", &b.slug),
                ("correo", &a.admin_email),
                ("contrasena", ADMIN_PASSWORD),
            ],
        )
        .await;
    assert_eq!(
        resp.status,
        StatusCode::SEE_OTHER,
        "the Host wins over a field: {}",
        resp.body
    );
    let catalog = browser.get("/catalogo").await;
    assert_eq!(catalog.status, StatusCode::OK);
    assert!(catalog.body.contains(&format!("Aluminios {}", a.slug)));

    // A's session presented on B's subdomain opens nothing there.
    let mut elsewhere = Browser::at_host(&app, &format!("{}.ventanas.test", b.slug));
    elsewhere.cookies = browser.cookies.clone();
    let page = elsewhere.get("/catalogo").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/entrar");
    app.cleanup().await;
}
