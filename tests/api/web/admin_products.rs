//! Administración > Productos: the shop's products and the defaults, each with
//! its details (the BOM as `GET /api/v1/products/{code}` shows it); a new
//! product, one edited (stale edits refused), the shop's own removed or a
//! default restored, every write checked through the API; for admins only;
//! shops apart.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use super::add_user;
use super::browser::Browser;
use crate::helpers::{expect_status, slug, spawn_app, TestApp, TestTenant};

const PATH: &str = "/administracion/productos";

/// Saves the shop's own copy of a default product as `code`, named `name`.
async fn own_product(app: &TestApp, t: &TestTenant, code: &str, name: &str) {
    let mut spec = app
        .get_json("/api/v1/products/VEN-FIJA-NAC3", &t.admin_token)
        .await;
    let fields = spec.as_object_mut().expect("an object");
    fields.remove("source");
    fields.remove("version");
    spec["code"] = json!(code);
    spec["name"] = json!(name);
    let resp = app
        .request(
            Method::POST,
            "/api/v1/products",
            Some(&t.admin_token),
            Some(spec),
        )
        .await;
    expect_status(resp, StatusCode::CREATED, "own product").await;
}

#[tokio::test]
async fn an_admin_reads_the_products_and_their_materials_as_the_api_shows_them() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-prod")).await;
    own_product(&app, &t, "VEN-PROPIA", "Ventana Propia").await;
    let mut admin = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let landing = admin.get("/administracion").await;
    assert!(landing
        .body
        .contains(r#"<a href="/administracion/productos">Productos</a>"#));
    let page = admin.get(PATH).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let products = app.get_items("/api/v1/products", &t.admin_token).await;
    let products = products.as_array().expect("items");
    assert!(products.len() >= 3);
    for p in products {
        let code = p["code"].as_str().expect("code");
        let row = page.tr(&format!("p-{code}"));
        assert!(
            row.contains(&format!(
                r#"<a href="/administracion/productos/{code}">{code}</a>"#
            )),
            "{row}"
        );
        let bom = p["bom"].as_array().expect("bom").len();
        assert!(
            row.contains(&format!(">{bom}</td>")),
            "{code}: {bom} lines in {row}"
        );
        let source = if p["source"] == "tenant" {
            "Propio"
        } else {
            "Predeterminado"
        };
        assert!(row.contains(source), "{code}: {row}");
    }
    let row = page.tr("p-VEN-CORR-NAC3");
    assert!(
        row.contains("Ventana Corrediza") && row.contains("80 – 300 cm"),
        "{row}"
    );
    assert!(
        row.contains("60 – 250 cm") && row.contains("nacional_serie_3"),
        "{row}"
    );
    assert!(page.tr("p-VEN-PROPIA").contains("Ventana Propia"));
    assert!(page
        .body
        .contains(r#"<a href="/administracion/productos/nuevo" id="nuevo-producto">"#));

    // A product's details: every BOM line as the API has it.
    let details = admin.get(&format!("{PATH}/VEN-CORR-NAC3")).await;
    assert_eq!(details.status, StatusCode::OK, "{}", details.body);
    let api = app
        .get_json("/api/v1/products/VEN-CORR-NAC3", &t.admin_token)
        .await;
    for (i, line) in api["bom"].as_array().expect("bom").iter().enumerate() {
        let row = details.tr(&format!("bom-{}", i + 1));
        let material = line["material"].as_str().expect("material");
        let formula = line["quantity_formula"].as_str().expect("formula");
        assert!(row.contains(&format!(">{material}</a>")), "{row}");
        assert!(row.contains(&format!("<code>{formula}</code>")), "{row}");
    }
    let first = details.tr("bom-1");
    assert!(
        first.contains("Riel Superior") && first.contains("Perfil"),
        "{first}"
    );
    assert!(
        first.contains("1.05") && first.contains("largo: width_cm"),
        "{first}"
    );
    for missing in ["NO-EXISTE", "ven-corr-nac3"] {
        let resp = admin.get(&format!("{PATH}/{missing}")).await;
        assert_eq!(resp.status, StatusCode::NOT_FOUND, "{missing}");
    }
    app.cleanup().await;
}

#[tokio::test]
async fn estimators_viewers_and_other_shops_do_not_see_them() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-prod-rl")).await;
    let other = app.onboard(&slug("web-prod-ot")).await;
    own_product(&app, &t, "VEN-SECRETA", "Secreto de A").await;
    for role in ["estimator", "viewer"] {
        let email = add_user(&app, &t, role).await;
        let mut browser = Browser::signed_in(&app, &t.slug, &email).await;
        for path in [PATH.to_owned(), format!("{PATH}/VEN-SECRETA")] {
            let resp = browser.get(&path).await;
            assert_eq!(resp.status, StatusCode::FORBIDDEN, "{role} {path}");
            assert!(!resp.body.contains("Secreto de A"));
        }
    }
    let mut stranger = Browser::signed_in(&app, &other.slug, &other.admin_email).await;
    let page = stranger.get(PATH).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("VEN-SECRETA") && !page.body.contains("Secreto de A"));
    let resp = stranger.get(&format!("{PATH}/VEN-SECRETA")).await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
    assert!(!resp.body.contains("Secreto de A"));
    let resp = stranger.get(&format!("{PATH}/VEN-SECRETA/editar")).await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
    assert!(!resp.body.contains("Secreto de A"));
    app.cleanup().await;
}

/// The API's product `code` as JSON, or `None` when it answers 404.
async fn api_product(app: &TestApp, t: &TestTenant, code: &str) -> Option<Value> {
    let resp = app
        .get(&format!("/api/v1/products/{code}"), &t.admin_token)
        .await;
    if resp.status() == StatusCode::NOT_FOUND {
        return None;
    }
    Some(expect_status(resp, StatusCode::OK, code).await)
}

/// The form's fields for a product as the API shows it (its code changed to
/// `code`), with the page's token and version.
fn form_of(spec: &Value, code: &str, csrf: &str, version: &str) -> Vec<(String, String)> {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let mut fields: Vec<(String, String)> = vec![
        ("csrf".into(), csrf.into()),
        ("version".into(), version.into()),
        ("clave".into(), code.into()),
        ("nombre".into(), text(&spec["name"])),
        ("tipo".into(), text(&spec["kind"])),
        ("tipo_ventana".into(), text(&spec["window_type"])),
        ("tipo_puerta".into(), text(&spec["door_type"])),
        ("linea".into(), text(&spec["aluminium_line"])),
        ("ancho_min".into(), text(&spec["width_cm"][0])),
        ("ancho_max".into(), text(&spec["width_cm"][1])),
        ("alto_min".into(), text(&spec["height_cm"][0])),
        ("alto_max".into(), text(&spec["height_cm"][1])),
    ];
    for (i, line) in spec["bom"].as_array().expect("bom").iter().enumerate() {
        for (key, api) in [
            ("descripcion", "description"),
            ("material", "material"),
            ("categoria", "kind"),
            ("cantidad", "quantity_formula"),
            ("desperdicio", "waste_factor"),
            ("piezas", "pieces"),
            ("pieza-ancho", "piece_width_cm"),
            ("pieza-alto", "piece_height_cm"),
            ("pieza-largo", "piece_length_cm"),
        ] {
            fields.push((format!("bom-{i}-{key}"), text(&line[api])));
        }
    }
    // An empty row, as the page offers: not a line.
    let n = spec["bom"].as_array().map(Vec::len).unwrap_or_default();
    fields.push((format!("bom-{n}-desperdicio"), "1".into()));
    fields.push((format!("bom-{n}-categoria"), String::new()));
    fields
}

/// A form's fields, in order.
type Fields = Vec<(String, String)>;

/// `fields` with `name` set to `value` (added when absent).
fn with(fields: &[(String, String)], name: &str, value: &str) -> Vec<(String, String)> {
    let mut out = fields.to_vec();
    match out.iter_mut().find(|(n, _)| n == name) {
        Some(field) => field.1 = value.to_owned(),
        None => out.push((name.to_owned(), value.to_owned())),
    }
    out
}

fn refs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// What a product's spec says, without its source and version.
fn spec_of(view: &Value) -> Value {
    let mut spec = view.clone();
    let fields = spec.as_object_mut().expect("an object");
    fields.remove("source");
    fields.remove("version");
    fields.remove("code");
    fields.remove("name");
    spec
}

/// The index of the first BOM line of `kind`.
fn line_of(spec: &Value, kind: &str) -> usize {
    spec["bom"]
        .as_array()
        .expect("bom")
        .iter()
        .position(|l| l["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} line in {spec}"))
}

#[tokio::test]
async fn an_admin_creates_a_product_and_each_bad_field_is_named_with_nothing_written() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-prod-new")).await;
    let mut admin = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let base = api_product(&app, &t, "VEN-FIJA-NAC3")
        .await
        .expect("a default");
    let page = admin.get(&format!("{PATH}/nuevo")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for id in [
        "clave",
        "nombre",
        "tipo",
        "tipo_ventana",
        "ancho_min",
        "bom-0-material",
        "bom-2-pieza-largo",
    ] {
        assert!(
            page.body.contains(&format!(r#"<label for="{id}">"#)),
            "{id}"
        );
    }
    assert!(!page.body.contains(r#"id="bom-3""#), "three blank rows");
    let csrf = page.csrf();
    let good = form_of(&base, "VEN-WEB", &csrf, "");
    let new = format!("{PATH}/nuevo");

    // "Agregar líneas": the form again with three more rows, nothing written.
    let more = admin
        .post(&new, &refs(&with(&good, "accion", "agregar")))
        .await;
    assert_eq!(more.status, StatusCode::OK, "{}", more.body);
    let n = base["bom"].as_array().map(Vec::len).unwrap_or_default();
    assert!(more
        .body
        .contains(&format!(r#"id="bom-{}-material""#, n + 2)));
    assert!(!more
        .body
        .contains(&format!(r#"id="bom-{}-material""#, n + 3)));
    assert!(more.body.contains(r#"value="VEN-WEB""#));
    assert!(api_product(&app, &t, "VEN-WEB").await.is_none());

    let profile = line_of(&base, "profile");
    let glass = line_of(&base, "glass");
    let glass_code = base["bom"][glass]["material"]
        .as_str()
        .expect("code")
        .to_owned();
    let min = base["width_cm"][0].as_str().expect("min").to_owned();
    let p = |key: &str| format!("bom-{profile}-{key}");
    let (pl, gl) = ((profile + 1).to_string(), (glass + 1).to_string());
    let cases: Vec<(Fields, String, String)> = vec![
        (
            with(&good, "clave", "ven web"),
            "clave".into(),
            "Clave: letras".into(),
        ),
        (
            with(&good, "nombre", " "),
            "nombre".into(),
            "Nombre: escribe".into(),
        ),
        (
            with(&good, "nombre", "a\0b"),
            "nombre".into(),
            "Revisa «Nombre»".into(),
        ),
        (
            with(&good, "tipo", "ventanal"),
            "tipo".into(),
            "Tipo: elige".into(),
        ),
        (
            with(&good, "tipo_ventana", ""),
            "tipo_ventana".into(),
            "Tipo de ventana: elige".into(),
        ),
        (
            with(&good, "ancho_min", "abc"),
            "ancho_min".into(),
            "Ancho: mínimo y máximo".into(),
        ),
        (
            with(&good, "ancho_min", "9999"),
            "ancho_min".into(),
            "Ancho: mínimo y máximo".into(),
        ),
        (
            with(&good, "alto_max", ""),
            "alto_min".into(),
            "Alto: mínimo y máximo".into(),
        ),
        (
            with(&good, "linea", &"x".repeat(51)),
            "linea".into(),
            "Línea de aluminio: de 1 a 50".into(),
        ),
        (
            with(&good, &p("material"), "NO-EXISTE"),
            p("material"),
            format!("Línea {pl}, material: el catálogo no tiene un material activo NO-EXISTE."),
        ),
        (
            with(&good, &p("material"), "no es clave"),
            p("material"),
            format!("Línea {pl}, material: escribe la clave"),
        ),
        (
            with(&good, &p("material"), &glass_code),
            p("material"),
            format!("Línea {pl}, material: {glass_code} no es de la categoría Perfil."),
        ),
        (
            with(&good, &p("categoria"), "madera"),
            p("categoria"),
            format!("Línea {pl}, categoría: elige"),
        ),
        (
            with(&good, &p("cantidad"), "widht_m"),
            p("cantidad"),
            format!("Línea {pl}, Fórmula de cantidad: revisa «widht_m»"),
        ),
        (
            with(&good, &p("cantidad"), &format!("1 / (width_cm - {min})")),
            p("cantidad"),
            format!("Línea {pl}, Fórmula de cantidad: revisa"),
        ),
        (
            with(&good, &p("desperdicio"), "0.9"),
            p("desperdicio"),
            format!("Línea {pl}, desperdicio: un número de 1 o más"),
        ),
        (
            with(&good, &p("desperdicio"), "uno"),
            p("desperdicio"),
            format!("Línea {pl}, desperdicio"),
        ),
        (
            with(&good, &p("pieza-ancho"), "width_cm"),
            p("pieza-ancho"),
            format!("Línea {pl}, Ancho de pieza (cm): una línea de Perfil no lleva este dato"),
        ),
        (
            with(&good, &p("descripcion"), &"d".repeat(201)),
            p("descripcion"),
            format!("Línea {pl}, descripción: a lo más 200"),
        ),
        (
            with(&good, &p("material"), "PER\0"),
            p("material"),
            format!("Revisa «Línea {pl}, Material (clave)»"),
        ),
        (
            with(
                &with(&good, &format!("bom-{glass}-pieza-ancho"), "width_cm"),
                &format!("bom-{glass}-pieza-alto"),
                "",
            ),
            format!("bom-{glass}-pieza-alto"),
            format!("Línea {gl}, ancho y alto de pieza: el vidrio por piezas necesita los dos."),
        ),
    ];
    for (fields, id, says) in &cases {
        let refused = admin.post(&new, &refs(fields)).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{id}: {}",
            refused.body
        );
        assert!(
            refused
                .body
                .contains(&format!(r##"<a href="#{id}">{says}"##)),
            "{id} {says}: {}",
            refused.body
        );
        assert!(refused.body.contains("No se guardó nada."));
        assert!(refused.body.contains(&format!(r#"id="{id}""#)), "{id}");
        assert!(
            api_product(&app, &t, "VEN-WEB").await.is_none(),
            "{id}: nothing written"
        );
    }
    // Several problems at once: each named.
    let both = with(&with(&good, "clave", "mal clave"), &p("cantidad"), "x +");
    let refused = admin.post(&new, &refs(&both)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains(r##"<a href="#clave">"##));
    assert!(refused
        .body
        .contains(&format!(r##"<a href="#{}">"##, p("cantidad"))));
    assert!(
        refused.body.contains(r#"value="mal clave""#) && refused.body.contains(r#"value="x +""#)
    );

    // Created: the API shows exactly what was typed, as the shop's own.
    let made = admin
        .post(&new, &refs(&with(&good, "nombre", "Ventana web")))
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    assert_eq!(made.location(), format!("{PATH}/VEN-WEB?aviso=guardado"));
    let saved = api_product(&app, &t, "VEN-WEB").await.expect("created");
    assert_eq!(saved["name"], "Ventana web");
    assert_eq!(saved["source"], "tenant");
    assert_eq!(spec_of(&saved), spec_of(&base), "the same spec as typed");
    let details = admin.get(made.location()).await;
    assert!(details.body.contains("Se guardó el producto VEN-WEB."));
    // The same code again: 409 on the form, nothing changed.
    let again = admin
        .post(&new, &refs(&with(&good, "nombre", "Otra")))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert!(again
        .body
        .contains("El taller ya tiene un producto VEN-WEB"));
    assert!(again.body.contains(r#"value="Otra""#));
    assert_eq!(
        api_product(&app, &t, "VEN-WEB").await.expect("kept")["name"],
        "Ventana web"
    );
    app.cleanup().await;
}

#[tokio::test]
async fn an_admin_edits_with_a_version_check_removes_its_own_and_restores_a_default() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-prod-ed")).await;
    own_product(&app, &t, "VEN-PROPIA", "Ventana Propia").await;
    let mut admin = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let edit = format!("{PATH}/VEN-PROPIA/editar");
    let page = admin.get(&edit).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains(r#"value="Ventana Propia""#));
    assert!(!page.body.contains(r#"id="predeterminado""#));
    let hidden = page.hidden_fields("producto-form");
    let version = hidden
        .iter()
        .find(|(n, _)| n == "version")
        .expect("version")
        .1
        .clone();
    assert_eq!(version, "\"pt1\"");
    let csrf = page.csrf();
    let api = api_product(&app, &t, "VEN-PROPIA").await.expect("own");
    let fields = form_of(&api, "VEN-PROPIA", &csrf, &version);

    // A bad edit: named, nothing written.
    let bad = with(&fields, "bom-0-cantidad", "(");
    let refused = admin.post(&edit, &refs(&bad)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused
        .body
        .contains(r##"<a href="#bom-0-cantidad">Línea 1, Fórmula de cantidad"##));
    assert_eq!(
        api_product(&app, &t, "VEN-PROPIA").await.expect("kept")["version"],
        1
    );

    // Saved; then the same form again is stale: 409, typed values kept, nothing
    // written; saving from that answer replaces the current version.
    let saved = admin
        .post(&edit, &refs(&with(&fields, "nombre", "Primera")))
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(
        saved.location(),
        format!("{PATH}/VEN-PROPIA?aviso=guardado")
    );
    let now = api_product(&app, &t, "VEN-PROPIA").await.expect("own");
    assert_eq!(
        (now["name"].as_str(), now["version"].as_i64()),
        (Some("Primera"), Some(2))
    );
    let stale = admin
        .post(&edit, &refs(&with(&fields, "nombre", "Segunda")))
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    assert!(stale
        .body
        .contains("Alguien guardó este producto mientras lo editabas"));
    assert!(stale.body.contains(r#"value="Segunda""#));
    assert_eq!(
        api_product(&app, &t, "VEN-PROPIA").await.expect("own")["name"],
        "Primera"
    );
    let current = stale.hidden_fields("producto-form");
    let retry = admin
        .post(
            &edit,
            &refs(&with(
                &with(&fields, "nombre", "Segunda"),
                "version",
                &current[1].1,
            )),
        )
        .await;
    assert_eq!(retry.status, StatusCode::SEE_OTHER, "{}", retry.body);
    assert_eq!(
        api_product(&app, &t, "VEN-PROPIA").await.expect("own")["name"],
        "Segunda"
    );

    // Removing the shop's own product (no default of that code): gone.
    let details = admin.get(&format!("{PATH}/VEN-PROPIA")).await;
    assert!(details.body.contains("Eliminar producto"));
    let token = [("csrf", csrf.as_str())];
    let removed = admin
        .post(&format!("{PATH}/VEN-PROPIA/quitar"), &token)
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    assert_eq!(
        removed.location(),
        format!("{PATH}?aviso=eliminado&clave=VEN-PROPIA")
    );
    assert!(admin
        .get(removed.location())
        .await
        .body
        .contains("Se eliminó el producto VEN-PROPIA."));
    assert!(api_product(&app, &t, "VEN-PROPIA").await.is_none());
    for path in ["VEN-PROPIA/quitar", "VEN-PROPIA/editar", "NO-EXISTE/quitar"] {
        let resp = admin.post(&format!("{PATH}/{path}"), &refs(&fields)).await;
        assert_eq!(resp.status, StatusCode::NOT_FOUND, "{path}");
    }

    // A default edited becomes the shop's own; restoring brings the default back.
    let default = api_product(&app, &t, "VEN-CORR-NAC3")
        .await
        .expect("default");
    let edit = format!("{PATH}/VEN-CORR-NAC3/editar");
    let page = admin.get(&edit).await;
    assert!(page.body.contains(r#"id="predeterminado""#));
    let version = page.hidden_fields("producto-form")[1].1.clone();
    assert_eq!(version, format!("\"pg{}\"", default["version"]));
    let fields = form_of(&default, "VEN-CORR-NAC3", &csrf, &version);
    let saved = admin
        .post(
            &edit,
            &refs(&with(&fields, "nombre", "Corrediza del taller")),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let own = api_product(&app, &t, "VEN-CORR-NAC3").await.expect("own");
    assert_eq!(
        (own["source"].as_str(), own["name"].as_str()),
        (Some("tenant"), Some("Corrediza del taller"))
    );
    assert_eq!(spec_of(&own), spec_of(&default));
    let details = admin.get(&format!("{PATH}/VEN-CORR-NAC3")).await;
    assert!(details.body.contains("Restaurar predeterminado"));
    let restored = admin
        .post(&format!("{PATH}/VEN-CORR-NAC3/quitar"), &token)
        .await;
    assert_eq!(
        restored.location(),
        format!("{PATH}?aviso=restaurado&clave=VEN-CORR-NAC3")
    );
    let back = api_product(&app, &t, "VEN-CORR-NAC3")
        .await
        .expect("default");
    assert_eq!(back["source"], "global");
    assert_eq!(back["name"], default["name"]);
    // A default itself cannot be removed: 409, and no button offers it.
    let details = admin.get(&format!("{PATH}/VEN-CORR-NAC3")).await;
    assert!(!details.body.contains(r#"id="quitar""#));
    let resp = admin
        .post(&format!("{PATH}/VEN-CORR-NAC3/quitar"), &token)
        .await;
    assert_eq!(resp.status, StatusCode::CONFLICT);
    assert_eq!(
        api_product(&app, &t, "VEN-CORR-NAC3")
            .await
            .expect("default")["source"],
        "global"
    );
    app.cleanup().await;
}

/// The product is as `before` and no `VEN-NUEVA` was made.
async fn unchanged(app: &TestApp, t: &TestTenant, before: &Value) {
    assert_eq!(
        api_product(app, t, "VEN-SECRETA").await.as_ref(),
        Some(before)
    );
    assert!(api_product(app, t, "VEN-NUEVA").await.is_none());
}

#[tokio::test]
async fn product_forms_refuse_other_roles_forged_posts_and_other_shops() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-prod-f")).await;
    let other = app.onboard(&slug("web-prod-fo")).await;
    own_product(&app, &t, "VEN-SECRETA", "Secreto de A").await;
    let before = api_product(&app, &t, "VEN-SECRETA").await.expect("own");
    let mut admin = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let csrf = admin.get(PATH).await.csrf();
    let posts = |token: &str| {
        let version = format!("\"pt{}\"", before["version"]);
        let edit = with(
            &form_of(&before, "VEN-SECRETA", token, &version),
            "nombre",
            "Cambiado",
        );
        vec![
            (
                format!("{PATH}/nuevo"),
                form_of(&before, "VEN-NUEVA", token, ""),
            ),
            (format!("{PATH}/VEN-SECRETA/editar"), edit),
            (
                format!("{PATH}/VEN-SECRETA/quitar"),
                vec![("csrf".to_owned(), token.to_owned())],
            ),
        ]
    };
    for role in ["estimator", "viewer"] {
        let email = add_user(&app, &t, role).await;
        let mut browser = Browser::signed_in(&app, &t.slug, &email).await;
        for path in [
            format!("{PATH}/nuevo"),
            format!("{PATH}/VEN-SECRETA/editar"),
        ] {
            let resp = browser.get(&path).await;
            assert_eq!(resp.status, StatusCode::FORBIDDEN, "{role} {path}");
        }
        let token = browser.get("/catalogo").await.csrf();
        for (path, fields) in posts(&token) {
            let resp = browser.post(&path, &refs(&fields)).await;
            assert_eq!(resp.status, StatusCode::FORBIDDEN, "{role} {path}");
            assert!(resp.body.contains("Tu rol no permite esta acción"));
        }
        unchanged(&app, &t, &before).await;
    }
    let evil: &[(&str, &str)] = &[("origin", "https://evil.example")];
    for (token, headers) in [("deadbeef", &[][..]), (csrf.as_str(), evil)] {
        for (path, fields) in posts(token) {
            let resp = admin.post_with(&path, &refs(&fields), headers).await;
            assert_eq!(resp.status, StatusCode::FORBIDDEN, "{path}");
            assert!(resp.body.contains("No pudimos verificar el formulario"));
        }
    }
    unchanged(&app, &t, &before).await;

    // Another shop: this shop's product is not there to edit or remove (404);
    // its own product of the same code is its own.
    let mut stranger = Browser::signed_in(&app, &other.slug, &other.admin_email).await;
    let token = stranger.get(PATH).await.csrf();
    for (path, fields) in posts(&token).into_iter().skip(1) {
        let resp = stranger.post(&path, &refs(&fields)).await;
        assert_eq!(resp.status, StatusCode::NOT_FOUND, "{path}");
    }
    let made = stranger
        .post(
            &format!("{PATH}/nuevo"),
            &refs(&form_of(&before, "VEN-SECRETA", &token, "")),
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    assert!(api_product(&app, &other, "VEN-SECRETA").await.is_some());
    unchanged(&app, &t, &before).await;
    app.cleanup().await;
}
