//! Redis is a cache, not an authority (issue #8): an entry written by anyone
//! without the server's signing key is refused, a revoked session fails on every
//! instance within `cache.l1_ttl_ms` whatever Redis holds, made-up tokens leave
//! nothing behind, and every key written follows the documented shape.

use std::time::Duration;

use redis::AsyncCommands as _;
use reqwest::StatusCode;
use uuid::Uuid;
use ventanas::auth::token;
use ventanas::config::ExposeSecret as _;
use ventanas::ids::TenantId;

use crate::helpers::{
    expect_status, slug, spawn_app, spawn_app_with, spawn_second_instance, TestApp,
};

async fn redis(app: &TestApp) -> redis::aio::MultiplexedConnection {
    redis::Client::open(app.settings.redis.url.expose_secret())
        .expect("client")
        .get_multiplexed_async_connection()
        .await
        .expect("connects")
}

async fn keys(app: &TestApp, pattern: &str) -> Vec<String> {
    let pattern = format!("{}:{pattern}", app.settings.redis.key_prefix);
    redis(app).await.keys(pattern).await.expect("keys")
}

/// The Redis key a session of `tenant` with `token` is cached under now.
async fn session_key(app: &TestApp, tenant: Uuid, token: &str) -> String {
    let prefix = &app.settings.redis.key_prefix;
    let mut conn = redis(app).await;
    let tenant_gen: Option<u64> = conn
        .get(format!("{prefix}:{{t:{tenant}}}:gen"))
        .await
        .expect("get");
    let global_gen: Option<u64> = conn.get(format!("{prefix}:global:gen")).await.expect("get");
    format!(
        "{prefix}:{{t:{tenant}}}:g{}.{}:sess:{}",
        tenant_gen.unwrap_or(0),
        global_gen.unwrap_or(0),
        hex::encode(token::digest(token))
    )
}

#[tokio::test]
async fn a_session_written_into_redis_without_the_signing_key_is_refused_and_deleted() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("forge")).await;
    // The admin's own session entry shows what a session entry looks like.
    expect_status(
        app.get("/api/v1/auth/me", &t.admin_token).await,
        StatusCode::OK,
        "me",
    )
    .await;
    let real_key = session_key(&app, t.id, &t.admin_token).await;
    let mut conn = redis(&app).await;
    let sealed: String = conn.get(&real_key).await.expect("the session is cached");
    let json = sealed
        .splitn(3, '.')
        .nth(2)
        .expect("v1.<tag>.<json>")
        .to_owned();

    // An attacker with write access to Redis copies it, as plain JSON and with the
    // real signature, under the key of a token they made up.
    let forged = token::new_session_token(TenantId(t.id));
    let forged_key = session_key(&app, t.id, &forged).await;
    for value in [json.clone(), sealed.clone()] {
        let _: () = conn.set_ex(&forged_key, value, 300).await.expect("set");
        let fresh = spawn_second_instance(&app).await;
        let resp = fresh.get("/api/v1/materials", &forged).await;
        assert_eq!(
            resp.status(),
            StatusCode::UNAUTHORIZED,
            "forged session refused"
        );
        let left: Option<String> = conn.get(&forged_key).await.expect("get");
        assert_eq!(left, None, "the forged entry is deleted");
    }
    app.cleanup().await;
}

#[tokio::test]
async fn a_revoked_session_fails_on_every_instance_within_the_l1_ttl_even_if_its_invalidation_is_lost(
) {
    let ttl = Duration::from_millis(1_000);
    let one = spawn_app_with(|s| s.cache.l1_ttl_ms = 1_000).await;
    let two = spawn_second_instance(&one).await;
    let t = one.onboard(&slug("revoke")).await;
    for app in [&one, &two] {
        expect_status(
            app.get("/api/v1/materials", &t.admin_token).await,
            StatusCode::OK,
            "cached",
        )
        .await;
    }
    // Revoked in PostgreSQL with no invalidation at all: what a logout whose
    // invalidation Redis refused leaves behind.
    let pool = one.runtime_pool(1).await;
    let mut tx = pool.begin().await.expect("begin");
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(t.id.to_string())
        .execute(&mut *tx)
        .await
        .expect("bind");
    sqlx::query("UPDATE sessions SET revoked_at = now()")
        .execute(&mut *tx)
        .await
        .expect("revoke");
    tx.commit().await.expect("commit");
    tokio::time::sleep(ttl + Duration::from_millis(100)).await;
    // Redis is up and healthy throughout; a third, fresh instance included.
    let three = spawn_second_instance(&one).await;
    for (name, app) in [("one", &one), ("two", &two), ("three", &three)] {
        let resp = app.get("/api/v1/materials", &t.admin_token).await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "instance {name}");
    }
    one.cleanup().await;
}

#[tokio::test]
async fn made_up_tokens_leave_nothing_in_redis() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("random")).await;
    let before = keys(&app, "*").await;
    // Well-formed tokens, for made-up tenants and for a real one.
    for tenant in [Uuid::new_v4(), Uuid::new_v4(), t.id, t.id] {
        let token = token::new_session_token(TenantId(tenant));
        let resp = app.get("/api/v1/materials", &token).await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    }
    let after = keys(&app, "*").await;
    assert_eq!(
        after.len(),
        before.len(),
        "new keys: {after:?} (before: {before:?})"
    );
    app.cleanup().await;
}

#[tokio::test]
async fn every_key_the_service_writes_has_the_documented_shape() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("shape")).await;
    let token = &t.admin_token;
    // Sessions, prices, lists, and a price edit (generations and invalidation).
    app.price_of("VID-CLARO-4", token).await;
    app.get_json("/api/v1/prices?category=glass", token).await;
    app.set_price("VID-CLARO-4", token, "90.00").await;
    app.price_of("VID-CLARO-4", token).await;

    let prefix = regex_escape(&app.settings.redis.key_prefix);
    let uuid = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
    let shape = regex::Regex::new(&format!(
        r"^{prefix}:(\{{t:{uuid}\}}:(gen|g\d+\.\d+:[a-z]+:\S+)|global:(gen|g\d+:[a-z]+:\S+)|ack:[0-9a-f]+)$"
    ))
    .expect("regex");
    let all = keys(&app, "*").await;
    assert!(all.len() >= 4, "keys were written: {all:?}");
    for key in &all {
        assert!(
            shape.is_match(key),
            "{key} does not follow the documented shape"
        );
    }
    assert!(
        all.iter().any(|k| k.contains(&format!("{{t:{}}}", t.id))),
        "{all:?}"
    );
    app.cleanup().await;
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c.to_string()
            } else {
                format!("\\{c}")
            }
        })
        .collect()
}
