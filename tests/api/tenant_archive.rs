//! `tenants export` / `tenants import`: a busy shop, with rows in every table, moved
//! into a fresh database row for row; its people log in there with their passwords
//! (sessions stay behind), and nothing of the other shop travels with it.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use sqlx::PgPool;
use ventanas::tenants::archive::{self, ArchiveError, LEFT_OUT, TABLES};

use crate::helpers::{spawn_app, TestApp};
use crate::rls::{two_tenants, TENANT_TABLES};

/// The owner role's pool as `tenants import` makes it (with `database.citus`'s
/// per-connection setting on Citus).
pub(crate) async fn owner_pool(app: &TestApp) -> PgPool {
    ventanas::db::connect_owner(&app.settings.database)
        .await
        .expect("owner connects")
}

#[test]
fn every_tenant_table_is_archived_or_left_out_on_purpose() {
    let covered: BTreeSet<&str> = TABLES.iter().chain(LEFT_OUT).copied().collect();
    let all: BTreeSet<&str> = TENANT_TABLES.iter().copied().collect();
    assert_eq!(
        covered, all,
        "a new tenant table must go in TABLES or LEFT_OUT"
    );
    assert_eq!(covered.len(), TABLES.len() + LEFT_OUT.len(), "listed twice");
}

#[tokio::test]
async fn a_busy_shop_moves_to_a_fresh_database_row_for_row() {
    let source = spawn_app().await;
    let target = spawn_app().await;
    a_busy_shop_moves_row_for_row_between(&source, &target).await;
    target.cleanup().await;
    source.cleanup().await;
}

/// The scenario of [`a_busy_shop_moves_to_a_fresh_database_row_for_row`] from one
/// running app's database into another's (also run on Citus:
/// tests/api/citus_writes.rs).
pub(crate) async fn a_busy_shop_moves_row_for_row_between(source: &TestApp, target: &TestApp) {
    let (a, b) = two_tenants(source).await;
    source
        .set_price("VID-CLARO-4", &a.admin_token, "91.00")
        .await;
    let db = &source.state.db;
    let exported = archive::export(&db.app, &db.platform, &a.slug)
        .await
        .expect("export");
    for table in &exported.tables {
        assert!(
            !table.rows.is_empty(),
            "{} is empty in the archive",
            table.name
        );
        assert!(
            table
                .rows
                .iter()
                .all(|row| row["tenant_id"] == a.id.to_string()),
            "{}: another shop's rows",
            table.name
        );
    }
    // Written and read back as text, as the command line does.
    let text = serde_json::to_string(&exported).expect("serialises");
    assert!(
        !text.contains(&b.id.to_string()),
        "shop B's id travels along"
    );
    let read: archive::Archive = serde_json::from_str(&text).expect("reads");

    let owner = owner_pool(target).await;
    let done = archive::import(&owner, &read).await.expect("import");
    let rows: usize = exported.tables.iter().map(|t| t.rows.len()).sum();
    assert_eq!(done.rows, rows as u64);
    assert_eq!(done.slug, a.slug);

    // Every row, compared: the target's own export equals the source's.
    let tdb = &target.state.db;
    let again = archive::export(&tdb.app, &tdb.platform, &a.slug)
        .await
        .expect("export from the target");
    assert_eq!(again.tenant, exported.tenant);
    assert_eq!(again.tables, exported.tables);

    // A second import is refused and changes nothing.
    let err = archive::import(&owner, &read).await.expect_err("exists");
    assert!(matches!(err, ArchiveError::Exists { .. }), "{err}");

    // People log in with their passwords; old sessions do not work there.
    let old = target
        .request(
            reqwest::Method::GET,
            "/api/v1/auth/me",
            Some(&a.admin_token),
            None,
        )
        .await;
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
    let token = target
        .login(&a.slug, &a.admin_email, &a.admin_password)
        .await;
    assert_eq!(target.price_of("VID-CLARO-4", &token).await, "91.00");
    let quotes = target.get_items("/api/v1/quotes", &token).await;
    assert_eq!(quotes.as_array().map(Vec::len), Some(1));
    let missing = archive::export(&tdb.app, &tdb.platform, &b.slug).await;
    assert!(matches!(missing, Err(ArchiveError::UnknownTenant(_))));
    owner.close().await;
}

#[tokio::test]
async fn an_archive_from_a_newer_schema_is_refused_and_writes_nothing() {
    let source = spawn_app().await;
    let a = source.onboard("archivo-nuevo").await;
    let db = &source.state.db;
    let mut newer = archive::export(&db.app, &db.platform, &a.slug)
        .await
        .expect("export");
    newer.schema += 1;
    let target = spawn_app().await;
    let owner = owner_pool(&target).await;
    let err = archive::import(&owner, &newer).await.expect_err("refused");
    assert!(err.to_string().contains("run `ventanas migrate`"), "{err}");
    let tdb = &target.state.db;
    assert!(archive::export(&tdb.app, &tdb.platform, &a.slug)
        .await
        .is_err());
    target.cleanup().await;
    source.cleanup().await;
}
