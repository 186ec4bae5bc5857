//! The seed's own acceptance check and optimistic concurrency on price edits.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{expect_error, expect_status, slug, spawn_app};

#[tokio::test]
async fn a_price_set_to_999_reads_999_at_once_and_restored_reads_85_with_both_changes_in_history() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("seed")).await;
    let token = &t.admin_token;
    assert_eq!(
        app.price_of("VID-CLARO-4", token).await,
        "85.00",
        "cached before the edit"
    );

    let changed = app.set_price("VID-CLARO-4", token, "999.00").await;
    assert_eq!(changed["price"], "999.00");
    assert_eq!(
        app.price_of("VID-CLARO-4", token).await,
        "999.00",
        "visible on the next read"
    );

    app.set_price("VID-CLARO-4", token, "85.00").await;
    assert_eq!(app.price_of("VID-CLARO-4", token).await, "85.00");

    let history = app
        .get_items("/api/v1/materials/VID-CLARO-4/history", token)
        .await;
    let tenant_changes: Vec<(String, String)> = history
        .as_array()
        .expect("array")
        .iter()
        .filter(|c| c["source"] == "tenant" && c["old_price"].is_string())
        .map(|c| {
            (
                c["old_price"].as_str().unwrap_or("").to_owned(),
                c["new_price"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        tenant_changes,
        vec![
            ("85.00".to_owned(), "999.00".to_owned()),
            ("999.00".to_owned(), "85.00".to_owned())
        ]
    );
    let me = app.get_json("/api/v1/auth/me", token).await;
    let last = history
        .as_array()
        .and_then(|h| h.last())
        .expect("last change");
    assert_eq!(
        last["changed_by"],
        json!({ "kind": "user", "id": me["user_id"] }),
        "history records who changed the price"
    );
    app.cleanup().await;
}

#[tokio::test]
async fn concurrent_edits_with_the_same_etag_cannot_both_win_and_edits_need_if_match() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("etag")).await;
    let token = &t.admin_token;
    let tag = app.etag("VID-CLARO-6", token).await;

    let first = app
        .patch(
            "/api/v1/materials/VID-CLARO-6",
            token,
            Some(&tag),
            json!({ "price": "130.00" }),
        )
        .await;
    let new_tag = first
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    expect_status(first, StatusCode::OK, "first edit").await;
    assert_ne!(
        new_tag.as_deref(),
        Some(tag.as_str()),
        "the ETag changes with the row"
    );

    let second = app
        .patch(
            "/api/v1/materials/VID-CLARO-6",
            token,
            Some(&tag),
            json!({ "price": "140.00" }),
        )
        .await;
    let body = expect_error(
        second,
        StatusCode::PRECONDITION_FAILED,
        "version_mismatch",
        "stale edit",
    )
    .await;
    assert_eq!(body["details"]["current_etag"].as_str(), new_tag.as_deref());

    let missing = app
        .patch(
            "/api/v1/materials/VID-CLARO-6",
            token,
            None,
            json!({ "price": "150.00" }),
        )
        .await;
    expect_error(
        missing,
        StatusCode::PRECONDITION_REQUIRED,
        "if_match_required",
        "no If-Match",
    )
    .await;

    assert_eq!(
        app.price_of("VID-CLARO-6", token).await,
        "130.00",
        "only the first edit landed"
    );
    app.cleanup().await;
}

#[tokio::test]
async fn editing_an_inherited_default_creates_the_tenants_own_row() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("inherit")).await;
    let token = &t.admin_token;
    let before = app.get_json("/api/v1/prices/PER-NAC3-RS", token).await;
    assert_eq!(before["source"], "global");
    let tag = app.etag("PER-NAC3-RS", token).await;
    let resp = app
        .patch(
            "/api/v1/materials/PER-NAC3-RS",
            token,
            Some(&tag),
            json!({ "price": "55.50" }),
        )
        .await;
    let body = expect_status(resp, StatusCode::OK, "override").await;
    assert_eq!(body["source"], "tenant");
    assert_eq!(
        body["bar_length_m"], "6.000",
        "the override keeps the default's bar length"
    );
    let after = app.get_json("/api/v1/prices/PER-NAC3-RS", token).await;
    assert_eq!(
        (after["price"].as_str(), after["source"].as_str()),
        (Some("55.50"), Some("tenant"))
    );
    app.cleanup().await;
}
