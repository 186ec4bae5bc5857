//! Catálogo: what each role sees and may do, edits through the API's code.

use reqwest::StatusCode;
use serde_json::json;

use super::add_user;
use super::browser::Browser;
use crate::helpers::{expect_status, slug, spawn_app};

#[tokio::test]
async fn an_admin_edits_a_glass_price_and_the_api_shows_it_at_once() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-ed")).await;
    // Read through the API first, so a cached answer would be stale.
    assert_eq!(app.price_of("VID-CLARO-4", &t.admin_token).await, "85.00");
    let mut admin = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let page = admin.get("/catalogo?categoria=glass").await;
    assert_eq!(page.status, StatusCode::OK);
    let row = page.row("VID-CLARO-4");
    assert!(row.contains("$85.00"), "{row}");
    assert!(row.contains("m²"), "{row}");
    assert!(
        row.contains("Propio"),
        "onboarding copies glass prices: {row}"
    );
    assert!(!page.body.contains("PER-"), "only glass is listed");
    let version = page.version_of("VID-CLARO-4");
    let csrf = page.csrf();
    let resp = admin
        .post(
            "/catalogo/VID-CLARO-4/precio",
            &[("csrf", &csrf), ("version", &version), ("precio", "1234.5")],
        )
        .await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER, "{}", resp.body);
    assert_eq!(
        resp.location(),
        "/catalogo?aviso=guardado&material=VID-CLARO-4"
    );
    assert_eq!(app.price_of("VID-CLARO-4", &t.admin_token).await, "1234.50");
    let flash = admin.get(resp.location()).await;
    assert!(
        flash
            .body
            .contains("Precio de VID-CLARO-4 guardado: $1,234.50."),
        "{}",
        flash.body
    );
    assert!(flash.row("VID-CLARO-4").contains("$1,234.50"));

    // With htmx the answer is the row alone, with the new version in its form.
    let version = flash.version_of("VID-CLARO-4");
    let fragment = admin
        .post_with(
            "/catalogo/VID-CLARO-4/precio",
            &[("csrf", &csrf), ("version", &version), ("precio", "90")],
            &[("hx-request", "true")],
        )
        .await;
    assert_eq!(fragment.status, StatusCode::OK);
    assert!(
        fragment
            .body
            .trim_start()
            .starts_with(r#"<tr id="m-VID-CLARO-4">"#),
        "{}",
        fragment.body
    );
    assert!(!fragment.body.contains("<html"), "a fragment");
    assert!(fragment
        .body
        .contains("Precio de VID-CLARO-4 guardado: $90.00."));
    assert_ne!(fragment.version_of("VID-CLARO-4"), version);
    assert_eq!(app.price_of("VID-CLARO-4", &t.admin_token).await, "90.00");

    // Withdrawing the shop's own price: the default applies again.
    let restored = admin
        .post("/catalogo/VID-CLARO-4/restaurar", &[("csrf", &csrf)])
        .await;
    assert_eq!(restored.status, StatusCode::SEE_OTHER, "{}", restored.body);
    let price = app
        .get_json("/api/v1/prices/VID-CLARO-4", &t.admin_token)
        .await;
    assert_eq!(price["price"], "85.00");
    assert_eq!(price["source"], "global");
    let page = admin.get(restored.location()).await;
    assert!(page.row("VID-CLARO-4").contains("Predeterminado"));

    // Editing an inherited default makes it the shop's own.
    let page = admin.get("/catalogo?categoria=profile").await;
    let row = page.row("PER-NAC3-RS");
    assert!(row.contains("Predeterminado"), "{row}");
    let version = page.version_of("PER-NAC3-RS");
    assert!(version.starts_with('g'), "the default's version: {version}");
    let resp = admin
        .post(
            "/catalogo/PER-NAC3-RS/precio",
            &[("csrf", &csrf), ("version", &version), ("precio", "60.25")],
        )
        .await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER, "{}", resp.body);
    let price = app
        .get_json("/api/v1/prices/PER-NAC3-RS", &t.admin_token)
        .await;
    assert_eq!(
        (&price["price"], &price["source"]),
        (&json!("60.25"), &json!("tenant"))
    );
    let page = admin.get("/catalogo?categoria=profile").await;
    assert!(page.row("PER-NAC3-RS").contains("Propio"));

    // The history, newest first, with kinds and users in Spanish.
    let history = admin.get("/catalogo/VID-CLARO-4/historial").await;
    assert_eq!(history.status, StatusCode::OK);
    let body = &history.body;
    let withdrawn = body.find("Precio propio retirado").expect("withdrawal");
    let edit_90 = body.find("$90.00").expect("the second edit");
    let seed = body.find("Alta de la tienda").expect("the onboarding copy");
    assert!(
        withdrawn < edit_90 && edit_90 < seed,
        "newest first: {body}"
    );
    assert!(body.contains("Edición"));
    assert!(body.contains(&t.admin_email));
    assert!(body.contains(" de 20"), "dates in Spanish: {body}");
    app.cleanup().await;
}

#[tokio::test]
async fn a_stale_edit_names_who_changed_the_price_and_writes_nothing() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-st")).await;
    let other = add_user(&app, &t, "admin").await;
    let other_token = app
        .login(&t.slug, &other, crate::helpers::ADMIN_PASSWORD)
        .await;
    let mut admin = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let page = admin.get("/catalogo?q=claro-4").await;
    let version = page.version_of("VID-CLARO-4");
    let csrf = page.csrf();
    // Meanwhile the other admin changes it through the API.
    app.set_price("VID-CLARO-4", &other_token, "99.90").await;

    for (headers, status) in [
        (&[][..], StatusCode::CONFLICT),
        (&[("hx-request", "true")][..], StatusCode::OK),
    ] {
        let resp = admin
            .post_with(
                "/catalogo/VID-CLARO-4/precio",
                &[("csrf", &csrf), ("version", &version), ("precio", "50.00")],
                headers,
            )
            .await;
        assert_eq!(resp.status, status, "{}", resp.body);
        let expected = format!(
            "{other} cambió el precio de VID-CLARO-4 mientras lo editabas; ahora es $99.90. Tu cambio no se guardó."
        );
        assert!(resp.body.contains(&expected), "{}", resp.body);
        assert!(resp.row("VID-CLARO-4").contains("$99.90"));
        assert_eq!(app.price_of("VID-CLARO-4", &t.admin_token).await, "99.90");
    }
    // A forged version ("*" would mean any) is a stale edit too.
    let resp = admin
        .post(
            "/catalogo/VID-CLARO-4/precio",
            &[("csrf", &csrf), ("version", "*"), ("precio", "1.00")],
        )
        .await;
    assert_eq!(resp.status, StatusCode::CONFLICT);
    assert_eq!(app.price_of("VID-CLARO-4", &t.admin_token).await, "99.90");
    // A price that is no decimal is refused with a message.
    let version = admin.get("/catalogo").await.version_of("VID-CLARO-4");
    let resp = admin
        .post(
            "/catalogo/VID-CLARO-4/precio",
            &[("csrf", &csrf), ("version", &version), ("precio", "12,5")],
        )
        .await;
    assert_eq!(resp.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.body.contains("Escribe un precio válido"));
    assert_eq!(app.price_of("VID-CLARO-4", &t.admin_token).await, "99.90");
    app.cleanup().await;
}

#[tokio::test]
async fn estimators_and_viewers_see_no_edit_controls_and_their_forged_posts_are_refused() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-ro")).await;
    for role in ["estimator", "viewer"] {
        let email = add_user(&app, &t, role).await;
        let mut user = Browser::signed_in(&app, &t.slug, &email).await;
        let page = user.get("/catalogo").await;
        assert_eq!(page.status, StatusCode::OK, "{role}");
        assert!(page.row("VID-CLARO-4").contains("$85.00"), "{role}");
        for control in [
            // The edit forms' actions (the nav's "/precios" is for everyone).
            r#"/precio""#,
            r#"/restaurar""#,
            r#"name="precio""#,
            r#"name="version""#,
        ] {
            assert!(!page.body.contains(control), "{role} sees {control}");
        }
        assert!(page.body.contains("Solo lectura"), "{role}");
        // Its own, valid token: the role is what refuses.
        let csrf = page.csrf();
        for (path, form) in [
            (
                "/catalogo/VID-CLARO-4/precio",
                vec![
                    ("csrf", csrf.as_str()),
                    ("version", "t1"),
                    ("precio", "1.00"),
                ],
            ),
            (
                "/catalogo/VID-CLARO-4/restaurar",
                vec![("csrf", csrf.as_str())],
            ),
        ] {
            let resp = user.post(path, &form).await;
            assert_eq!(resp.status, StatusCode::FORBIDDEN, "{role} {path}");
            assert!(
                resp.body.contains("Tu rol no permite esta acción."),
                "{role}"
            );
            assert!(resp.header("content-type").starts_with("text/html"));
        }
        let price = app
            .get_json("/api/v1/prices/VID-CLARO-4", &t.admin_token)
            .await;
        assert_eq!(price["price"], "85.00", "{role}: nothing written");
        assert_eq!(price["source"], "tenant", "{role}: nothing withdrawn");
        let history = user.get("/catalogo/VID-CLARO-4/historial").await;
        assert_eq!(history.status, StatusCode::OK, "{role} reads the history");
    }
    app.cleanup().await;
}

#[tokio::test]
async fn a_post_without_the_sessions_token_or_from_another_site_is_refused() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-cs")).await;
    let mut admin = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let page = admin.get("/catalogo").await;
    let version = page.version_of("VID-CLARO-4");
    let csrf = page.csrf();
    let mut second = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let foreign = second.get("/catalogo").await.csrf();
    assert_ne!(foreign, csrf, "each session has its own token");
    type Headers<'a> = &'a [(&'a str, &'a str)];
    let cases: [(&str, Headers, &str); 5] = [
        ("", &[], "an empty token"),
        ("deadbeef", &[], "a made-up token"),
        (&foreign, &[], "another session's token"),
        (
            &csrf,
            &[("origin", "https://evil.example")],
            "a foreign Origin",
        ),
        (
            &csrf,
            &[
                ("sec-fetch-site", "cross-site"),
                ("origin", "https://evil.example"),
            ],
            "a cross-site post",
        ),
    ];
    for (token, headers, why) in cases {
        let resp = admin
            .post_with(
                "/catalogo/VID-CLARO-4/precio",
                &[("csrf", token), ("version", &version), ("precio", "1.00")],
                headers,
            )
            .await;
        assert_eq!(resp.status, StatusCode::FORBIDDEN, "{why}");
        assert!(
            resp.body.contains("No pudimos verificar el formulario"),
            "{why}: {}",
            resp.body
        );
    }
    let missing = admin
        .post(
            "/catalogo/VID-CLARO-4/precio",
            &[("version", &version), ("precio", "1.00")],
        )
        .await;
    assert_eq!(
        missing.status,
        StatusCode::BAD_REQUEST,
        "no token field at all"
    );
    let logout = admin.post("/salir", &[("csrf", &foreign)]).await;
    assert_eq!(
        logout.status,
        StatusCode::FORBIDDEN,
        "logout needs the token too"
    );
    assert_eq!(app.price_of("VID-CLARO-4", &t.admin_token).await, "85.00");
    app.cleanup().await;
}

#[tokio::test]
async fn one_shops_pages_never_show_another_shops_materials() {
    let app = spawn_app().await;
    let a = app.onboard(&slug("web-ia")).await;
    let b = app.onboard(&slug("web-ib")).await;
    let resp = app
        .request(
            reqwest::Method::POST,
            "/api/v1/materials",
            Some(&a.admin_token),
            Some(
                json!({ "code": "SOLO-A-1", "name": "Perfil exclusivo de A", "category": "hardware",
                         "unit": "piece", "price": "12.00" }),
            ),
        )
        .await;
    expect_status(resp, StatusCode::CREATED, "A's own material").await;
    app.set_price("VID-CLARO-4", &a.admin_token, "777.00").await;

    let mut shop_a = Browser::signed_in(&app, &a.slug, &a.admin_email).await;
    let page = shop_a.get("/catalogo").await;
    let order: Vec<usize> = [
        "<h2>Vidrio</h2>",
        "<h2>Perfil</h2>",
        "<h2>Herraje</h2>",
        "<h2>Consumible</h2>",
    ]
    .iter()
    .map(|h| page.body.find(h).unwrap_or_else(|| panic!("{h}")))
    .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "categories in the shops' order: {order:?}"
    );
    assert!(shop_a
        .get("/catalogo")
        .await
        .body
        .contains("Perfil exclusivo de A"));
    let mut shop_b = Browser::signed_in(&app, &b.slug, &b.admin_email).await;
    let page = shop_b.get("/catalogo").await;
    assert!(!page.body.contains("SOLO-A-1"));
    assert!(!page.body.contains("$777.00"));
    assert!(page.row("VID-CLARO-4").contains("$85.00"));
    let search = shop_b.get("/catalogo?q=solo").await;
    assert!(search
        .body
        .contains("Ningún material coincide con la búsqueda."));
    let history = shop_b.get("/catalogo/SOLO-A-1/historial").await;
    assert_eq!(history.status, StatusCode::NOT_FOUND);
    let history = shop_b.get("/catalogo/VID-CLARO-4/historial").await;
    assert!(!history.body.contains("$777.00"));
    assert!(!history.body.contains(&a.admin_email));
    // B's admin cannot touch A's own material either.
    let csrf = page.csrf();
    let resp = shop_b
        .post("/catalogo/SOLO-A-1/restaurar", &[("csrf", &csrf)])
        .await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
    let price = app
        .get_json("/api/v1/prices/SOLO-A-1", &a.admin_token)
        .await;
    assert_eq!(price["price"], "12.00");
    app.cleanup().await;
}
