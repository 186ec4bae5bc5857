//! Deleting a shop: the platform's soft delete takes effect at once (no login, no
//! session), restore brings everything back, and the purge, after the grace period,
//! removes every row of that shop and nothing of another, sent quotes included.

use reqwest::{Method, StatusCode};
use serde_json::json;
use sqlx::PgPool;
use ventanas::tenants::deletion;

use crate::helpers::{expect_error, expect_status, spawn_app, TestApp, TestTenant};
use crate::rls::two_tenants;

async fn platform(app: &TestApp, method: Method, path: &str) -> reqwest::Response {
    app.request(method, path, Some(&app.platform_key), None)
        .await
}

/// Rows of `tenant` in every tenant table, read by the backup role (which sees all).
async fn rows_of(app: &TestApp, tenant: uuid::Uuid) -> Vec<(&'static str, i64)> {
    let pool = PgPool::connect(&app.backup_url())
        .await
        .expect("backup role connects");
    let mut counts = Vec::new();
    for table in deletion::purge_order() {
        let n: i64 = sqlx::query_scalar(&format!(
            r#"SELECT count(*) FROM "{table}" WHERE tenant_id = $1"#
        ))
        .bind(tenant)
        .fetch_one(&pool)
        .await
        .expect("count");
        counts.push((table, n));
    }
    counts
}

async fn sent_quote(app: &TestApp, t: &TestTenant) {
    let client = app.new_client(&t.admin_token, "Norte").await;
    let body = json!({ "client_id": client, "items": [{ "product": "VEN-CORR-NAC3",
        "width_cm": "150", "height_cm": "120", "quantity": 1, "glass": "VID-CLARO-4", "colour": "NAT" }] });
    let quote = app.create_quote(&t.admin_token, body).await;
    let path = format!("/api/v1/quotes/{}/send", quote["id"].as_str().expect("id"));
    let sent = app
        .request(Method::POST, &path, Some(&t.admin_token), None)
        .await;
    expect_status(sent, StatusCode::OK, "send").await;
}

#[tokio::test]
async fn a_deleted_shop_is_locked_out_at_once_and_restore_brings_it_back() {
    let app = spawn_app().await;
    let a = app.onboard("borrada-a").await;
    let b = app.onboard("borrada-b").await;
    app.set_price("VID-CLARO-4", &a.admin_token, "91.00").await;
    assert_eq!(app.price_of("VID-CLARO-4", &a.admin_token).await, "91.00");

    let deleted = platform(&app, Method::DELETE, "/api/v1/platform/tenants/borrada-a").await;
    let deleted = expect_status(deleted, StatusCode::OK, "delete").await;
    assert_eq!(deleted["active"], false);
    let since = deleted["deleted_at"]
        .as_str()
        .expect("deleted_at")
        .to_owned();
    // The cached session is gone too, and nobody logs in.
    let me = app
        .request(Method::GET, "/api/v1/auth/me", Some(&a.admin_token), None)
        .await;
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
    let login = app
        .try_login(&a.slug, &a.admin_email, &a.admin_password)
        .await;
    assert!(login.status().is_client_error(), "{}", login.status());
    // The other shop does not notice; deleting twice keeps the first time.
    assert_eq!(app.price_of("VID-CLARO-4", &b.admin_token).await, "85.00");
    let again = platform(&app, Method::DELETE, "/api/v1/platform/tenants/borrada-a").await;
    assert_eq!(
        expect_status(again, StatusCode::OK, "again").await["deleted_at"],
        since
    );

    let restored = platform(
        &app,
        Method::POST,
        "/api/v1/platform/tenants/borrada-a/restore",
    )
    .await;
    let restored = expect_status(restored, StatusCode::OK, "restore").await;
    assert_eq!(restored["active"], true);
    assert!(restored.get("deleted_at").is_none(), "{restored}");
    let token = app.login(&a.slug, &a.admin_email, &a.admin_password).await;
    assert_eq!(app.price_of("VID-CLARO-4", &token).await, "91.00");

    let twice = platform(
        &app,
        Method::POST,
        "/api/v1/platform/tenants/borrada-a/restore",
    )
    .await;
    expect_error(
        twice,
        StatusCode::NOT_FOUND,
        "tenant_not_found",
        "restore twice",
    )
    .await;
    let unknown = platform(&app, Method::DELETE, "/api/v1/platform/tenants/nadie").await;
    expect_error(
        unknown,
        StatusCode::NOT_FOUND,
        "tenant_not_found",
        "unknown",
    )
    .await;
    let as_admin = app
        .request(
            Method::DELETE,
            "/api/v1/platform/tenants/borrada-b",
            Some(&b.admin_token),
            None,
        )
        .await;
    assert_eq!(as_admin.status(), StatusCode::UNAUTHORIZED);
    app.cleanup().await;
}

#[tokio::test]
async fn the_purge_removes_every_row_of_a_deleted_shop_after_the_grace_period_and_nothing_else() {
    let app = spawn_app().await;
    the_purge_removes_every_row_of_a_deleted_shop_after_the_grace_period_and_nothing_else_on(&app)
        .await;
    app.cleanup().await;
}

/// The scenario of [`the_purge_removes_every_row_of_a_deleted_shop_after_the_grace_period_and_nothing_else`]
/// on a running app (also run on Citus: tests/api/citus_writes.rs).
pub(crate) async fn the_purge_removes_every_row_of_a_deleted_shop_after_the_grace_period_and_nothing_else_on(
    app: &TestApp,
) {
    let (a, b) = two_tenants(app).await;
    sent_quote(app, &a).await;
    let b_before = rows_of(app, b.id).await;
    let path = format!("/api/v1/platform/tenants/{}", a.slug);
    expect_status(
        platform(app, Method::DELETE, &path).await,
        StatusCode::OK,
        "delete",
    )
    .await;
    // As `tenants purge` connects (with `database.citus`'s setting on Citus).
    let owner = ventanas::db::connect_owner(&app.settings.database)
        .await
        .expect("owner connects");

    // Within the grace period: nothing is due.
    let now = chrono::Utc::now();
    let due = deletion::purge(&owner, deletion::cutoff(now, 30), false)
        .await
        .expect("purge");
    assert!(due.is_empty());
    assert!(rows_of(app, a.id).await.iter().any(|(_, n)| *n > 0));

    // Past it (a zero-day grace from a moment later): a dry run lists, the purge removes.
    let later = chrono::Utc::now() + chrono::Duration::seconds(1);
    let listed = deletion::purge(&owner, later, true).await.expect("dry run");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].rows, 0);
    assert!(
        rows_of(app, a.id).await.iter().any(|(_, n)| *n > 0),
        "a dry run removes nothing"
    );
    let purged = deletion::purge(&owner, later, false).await.expect("purge");
    assert_eq!(purged.len(), 1);
    assert_eq!(purged[0].tenant.slug, a.slug);
    assert!(purged[0].rows > 20, "{} rows", purged[0].rows);

    let left: Vec<_> = rows_of(app, a.id)
        .await
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .collect();
    assert!(left.is_empty(), "rows of the purged shop left: {left:?}");
    assert_eq!(
        rows_of(app, b.id).await,
        b_before,
        "the other shop is untouched"
    );
    let gone = platform(app, Method::GET, &path).await;
    expect_error(gone, StatusCode::NOT_FOUND, "tenant_not_found", "purged").await;
    // The slug is free again.
    app.onboard(&a.slug).await;
}
