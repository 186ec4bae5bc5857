//! Precios for admins: a bulk update previewed, applied and reverted from the page,
//! a stale preview refused, CSV import with its dry run, roles and shops kept apart.

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::add_user;
use super::browser::{Browser, Page};
use crate::helpers::{expect_status, slug, spawn_app, spawn_app_with, TestApp};

/// The page's preview of +10 % on glass, as an admin's browser posts it.
async fn preview_glass_up(browser: &mut Browser<'_>) -> Page {
    let page = browser.get("/precios").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let csrf = page.csrf();
    browser
        .post(
            "/precios/vista-previa",
            &[
                ("csrf", &csrf),
                ("categoria", "glass"),
                ("codigos", ""),
                ("prefijo", ""),
                ("cambio", "porcentaje"),
                ("valor", "10"),
                ("paso", ""),
                ("modo", "arriba"),
            ],
        )
        .await
}

/// Posts the form `id` of `page` with its hidden fields (as a browser would).
async fn submit(browser: &mut Browser<'_>, page: &Page, id: &str, action: &str) -> Page {
    let fields = page.hidden_fields(id);
    let form: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    browser.post(action, &form).await
}

/// The id of the batch a 303's flash names.
fn batch_of(location: &str) -> String {
    location
        .split("lote=")
        .nth(1)
        .unwrap_or_else(|| panic!("no batch in {location}"))
        .to_owned()
}

/// The row of the preview table for a code.
fn preview_row(page: &Page, code: &str) -> String {
    let start = page
        .body
        .find(&format!(r#"<tr class="previsto" id="p-{code}">"#))
        .unwrap_or_else(|| panic!("no preview row {code} in {}", page.body));
    let rest = &page.body[start..];
    rest[..rest.find("</tr>").expect("row ends")].to_owned()
}

async fn price(app: &TestApp, token: &str) -> String {
    app.price_of("VID-CLARO-4", token).await
}

#[tokio::test]
async fn an_admin_previews_applies_and_reverts_a_bulk_update() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-bulk")).await;
    let mut browser = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let page = browser.get("/precios").await;
    assert!(
        page.body
            .contains(r#"href="/precios" aria-current="page">Precios"#),
        "admins' nav opens the administration"
    );
    assert!(page.body.contains("Todavía no hay lotes."));

    let shown = preview_glass_up(&mut browser).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    assert!(
        shown.body.contains("7 precios cambiarían"),
        "{}",
        shown.body
    );
    let row = preview_row(&shown, "VID-CLARO-4");
    assert!(row.contains("$85.00") && row.contains("$93.50"), "{row}");
    assert_eq!(
        price(&app, &t.admin_token).await,
        "85.00",
        "a preview changes nothing"
    );

    let done = submit(&mut browser, &shown, "aplicar", "/precios/aplicar").await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let batch = batch_of(done.location());
    assert_eq!(price(&app, &t.admin_token).await, "93.50");
    let page = browser.get(done.location()).await;
    assert!(
        page.body.contains(&format!(
            "Se aplicó el lote {}: cambiaron 7 precios.",
            &batch[..8]
        )),
        "{}",
        page.body
    );
    assert!(page.body.contains(&format!(r#"id="lote-{batch}""#)));
    assert!(page.body.contains("Actualización masiva"));

    // Revert it from the list: the old price is back, the batch says so.
    let csrf = page.csrf();
    let done = browser
        .post(
            &format!("/precios/lotes/{batch}/revertir"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert!(done
        .location()
        .starts_with("/precios?aviso=revertido&lote="));
    assert_eq!(price(&app, &t.admin_token).await, "85.00");
    let page = browser.get(done.location()).await;
    assert!(page.body.contains("Se revirtió el lote"), "{}", page.body);
    let reverted = batch_of(done.location());
    assert!(page
        .body
        .contains(&format!("Revertido por {}", &reverted[..8])));
    app.cleanup().await;
}

#[tokio::test]
async fn a_stale_preview_is_refused_and_nothing_changes() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-stale")).await;
    let mut browser = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let shown = preview_glass_up(&mut browser).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    // Someone edits a price between the preview and the apply.
    app.set_price("VID-CLARO-4", &t.admin_token, "100.00").await;
    let refused = submit(&mut browser, &shown, "aplicar", "/precios/aplicar").await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(
        refused
            .body
            .contains("Los precios cambiaron desde la vista previa. No se aplicó nada"),
        "{}",
        refused.body
    );
    assert_eq!(price(&app, &t.admin_token).await, "100.00");
    // The page shows the preview as it is now, which applies.
    let row = preview_row(&refused, "VID-CLARO-4");
    assert!(row.contains("$100.00") && row.contains("$110.00"), "{row}");
    let done = submit(&mut browser, &refused, "aplicar", "/precios/aplicar").await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(price(&app, &t.admin_token).await, "110.00");
    // A bad form is named in Spanish and previews nothing.
    let csrf = refused.csrf();
    let bad = browser
        .post(
            "/precios/vista-previa",
            &[
                ("csrf", &csrf),
                ("codigos", "VID-CLARO-4, NO-EXISTE"),
                ("cambio", "porcentaje"),
                ("valor", "7,5"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Revisa «Valor»"), "{}", bad.body);
    let bad = browser
        .post(
            "/precios/vista-previa",
            &[
                ("csrf", &csrf),
                ("codigos", "vid-claro-4, NO-EXISTE"),
                ("cambio", "monto"),
                ("valor", "5"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body
            .contains("No existe ningún material con el código NO-EXISTE."),
        "{}",
        bad.body
    );
    app.cleanup().await;
}

#[tokio::test]
async fn an_estimator_sees_no_form_and_a_forged_post_is_refused() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-bulk-est")).await;
    let estimator = add_user(&app, &t, "estimator").await;
    // A real preview's fingerprint and a real batch, made by the admin.
    let body = json!({ "filter": { "category": "glass" }, "change": { "percent": "10" } });
    let resp = app
        .request(
            Method::POST,
            "/api/v1/price-updates/preview",
            Some(&t.admin_token),
            Some(body),
        )
        .await;
    let shown = expect_status(resp, StatusCode::OK, "preview").await;
    let fingerprint = shown["fingerprint"]
        .as_str()
        .expect("fingerprint")
        .to_owned();

    let mut browser = Browser::signed_in(&app, &t.slug, &estimator).await;
    let page = browser.get("/precios").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(!page.body.contains("/precios/vista-previa"));
    assert!(!page.body.contains("/precios/importar"));
    let history = browser.get("/precios/historial").await;
    assert!(history
        .body
        .contains(r#"href="/precios/historial" aria-current="page">Precios"#));
    assert!(!history.body.contains("/precios/aplicar"));
    let csrf = history.csrf();
    let forged = browser
        .post(
            "/precios/aplicar",
            &[
                ("csrf", &csrf),
                ("categoria", "glass"),
                ("cambio", "porcentaje"),
                ("valor", "10"),
                ("huella", &fingerprint),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", forged.body);
    assert!(forged.body.contains("Tu rol no permite esta acción"));
    let forged = browser
        .post_file(
            "/precios/importar",
            &[("csrf", &csrf)],
            ("archivo", "p.csv", b"code,price\nVID-CLARO-4,1.00\n"),
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(price(&app, &t.admin_token).await, "85.00");
    app.cleanup().await;
}

#[tokio::test]
async fn a_csv_with_a_bad_line_is_reported_and_a_good_one_applies_after_its_dry_run() {
    // A small usual body limit: the upload and its confirm still get the import's.
    let app = spawn_app_with(|s| s.server.max_body_bytes = 1024).await;
    let t = app.onboard(&slug("web-csv")).await;
    let mut browser = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let page = browser.get("/precios").await;
    assert!(page
        .body
        .contains(r#"<a href="/api/v1/materials/export" download"#));
    let csrf = page.csrf();

    let bad = b"code,price\nVID-CLARO-4,90.00\nVID-CLARO-6,12.5x\n";
    let report = browser
        .post_file(
            "/precios/importar",
            &[("csrf", &csrf)],
            ("archivo", "p.csv", bad),
        )
        .await;
    assert_eq!(
        report.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        report.body
    );
    assert!(
        report
            .body
            .contains("El archivo tiene 1 problemas; no se cambió nada."),
        "{}",
        report.body
    );
    let line = regex::Regex::new(
        r#"<tr class="problema">\s*<td[^>]*>3</td>\s*<td[^>]*><code>price</code></td>\s*<td[^>]*>12.5x</td>\s*<td[^>]*>no es un número decimal como 85.00.</td>"#,
    )
    .expect("regex");
    assert!(line.is_match(&report.body), "{}", report.body);
    assert!(!report.body.contains(r#"lang="en""#));
    assert!(!report.body.contains("confirmar-csv"));
    assert_eq!(price(&app, &t.admin_token).await, "85.00");

    // The export, one price changed: larger than the usual body limit.
    let export = browser.get("/api/v1/materials/export").await;
    assert_eq!(export.status, StatusCode::OK);
    let good = export.body.replacen(",85.00,", ",90.00,", 1);
    assert_ne!(good, export.body);
    assert!(good.len() > 1024, "{} bytes", good.len());
    let checked = browser
        .post_file(
            "/precios/importar",
            &[("csrf", &csrf)],
            ("archivo", "p.csv", good.as_bytes()),
        )
        .await;
    assert_eq!(checked.status, StatusCode::OK, "{}", checked.body);
    assert!(
        checked
            .body
            .contains("Revisión del archivo: 0 nuevos, 1 actualizados"),
        "{}",
        checked.body
    );
    let change = regex::Regex::new(
        r#"<code>VID-CLARO-4</code></td>\s*<td[^>]*>Actualizado</td>\s*<td[^>]*>\$85.00</td>\s*<td[^>]*>\$90.00</td>"#,
    )
    .expect("regex");
    assert!(change.is_match(&checked.body), "{}", checked.body);
    assert_eq!(
        price(&app, &t.admin_token).await,
        "85.00",
        "a dry run writes nothing"
    );

    let done = submit(
        &mut browser,
        &checked,
        "confirmar-csv",
        "/precios/importar/aplicar",
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(
        done.location(),
        "/precios?aviso=importado&nuevos=0&actualizados=1"
    );
    assert_eq!(price(&app, &t.admin_token).await, "90.00");
    let page = browser.get(done.location()).await;
    assert!(page
        .body
        .contains("Importación aplicada: 0 nuevos, 1 actualizados."));
    assert!(
        page.body.contains("Importación CSV"),
        "the import's batch is listed"
    );
    app.cleanup().await;
}

#[tokio::test]
async fn another_shop_never_sees_or_reverts_this_shops_batches() {
    let app = spawn_app().await;
    let a = app.onboard(&slug("web-bulk-a")).await;
    let b = app.onboard(&slug("web-bulk-b")).await;
    let mut browser_a = Browser::signed_in(&app, &a.slug, &a.admin_email).await;
    let shown = preview_glass_up(&mut browser_a).await;
    let done = submit(&mut browser_a, &shown, "aplicar", "/precios/aplicar").await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let batch = batch_of(done.location());

    let mut browser_b = Browser::signed_in(&app, &b.slug, &b.admin_email).await;
    let page = browser_b.get("/precios").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains(&batch[..8]), "{}", page.body);
    assert!(page.body.contains("Todavía no hay lotes."));
    // Its flash names nothing either.
    let page = browser_b.get(done.location()).await;
    assert!(!page.body.contains("Se aplicó el lote"));
    let csrf = page.csrf();
    let refused = browser_b
        .post(
            &format!("/precios/lotes/{batch}/revertir"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND, "{}", refused.body);
    assert_eq!(price(&app, &a.admin_token).await, "93.50");
    assert_eq!(price(&app, &b.admin_token).await, "85.00");
    app.cleanup().await;
}

#[tokio::test]
async fn a_superseded_batch_is_reverted_only_when_forced() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-force")).await;
    let mut browser = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let shown = preview_glass_up(&mut browser).await;
    let done = submit(&mut browser, &shown, "aplicar", "/precios/aplicar").await;
    let batch = batch_of(done.location());
    app.set_price("VID-CLARO-4", &t.admin_token, "100.00").await;
    let page = browser.get("/precios").await;
    let csrf = page.csrf();
    let refused = browser
        .post(
            &format!("/precios/lotes/{batch}/revertir"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(
        refused.body.contains(&format!(
            "Después del lote {} cambiaron los precios de VID-CLARO-4. No se revirtió nada.",
            &batch[..8]
        )),
        "{}",
        refused.body
    );
    assert_eq!(price(&app, &t.admin_token).await, "100.00");
    let forced = submit(
        &mut browser,
        &refused,
        "superado",
        &format!("/precios/lotes/{batch}/revertir"),
    )
    .await;
    assert_eq!(forced.status, StatusCode::SEE_OTHER, "{}", forced.body);
    assert_eq!(price(&app, &t.admin_token).await, "85.00");
    app.cleanup().await;
}

#[tokio::test]
async fn an_import_whose_catalogue_moved_after_its_dry_run_is_checked_again() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-csv-moved")).await;
    let mut browser = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let csrf = browser.get("/precios").await.csrf();
    let file = b"code,price\nVID-CLARO-4,90.00\n";
    let checked = browser
        .post_file(
            "/precios/importar",
            &[("csrf", &csrf)],
            ("archivo", "p.csv", file),
        )
        .await;
    assert_eq!(checked.status, StatusCode::OK, "{}", checked.body);
    app.set_price("VID-CLARO-4", &t.admin_token, "88.00").await;
    let refused = submit(
        &mut browser,
        &checked,
        "confirmar-csv",
        "/precios/importar/aplicar",
    )
    .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(refused
        .body
        .contains("El catálogo cambió desde la revisión del archivo. No se importó nada"));
    assert_eq!(price(&app, &t.admin_token).await, "88.00");
    assert!(
        refused.body.contains("$88.00"),
        "the changes as they are now"
    );
    let done = submit(
        &mut browser,
        &refused,
        "confirmar-csv",
        "/precios/importar/aplicar",
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(price(&app, &t.admin_token).await, "90.00");
    app.cleanup().await;
}

#[tokio::test]
async fn a_file_over_the_import_limit_is_refused_with_a_page() {
    let app = spawn_app_with(|s| s.server.max_import_bytes = 2048).await;
    let t = app.onboard(&slug("web-csv-big")).await;
    let mut browser = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let csrf = browser.get("/precios").await.csrf();
    let mut file = String::from("code,price\n");
    while file.len() <= 2048 {
        file.push_str("VID-CLARO-4,90.00\n");
    }
    let refused = browser
        .post_file(
            "/precios/importar",
            &[("csrf", &csrf)],
            ("archivo", "p.csv", file.as_bytes()),
        )
        .await;
    assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(refused.header("content-type").starts_with("text/html"));
    assert!(
        refused
            .body
            .contains("El archivo pasa del límite de 2048 bytes. No se cambió nada."),
        "{}",
        refused.body
    );
    assert!(!refused.header("content-security-policy").is_empty());
    // Past the upload's whole body limit (the file plus the usual 64 KiB), the
    // refusal comes before the page reads anything, and is a page too.
    while file.len() <= 2048 + 65536 {
        file.push_str("VID-CLARO-4,90.00\n");
    }
    let refused = browser
        .post_file(
            "/precios/importar",
            &[("csrf", &csrf)],
            ("archivo", "p.csv", file.as_bytes()),
        )
        .await;
    assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(refused.header("content-type").starts_with("text/html"));
    assert!(refused
        .body
        .contains("El archivo pasa del límite de 2048 bytes."));
    assert!(!refused.header("content-security-policy").is_empty());
    assert_eq!(price(&app, &t.admin_token).await, "85.00");
    app.cleanup().await;
}

#[tokio::test]
async fn price_forms_without_the_sessions_token_or_from_another_site_change_nothing() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-bulk-csrf")).await;
    let mut browser = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let shown = preview_glass_up(&mut browser).await;
    let done = submit(&mut browser, &shown, "aplicar", "/precios/aplicar").await;
    let batch = batch_of(done.location());
    let shown = preview_glass_up(&mut browser).await;
    let mut fields = shown.hidden_fields("aplicar");
    let csrf = shown.csrf();
    let revert = format!("/precios/lotes/{batch}/revertir");
    let evil: &[(&str, &str)] = &[("origin", "https://evil.example")];
    for (token, headers, why) in [
        ("deadbeef", &[][..], "a made-up token"),
        (csrf.as_str(), evil, "a foreign Origin"),
    ] {
        for (name, value) in &mut fields {
            if name == "csrf" {
                *value = token.to_owned();
            }
        }
        let form: Vec<(&str, &str)> = fields
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        for path in ["/precios/vista-previa", "/precios/aplicar", revert.as_str()] {
            let resp = browser.post_with(path, &form, headers).await;
            assert_eq!(resp.status, StatusCode::FORBIDDEN, "{path}: {why}");
            assert!(
                resp.body.contains("No pudimos verificar el formulario"),
                "{path}: {why}"
            );
        }
    }
    let upload = browser
        .post_file(
            "/precios/importar",
            &[("csrf", "deadbeef")],
            ("archivo", "p.csv", b"code,price\nVID-CLARO-4,1.00\n"),
        )
        .await;
    assert_eq!(upload.status, StatusCode::FORBIDDEN, "an upload's token");
    assert_eq!(price(&app, &t.admin_token).await, "93.50");
    app.cleanup().await;
}

/// The report's rows: (line, column, value, problem), as the page shows them.
fn report_rows(page: &Page) -> Vec<(String, String, String, String)> {
    let row = regex::Regex::new(
        r#"<tr class="problema">\s*<td[^>]*>(\d+)</td>\s*<td[^>]*><code>([^<]*)</code></td>\s*<td[^>]*>([^<]*)</td>\s*<td[^>]*>([^<]*)</td>"#,
    )
    .expect("regex");
    row.captures_iter(&page.body)
        .map(|c| (c[1].into(), c[2].into(), c[3].into(), c[4].into()))
        .collect()
}

#[tokio::test]
async fn each_kind_of_csv_problem_is_worded_in_spanish_and_the_api_keeps_its_english() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-csv-es")).await;
    let mut browser = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let csrf = browser.get("/precios").await.csrf();
    let upload = |file: &'static str| ("archivo", "p.csv", file.as_bytes());

    // Problems of the file itself: every line read, nothing written.
    let read = "code,name,category,unit,price,bar_length_m,active\n\
        VID-CLARO-4,,,,\"85,50\",,\n\
        vid-x,,,,10.00,,\n\
        VID-CLARO-6,,wood,,10.00,,\n\
        VID-BRONCE-4,,,,10.00,,quizas\n\
        HER-ROD-3,,,,15.00,,\n\
        HER-ROD-3,,,,15.00,,\n";
    let report = browser
        .post_file("/precios/importar", &[("csrf", &csrf)], upload(read))
        .await;
    assert_eq!(
        report.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        report.body
    );
    let expected = [
        ("2", "price", "85,50", "tiene coma decimal: escribe 85.50, con punto (sin separar los miles)."),
        ("3", "code", "vid-x", "no es un código de material: empieza con una letra mayúscula o un dígito y sigue con hasta 63 letras, dígitos, «.», «_» o «-»."),
        ("4", "category", "wood", "no es una categoría: glass (vidrio), profile (perfil), hardware (herraje) o consumable (consumible)."),
        ("5", "active", "quizas", "escribe true o false."),
        ("7", "code", "HER-ROD-3", "el código ya está en la línea 6."),
    ];
    let shown = report_rows(&report);
    let shown: Vec<(&str, &str, &str, &str)> = shown
        .iter()
        .map(|(l, c, v, p)| (l.as_str(), c.as_str(), v.as_str(), p.as_str()))
        .collect();
    let expected: Vec<(&str, &str, &str, &str)> = expected
        .iter()
        .map(|(l, c, v, p)| (*l, *c, *v, *p))
        .collect();
    assert_eq!(shown, expected, "{}", report.body);
    assert!(!report.body.contains(r#"lang="en""#));

    // Problems against the catalogue: a new code without name, category and unit;
    // a default's category changed; a bar length on hardware; a default deactivated.
    let decide = "code,name,category,unit,price,bar_length_m,active\n\
        NUEVO-1,,,,10.00,,\n\
        HER-ROD-3,,glass,,15.00,,\n\
        NUEVO-2,Jaladera,hardware,piece,10.00,6,\n\
        PER-NAC3-RS,,,,99.00,,false\n";
    let report = browser
        .post_file("/precios/importar", &[("csrf", &csrf)], upload(decide))
        .await;
    assert_eq!(
        report.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        report.body
    );
    let problems: Vec<String> = report_rows(&report).into_iter().map(|r| r.3).collect();
    assert_eq!(
        problems,
        [
            "NUEVO-1 es nuevo: indica su «name».",
            "NUEVO-1 es nuevo: indica su «category».",
            "NUEVO-1 es nuevo: indica su «unit».",
            "HER-ROD-3 es de la categoría «Herraje» en el catálogo predeterminado.",
            "solo los perfiles tienen largo de barra.",
            "PER-NAC3-RS viene del catálogo predeterminado, que no se puede desactivar; dale un precio propio.",
        ],
        "{}",
        report.body
    );
    assert_eq!(
        price(&app, &t.admin_token).await,
        "85.00",
        "nothing written"
    );

    // The API answers the same file with its English reasons, unchanged.
    let req = app
        .client
        .post(app.url("/api/v1/materials/import?dry_run=true"))
        .bearer_auth(&t.admin_token)
        .header("Content-Type", "text/csv; charset=utf-8")
        .body(decide);
    let resp = app
        .send(&Method::POST, "/api/v1/materials/import?dry_run=true", req)
        .await;
    let body = expect_status(resp, StatusCode::UNPROCESSABLE_ENTITY, "import").await;
    let reasons: Vec<&str> = body["details"]["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| p["reason"].as_str().expect("reason"))
        .collect();
    assert_eq!(
        reasons,
        [
            "NUEVO-1 is new: give its name",
            "NUEVO-1 is new: give its category",
            "NUEVO-1 is new: give its unit",
            "HER-ROD-3 is a hardware in the default catalogue",
            "only profiles have a bar length",
            "PER-NAC3-RS is inherited from the default catalogue, which cannot be deactivated; set its own price instead",
        ]
    );
    app.cleanup().await;
}
