//! Catálogo in the browser: an admin's inline price edit (with htmx, and with
//! JavaScript off), and an estimator who sees no edit control and whose forged
//! post is refused.

use serde_json::json;

use crate::helpers::{slug, spawn_app, ADMIN_PASSWORD};
use crate::support::{
    add_user, assert_no_csp_violation, log_in, signed_in, version_of, FORBIDDEN, READ_ONLY,
};
use crate::webdriver::{Options, Session};

const CODE: &str = "VID-CLARO-4";

/// The price cell of a material's row.
async fn shown_price(browser: &Session, code: &str) -> String {
    browser
        .find(&format!("#m-{code} td.num"))
        .await
        .text()
        .await
}

/// Types a new price into the row's field and presses its Guardar; without
/// JavaScript that loads a new page, which this waits for.
async fn edit_price(browser: &Session, code: &str, price: &str, javascript: bool) {
    let field = browser.find(&format!("#precio-{code}")).await;
    field.clear().await;
    field.type_text(price).await;
    let button = browser
        .find(&format!("#m-{code} form.inline button[type=submit]"))
        .await;
    if javascript {
        button.click().await;
    } else {
        button.click_to_load().await;
    }
}

#[tokio::test]
async fn an_admin_edits_a_glass_price_inline_and_sees_it_in_the_page_the_history_and_the_api() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("br-ed")).await;
    let browser = signed_in(&app, &t.slug, &t.admin_email).await;
    assert_eq!(shown_price(&browser, CODE).await, "$85.00");
    assert_eq!(
        browser
            .find(&format!("#m-{CODE} .badge"))
            .await
            .text()
            .await,
        "Propio"
    );

    // With JavaScript, htmx swaps the row in place: no navigation.
    edit_price(&browser, CODE, "1234.5", true).await;
    let notice = browser
        .wait_for_text(&format!("#m-{CODE} .notice"), "guardado")
        .await;
    assert_eq!(notice, "Precio de VID-CLARO-4 guardado: $1,234.50.");
    assert_eq!(browser.current_url().await, app.url("/catalogo"));
    assert_eq!(shown_price(&browser, CODE).await, "$1,234.50");
    assert_eq!(
        browser
            .find(&format!("#precio-{CODE}"))
            .await
            .property("value")
            .await
            .as_deref(),
        Some("1234.50"),
        "the swapped row's field holds the new price"
    );
    assert_eq!(app.price_of(CODE, &t.admin_token).await, "1234.50");

    // The history page lists the change, newest first, with who made it.
    browser
        .find(&format!("#m-{CODE} a[href$='/historial']"))
        .await
        .click_to_load()
        .await;
    assert_eq!(
        browser.current_url().await,
        app.url(&format!("/catalogo/{CODE}/historial"))
    );
    let first = browser.find("table.history tbody tr").await.text().await;
    for expected in ["Edición", "$85.00", "$1,234.50", t.admin_email.as_str()] {
        assert!(first.contains(expected), "{expected} in {first:?}");
    }
    assert_eq!(
        browser.find("main p strong").await.text().await,
        "$1,234.50"
    );
    assert_no_csp_violation(&browser, "the htmx edit and the history").await;
    drop(browser);

    // With JavaScript off, the same form posts and comes back with a flash.
    let plain = Session::with(Options { javascript: false }).await;
    log_in(&plain, &app, &t.slug, &t.admin_email, ADMIN_PASSWORD).await;
    edit_price(&plain, CODE, "99.9", false).await;
    assert_eq!(
        plain.current_url().await,
        app.url(&format!("/catalogo?aviso=guardado&material={CODE}"))
    );
    assert!(
        plain.find("#aviso").await.text().await.contains(CODE),
        "the flash names the material"
    );
    assert_eq!(shown_price(&plain, CODE).await, "$99.90");
    assert_eq!(app.price_of(CODE, &t.admin_token).await, "99.90");
    drop(plain);
    app.cleanup().await;
}

#[tokio::test]
async fn an_estimator_sees_no_edit_control_and_a_forged_form_post_is_refused() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("br-es")).await;
    let email = add_user(&app, &t, "estimator").await;
    let browser = signed_in(&app, &t.slug, &email).await;

    assert_eq!(browser.find("main p.hint").await.text().await, READ_ONLY);
    assert_eq!(shown_price(&browser, CODE).await, "$85.00");
    for control in [
        "form[action$='/precio']",
        "form[action$='/restaurar']",
        "input[name=precio]",
        "button",
    ] {
        let found = browser
            .find_all(&format!("table.materials {control}"))
            .await;
        assert_eq!(found.len(), 0, "no {control} for an estimator");
    }
    // The history stays readable.
    let links = browser
        .find_all("table.materials a[href$='/historial']")
        .await;
    assert!(links.len() >= 7, "history links: {}", links.len());

    // The admin's form, rebuilt in the estimator's page with the estimator's own
    // valid CSRF token and the row's current version, then submitted.
    let version = version_of(&app, CODE, &t.admin_token).await;
    browser
        .tamper(
            "const form = document.createElement('form');
             form.method = 'post';
             form.action = '/catalogo/' + arguments[0] + '/precio';
             const csrf = document.querySelector('form.logout input[name=csrf]').value;
             for (const [name, value] of [['csrf', csrf], ['version', arguments[1]], ['precio', '1.00']]) {
               const input = document.createElement('input');
               input.type = 'hidden'; input.name = name; input.value = value;
               form.appendChild(input);
             }
             document.body.appendChild(form);
             form.submit();",
            json!([CODE, version]),
        )
        .await;
    let refusal = browser.wait_for_text("main p.alert", FORBIDDEN).await;
    assert_eq!(refusal, FORBIDDEN);
    assert_eq!(
        browser.current_url().await,
        app.url(&format!("/catalogo/{CODE}/precio"))
    );
    assert_eq!(app.price_of(CODE, &t.admin_token).await, "85.00");
    assert_eq!(
        version_of(&app, CODE, &t.admin_token).await,
        version,
        "nothing was written"
    );
    browser.goto(&app.url("/catalogo")).await;
    assert_eq!(shown_price(&browser, CODE).await, "$85.00");
    assert_no_csp_violation(&browser, "the forged post").await;
    drop(browser);
    app.cleanup().await;
}
