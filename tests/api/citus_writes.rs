//! The writes that were `INSERT ... SELECT` (written by Citus through COPY, which
//! row-level security refuses), the webhook worker's claims and the purge, on the
//! Citus cluster of tests/api/citus.rs: each by the single-node suite's own
//! scenario, through the HTTP API as the runtime role (the command line's as the
//! owner role), asserting the values written and that the other shop saw nothing.
//! Ignored in the normal suite; `deploy/local/test citus` runs them.

use crate::citus::{cleanup, spawn_citus_app};

#[tokio::test]
#[ignore = "needs the Citus cluster: deploy/local/test citus"]
async fn bulk_price_changes_apply_and_revert_on_citus() {
    let app = spawn_citus_app().await;
    crate::price_updates::the_preview_changes_nothing_and_apply_does_exactly_what_it_showed_on(
        &app,
    )
    .await;
    crate::price_updates::inherited_defaults_change_only_when_asked_and_a_revert_gives_them_back_on(&app).await;
    crate::price_updates::a_shop_never_sees_or_reverts_another_shops_batches_on(&app).await;
    cleanup(app).await;
}

#[tokio::test]
#[ignore = "needs the Citus cluster: deploy/local/test citus"]
async fn csv_imports_create_update_withdraw_and_revert_on_citus() {
    let app = spawn_citus_app().await;
    crate::price_import::an_import_creates_updates_and_withdraws_in_one_revertable_batch_on(&app)
        .await;
    crate::price_import::a_shops_import_is_its_own_on(&app).await;
    crate::price_import::an_import_of_more_rows_than_one_statement_binds_writes_every_row_on(&app)
        .await;
    cleanup(app).await;
}

#[tokio::test]
#[ignore = "needs the Citus cluster: deploy/local/test citus"]
async fn the_company_logo_is_saved_on_citus() {
    let app = spawn_citus_app().await;
    crate::company::admins_upload_a_png_or_jpeg_logo_and_anything_else_is_refused_on(&app).await;
    cleanup(app).await;
}

#[tokio::test]
#[ignore = "needs the Citus cluster: deploy/local/test citus"]
async fn a_tenant_archive_moves_between_two_citus_databases() {
    let source = spawn_citus_app().await;
    let target = spawn_citus_app().await;
    crate::tenant_archive::a_busy_shop_moves_row_for_row_between(&source, &target).await;
    cleanup(target).await;
    cleanup(source).await;
}

/// Two instances, so two workers claiming at once, and two shops publishing at
/// once: each shop's receivers get each of its events once, and none of the other's.
#[tokio::test]
#[ignore = "needs the Citus cluster: deploy/local/test citus"]
async fn webhooks_are_delivered_once_by_two_workers_claiming_shop_by_shop_on_citus() {
    let first = spawn_citus_app().await;
    let mut second = crate::helpers::spawn_second_instance(&first).await;
    let scenario = crate::webhooks::delivery::two_instances_never_deliver_the_same_event_twice_on;
    tokio::join!(scenario(&first, &second), scenario(&first, &second));
    crate::webhooks::outbox::a_platform_change_reaches_tenants_that_inherit_the_code_only_on(
        &first,
    )
    .await;
    second.stop_server().await;
    cleanup(first).await;
}

/// `tenants purge` names the shop with `SET LOCAL`, which reaches the workers:
/// the sent (frozen) quote versions of the deleted shop go too.
#[tokio::test]
#[ignore = "needs the Citus cluster: deploy/local/test citus"]
async fn the_purge_removes_a_deleted_shop_with_its_sent_quotes_on_citus() {
    let app = spawn_citus_app().await;
    crate::tenant_deletion::the_purge_removes_every_row_of_a_deleted_shop_after_the_grace_period_and_nothing_else_on(&app).await;
    cleanup(app).await;
}
