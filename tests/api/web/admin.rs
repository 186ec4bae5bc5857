//! Administración: the landing and Usuarios (create with a role, change a role,
//! deactivate and reactivate, the last active admin), for admins only; roles,
//! CSRF and shops apart. Every write is checked through `GET /api/v1/users`.

use reqwest::StatusCode;
use serde_json::Value;

use super::add_user;
use super::browser::{Browser, Page};
use crate::helpers::{slug, spawn_app, TestApp, TestTenant};

const USERS: &str = "/administracion/usuarios";

/// Every user of the shop through the API.
async fn api_users(app: &TestApp, t: &TestTenant) -> Value {
    app.get_items("/api/v1/users?limit=100", &t.admin_token)
        .await
}

/// The API's view of the user with `email`: (role, active).
async fn api_user(app: &TestApp, t: &TestTenant, email: &str) -> (String, bool) {
    let users = api_users(app, t).await;
    let user = users
        .as_array()
        .expect("items")
        .iter()
        .find(|u| u["email"] == email)
        .unwrap_or_else(|| panic!("no user {email} in {users}"));
    (
        user["role"].as_str().expect("role").to_owned(),
        user["active"].as_bool().expect("active"),
    )
}

/// The id of the user with `email` on the users page.
fn user_id(page: &Page, email: &str) -> String {
    let re = regex::Regex::new(r#"<tr id="u-([0-9a-f-]{36})">\s*<td data-label="[^"]+">([^<]+)<"#)
        .expect("regex");
    let found = re
        .captures_iter(&page.body)
        .find(|c| c[2].trim() == email)
        .map(|c| c[1].to_owned());
    found.unwrap_or_else(|| panic!("no row for {email} in {}", page.body))
}

/// The new user form as a browser sends it.
fn new_user<'a>(
    csrf: &'a str,
    email: &'a str,
    password: &'a str,
    role: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("correo", email),
        ("contrasena", password),
        ("rol", role),
    ]
}

#[tokio::test]
async fn an_admin_creates_users_changes_roles_and_deactivates_them_the_api_then_shows() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-ad")).await;
    let mut admin = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let catalogue = admin.get("/catalogo").await;
    assert!(catalogue
        .body
        .contains(r#"<a href="/administracion">Administración</a>"#));
    let landing = admin.get("/administracion").await;
    assert_eq!(landing.status, StatusCode::OK);
    assert!(landing
        .body
        .contains(r#"href="/administracion" aria-current="page">Administración"#));
    assert!(landing
        .body
        .contains(r#"<a href="/administracion/usuarios">Usuarios</a>"#));

    let list = admin.get(USERS).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert!(
        list.body.contains("Usuarios del taller: 1"),
        "{}",
        list.body
    );
    let me = user_id(&list, &t.admin_email);
    let my_row = &list.body[list.body.find(&format!("u-{me}")).expect("row")..];
    assert!(my_row.contains(r#"<option value="admin" selected>Administrador</option>"#));
    assert!(my_row.contains("(tú)"));
    let csrf = list.csrf();

    // A bad email and a short password: both named, what was typed kept, nothing written.
    let bad = new_user(&csrf, "ventas-sin-arroba", "corta", "viewer");
    let refused = admin.post(USERS, &bad).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = &refused.body;
    assert!(body.contains("Revisa los campos marcados. No se creó el usuario."));
    assert!(body.contains(
        r#"<p class="field-error" id="correo-error">Escribe un correo electrónico válido"#
    ));
    assert!(body.contains(r#"<p class="field-error" id="contrasena-error">La contraseña debe tener entre 10 y 256 caracteres"#));
    assert!(body.contains(r#"value="ventas-sin-arroba""#));
    assert!(body.contains(r#"<option value="viewer" selected>Solo consulta</option>"#));
    assert!(!body.contains("corta"), "the password is not shown again");
    // A NUL character (`%00` in the body) and an unknown role.
    let nul = new_user(&csrf, "ana\0@taller.mx", "una-clave-bastante-larga", "jefe");
    let refused = admin.post(USERS, &nul).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused
        .body
        .contains("Correo electrónico: tiene un carácter no permitido."));
    assert!(refused
        .body
        .contains(r#"id="rol-error">Elige uno de los roles"#));
    assert_eq!(api_users(&app, &t).await.as_array().map(Vec::len), Some(1));

    // A good user: 303 with the flash; the API shows it with its role.
    let good = new_user(
        &csrf,
        " Ventas@Taller.MX ",
        "una-clave-bastante-larga",
        "estimator",
    );
    let created = admin.post(USERS, &good).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let list = admin.get(created.location()).await;
    assert!(
        list.body.contains("Se creó el usuario ventas@taller.mx."),
        "{}",
        list.body
    );
    assert_eq!(
        api_user(&app, &t, "ventas@taller.mx").await,
        ("estimator".to_owned(), true)
    );
    let id = user_id(&list, "ventas@taller.mx");
    // The same email again, in another case: named, nothing written.
    let again = new_user(
        &csrf,
        "VENTAS@taller.mx",
        "una-clave-bastante-larga",
        "viewer",
    );
    let refused = admin.post(USERS, &again).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused
        .body
        .contains(r#"id="correo-error">Ya existe un usuario con ese correo"#));
    assert_eq!(api_users(&app, &t).await.as_array().map(Vec::len), Some(2));

    // Change the role, deactivate, reactivate; the API follows.
    let role = admin
        .post(
            &format!("{USERS}/{id}/rol"),
            &[("csrf", &csrf), ("rol", "viewer")],
        )
        .await;
    assert_eq!(role.status, StatusCode::SEE_OTHER);
    let list = admin.get(role.location()).await;
    assert!(list.body.contains("Se cambió el rol de ventas@taller.mx."));
    assert_eq!(
        api_user(&app, &t, "ventas@taller.mx").await,
        ("viewer".to_owned(), true)
    );
    let bad_role = admin
        .post(
            &format!("{USERS}/{id}/rol"),
            &[("csrf", &csrf), ("rol", "dueño")],
        )
        .await;
    assert_eq!(bad_role.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        api_user(&app, &t, "ventas@taller.mx").await,
        ("viewer".to_owned(), true)
    );
    let off = admin
        .post(&format!("{USERS}/{id}/desactivar"), &[("csrf", &csrf)])
        .await;
    assert_eq!(off.status, StatusCode::SEE_OTHER);
    let list = admin.get(off.location()).await;
    assert!(list.body.contains("Se desactivó a ventas@taller.mx"));
    assert!(list
        .body
        .contains(&format!(r#"action="{USERS}/{id}/reactivar""#)));
    assert!(list.body.contains("Desactivado"));
    assert_eq!(
        api_user(&app, &t, "ventas@taller.mx").await,
        ("viewer".to_owned(), false)
    );
    let on = admin
        .post(&format!("{USERS}/{id}/reactivar"), &[("csrf", &csrf)])
        .await;
    assert_eq!(on.status, StatusCode::SEE_OTHER);
    assert_eq!(
        api_user(&app, &t, "ventas@taller.mx").await,
        ("viewer".to_owned(), true)
    );
    // Another shop's or a made-up id is 404.
    let missing = admin
        .post(
            &format!("{USERS}/00000000-0000-0000-0000-000000000000/desactivar"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    app.cleanup().await;
}

#[tokio::test]
async fn the_last_active_admin_is_neither_demoted_nor_deactivated() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-ad-la")).await;
    let mut admin = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let list = admin.get(USERS).await;
    let csrf = list.csrf();
    let me = user_id(&list, &t.admin_email);
    for (path, form) in [
        (
            format!("{USERS}/{me}/rol"),
            vec![("csrf", csrf.as_str()), ("rol", "estimator")],
        ),
        (
            format!("{USERS}/{me}/desactivar"),
            vec![("csrf", csrf.as_str())],
        ),
    ] {
        let refused = admin.post(&path, &form).await;
        assert_eq!(refused.status, StatusCode::CONFLICT, "{path}");
        assert!(
            refused.body.contains(
                "El taller debe conservar al menos un administrador activo. No se cambió nada."
            ),
            "{path}: {}",
            refused.body
        );
        assert_eq!(
            api_user(&app, &t, &t.admin_email).await,
            ("admin".to_owned(), true)
        );
    }
    // With a second active admin, the first may step down.
    let other = add_user(&app, &t, "admin").await;
    let list = admin.get(USERS).await;
    let other_id = user_id(&list, &other);
    let off = admin
        .post(
            &format!("{USERS}/{other_id}/desactivar"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(off.status, StatusCode::SEE_OTHER);
    assert_eq!(
        api_user(&app, &t, &other).await,
        ("admin".to_owned(), false)
    );
    // The other is inactive: demoting oneself is still refused.
    let refused = admin
        .post(
            &format!("{USERS}/{me}/rol"),
            &[("csrf", &csrf), ("rol", "viewer")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(
        api_user(&app, &t, &t.admin_email).await,
        ("admin".to_owned(), true)
    );
    app.cleanup().await;
}

#[tokio::test]
async fn estimators_and_viewers_see_no_entry_and_their_forged_posts_are_refused() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-ad-rl")).await;
    let admin_id = {
        let mut admin = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
        user_id(&admin.get(USERS).await, &t.admin_email)
    };
    for role in ["estimator", "viewer"] {
        let email = add_user(&app, &t, role).await;
        let before = api_users(&app, &t).await;
        let mut browser = Browser::signed_in(&app, &t.slug, &email).await;
        let page = browser.get("/catalogo").await;
        assert!(!page.body.contains("/administracion"), "{role}");
        for path in ["/administracion", USERS] {
            let refused = browser.get(path).await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "{role} {path}");
            assert!(refused.body.contains("Tu rol no permite esta acción"));
        }
        // The user's own valid token (from the logout form), same origin.
        let csrf = page.csrf();
        for (path, form) in [
            (
                USERS.to_owned(),
                new_user(
                    &csrf,
                    "intruso@taller.mx",
                    "una-clave-bastante-larga",
                    "admin",
                ),
            ),
            (
                format!("{USERS}/{admin_id}/rol"),
                vec![("csrf", &csrf), ("rol", "viewer")],
            ),
            (
                format!("{USERS}/{admin_id}/desactivar"),
                vec![("csrf", &csrf)],
            ),
            (
                format!("{USERS}/{admin_id}/reactivar"),
                vec![("csrf", &csrf)],
            ),
        ] {
            let forged = browser.post(&path, &form).await;
            assert_eq!(forged.status, StatusCode::FORBIDDEN, "{role} {path}");
            assert!(
                forged.body.contains("Tu rol no permite esta acción"),
                "{role} {path}"
            );
        }
        assert_eq!(api_users(&app, &t).await, before, "{role}: nothing changed");
    }
    app.cleanup().await;
}

#[tokio::test]
async fn user_forms_without_the_sessions_token_or_from_another_site_change_nothing() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("web-ad-cs")).await;
    let email = add_user(&app, &t, "estimator").await;
    let before = api_users(&app, &t).await;
    let mut admin = Browser::signed_in(&app, &t.slug, &t.admin_email).await;
    let list = admin.get(USERS).await;
    let csrf = list.csrf();
    let id = user_id(&list, &email);
    let evil: &[(&str, &str)] = &[("origin", "https://evil.example")];
    for (token, headers, why) in [
        ("deadbeef", &[][..], "a made-up token"),
        (csrf.as_str(), evil, "a foreign Origin"),
    ] {
        for (path, form) in [
            (
                USERS.to_owned(),
                new_user(
                    token,
                    "nuevo@taller.mx",
                    "una-clave-bastante-larga",
                    "admin",
                ),
            ),
            (
                format!("{USERS}/{id}/rol"),
                vec![("csrf", token), ("rol", "admin")],
            ),
            (format!("{USERS}/{id}/desactivar"), vec![("csrf", token)]),
        ] {
            let resp = admin.post_with(&path, &form, headers).await;
            assert_eq!(resp.status, StatusCode::FORBIDDEN, "{path}: {why}");
            assert!(
                resp.body.contains("No pudimos verificar el formulario"),
                "{path}: {why}"
            );
        }
    }
    assert_eq!(api_users(&app, &t).await, before, "nothing changed");
    app.cleanup().await;
}

#[tokio::test]
async fn another_shop_never_sees_nor_changes_this_shops_users() {
    let app = spawn_app().await;
    let a = app.onboard(&slug("web-ad-a")).await;
    let b = app.onboard(&slug("web-ad-b")).await;
    let secret = add_user(&app, &a, "estimator").await;
    let before = api_users(&app, &a).await;
    let mut own = Browser::signed_in(&app, &a.slug, &a.admin_email).await;
    let id = user_id(&own.get(USERS).await, &secret);
    let mut other = Browser::signed_in(&app, &b.slug, &b.admin_email).await;
    let list = other.get(USERS).await;
    assert!(list.body.contains("Usuarios del taller: 1"));
    assert!(!list.body.contains(&secret) && !list.body.contains(&a.admin_email));
    let csrf = list.csrf();
    for (path, form) in [
        (
            format!("{USERS}/{id}/rol"),
            vec![("csrf", csrf.as_str()), ("rol", "admin")],
        ),
        (
            format!("{USERS}/{id}/desactivar"),
            vec![("csrf", csrf.as_str())],
        ),
    ] {
        let resp = other.post(&path, &form).await;
        assert_eq!(resp.status, StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(api_users(&app, &a).await, before, "nothing changed");
    app.cleanup().await;
}
