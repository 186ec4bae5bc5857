//! Entrar and Salir in the browser, by mouse and by keyboard only.

use crate::helpers::{slug, spawn_app, ADMIN_PASSWORD};
use crate::support::{assert_no_csp_violation, log_in, ENTER, TAB, WRONG_LOGIN};
use crate::webdriver::Session;

#[tokio::test]
async fn a_user_signs_in_with_shop_email_and_password_and_a_wrong_password_is_told_clearly() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("br-in")).await;
    let browser = Session::start().await;

    log_in(&browser, &app, &t.slug, &t.admin_email, "not the password").await;
    assert_eq!(browser.current_url().await, app.url("/entrar"));
    assert_eq!(browser.find("#login-error").await.text().await, WRONG_LOGIN);
    assert_eq!(
        browser
            .find("#correo")
            .await
            .property("value")
            .await
            .as_deref(),
        Some(t.admin_email.as_str()),
        "the email is kept"
    );
    assert_eq!(
        browser
            .find("#contrasena")
            .await
            .property("value")
            .await
            .as_deref(),
        Some(""),
        "the password is not"
    );

    log_in(&browser, &app, &t.slug, &t.admin_email, ADMIN_PASSWORD).await;
    assert_eq!(browser.current_url().await, app.url("/catalogo"));
    assert_eq!(browser.find("h1").await.text().await, "Catálogo");
    assert_eq!(
        browser.find("header .shop").await.text().await,
        format!("Aluminios {}", t.slug)
    );
    let nav = [
        ("nav a[href='/catalogo']", Some("page")),
        // Admins' "Precios" opens the bulk update (others': the history).
        ("nav a[href='/precios']", None),
    ];
    for (link, current) in nav {
        assert_eq!(
            browser
                .find(link)
                .await
                .attribute("aria-current")
                .await
                .as_deref(),
            current,
            "{link}"
        );
    }
    assert!(browser
        .find("header .who")
        .await
        .text()
        .await
        .ends_with(&t.admin_email));

    // Chromium keeps the Secure `__Host-` cookies on http://127.0.0.1 (loopback is
    // a secure context), HttpOnly and Strict as the server set them.
    let cookies = browser.cookies().await;
    let session = cookies
        .iter()
        .find(|c| c["name"] == "__Host-ventanas_session")
        .unwrap_or_else(|| panic!("the session cookie is kept: {cookies:?}"));
    assert_eq!(session["secure"], true, "{session}");
    assert_eq!(session["httpOnly"], true, "{session}");
    assert_eq!(session["sameSite"], "Strict", "{session}");
    assert_eq!(session["path"], "/", "{session}");
    assert!(
        session["value"]
            .as_str()
            .is_some_and(|v| v.starts_with("vts.")),
        "{session}"
    );
    let token = session["value"].as_str().expect("token").to_owned();
    let me = app.get_json("/api/v1/auth/me", &token).await;
    assert_eq!(me["email"], t.admin_email.as_str(), "{me}");

    // Salir: back at the form, told so, with the shop remembered; the token is dead.
    browser
        .find("form.logout button")
        .await
        .click_to_load()
        .await;
    assert_eq!(browser.current_url().await, app.url("/entrar?salida=1"));
    assert_eq!(
        browser.find("p.notice").await.text().await,
        "Cerraste tu sesión."
    );
    assert_eq!(
        browser
            .find("#tienda")
            .await
            .property("value")
            .await
            .as_deref(),
        Some(t.slug.as_str())
    );
    let resp = app.get("/api/v1/auth/me", &token).await;
    assert_eq!(resp.status(), reqwest::StatusCode::UNAUTHORIZED);
    browser.goto(&app.url("/catalogo")).await;
    assert_eq!(browser.current_url().await, app.url("/entrar"));
    assert_no_csp_violation(&browser, "signing in and out").await;
    drop(browser);
    app.cleanup().await;
}

/// What has the focus: its id, or its text when it has none.
async fn focused(browser: &Session) -> String {
    let element = browser.active().await;
    match element.property("id").await.filter(|id| !id.is_empty()) {
        Some(id) => format!("#{id}"),
        None => element.text().await,
    }
}

#[tokio::test]
async fn keyboard_only_tab_reaches_the_login_fields_and_the_button_in_order_and_enter_signs_in() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("br-kb")).await;
    let browser = Session::start().await;
    browser.goto(&app.url("/entrar")).await;

    let mut order = Vec::new();
    for _ in 0..5 {
        browser.press(TAB).await;
        order.push(focused(&browser).await);
        // Each stop shows where the focus is (`:focus-visible`'s outline).
        let element = browser.active().await;
        assert_eq!(
            element.css("outline-style").await,
            "solid",
            "visible focus on {}",
            order.last().expect("a stop")
        );
        assert_eq!(element.css("outline-width").await, "3px");
    }
    assert_eq!(
        order,
        [
            "Saltar al contenido",
            "#tienda",
            "#correo",
            "#contrasena",
            "Entrar"
        ]
    );

    // Typed and submitted from the keyboard alone.
    browser.goto(&app.url("/entrar")).await;
    browser.press(&format!("{TAB}{TAB}")).await;
    assert_eq!(focused(&browser).await, "#tienda");
    browser.press(&t.slug).await;
    browser.press(TAB).await;
    browser.press(&t.admin_email).await;
    browser.press(TAB).await;
    browser.press(ADMIN_PASSWORD).await;
    browser.press(ENTER).await;
    browser.wait_for_text("h1", "Catálogo").await;
    assert_eq!(browser.current_url().await, app.url("/catalogo"));

    // On the catalogue, the skip link comes first and takes the focus to the content.
    browser.press(TAB).await;
    assert_eq!(focused(&browser).await, "Saltar al contenido");
    browser.press(ENTER).await;
    assert_eq!(focused(&browser).await, "#contenido");
    assert_no_csp_violation(&browser, "the keyboard tour").await;
    drop(browser);
    app.cleanup().await;
}
