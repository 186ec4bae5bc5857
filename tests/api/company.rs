//! `/api/v1/settings/company`: the shop's details printed on its quotes.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{expect_error, expect_named_error, expect_status, slug, spawn_app};

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
