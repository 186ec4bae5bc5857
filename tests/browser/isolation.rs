//! A shop never sees another shop's data in the browser.

use crate::helpers::{slug, spawn_app};
use crate::support::{add_user, assert_no_csp_violation, signed_in};

#[tokio::test]
async fn a_shop_signed_in_never_sees_another_shops_prices_users_or_history() {
    let app = spawn_app().await;
    let a = app.onboard(&slug("br-a")).await;
    let b = app.onboard(&slug("br-b")).await;
    let a_estimator = add_user(&app, &a, "estimator").await;
    // Shop A's own prices, each distinctive enough to be spotted anywhere.
    app.set_price("VID-CLARO-4", &a.admin_token, "4321.09")
        .await;
    app.set_price("VID-CLARO-6", &a.admin_token, "8765.43")
        .await;

    let browser = signed_in(&app, &b.slug, &b.admin_email).await;
    let pages = [
        "/catalogo",
        "/catalogo?categoria=glass",
        "/catalogo?q=claro",
        "/catalogo/VID-CLARO-4/historial",
        "/catalogo/VID-CLARO-6/historial",
        "/precios/historial",
        "/precios/historial?codigo=VID-CLARO-4",
    ];
    for path in pages {
        browser.goto(&app.url(path)).await;
        assert_eq!(browser.current_url().await, app.url(path), "{path} shown");
        let text: String = browser
            .read(
                "return document.documentElement.outerHTML;",
                serde_json::json!([]),
            )
            .await;
        for secret in [
            "4,321.09",
            "4321.09",
            "8,765.43",
            "8765.43",
            a.slug.as_str(),
            a.admin_email.as_str(),
            a_estimator.as_str(),
        ] {
            assert!(!text.contains(secret), "{path} shows shop A's {secret}");
        }
        assert!(
            text.contains(&b.slug),
            "{path} is shop B's page (its name in the header)"
        );
    }

    // B's catalogue shows B's own price for the code A changed.
    browser.goto(&app.url("/catalogo?q=claro-4")).await;
    assert_eq!(
        browser.find("#m-VID-CLARO-4 td.num").await.text().await,
        "$85.00"
    );
    // The user filter of the history lists B's users only.
    browser.goto(&app.url("/precios/historial")).await;
    let mut users = Vec::new();
    for option in browser.find_all("#usuario option").await {
        users.push(option.text().await);
    }
    assert_eq!(users, ["Todos", b.admin_email.as_str()]);
    assert_no_csp_violation(&browser, "shop B's pages").await;
    drop(browser);

    // And A, signed in, does see its own prices: the check above can fail.
    let browser = signed_in(&app, &a.slug, &a.admin_email).await;
    browser.goto(&app.url("/catalogo?q=claro-4")).await;
    assert_eq!(
        browser.find("#m-VID-CLARO-4 td.num").await.text().await,
        "$4,321.09"
    );
    drop(browser);
    app.cleanup().await;
}
