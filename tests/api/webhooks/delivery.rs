//! Delivery: retries with back-off until a receiver recovers or the retry period
//! ends, timeouts, secret rotation, two instances, deletion, and targets blocked at
//! delivery time.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::receiver::{verify_signature, Receiver, Step};
use super::{app_with, deliveries, deliveries_until, id_of, register, tenant, GUARD, QUIET};
use crate::helpers::{
    expect_error, expect_status, spawn_second_instance, spawn_second_instance_with, TestApp,
};

#[tokio::test]
async fn a_failing_receiver_is_retried_with_back_off_until_it_recovers() {
    // Waits of 350-700 ms, then 700-1400 ms: slow enough to watch the log between.
    let app = app_with(|s| s.webhooks.retry_base_ms = 700).await;
    let t = tenant(&app, "wh-retry").await;
    let token = t.admin_token.as_str();
    let receiver = Receiver::start(&[Step::Status(500), Step::Status(503)]).await;
    let webhook = register(&app, token, &receiver.url, &["price.changed"]).await;
    let id = id_of(&webhook);
    app.set_price("PER-NAC3-RS", token, "70").await;
    let log = deliveries_until(&app, token, &id, |log| {
        log.first().is_some_and(|d| d["attempts"] == 1)
    })
    .await;
    let d = &log[0];
    assert_eq!(d["status"], "pending", "{d}");
    assert_eq!(d["last_status_code"], 500);
    assert_eq!(d["last_error"], "HTTP 500 Internal Server Error");
    assert!(d["next_attempt_at"].is_string(), "{d}");
    assert_eq!(d["delivered_at"], Value::Null);
    let got = receiver.wait_for(3, GUARD).await;
    let log = deliveries_until(&app, token, &id, |log| log[0]["status"] == "delivered").await;
    let d = &log[0];
    assert_eq!(d["attempts"], 3);
    assert_eq!(d["last_status_code"], 204);
    assert_eq!(d["last_error"], Value::Null);
    assert_eq!(d["next_attempt_at"], Value::Null);
    receiver.expect_no_more_than(3, QUIET).await;
    assert!(
        got.iter().all(|r| r.body == got[0].body),
        "every attempt sends the same event"
    );
    let gaps = [got[1].at - got[0].at, got[2].at - got[1].at];
    assert!(
        gaps[0] >= Duration::from_millis(340),
        "first wait {:?}",
        gaps[0]
    );
    assert!(
        gaps[1] >= Duration::from_millis(690),
        "second wait doubled: {:?}",
        gaps[1]
    );
    app.cleanup().await;
}

#[tokio::test]
async fn retries_end_with_the_retry_period_and_the_delivery_is_marked_failed() {
    let app = app_with(|s| s.webhooks.retry_for_seconds = 1).await;
    let t = tenant(&app, "wh-giveup").await;
    let token = t.admin_token.as_str();
    let receiver = Receiver::start(&[Step::Status(502); 50]).await;
    let id = id_of(&register(&app, token, &receiver.url, &["price.changed"]).await);
    app.set_price("PER-NAC3-RS", token, "71").await;
    let log = deliveries_until(&app, token, &id, |log| {
        log.first().is_some_and(|d| d["status"] == "failed")
    })
    .await;
    let d = &log[0];
    let attempts = d["attempts"].as_i64().expect("attempts");
    assert!(attempts >= 2, "retried before giving up: {d}");
    assert_eq!(d["last_status_code"], 502);
    assert_eq!(d["last_error"], "HTTP 502 Bad Gateway");
    assert_eq!(d["next_attempt_at"], Value::Null);
    let sent = usize::try_from(attempts).expect("count");
    receiver.expect_no_more_than(sent, QUIET).await;
    app.cleanup().await;
}

#[tokio::test]
async fn a_slow_receiver_is_a_failed_attempt_that_holds_up_no_other_delivery() {
    let app = app_with(|s| {
        s.webhooks.timeout_ms = 3000;
        s.webhooks.retry_base_ms = 60_000;
    })
    .await;
    let t = tenant(&app, "wh-slow").await;
    let token = t.admin_token.as_str();
    let slow = Receiver::start(&[Step::Pause(Duration::from_secs(5))]).await;
    let fast = Receiver::start(&[]).await;
    let slow_id = id_of(&register(&app, token, &slow.url, &["price.changed"]).await);
    register(&app, token, &fast.url, &["price.changed"]).await;
    app.set_price("PER-NAC3-RS", token, "72").await;
    let first = slow.wait_for(1, GUARD).await[0].at;
    fast.wait_for(1, GUARD).await;
    // While the slow receiver still holds its first request, the next event reaches
    // the fast one (and the slow one, which answers at once this time).
    app.set_price("PER-NAC3-RS", token, "73").await;
    let got = fast.wait_for(2, GUARD).await;
    assert!(
        got[1].at - first < Duration::from_millis(2500),
        "delivered while the slow attempt still waited for its answer"
    );
    let log = deliveries_until(&app, token, &slow_id, |log| {
        log.iter()
            .any(|d| d["attempts"] == 1 && d["status"] == "pending")
    })
    .await;
    let timed_out = log
        .iter()
        .find(|d| d["status"] == "pending")
        .expect("the slow one");
    assert_eq!(timed_out["last_error"], "timed out after 3000 ms");
    assert_eq!(timed_out["last_status_code"], Value::Null);
    assert!(timed_out["next_attempt_at"].is_string());
    app.cleanup().await;
}

#[tokio::test]
async fn rotating_the_secret_changes_the_signing_key() {
    let app = app_with(|_| {}).await;
    let t = tenant(&app, "wh-rotate").await;
    let token = t.admin_token.as_str();
    let receiver = Receiver::start(&[]).await;
    let created = register(&app, token, &receiver.url, &["price.changed"]).await;
    let id = id_of(&created);
    let old_secret = created["secret"].as_str().expect("secret").to_owned();
    let path = format!("/api/v1/webhooks/{id}/rotate-secret");
    let resp = app.request(Method::POST, &path, Some(token), None).await;
    let rotated = expect_status(resp, StatusCode::OK, "rotate").await;
    let new_secret = rotated["secret"].as_str().expect("new secret");
    assert_ne!(new_secret, old_secret);
    assert!(new_secret.starts_with("whsec_"));
    assert_eq!(rotated["secret_version"], 2);
    assert_eq!(rotated["id"], id.as_str());
    let read = app.get_json(&format!("/api/v1/webhooks/{id}"), token).await;
    assert_eq!(read["secret_version"], 2);
    assert!(read.get("secret").is_none());
    app.set_price("PER-NAC3-RS", token, "74").await;
    let got = receiver.wait_for(1, GUARD).await;
    verify_signature(new_secret, &got[0]).expect("signed with the new secret");
    assert!(
        verify_signature(&old_secret, &got[0]).is_err(),
        "not with the old one"
    );
    let missing = format!("/api/v1/webhooks/{}/rotate-secret", uuid::Uuid::new_v4());
    let resp = app.request(Method::POST, &missing, Some(token), None).await;
    expect_error(
        resp,
        StatusCode::NOT_FOUND,
        "webhook_not_found",
        "rotate a missing webhook",
    )
    .await;
    app.cleanup().await;
}

#[tokio::test]
async fn two_instances_never_deliver_the_same_event_twice() {
    let first = app_with(|_| {}).await;
    let second = spawn_second_instance(&first).await;
    two_instances_never_deliver_the_same_event_twice_on(&first, &second).await;
    let mut second = second;
    second.stop_server().await;
    first.cleanup().await;
}

/// The scenario of [`two_instances_never_deliver_the_same_event_twice`] on two
/// running instances of one app (also run on Citus, for two shops at once:
/// tests/api/citus_writes.rs).
pub(crate) async fn two_instances_never_deliver_the_same_event_twice_on(
    first: &TestApp,
    second: &TestApp,
) {
    let t = tenant(first, "wh-two").await;
    let token = t.admin_token.as_str();
    let receivers = [Receiver::start(&[]).await, Receiver::start(&[]).await];
    for r in &receivers {
        register(first, token, &r.url, &["price.changed"]).await;
    }
    const EDITS: usize = 12;
    for i in 0..EDITS {
        let app = if i % 2 == 0 { first } else { second };
        app.set_price("PER-NAC3-RS", token, &format!("{}.25", 80 + i))
            .await;
    }
    let mut ids_per_receiver = Vec::new();
    for r in &receivers {
        r.wait_for(EDITS, GUARD).await;
        r.expect_no_more_than(EDITS, QUIET).await;
        let mut ids: Vec<String> = r
            .received()
            .iter()
            .map(super::receiver::Received::event_id)
            .collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), EDITS, "each event once");
        ids_per_receiver.push(ids);
    }
    assert_eq!(
        ids_per_receiver[0], ids_per_receiver[1],
        "the same events to both webhooks"
    );
    let list = first.get_json("/api/v1/webhooks", token).await;
    for webhook in list["items"].as_array().expect("items") {
        let log = deliveries(second, token, &id_of(webhook)).await;
        assert_eq!(log.len(), EDITS);
        assert!(
            log.iter()
                .all(|d| d["attempts"] == 1 && d["status"] == "delivered"),
            "{log:#?}"
        );
    }
}

#[tokio::test]
async fn a_claim_left_by_a_dead_instance_is_sent_once_its_lease_ends() {
    // The first instance runs no worker; a claim is made by hand, as an instance that
    // died right after claiming would have left it.
    let first = app_with(|s| s.webhooks.enabled = false).await;
    let t = tenant(&first, "wh-lease").await;
    let token = t.admin_token.as_str();
    let receiver = Receiver::start(&[]).await;
    let id = id_of(&register(&first, token, &receiver.url, &["price.changed"]).await);
    first.set_price("PER-NAC3-RS", token, "77").await;
    let pool = first.runtime_pool(1).await;
    let claimed = sqlx::query(
        "UPDATE webhook_queue SET lease_until = now() + interval '1500 milliseconds',
                                  lease_token = gen_random_uuid()",
    )
    .execute(&pool)
    .await
    .expect("claimed");
    assert_eq!(claimed.rows_affected(), 1);
    let lease_ends = std::time::Instant::now() + Duration::from_millis(1500);
    let second = spawn_second_instance_with(&first, |s| s.webhooks.enabled = true).await;
    let got = receiver.wait_for(1, GUARD).await;
    assert!(
        got[0].at >= lease_ends - Duration::from_millis(100),
        "not before the lease ended"
    );
    receiver.expect_no_more_than(1, QUIET).await;
    let log = deliveries(&first, token, &id).await;
    assert_eq!(
        (log[0]["status"].as_str(), log[0]["attempts"].as_i64()),
        (Some("delivered"), Some(1))
    );
    let mut second = second;
    second.stop_server().await;
    first.cleanup().await;
}

#[tokio::test]
async fn deleting_a_webhook_stops_its_deliveries() {
    let app = app_with(|_| {}).await;
    let t = tenant(&app, "wh-delete").await;
    let token = t.admin_token.as_str();
    let receiver = Receiver::start(&[Step::Status(500); 100]).await;
    let id = id_of(&register(&app, token, &receiver.url, &["price.changed"]).await);
    app.set_price("PER-NAC3-RS", token, "75").await;
    receiver.wait_for(1, GUARD).await;
    let path = format!("/api/v1/webhooks/{id}");
    let resp = app.request(Method::DELETE, &path, Some(token), None).await;
    expect_status(resp, StatusCode::NO_CONTENT, "delete").await;
    // An attempt already on its way may still arrive; nothing after it.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let sent = receiver.received().len();
    receiver.expect_no_more_than(sent, QUIET).await;
    let resp = app.get(&path, token).await;
    expect_error(resp, StatusCode::NOT_FOUND, "webhook_not_found", "deleted").await;
    let resp = app.get(&format!("{path}/deliveries"), token).await;
    expect_error(
        resp,
        StatusCode::NOT_FOUND,
        "webhook_not_found",
        "its deliveries",
    )
    .await;
    let resp = app.request(Method::DELETE, &path, Some(token), None).await;
    expect_error(
        resp,
        StatusCode::NOT_FOUND,
        "webhook_not_found",
        "deleted twice",
    )
    .await;
    let pool = app.runtime_pool(1).await;
    let queued: i64 = sqlx::query_scalar("SELECT count(*) FROM webhook_queue")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(queued, 0, "nothing left in the queue");
    app.cleanup().await;
}

#[tokio::test]
async fn a_target_is_checked_again_when_delivering() {
    // One instance registers a loopback receiver (allowed there, and it runs no
    // worker); the instance that delivers does not allow private targets.
    let registrar = app_with(|s| s.webhooks.enabled = false).await;
    let deliverer = spawn_second_instance_with(&registrar, |s| {
        s.webhooks.enabled = true;
        s.webhooks.allow_private_targets = false;
    })
    .await;
    let t = tenant(&registrar, "wh-blocked").await;
    let token = t.admin_token.as_str();
    let receiver = Receiver::start(&[]).await;
    let id = id_of(&register(&registrar, token, &receiver.url, &["price.changed"]).await);
    registrar.set_price("PER-NAC3-RS", token, "76").await;
    let log = deliveries_until(&registrar, token, &id, |log| {
        log.first().is_some_and(|d| d["attempts"] == 1)
    })
    .await;
    assert_eq!(
        log[0]["last_error"],
        "target blocked: 127.0.0.1 is a loopback address"
    );
    assert_eq!(log[0]["last_status_code"], Value::Null);
    assert_eq!(log[0]["status"], "pending");
    receiver
        .expect_no_more_than(0, Duration::from_millis(300))
        .await;
    let mut deliverer = deliverer;
    deliverer.stop_server().await;
    registrar.cleanup().await;
}
