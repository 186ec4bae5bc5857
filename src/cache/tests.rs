use std::convert::Infallible;
use std::sync::atomic::AtomicUsize;

use futures_util::future::join_all;
use redis::AsyncCommands as _;
use tokio::sync::{oneshot, Notify};

use super::*;
use crate::config::SecretString;

pub(super) const SIGNING_KEY: &str = "cache-test-signing-key-of-at-least-32-bytes";

/// A value sealed as the cache seals it (`v1.<hex HMAC>.<json>`), written here
/// independently so that a change of the stored format shows up as a failure.
pub(super) fn sealed(redis_key: &str, json: &str) -> String {
    use hmac::Mac as _;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(SIGNING_KEY.as_bytes()).expect("key");
    mac.update(&(redis_key.len() as u64).to_be_bytes());
    mac.update(redis_key.as_bytes());
    mac.update(json.as_bytes());
    format!("v1.{}.{json}", hex::encode(mac.finalize().into_bytes()))
}

pub(super) fn settings(url: &str, prefix: &str, ttl_ms: u64) -> (RedisSettings, CacheSettings) {
    (
        RedisSettings {
            url: SecretString::from(url.to_owned()),
            cluster_urls: SecretString::default(),
            key_prefix: prefix.to_owned(),
            signing_key: SecretString::from(SIGNING_KEY.to_owned()),
            response_timeout_ms: 500,
            connect_timeout_ms: 500,
            retry_after_ms: 100,
        },
        CacheSettings {
            l1_ttl_ms: ttl_ms,
            l1_max_bytes: 64 << 20,
            l2_ttl_seconds: 60,
            invalidation_wait_ms: 2000,
        },
    )
}

/// A cache without Redis.
fn local(ttl_ms: u64) -> Cache {
    let (redis, cache) = settings("", "unused", ttl_ms);
    Cache::new(&redis, &cache).expect("cache")
}

pub(super) fn tenant() -> TenantId {
    TenantId::new_random()
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct PriceKey {
    pub(super) tenant: TenantId,
    pub(super) code: &'static str,
}

impl CacheKey for PriceKey {
    type Value = u32;
    fn scope(&self) -> Scope {
        Scope::Tenant(self.tenant)
    }
}

impl SharedKey for PriceKey {
    fn redis_name(&self) -> String {
        format!("price:{}", self.code)
    }
}

/// Same fields as `PriceKey`, another value type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct NoteKey {
    tenant: TenantId,
    code: &'static str,
}

impl CacheKey for NoteKey {
    type Value = Arc<String>;
    fn scope(&self) -> Scope {
        Scope::Tenant(self.tenant)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct DefaultKey(&'static str);

impl CacheKey for DefaultKey {
    type Value = u32;
    fn scope(&self) -> Scope {
        Scope::Global
    }
}

impl SharedKey for DefaultKey {
    fn redis_name(&self) -> String {
        format!("default:{}", self.0)
    }
}

/// A loader that counts its calls and returns `value`.
pub(super) fn counting<'a, T: 'a>(
    calls: &'a AtomicUsize,
    value: T,
) -> impl FnOnce() -> std::future::Ready<Result<T, Infallible>> + 'a {
    move || {
        calls.fetch_add(1, Ordering::SeqCst);
        std::future::ready(Ok(value))
    }
}

/// A loader that must not run.
pub(super) fn never<T>() -> std::future::Ready<Result<T, &'static str>> {
    std::future::ready(Err("loaded although cached"))
}

#[tokio::test]
async fn a_typed_key_yields_its_own_type_and_keys_of_two_types_stay_apart() {
    let cache = local(60_000);
    let t = tenant();
    let price = PriceKey {
        tenant: t,
        code: "VID-4",
    };
    let note = NoteKey {
        tenant: t,
        code: "VID-4",
    };
    let calls = AtomicUsize::new(0);
    assert_eq!(cache.get(&price, counting(&calls, 85)).await, Ok(85));
    let loaded = cache
        .get_local(&note, counting(&calls, Arc::new("glass".to_owned())))
        .await;
    assert_eq!(loaded.as_deref().map(String::as_str), Ok("glass"));
    assert_eq!(cache.get(&price, never).await, Ok(85));
    assert_eq!(
        cache
            .get_local(&note, never)
            .await
            .as_deref()
            .map(String::as_str),
        Ok("glass")
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert_eq!(cache.stats().l1_hits.load(Ordering::Relaxed), 2);
    assert_eq!(cache.stats().misses.load(Ordering::Relaxed), 2);
}

#[tokio::test]
async fn the_string_keyed_methods_still_work_and_keep_value_types_apart() {
    let cache = local(60_000);
    let scope = Scope::Tenant(tenant());
    let calls = AtomicUsize::new(0);
    assert_eq!(
        cache
            .get_or_load(scope, "price:X", counting(&calls, 7_u32))
            .await,
        Ok(7)
    );
    assert_eq!(
        cache
            .get_or_load_local(scope, "price:X", counting(&calls, "text".to_owned()))
            .await
            .as_deref(),
        Ok("text"),
        "another type under the same name is another entry"
    );
    assert_eq!(
        cache
            .get_or_load::<u32, _, _, _>(scope, "price:X", never)
            .await,
        Ok(7)
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_cold_reads_of_one_key_run_one_load() {
    let cache = local(60_000);
    let key = PriceKey {
        tenant: tenant(),
        code: "VID-4",
    };
    let calls = Arc::new(AtomicUsize::new(0));
    let tasks = (0..100).map(|_| {
        let (cache, key, calls) = (cache.clone(), key.clone(), Arc::clone(&calls));
        tokio::spawn(async move {
            cache
                .get(&key, || async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    Ok::<_, Infallible>(85)
                })
                .await
        })
    });
    for result in join_all(tasks).await {
        assert_eq!(result.expect("task"), Ok(85));
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1, "one load for 100 readers");
    let stats = cache.stats();
    assert_eq!(stats.misses.load(Ordering::Relaxed), 1);
    assert_eq!(
        stats.coalesced.load(Ordering::Relaxed) + stats.l1_hits.load(Ordering::Relaxed),
        99
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_load_is_not_cached_and_its_waiters_load_for_themselves() {
    let cache = local(60_000);
    let key = PriceKey {
        tenant: tenant(),
        code: "VID-4",
    };
    let calls = Arc::new(AtomicUsize::new(0));
    let tasks = (0..10).map(|_| {
        let (cache, key, calls) = (cache.clone(), key.clone(), Arc::clone(&calls));
        tokio::spawn(async move {
            cache
                .get(&key, || async {
                    let first = calls.fetch_add(1, Ordering::SeqCst) == 0;
                    tokio::time::sleep(Duration::from_millis(30)).await;
                    if first {
                        Err("database down")
                    } else {
                        Ok(85)
                    }
                })
                .await
        })
    });
    let results: Vec<_> = join_all(tasks)
        .await
        .into_iter()
        .map(|r| r.expect("task"))
        .collect();
    assert_eq!(
        results.iter().filter(|r| r.is_err()).count(),
        1,
        "only the failed load's caller sees its error: {results:?}"
    );
    assert!(results.iter().all(|r| r.is_err() || *r == Ok(85)));
    assert_eq!(cache.get(&key, never).await, Ok(85), "a success was kept");

    let other = PriceKey {
        tenant: tenant(),
        code: "VID-6",
    };
    assert_eq!(
        cache.get(&other, || async { Err("database down") }).await,
        Err("database down")
    );
    let calls = AtomicUsize::new(0);
    assert_eq!(
        cache.get(&other, counting(&calls, 120)).await,
        Ok(120),
        "the error was not cached"
    );
}

/// Starts a load of `key` that stops until released; returns once it has started.
async fn paused_load<K>(
    cache: &Cache,
    key: K,
) -> (
    oneshot::Sender<K::Value>,
    tokio::task::JoinHandle<Result<K::Value, Infallible>>,
)
where
    K: SharedKey,
{
    let started = Arc::new(Notify::new());
    let (release, value) = oneshot::channel::<K::Value>();
    let task = {
        let (cache, started) = (cache.clone(), Arc::clone(&started));
        tokio::spawn(async move {
            cache
                .get(&key, || async move {
                    started.notify_one();
                    Ok(value.await.expect("released"))
                })
                .await
        })
    };
    started.notified().await;
    (release, task)
}

#[tokio::test]
async fn a_value_loaded_across_an_invalidation_is_not_kept() {
    let cache = local(60_000);
    for invalidated in [Scope::Tenant(tenant()), Scope::Global] {
        let t = match invalidated {
            Scope::Tenant(t) => t,
            Scope::Global => tenant(),
        };
        let key = PriceKey {
            tenant: t,
            code: "VID-4",
        };
        let (release, task) = paused_load(&cache, key.clone()).await;
        cache.invalidate(invalidated).await;
        release.send(85).expect("loader waits");
        assert_eq!(
            task.await.expect("task"),
            Ok(85),
            "the read that began before the write gets what it loaded"
        );
        let calls = AtomicUsize::new(0);
        assert_eq!(
            cache.get(&key, counting(&calls, 90)).await,
            Ok(90),
            "after invalidating {invalidated:?}, the value loaded before is gone"
        );
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}

#[tokio::test]
async fn invalidating_a_tenant_keeps_the_others_and_global_invalidation_clears_all() {
    let cache = local(60_000);
    let (a, b) = (tenant(), tenant());
    let key_a = PriceKey {
        tenant: a,
        code: "VID-4",
    };
    let key_b = PriceKey {
        tenant: b,
        code: "VID-4",
    };
    let default = DefaultKey("VID-4");
    let calls = AtomicUsize::new(0);
    cache.get(&key_a, counting(&calls, 1)).await.ok();
    cache.get(&key_b, counting(&calls, 2)).await.ok();
    cache.get(&default, counting(&calls, 3)).await.ok();

    cache.invalidate(Scope::Tenant(a)).await;
    assert_eq!(cache.get(&key_b, never).await, Ok(2), "B is kept");
    assert_eq!(cache.get(&default, never).await, Ok(3), "global is kept");
    assert_eq!(
        cache.get(&key_a, counting(&calls, 10)).await,
        Ok(10),
        "A reloads"
    );

    cache.invalidate(Scope::Global).await;
    assert_eq!(cache.get(&key_a, counting(&calls, 11)).await, Ok(11));
    assert_eq!(cache.get(&key_b, counting(&calls, 12)).await, Ok(12));
    assert_eq!(cache.get(&default, counting(&calls, 13)).await, Ok(13));
    assert_eq!(calls.load(Ordering::SeqCst), 7);
}

#[tokio::test]
async fn entries_expire_after_the_ttl_and_a_zero_ttl_keeps_nothing() {
    let cache = local(40);
    let key = PriceKey {
        tenant: tenant(),
        code: "VID-4",
    };
    let calls = AtomicUsize::new(0);
    assert_eq!(cache.get(&key, counting(&calls, 1)).await, Ok(1));
    assert_eq!(cache.get(&key, never).await, Ok(1));
    tokio::time::sleep(Duration::from_millis(60)).await;
    assert_eq!(cache.get(&key, counting(&calls, 2)).await, Ok(2), "expired");

    let off = local(0);
    assert_eq!(off.get(&key, counting(&calls, 3)).await, Ok(3));
    assert_eq!(off.get(&key, counting(&calls, 4)).await, Ok(4));
    assert_eq!(calls.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn the_in_process_layer_stays_within_its_weight() {
    let (redis, mut settings) = settings("", "unused", 60_000);
    let max = 20 * u64::from(l1::ENTRY_OVERHEAD + 40);
    settings.l1_max_bytes = max;
    let cache = Cache::new(&redis, &settings).expect("cache");
    let t = tenant();
    for i in 0..500 {
        let name = format!("price:{i}");
        cache
            .get_or_load(Scope::Tenant(t), &name, || async { Ok::<_, Infallible>(i) })
            .await
            .ok();
    }
    let moka = &cache.inner.l1.moka;
    moka.run_pending_tasks().await;
    assert!(
        moka.weighted_size() <= max,
        "{} > {max}",
        moka.weighted_size()
    );
    assert!(moka.entry_count() > 0);
}

// Against the local Redis (deploy/local/test starts it), under a unique prefix.

pub(super) const REDIS_URL: &str = "redis://127.0.0.1:6379";

pub(super) struct RedisTest {
    pub(super) prefix: String,
}

impl RedisTest {
    pub(super) fn new() -> Self {
        Self {
            prefix: format!("vt_unit_{}", uuid::Uuid::new_v4().simple()),
        }
    }

    pub(super) async fn cache(&self) -> Cache {
        self.cache_with_ttl(60_000).await
    }

    pub(super) async fn cache_with_ttl(&self, ttl_ms: u64) -> Cache {
        let (redis, settings) = settings(REDIS_URL, &self.prefix, ttl_ms);
        let cache = Cache::new(&redis, &settings).expect("cache");
        let redis = cache.inner.redis.as_ref().expect("redis configured");
        let mut subscribed = redis.subscribed.subscribe();
        tokio::time::timeout(Duration::from_secs(5), subscribed.wait_for(|up| *up))
            .await
            .expect("subscribes to the local redis")
            .expect("subscriber alive");
        cache
    }

    pub(super) async fn cleanup(self) {
        let client = redis::Client::open(REDIS_URL).expect("client");
        let mut conn = client
            .get_multiplexed_async_connection()
            .await
            .expect("connects");
        let keys: Vec<String> = conn.keys(format!("{}:*", self.prefix)).await.expect("keys");
        if !keys.is_empty() {
            let _: () = conn.del(keys).await.expect("del");
        }
    }
}

fn calls(cache: &Cache) -> u64 {
    cache.stats().redis_calls.load(Ordering::Relaxed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_share_values_and_invalidations_with_one_round_trip_per_miss() {
    let test = RedisTest::new();
    let (one, two) = (test.cache().await, test.cache().await);
    let t = tenant();
    let key = PriceKey {
        tenant: t,
        code: "VID-4",
    };
    let loads = AtomicUsize::new(0);
    assert_eq!(one.get(&key, counting(&loads, 85)).await, Ok(85));
    assert_eq!(two.get(&key, never).await, Ok(85), "read from Redis");
    assert_eq!(two.stats().l2_hits.load(Ordering::Relaxed), 1);

    // The writer waits for both acknowledgements, which arrive at once: far less
    // than the 2 s bound.
    let started = std::time::Instant::now();
    one.invalidate(Scope::Tenant(t)).await;
    let waited = started.elapsed();
    assert!(
        waited < Duration::from_secs(1),
        "acknowledged in {waited:?}"
    );
    assert_eq!(
        two.stats().invalidations_received.load(Ordering::Relaxed),
        1
    );

    // The other instance learnt the new generation from the message: its miss is
    // one GET (nothing there: the old entry is unreachable), then the SET.
    let before = calls(&two);
    assert_eq!(two.get(&key, counting(&loads, 90)).await, Ok(90));
    assert_eq!(calls(&two) - before, 2, "GET + SET, no generation read");
    assert_eq!(
        one.get(&key, never).await,
        Ok(90),
        "one reads what two stored"
    );

    // A key of another tenant: its generation is read once, then known.
    let other = PriceKey {
        tenant: tenant(),
        code: "VID-4",
    };
    let before = calls(&one);
    assert_eq!(one.get(&other, counting(&loads, 1)).await, Ok(1));
    assert_eq!(calls(&one) - before, 3, "generations, GET, SET");
    let second = PriceKey {
        tenant: other.tenant,
        code: "VID-6",
    };
    let before = calls(&one);
    assert_eq!(one.get(&second, counting(&loads, 2)).await, Ok(2));
    assert_eq!(calls(&one) - before, 2, "GET, SET");

    // A global invalidation reaches every tenant on both instances.
    two.invalidate(Scope::Global).await;
    assert_eq!(one.get(&key, counting(&loads, 91)).await, Ok(91));
    assert_eq!(loads.load(Ordering::SeqCst), 5);
    test.cleanup().await;
}

#[tokio::test]
async fn a_redis_entry_naming_another_tenant_is_ignored() {
    let test = RedisTest::new();
    let cache = test.cache().await;
    let (a, b) = (tenant(), tenant());
    let key = PriceKey {
        tenant: a,
        code: "VID-4",
    };
    let client = redis::Client::open(REDIS_URL).expect("client");
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("connects");
    let poisoned = serde_json::json!({ "tenant": b, "value": 1 }).to_string();
    let redis_key = format!("{}:{{t:{a}}}:g0.0:price:VID-4", test.prefix);
    let _: () = conn
        .set(&redis_key, sealed(&redis_key, &poisoned))
        .await
        .expect("set");
    let loads = AtomicUsize::new(0);
    assert_eq!(cache.get(&key, counting(&loads, 85)).await, Ok(85));
    assert_eq!(
        loads.load(Ordering::SeqCst),
        1,
        "loaded, not taken from Redis"
    );
    test.cleanup().await;
}
