//! Precios: the shop's price history with its filters and paging, and the price
//! on a date, for every role; never another shop's changes.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use super::add_user;
use super::browser::{Browser, Page};
use crate::helpers::{expect_status, slug, spawn_app, TestApp};

/// A bulk update of glass, +7.5 % rounded up to 0.50, through the API; the batch id.
async fn glass_up(app: &TestApp, token: &str) -> String {
    let body = json!({ "filter": { "category": "glass" },
                       "change": { "percent": "7.5" },
                       "rounding": { "step": "0.50", "mode": "up" } });
    let resp = app
        .request(
            Method::POST,
            "/api/v1/price-updates/preview",
            Some(token),
            Some(body.clone()),
        )
        .await;
    let shown = expect_status(resp, StatusCode::OK, "preview").await;
    let mut apply = body;
    apply["fingerprint"] = shown["fingerprint"].clone();
    let resp = app
        .request(
            Method::POST,
            "/api/v1/price-updates",
            Some(token),
            Some(apply),
        )
        .await;
    let batch: Value = expect_status(resp, StatusCode::CREATED, "apply").await;
    batch["id"].as_str().expect("batch id").to_owned()
}

/// The history's rows (`<tr class="change">`), in page order.
fn changes(page: &Page) -> Vec<String> {
    page.body
        .split(r#"<tr class="change">"#)
        .skip(1)
        .map(|rest| rest[..rest.find("</tr>").expect("row ends")].to_owned())
        .collect()
}

#[tokio::test]
async fn every_role_reads_the_history_with_kinds_and_filters() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-hist")).await;
    app.set_price("VID-CLARO-4", &t.admin_token, "100").await;
    let batch = glass_up(&app, &t.admin_token).await;
    let viewer = add_user(&app, &t, "viewer").await;
    let mut browser = Browser::signed_in(&app, &t.slug, &viewer).await;

    let page = browser.get("/precios/historial?codigo=vid-claro-4").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page
        .body
        .contains(r#"href="/precios/historial" aria-current="page">Precios"#));
    let rows = changes(&page);
    assert!(rows.len() >= 3, "seed, edit, bulk: {rows:?}");
    assert!(rows.iter().all(|r| r.contains("VID-CLARO-4")), "{rows:?}");
    // Newest first: the bulk update, then the edit.
    assert!(rows[0].contains("Actualización masiva"), "{}", rows[0]);
    assert!(
        rows[0].contains("$100.00") && rows[0].contains("$107.50"),
        "{}",
        rows[0]
    );
    assert!(rows[0].contains(&batch[..8]), "{}", rows[0]);
    assert!(rows[1].contains("Edición"), "{}", rows[1]);
    assert!(
        rows[1].contains("$85.00") && rows[1].contains("$100.00"),
        "{}",
        rows[1]
    );
    assert!(rows[1].contains(&t.admin_email), "{}", rows[1]);
    assert!(!page.body.contains("no es válido"));

    // By batch: the 7 glass materials of the bulk update, nothing else.
    let page = browser
        .get(&format!("/precios/historial?lote={batch}"))
        .await;
    assert!(page.body.contains("7 cambios coinciden"), "{}", page.body);
    let rows = changes(&page);
    assert_eq!(rows.len(), 7);
    assert!(rows.iter().all(|r| r.contains("Actualización masiva")));

    // By user: the admin's edit and bulk update, not the shop's seed.
    let re = regex::Regex::new(&format!(
        r#"<option value="([0-9a-f-]{{36}})">{}</option>"#,
        regex::escape(&t.admin_email)
    ))
    .expect("regex");
    let admin_id = re.captures(&page.body).expect("admin in the user select")[1].to_owned();
    let page = browser
        .get(&format!(
            "/precios/historial?usuario={admin_id}&codigo=VID-CLARO-4"
        ))
        .await;
    let rows = changes(&page);
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(page
        .body
        .contains(&format!(r#"<option value="{admin_id}" selected>"#)));

    // By category and dates.
    let page = browser.get("/precios/historial?categoria=profile").await;
    assert!(changes(&page).iter().all(|r| !r.contains("VID-")));
    let page = browser
        .get("/precios/historial?desde=2000-01-01&hasta=2000-01-02")
        .await;
    assert!(page.body.contains("0 cambios coinciden"), "{}", page.body);
    assert!(changes(&page).is_empty());
    let page = browser
        .get("/precios/historial?codigo=VID-CLARO-4&desde=2000-01-01&hasta=2099-12-31")
        .await;
    assert!(changes(&page).len() >= 3);

    // Bad filters are named and nothing is listed.
    let page = browser
        .get("/precios/historial?codigo=no+v%C3%A1lido&desde=2026-12-03&hasta=2026-12-01")
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains("El filtro «Código» no es válido"),
        "{}",
        page.body
    );
    assert!(page.body.contains("«Hasta» no puede ser anterior"));
    assert!(changes(&page).is_empty());
    app.cleanup().await;
}

#[tokio::test]
async fn the_history_pages_with_the_apis_cursor() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-page")).await;
    // 7 seeds and 7 times 7 bulk changes of glass: 56, more than a page of 50.
    for _ in 0..7 {
        glass_up(&app, &t.admin_token).await;
    }
    let mut browser = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let first = browser.get("/precios/historial?categoria=glass").await;
    let rows = changes(&first);
    assert_eq!(rows.len(), 50, "a full page");
    let total: usize = regex::Regex::new(r"(\d+) cambios coinciden")
        .expect("regex")
        .captures(&first.body)
        .expect("a total")[1]
        .parse()
        .expect("a number");
    assert!(total > 50, "{total}");
    // Following "older" to the end lists every change once, newest first.
    let next_re = regex::Regex::new(r#"<a href="([^"]+)" rel="next">"#).expect("regex");
    let mut seen = rows;
    let mut page = first;
    while let Some(next) = next_re
        .captures(&page.body)
        .map(|c| c[1].replace("&#38;", "&").replace("&amp;", "&"))
    {
        assert!(next.contains("categoria=glass"), "{next}");
        page = browser.get(&next).await;
        assert_eq!(page.status, StatusCode::OK);
        let more = changes(&page);
        assert!(!more.is_empty() && more.len() <= 50);
        for r in &more {
            assert!(!seen.contains(r) && r.contains("VID-"), "{r}");
        }
        seen.extend(more);
    }
    assert_eq!(seen.len(), total);
    app.cleanup().await;
}

#[tokio::test]
async fn the_price_on_a_date_says_what_it_was_and_where_it_came_from() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-asof")).await;
    app.set_price("VID-CLARO-4", &t.admin_token, "1234.5").await;
    let estimator = add_user(&app, &t, "estimator").await;
    let mut browser = Browser::signed_in(&app, &t.slug, &estimator).await;
    let page = browser
        .get("/precios/historial?en_codigo=vid-claro-4&en_fecha=2099-01-01")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(
            "Al cierre del 1 de enero de 2099, VID-CLARO-4 costaba $1,234.50 (Propio, fijado el "
        ),
        "{}",
        page.body
    );
    let page = browser
        .get("/precios/historial?en_codigo=VID-CLARO-4&en_fecha=2000-01-01")
        .await;
    assert!(
        page.body
            .contains("VID-CLARO-4 no tenía precio al cierre del 1 de enero de 2000."),
        "{}",
        page.body
    );
    // The export link serves the API's CSV with the page's session cookie.
    assert!(page
        .body
        .contains(r#"<a href="/api/v1/materials/export" download"#));
    let csv = browser.get("/api/v1/materials/export").await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
    assert!(csv.header("content-type").starts_with("text/csv"));
    assert!(csv.body.contains("VID-CLARO-4,"), "{}", csv.body);
    assert!(csv.body.contains(",1234.50,"), "{}", csv.body);
    let page = browser
        .get("/precios/historial?en_codigo=VID-CLARO-4&en_fecha=ayer")
        .await;
    assert!(page
        .body
        .contains("Escribe un código de material y una fecha válidos."));
    app.cleanup().await;
}

#[tokio::test]
async fn a_shop_never_sees_another_shops_changes() {
    let app = spawn_app().await;
    let a = app.onboard(&slug("web-ha")).await;
    let b = app.onboard(&slug("web-hb")).await;
    let batch = glass_up(&app, &a.admin_token).await;
    let mut browser = Browser::signed_in(&app, &b.slug, &b.admin_email).await;
    let page = browser
        .get(&format!("/precios/historial?lote={batch}"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("0 cambios coinciden"), "{}", page.body);
    let page = browser.get("/precios/historial").await;
    assert!(!page.body.contains(&batch[..8]));
    assert!(!page.body.contains(&a.admin_email));
    assert!(!page.body.contains("Actualización masiva"));
    let mut signed_out = Browser::new(&app);
    let page = signed_out.get("/precios/historial").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/entrar");
    app.cleanup().await;
}
