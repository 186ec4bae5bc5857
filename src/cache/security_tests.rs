//! What Redis can and cannot make the cache do: entries are signed, entries that
//! grant access expire within the L1 TTL of their load whatever Redis holds, and
//! lookups that find nothing leave nothing behind.

use std::sync::atomic::AtomicUsize;

use redis::AsyncCommands as _;

use super::fetch::unix_ms;
use super::tests::{counting, never, sealed, tenant, PriceKey, RedisTest, REDIS_URL};
use super::*;

/// A key whose values grant access, like a session.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct GrantKey {
    tenant: TenantId,
    token: &'static str,
}

impl CacheKey for GrantKey {
    type Value = u32;
    fn scope(&self) -> Scope {
        Scope::Tenant(self.tenant)
    }
}

impl SharedKey for GrantKey {
    fn redis_name(&self) -> String {
        format!("grant:{}", self.token)
    }
    const REVOCABLE: bool = true;
}

async fn conn() -> redis::aio::MultiplexedConnection {
    redis::Client::open(REDIS_URL)
        .expect("client")
        .get_multiplexed_async_connection()
        .await
        .expect("connects")
}

/// The Redis key of a tenant entry at generation 0 (a fresh prefix).
fn value_key(test: &RedisTest, tenant: TenantId, name: &str) -> String {
    format!("{}:{{t:{tenant}}}:g0.0:{name}", test.prefix)
}

fn rejected(cache: &Cache) -> u64 {
    cache.stats().l2_rejected.load(Ordering::Relaxed)
}

fn failing() -> std::future::Ready<Result<u32, &'static str>> {
    std::future::ready(Err("no such value"))
}

#[tokio::test]
async fn an_entry_without_a_valid_signature_is_a_miss_and_is_deleted() {
    let test = RedisTest::new();
    let cache = test.cache().await;
    let mut conn = conn().await;
    let t = tenant();
    let json = serde_json::json!({ "tenant": t, "value": 1 }).to_string();
    let forged_tag = format!("v1.{}.{json}", "0".repeat(64));
    for (code, forged) in [("VID-4", json.clone()), ("VID-6", forged_tag)] {
        let key = PriceKey { tenant: t, code };
        let redis_key = value_key(&test, t, &format!("price:{code}"));
        let _: () = conn.set(&redis_key, forged).await.expect("set");
        // The loader fails, so nothing is written back: the key's absence
        // afterwards is the deletion.
        assert_eq!(cache.get(&key, failing).await, Err("no such value"));
        let left: Option<String> = conn.get(&redis_key).await.expect("get");
        assert_eq!(left, None, "{code}: the forged entry is deleted");
    }
    assert_eq!(rejected(&cache), 2);
    assert_eq!(cache.stats().l2_hits.load(Ordering::Relaxed), 0);
    test.cleanup().await;
}

#[tokio::test]
async fn a_signed_entry_copied_under_another_key_does_not_verify() {
    let test = RedisTest::new();
    let (one, two) = (test.cache().await, test.cache().await);
    let mut conn = conn().await;
    let t = tenant();
    let cheap = PriceKey {
        tenant: t,
        code: "VID-4",
    };
    let loads = AtomicUsize::new(0);
    assert_eq!(one.get(&cheap, counting(&loads, 1)).await, Ok(1));
    let raw: String = conn
        .get(value_key(&test, t, "price:VID-4"))
        .await
        .expect("get");
    assert!(raw.starts_with("v1."), "stored signed: {raw}");
    let _: () = conn
        .set(value_key(&test, t, "price:VID-6"), &raw)
        .await
        .expect("set");
    let dear = PriceKey {
        tenant: t,
        code: "VID-6",
    };
    assert_eq!(two.get(&dear, counting(&loads, 250)).await, Ok(250));
    assert_eq!(loads.load(Ordering::SeqCst), 2, "the copy was not taken");
    assert_eq!(rejected(&two), 1);
    test.cleanup().await;
}

#[tokio::test]
async fn an_entry_that_grants_access_lives_in_redis_no_longer_than_the_l1_ttl() {
    let test = RedisTest::new();
    let cache = test.cache_with_ttl(2_000).await;
    let mut conn = conn().await;
    let t = tenant();
    let key = GrantKey {
        tenant: t,
        token: "a",
    };
    let loads = AtomicUsize::new(0);
    assert_eq!(cache.get(&key, counting(&loads, 7)).await, Ok(7));
    let ttl_ms: i64 = conn
        .pttl(value_key(&test, t, "grant:a"))
        .await
        .expect("pttl");
    assert!(
        (1..=2_000).contains(&ttl_ms),
        "a Redis TTL of {ttl_ms} ms, not the L2 TTL"
    );
    test.cleanup().await;
}

#[tokio::test]
async fn an_entry_that_grants_access_is_refused_once_older_than_the_l1_ttl() {
    let test = RedisTest::new();
    let cache = test.cache_with_ttl(2_000).await;
    let mut conn = conn().await;
    let t = tenant();
    let now = unix_ms();
    // Signed and unexpired in Redis (as if written with a long TTL), but loaded
    // from PostgreSQL longer ago than the bound: refused. A young one is used.
    for (token, loaded_at, value) in [("old", now - 3_000, 1), ("young", now, 2)] {
        let redis_key = value_key(&test, t, &format!("grant:{token}"));
        let json = serde_json::json!({ "tenant": t, "loaded_at_ms": loaded_at, "value": value })
            .to_string();
        let _: () = conn
            .set_ex(&redis_key, sealed(&redis_key, &json), 60)
            .await
            .expect("set");
    }
    let loads = AtomicUsize::new(0);
    let old = GrantKey {
        tenant: t,
        token: "old",
    };
    assert_eq!(cache.get(&old, counting(&loads, 10)).await, Ok(10));
    assert_eq!(loads.load(Ordering::SeqCst), 1, "reloaded from the source");
    let young = GrantKey {
        tenant: t,
        token: "young",
    };
    assert_eq!(cache.get(&young, never).await, Ok(2), "taken from Redis");
    test.cleanup().await;
}

#[tokio::test]
async fn without_l1_entries_that_grant_access_are_not_shared() {
    let test = RedisTest::new();
    let cache = test.cache_with_ttl(0).await;
    let mut conn = conn().await;
    let t = tenant();
    let loads = AtomicUsize::new(0);
    let key = GrantKey {
        tenant: t,
        token: "a",
    };
    assert_eq!(cache.get(&key, counting(&loads, 7)).await, Ok(7));
    assert_eq!(cache.get(&key, counting(&loads, 7)).await, Ok(7));
    assert_eq!(loads.load(Ordering::SeqCst), 2, "loaded every time");
    let keys: Vec<String> = conn.keys(format!("{}:*", test.prefix)).await.expect("keys");
    assert!(keys.is_empty(), "nothing written to Redis: {keys:?}");
    test.cleanup().await;
}

#[tokio::test]
async fn a_lookup_that_finds_nothing_leaves_nothing_behind() {
    let test = RedisTest::new();
    let cache = test.cache().await;
    let mut conn = conn().await;
    let made_up = tenant();
    for token in ["x", "y", "z"] {
        let key = GrantKey {
            tenant: made_up,
            token,
        };
        assert_eq!(cache.get(&key, failing).await, Err("no such value"));
    }
    let keys: Vec<String> = conn.keys(format!("{}:*", test.prefix)).await.expect("keys");
    assert!(keys.is_empty(), "nothing written to Redis: {keys:?}");
    cache.inner.l1.moka.run_pending_tasks().await;
    assert_eq!(
        cache.inner.l1.moka.entry_count(),
        0,
        "nothing kept in memory"
    );
    let redis = cache.inner.redis.as_ref().expect("redis");
    assert!(
        redis.gens.cached(Scope::Tenant(made_up)).is_none(),
        "no generations kept for a tenant nothing was found for"
    );
    test.cleanup().await;
}
