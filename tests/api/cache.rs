//! The cache: several instances agree right after an edit; Redis down or absent
//! changes nothing but speed; cached values are checked against their tenant.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use redis::AsyncCommands as _;
use ventanas::config::{ExposeSecret as _, SecretString};

use crate::helpers::{slug, spawn_app, spawn_app_with, spawn_second_instance};

#[tokio::test]
async fn two_instances_agree_right_after_a_price_edit_on_either() {
    let mut one = spawn_app().await;
    let mut two = spawn_second_instance(&one).await;
    let t = one.onboard(&slug("two")).await;
    let token = &t.admin_token;
    // Both instances cache the price (and the session) first.
    assert_eq!(one.price_of("VID-CLARO-4", token).await, "85.00");
    assert_eq!(two.price_of("VID-CLARO-4", token).await, "85.00");

    for (round, (writer, reader)) in [(&one, &two), (&two, &one), (&one, &two)]
        .into_iter()
        .enumerate()
    {
        let price = format!("{}.00", 900 + round);
        writer.set_price("VID-CLARO-4", token, &price).await;
        assert_eq!(
            reader.price_of("VID-CLARO-4", token).await,
            price,
            "round {round}: reader sees the edit"
        );
        assert_eq!(
            writer.price_of("VID-CLARO-4", token).await,
            price,
            "round {round}: writer too"
        );
    }

    // A logout on one instance ends the session on the other at once.
    let session = one.login(&t.slug, &t.admin_email, &t.admin_password).await;
    assert_eq!(two.price_of("VID-CLARO-6", &session).await, "120.00");
    let resp = one
        .request(
            reqwest::Method::POST,
            "/api/v1/auth/logout",
            Some(&session),
            None,
        )
        .await;
    assert_eq!(resp.status(), reqwest::StatusCode::NO_CONTENT);
    assert_eq!(
        two.get("/api/v1/prices/VID-CLARO-6", &session)
            .await
            .status(),
        reqwest::StatusCode::UNAUTHORIZED
    );

    two.stop_server().await;
    one.stop_server().await;
    one.cleanup().await;
}

/// A private redis-server on a free port, so stopping it affects only this test.
struct PrivateRedis {
    port: u16,
    child: Option<Child>,
}

impl PrivateRedis {
    fn start(port: u16) -> Self {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts (deploy/local/test installs it)");
        let redis = Self {
            port,
            child: Some(child),
        };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return redis;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("private redis did not start on {port}");
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

async fn redis_keys(url: &str, pattern: &str) -> Vec<String> {
    let client = redis::Client::open(url).expect("client");
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("redis connects");
    conn.keys(pattern).await.expect("keys")
}

#[tokio::test]
async fn with_redis_stopped_every_read_still_answers_correctly_and_caching_resumes_when_it_is_back()
{
    let mut redis = PrivateRedis::start(free_port());
    let url = redis.url();
    let app = spawn_app_with(|s| {
        s.redis.url = url.clone().into();
        s.redis.retry_after_ms = 100;
    })
    .await;
    let t = app.onboard(&slug("down")).await;
    let token = &t.admin_token;
    assert_eq!(app.price_of("VID-CLARO-4", token).await, "85.00");
    let pattern = format!("{}:*price:VID-CLARO-4", app.settings.redis.key_prefix);
    assert!(
        !redis_keys(&url, &pattern).await.is_empty(),
        "the price is cached in Redis"
    );

    redis.stop();
    // Reads, an edit, and reads of the edit all work without Redis.
    assert_eq!(app.price_of("VID-CLARO-4", token).await, "85.00");
    assert_eq!(app.price_of("PER-NAC3-RS", token).await, "52.00");
    app.set_price("VID-CLARO-4", token, "91.00").await;
    assert_eq!(app.price_of("VID-CLARO-4", token).await, "91.00");
    let ready = app.get_json("/ready", token).await;
    assert_eq!(
        (ready["database"].as_str(), ready["redis"].as_str()),
        (Some("up"), Some("down"))
    );
    let fresh = app.login(&t.slug, &t.admin_email, &t.admin_password).await;
    assert_eq!(
        app.price_of("VID-CLARO-6", &fresh).await,
        "120.00",
        "logins work without Redis"
    );

    let _redis = PrivateRedis::start(redis.port);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let ready = app.get_json("/ready", token).await;
    assert_eq!(ready["redis"], "up");
    // The edit made while Redis was down must not be hidden by a stale entry.
    assert_eq!(app.price_of("VID-CLARO-4", token).await, "91.00");
    let mut cached = Vec::new();
    for _ in 0..50 {
        app.price_of("VID-BRONCE-4", token).await;
        cached = redis_keys(
            &url,
            &format!("{}:*price:VID-BRONCE-4", app.settings.redis.key_prefix),
        )
        .await;
        if !cached.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!cached.is_empty(), "caching resumed in Redis");
    app.cleanup().await;
}

#[tokio::test]
async fn without_redis_configured_the_in_process_cache_serves_alone() {
    let app = spawn_app_with(|s| s.redis.url = SecretString::default()).await;
    let t = app.onboard(&slug("noredis")).await;
    assert_eq!(app.price_of("VID-CLARO-4", &t.admin_token).await, "85.00");
    app.set_price("VID-CLARO-4", &t.admin_token, "86.00").await;
    assert_eq!(app.price_of("VID-CLARO-4", &t.admin_token).await, "86.00");
    let ready = app.get_json("/ready", &t.admin_token).await;
    assert_eq!(ready["redis"], "disabled");
    app.cleanup().await;
}

#[tokio::test]
async fn a_redis_entry_that_names_another_tenant_is_ignored() {
    let app = spawn_app().await;
    let a = app.onboard(&slug("poison-a")).await;
    let b = app.onboard(&slug("poison-b")).await;
    assert_eq!(app.price_of("VID-CLARO-4", &a.admin_token).await, "85.00");
    let url = app.settings.redis.url.expose_secret().to_owned();
    let pattern = format!(
        "{}:{{t:{}}}:*price:VID-CLARO-4",
        app.settings.redis.key_prefix, a.id
    );
    let keys = redis_keys(&url, &pattern).await;
    assert_eq!(keys.len(), 1, "A's cached price: {keys:?}");
    let client = redis::Client::open(url.as_str()).expect("client");
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("connects");
    let poisoned = serde_json::json!({
        "tenant": b.id,
        "value": { "code": "VID-CLARO-4", "name": "x", "category": "glass", "unit": "m2", "price": "1.00",
                   "currency": "MXN", "source": "tenant", "updated_at": "2026-01-01T00:00:00Z" }
    });
    let _: () = conn.set(&keys[0], poisoned.to_string()).await.expect("set");
    // A fresh instance has nothing in-process, so it reads the poisoned entry.
    let mut other = spawn_second_instance(&app).await;
    assert_eq!(other.price_of("VID-CLARO-4", &a.admin_token).await, "85.00");
    other.stop_server().await;
    app.cleanup().await;
}
