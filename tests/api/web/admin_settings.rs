//! Administración > Cotizaciones: the quote settings form, for admins only; roles,
//! CSRF and shops apart. Every write is checked through
//! `GET /api/v1/settings/quotes`.

use reqwest::StatusCode;
use serde_json::Value;

use super::add_user;
use super::browser::Browser;
use crate::helpers::{slug, spawn_app, TestApp, TestTenant};

const PATH: &str = "/administracion/cotizaciones";

async fn api_settings(app: &TestApp, t: &TestTenant) -> Value {
    app.get_json("/api/v1/settings/quotes", &t.admin_token)
        .await
}

/// The form as the page sends it (its hidden and shown fields), with `changes`.
fn form(page: &super::browser::Page, changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let re = regex::Regex::new(r#"<input id="([a-z_]+)" name="[a-z_]+" value="([^"]*)""#)
        .expect("regex");
    let mut fields: Vec<(String, String)> = vec![("csrf".to_owned(), page.csrf())];
    for c in re.captures_iter(&page.body) {
        fields.push((c[1].to_owned(), super::browser::unescape(&c[2])));
    }
    // Each select sends its selected option, else its first.
    let select =
        regex::Regex::new(r#"(?s)<select id="([a-z_]+)"[^>]*>(.*?)</select>"#).expect("regex");
    let option = regex::Regex::new(r#"<option value="([^"]*)"( selected)?>"#).expect("regex");
    for c in select.captures_iter(&page.body) {
        let options: Vec<_> = option.captures_iter(&c[2]).collect();
        let chosen = options
            .iter()
            .find(|o| o.get(2).is_some())
            .or(options.first())
            .map(|o| o[1].to_owned())
            .unwrap_or_default();
        fields.push((c[1].to_owned(), chosen));
    }
    if page
        .body
        .contains(r#"name="desperdicio_herrajes" value="si" checked"#)
    {
        fields.push(("desperdicio_herrajes".to_owned(), "si".to_owned()));
    }
    for (name, value) in changes {
        fields.retain(|(n, _)| n != name);
        if !value.is_empty() || *name != "desperdicio_herrajes" {
            fields.push(((*name).to_owned(), (*value).to_owned()));
        }
    }
    fields
}

fn pairs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect()
}

#[tokio::test]
async fn an_admin_saves_the_quote_settings_the_api_then_shows() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-aj")).await;
    let mut admin = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let landing = admin.get("/administracion").await;
    assert!(landing
        .body
        .contains(r#"<a href="/administracion/cotizaciones">Ajustes de cotizaciones</a>"#));
    let page = admin.get(PATH).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let before = api_settings(&app, &t).await;
    assert!(page
        .body
        .contains(r#"id="moneda" name="moneda" value="MXN""#));
    // The tax code is a select of the shop's codes in force today, none chosen.
    let re = regex::Regex::new(r#"(?s)<select id="clave_impuesto".*?</select>"#).expect("regex");
    let codes = re.find(&page.body).map(|m| m.as_str().to_owned());
    let codes = codes.unwrap_or_else(|| panic!("no tax code select in {}", page.body));
    assert!(
        codes.contains(r#"<option value="" selected>Sin clave"#),
        "{codes}"
    );
    for option in [
        r#"<option value="IVA0">IVA0 · IVA tasa cero</option>"#,
        r#"<option value="IVA16">IVA16 · IVA tasa general</option>"#,
        r#"<option value="IVA8">IVA8 · IVA región fronteriza</option>"#,
    ] {
        assert!(codes.contains(option), "{option}: {codes}");
    }
    // A code with only a future rate is not offered.
    let resp = app
        .request(
            reqwest::Method::POST,
            "/api/v1/tax-rates",
            Some(&t.admin_token),
            Some(serde_json::json!({ "code": "ISR", "name": "Futuro", "rate": "0.1", "valid_from": "2099-01-01" })),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    assert!(!admin.get(PATH).await.body.contains(r#"value="ISR""#));

    // Bad fields: each named in Spanish, what was typed kept, nothing written.
    let bad = form(
        &page,
        &[
            ("utilidad", "treinta"),
            ("iva", "150"),
            ("moneda", "pesos"),
            ("vigencia", "400"),
            ("corte", "21"),
            ("perfiles", "a_ojo"),
        ],
    );
    let refused = admin.post(PATH, &pairs(&bad)).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    let body = &refused.body;
    assert!(
        body.contains(r#"id="utilidad-error">Revisa el porcentaje"#),
        "{body}"
    );
    assert!(body.contains(r#"id="iva-error">Revisa «IVA»"#));
    assert!(body.contains(r#"id="moneda-error">Revisa «Moneda»"#));
    assert!(body.contains(r#"id="vigencia-error">Revisa «Vigencia»"#));
    assert!(body.contains(r#"id="corte-error">Revisa «Corte de sierra»"#));
    assert!(body.contains(r#"id="perfiles-error">Elige una de las opciones."#));
    assert!(body.contains(r#"value="treinta""#) && body.contains(r#"value="pesos""#));
    // A time zone that does not exist, a tax code without a rate, a NUL.
    let bad = form(
        &page,
        &[
            ("zona_horaria", "America/Atlantida"),
            ("clave_impuesto", "VAT20"),
        ],
    );
    let refused = admin.post(PATH, &pairs(&bad)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .body
            .contains(r#"id="zona_horaria-error">Revisa «Zona horaria»"#),
        "{}",
        refused.body
    );
    for code in ["VAT20", "ISR"] {
        let bad = form(&page, &[("clave_impuesto", code)]);
        let refused = admin.post(PATH, &pairs(&bad)).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{code}");
        assert!(refused
            .body
            .contains(r#"id="clave_impuesto-error">Revisa «Clave del impuesto»"#));
        assert!(
            refused.body.contains(&format!(
                r#"<option value="{code}" selected>{code}</option>"#
            )),
            "what was sent shows: {}",
            refused.body
        );
    }
    let bad = form(&page, &[("moneda", "MX\0N")]);
    let refused = admin.post(PATH, &pairs(&bad)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("Revisa «Moneda»: tiene un carácter"));
    assert_eq!(api_settings(&app, &t).await, before, "nothing written");

    // Good values: 303 with the flash; the API shows them.
    let good = form(
        &page,
        &[
            ("utilidad", "35"),
            ("indirectos", "12.5"),
            ("iva", "16"),
            ("clave_impuesto", "IVA16"),
            ("vigencia", "15"),
            ("perfiles", "per_metre"),
            ("desperdicio_herrajes", ""),
            ("vidrio", "bom_pieces"),
            ("paso_vidrio", "5"),
            ("area_minima", "0.25"),
            ("corte", "3"),
            ("despunte", "20"),
            ("redondeo", "half_even"),
            ("zona_horaria", "America/Monterrey"),
        ],
    );
    let saved = admin.post(PATH, &pairs(&good)).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let page = admin.get(saved.location()).await;
    assert!(page
        .body
        .contains("Se guardaron los ajustes de cotizaciones."));
    assert!(page.body.contains(r#"value="12.5""#));
    assert!(page
        .body
        .contains(r#"<option value="IVA16" selected>IVA16 · IVA tasa general</option>"#));
    let s = api_settings(&app, &t).await;
    assert_eq!(s["profit_rate"], "0.3500");
    assert_eq!(s["indirect_rate"], "0.1250");
    assert_eq!(s["tax_code"], "IVA16");
    assert_eq!(s["validity_days"], 15);
    assert_eq!(s["profile_billing"], "per_metre");
    assert_eq!(s["waste_on_hardware"], false);
    assert_eq!(s["glass_billing"], "bom_pieces");
    assert_eq!(s["kerf_mm"], 3);
    assert_eq!(s["trim_mm"], 20);
    assert_eq!(s["rounding"], "half_even");
    assert_eq!(s["time_zone"], "America/Monterrey");
    app.cleanup().await;
}

#[tokio::test]
async fn estimators_viewers_forged_posts_and_other_shops_change_nothing() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-aj-rl")).await;
    let other = app.onboard(&slug("web-aj-ot")).await;
    let mut admin = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let page = admin.get(PATH).await;
    let saved = admin
        .post(PATH, &pairs(&form(&page, &[("vigencia", "21")])))
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let before = api_settings(&app, &t).await;
    assert_eq!(before["validity_days"], 21);
    let fields = form(&page, &[("vigencia", "99")]);

    for role in ["estimator", "viewer"] {
        let email = add_user(&app, &t, role).await;
        let mut browser = Browser::signed_in(&app, &t.slug, &email).await;
        let own = browser.get("/catalogo").await;
        assert_eq!(
            browser.get(PATH).await.status,
            StatusCode::FORBIDDEN,
            "{role}"
        );
        let mut forged = fields.clone();
        forged.retain(|(n, _)| n != "csrf");
        forged.push(("csrf".to_owned(), own.csrf()));
        let resp = browser.post(PATH, &pairs(&forged)).await;
        assert_eq!(resp.status, StatusCode::FORBIDDEN, "{role}");
        assert!(resp.body.contains("Tu rol no permite esta acción"));
    }
    let evil: &[(&str, &str)] = &[("origin", "https://evil.example")];
    let resp = admin.post_with(PATH, &pairs(&fields), evil).await;
    assert_eq!(resp.status, StatusCode::FORBIDDEN);
    let mut made_up = fields.clone();
    made_up.retain(|(n, _)| n != "csrf");
    made_up.push(("csrf".to_owned(), "deadbeef".to_owned()));
    let resp = admin.post(PATH, &pairs(&made_up)).await;
    assert_eq!(resp.status, StatusCode::FORBIDDEN);
    assert!(resp.body.contains("No pudimos verificar el formulario"));

    // Another shop sees its own settings and its saves stay its own.
    let mut stranger = Browser::signed_in(&app, &other.slug, &other.admin_email).await;
    let page = stranger.get(PATH).await;
    assert!(page
        .body
        .contains(r#"id="vigencia" name="vigencia" value="30""#));
    let saved = stranger
        .post(PATH, &pairs(&form(&page, &[("vigencia", "7")])))
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(api_settings(&app, &other).await["validity_days"], 7);
    assert_eq!(api_settings(&app, &t).await, before, "nothing changed");
    app.cleanup().await;
}
