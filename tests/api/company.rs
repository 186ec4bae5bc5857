//! `/api/v1/settings/company`: the shop's details printed on its quotes.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{expect_error, expect_named_error, expect_status, slug, spawn_app, TestApp};

#[tokio::test]
async fn company_details_default_to_the_tenant_name_and_only_admins_change_them() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("co")).await;
    let other = app.onboard(&slug("co2")).await;

    let profile = app
        .get_json("/api/v1/settings/company", &t.admin_token)
        .await;
    assert_eq!(profile["legal_name"], format!("Aluminios {}", t.slug));
    assert!(profile.get("rfc").is_none());

    let body = json!({ "legal_name": "  Aluminios del Norte SA de CV ", "rfc": "and010101ab1",
                       "address": "Av. Juárez 100, Monterrey, N.L.", "phone": "81 1234 5678",
                       "email": "Ventas@Norte.MX", "website": "" });
    let resp = app
        .request(
            Method::PUT,
            "/api/v1/settings/company",
            Some(&t.admin_token),
            Some(body.clone()),
        )
        .await;
    let saved = expect_status(resp, StatusCode::OK, "put company").await;
    assert_eq!(saved["legal_name"], "Aluminios del Norte SA de CV");
    assert_eq!(saved["rfc"], "AND010101AB1");
    assert_eq!(saved["email"], "ventas@norte.mx");
    assert!(saved.get("website").is_none(), "empty clears");
    let read = app
        .get_json("/api/v1/settings/company", &t.admin_token)
        .await;
    assert_eq!(read["address"], "Av. Juárez 100, Monterrey, N.L.");

    // The other tenant still has its own defaults.
    let theirs = app
        .get_json("/api/v1/settings/company", &other.admin_token)
        .await;
    assert_eq!(theirs["legal_name"], format!("Aluminios {}", other.slug));

    let estimator = app.user_token(&t, "estimator").await;
    app.get_json("/api/v1/settings/company", &estimator).await;
    let resp = app
        .request(
            Method::PUT,
            "/api/v1/settings/company",
            Some(&estimator),
            Some(body),
        )
        .await;
    expect_error(resp, StatusCode::FORBIDDEN, "forbidden", "estimator put").await;

    for (bad, named) in [
        (json!({ "legal_name": "" }), "legal_name"),
        (json!({ "legal_name": "x", "rfc": "NOPE" }), "rfc"),
        (
            json!({ "legal_name": "x", "email": "not an email" }),
            "email",
        ),
        (
            json!({ "legal_name": "x", "address": "a".repeat(501) }),
            "address",
        ),
        (json!({ "legal_name": "x", "logo": "..." }), "logo"),
        (json!({ "rfc": "AND010101AB1" }), "legal_name"),
    ] {
        let resp = app
            .request(
                Method::PUT,
                "/api/v1/settings/company",
                Some(&t.admin_token),
                Some(bad.clone()),
            )
            .await;
        let status = resp.status();
        assert!(status.is_client_error(), "{bad}: {status}");
        expect_named_error(resp, status, named, &bad.to_string()).await;
    }
    let read = app
        .get_json("/api/v1/settings/company", &t.admin_token)
        .await;
    assert_eq!(read["rfc"], "AND010101AB1", "failed writes changed nothing");
    app.cleanup().await;
}

/// A small valid PNG: `w` × `h`, RGBA.
pub fn png(w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, w, h);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().expect("png header");
        let data: Vec<u8> = (0..w * h)
            .flat_map(|i| [(i % 256) as u8, 40, 160, if i % 3 == 0 { 0 } else { 255 }])
            .collect();
        writer.write_image_data(&data).expect("png data");
    }
    out
}

async fn put_logo(app: &TestApp, token: &str, bytes: Vec<u8>) -> reqwest::Response {
    app.client
        .put(app.url("/api/v1/settings/company/logo"))
        .bearer_auth(token)
        .header("Content-Type", "application/octet-stream")
        .body(bytes)
        .send()
        .await
        .expect("request sent")
}

#[tokio::test]
async fn admins_upload_a_png_or_jpeg_logo_and_anything_else_is_refused() {
    let app = spawn_app().await;
    admins_upload_a_png_or_jpeg_logo_and_anything_else_is_refused_on(&app).await;
    app.cleanup().await;
}

/// The scenario of [`admins_upload_a_png_or_jpeg_logo_and_anything_else_is_refused`]
/// on a running app (also run on Citus: tests/api/citus_writes.rs).
pub(crate) async fn admins_upload_a_png_or_jpeg_logo_and_anything_else_is_refused_on(
    app: &TestApp,
) {
    let t = app.onboard(&slug("logo")).await;
    let resp = app
        .get("/api/v1/settings/company/logo", &t.admin_token)
        .await;
    expect_error(resp, StatusCode::NOT_FOUND, "logo_not_found", "no logo yet").await;

    let image = png(64, 32);
    let resp = put_logo(app, &t.admin_token, image.clone()).await;
    let profile = expect_status(resp, StatusCode::OK, "upload").await;
    assert_eq!(profile["logo_type"], "image/png");
    assert_eq!(profile["legal_name"], format!("Aluminios {}", t.slug));
    let resp = app
        .get("/api/v1/settings/company/logo", &t.admin_token)
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("image/png")
    );
    assert_eq!(resp.bytes().await.expect("bytes").to_vec(), image);

    let estimator = app.user_token(&t, "estimator").await;
    let resp = put_logo(app, &estimator, png(8, 8)).await;
    expect_error(resp, StatusCode::FORBIDDEN, "forbidden", "estimator").await;
    let resp = put_logo(app, &t.admin_token, b"GIF89a not a png".to_vec()).await;
    expect_error(
        resp,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_image",
        "gif",
    )
    .await;
    let mut truncated = png(64, 32);
    truncated.truncate(40);
    let resp = put_logo(app, &t.admin_token, truncated).await;
    expect_named_error(resp, StatusCode::UNPROCESSABLE_ENTITY, "logo", "truncated").await;
    let resp = put_logo(app, &t.admin_token, vec![0x89; 600 * 1024]).await;
    expect_error(
        resp,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "huge",
    )
    .await;
    // The logo is still the first one.
    let resp = app
        .get("/api/v1/settings/company/logo", &t.admin_token)
        .await;
    assert_eq!(resp.bytes().await.expect("bytes").to_vec(), image);

    // Another tenant sees no logo.
    let other = app.onboard(&slug("logo2")).await;
    let resp = app
        .get("/api/v1/settings/company/logo", &other.admin_token)
        .await;
    expect_error(
        resp,
        StatusCode::NOT_FOUND,
        "logo_not_found",
        "other tenant",
    )
    .await;

    let delete = || {
        app.request(
            Method::DELETE,
            "/api/v1/settings/company/logo",
            Some(&t.admin_token),
            None,
        )
    };
    expect_status(delete().await, StatusCode::NO_CONTENT, "delete").await;
    expect_error(
        delete().await,
        StatusCode::NOT_FOUND,
        "logo_not_found",
        "again",
    )
    .await;
    let resp = app
        .get("/api/v1/settings/company/logo", &t.admin_token)
        .await;
    expect_error(resp, StatusCode::NOT_FOUND, "logo_not_found", "deleted").await;
}
