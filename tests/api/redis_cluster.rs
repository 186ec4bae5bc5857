//! The cache on a Redis Cluster (three masters on loopback ports, started by
//! `deploy/local/test redis-cluster`, which runs these tests; their nodes come from
//! `VENTANAS_TEST_REDIS_CLUSTER`, comma-separated). Two instances share a cluster:
//! edits and logouts on one reach the other within `cache.l1_ttl_ms`, and each
//! tenant's entries live on one node while the tenants spread over the masters.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use redis::AsyncCommands as _;
use reqwest::{Method, StatusCode};
use ventanas::config::Settings;

use crate::helpers::{slug, spawn_app_with, spawn_second_instance_with, TestApp};

fn cluster_nodes() -> Vec<String> {
    let nodes = std::env::var("VENTANAS_TEST_REDIS_CLUSTER").unwrap_or_else(|_| {
        "redis://127.0.0.1:7101,redis://127.0.0.1:7102,redis://127.0.0.1:7103".to_owned()
    });
    nodes.split(',').map(str::to_owned).collect()
}

/// The service on the cluster, with a one-second L1.
fn on_cluster(s: &mut Settings) {
    s.redis.url = String::new().into();
    s.redis.cluster_urls = cluster_nodes().join(",").into();
    s.cache.l1_ttl_ms = 1000;
}

/// Polls `read` until it answers `want`, failing after `within`.
async fn eventually<F, Fut>(within: Duration, want: &str, what: &str, mut read: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = String>,
{
    let started = Instant::now();
    loop {
        let seen = read().await;
        if seen == want {
            return;
        }
        assert!(
            started.elapsed() < within,
            "{what}: still {seen} after {:?}",
            started.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The keys under `prefix` on each master, by node.
async fn keys_by_node(prefix: &str) -> BTreeMap<String, Vec<String>> {
    let mut found = BTreeMap::new();
    for node in cluster_nodes() {
        let client = redis::Client::open(node.as_str()).expect("node url");
        let mut conn = client
            .get_multiplexed_async_connection()
            .await
            .expect("node answers");
        let keys: Vec<String> = conn.keys(format!("{prefix}:*")).await.expect("keys");
        found.insert(node, keys);
    }
    found
}

/// Two instances on the cluster. The second lists the nodes in another order, so
/// the two subscribe through different nodes: an invalidation must cross the
/// cluster bus to reach one of them.
async fn cluster_app() -> (TestApp, TestApp) {
    let app = spawn_app_with(on_cluster).await;
    let second = spawn_second_instance_with(&app, |s| {
        let mut nodes = cluster_nodes();
        nodes.rotate_left(1);
        s.redis.cluster_urls = nodes.join(",").into();
    })
    .await;
    let ready = app.get_json("/ready", "").await;
    assert_eq!(ready["redis"], "up", "the cluster answers: {ready}");
    (app, second)
}

#[tokio::test]
#[ignore = "needs a Redis Cluster: deploy/local/test redis-cluster"]
async fn an_edit_on_one_instance_reaches_the_other_through_the_cluster() {
    let (app, mut second) = cluster_app().await;
    let t = app.onboard(&slug("clu")).await;
    assert_eq!(app.price_of("VID-CLARO-4", &t.admin_token).await, "85.00");
    assert_eq!(
        second.price_of("VID-CLARO-4", &t.admin_token).await,
        "85.00"
    );

    app.set_price("VID-CLARO-4", &t.admin_token, "91.50").await;
    // Invalidation is acknowledged before the edit answers: the other instance
    // drops its entry at once, well within its L1 lifetime.
    eventually(
        Duration::from_millis(500),
        "91.50",
        "the second instance after the edit",
        || second.price_of("VID-CLARO-4", &t.admin_token),
    )
    .await;
    second
        .set_price("VID-CLARO-4", &t.admin_token, "92.00")
        .await;
    eventually(
        Duration::from_millis(500),
        "92.00",
        "the first instance after the second's edit",
        || app.price_of("VID-CLARO-4", &t.admin_token),
    )
    .await;

    second.stop_server().await;
    app.cleanup().await;
}

#[tokio::test]
#[ignore = "needs a Redis Cluster: deploy/local/test redis-cluster"]
async fn a_logout_on_one_instance_ends_the_session_on_the_other() {
    let (app, mut second) = cluster_app().await;
    let t = app.onboard(&slug("clu")).await;
    // Both instances know the session (cached in L1 and in the cluster).
    assert_eq!(
        second.get("/api/v1/auth/me", &t.admin_token).await.status(),
        StatusCode::OK
    );
    let out = app
        .request(
            Method::POST,
            "/api/v1/auth/logout",
            Some(&t.admin_token),
            None,
        )
        .await;
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        second.get("/api/v1/auth/me", &t.admin_token).await.status(),
        StatusCode::UNAUTHORIZED,
        "the other instance still accepts the ended session"
    );

    second.stop_server().await;
    app.cleanup().await;
}

#[tokio::test]
#[ignore = "needs a Redis Cluster: deploy/local/test redis-cluster"]
async fn each_tenant_lives_on_one_node_and_the_tenants_spread_over_the_masters() {
    let (app, mut second) = cluster_app().await;
    let mut tenants = Vec::new();
    for _ in 0..8 {
        let t = app.onboard(&slug("clu")).await;
        // Read through the second instance too: both write the same entries.
        assert_eq!(app.price_of("VID-CLARO-4", &t.admin_token).await, "85.00");
        assert_eq!(
            second.price_of("HER-ROD-3", &t.admin_token).await,
            app.price_of("HER-ROD-3", &t.admin_token).await
        );
        tenants.push(t);
    }

    let prefix = &app.settings.redis.key_prefix;
    let by_node = keys_by_node(prefix).await;
    let mut nodes_of_tenant: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (node, keys) in &by_node {
        for key in keys {
            if let Some(tag) = key.split('{').nth(1).and_then(|k| k.split('}').next()) {
                nodes_of_tenant
                    .entry(tag.to_owned())
                    .or_default()
                    .insert(node.clone());
            }
        }
    }
    for t in &tenants {
        let tag = format!("t:{}", t.id);
        let nodes = nodes_of_tenant
            .get(&tag)
            .unwrap_or_else(|| panic!("no entry of tenant {} in the cluster", t.id));
        assert_eq!(nodes.len(), 1, "tenant {} is split over {nodes:?}", t.id);
    }
    let used: BTreeSet<&String> = nodes_of_tenant.values().flatten().collect();
    assert!(
        used.len() >= 2,
        "8 tenants all on one master: {used:?} (keys by node: {by_node:?})"
    );

    second.stop_server().await;
    app.cleanup().await;
}
