//! Tenant-keyed cache: an in-process (L1) moka cache in front of Redis (L2), fail-open.
//!
//! # Keys
//!
//! Callers name entries with typed keys ([`CacheKey`]): the key type fixes the value
//! type, so a price key can only yield a price. Keys whose values are serializable
//! and worth sharing between instances also implement [`SharedKey`] and are read
//! with [`Cache::get`] (L1, then Redis, then the loader); any key can be read with
//! [`Cache::get_local`] (L1, then the loader; for values such as a compiled
//! catalogue that are not serializable or are cheaper to rebuild than to fetch).
//! The string-keyed [`Cache::get_or_load`] and [`Cache::get_or_load_local`] remain
//! as thin wrappers.
//!
//! # L1 (in-process)
//!
//! * One moka cache for every key type, bounded by weight (`cache.l1_max_bytes`,
//!   approximate bytes: a shared value weighs its JSON size, a local one what its
//!   key type says), with a per-entry TTL (`cache.l1_ttl_ms` less up to a quarter at
//!   random, so entries loaded together do not all expire together).
//! * Concurrent misses of one key are coalesced: one caller runs the loader, the
//!   others wait for its value. Errors are not cached: if that load fails, its caller
//!   gets the error and each waiter loads for itself. With `cache.l1_ttl_ms = 0` the
//!   layer is off altogether, merging included: every lookup goes to Redis.
//! * Invalidation uses epochs, not scans: each tenant has an epoch, and so does the
//!   global scope, and the moka key of an entry includes the epochs current when its
//!   lookup started. Invalidating bumps the epoch: older entries become unreachable
//!   at once and are reclaimed by TTL or size eviction. A load that began before an
//!   invalidation stores its (possibly stale) value under the old epoch, where no
//!   later lookup looks. Tenant keys include the global epoch, so a global
//!   invalidation reaches every tenant's entries (they may have fallen back to
//!   global data).
//!
//! # L2 (Redis)
//!
//! * Keys carry the tenant as a Redis Cluster hash tag,
//!   `<prefix>:{t:<tenant>}:g<tenant-gen>.<global-gen>:<name>`, so one tenant's keys
//!   share a slot. Global entries live under `<prefix>:global:g<global-gen>:<name>`;
//!   the counters under `<prefix>:{t:<tenant>}:gen` and `<prefix>:global:gen`, and
//!   acknowledgements of the previous release under `<prefix>:ack:<id>`. Nothing
//!   else is written (a test checks it).
//! * Redis is not trusted. Values are JSON envelopes naming their tenant, signed
//!   (`v1.<HMAC-SHA256>.<json>`, keyed with `redis.signing_key`, over the Redis key
//!   and the JSON, so an entry cannot be moved to another key either): one that
//!   does not verify is a miss, deleted, logged and counted. Values that grant
//!   access ([`SharedKey::REVOCABLE`], sessions) carry the time they were read from
//!   PostgreSQL and live, in Redis and in every instance's L1, at most
//!   `cache.l1_ttl_ms` from then: a revocation whose invalidation Redis lost still
//!   holds everywhere within that bound. Failed loads (a made-up session token)
//!   leave nothing behind, not even the generations read for the tenant.
//! * A write commits to PostgreSQL, then bumps the generation counter (`INCR`; old
//!   keys become unreachable and expire), then publishes an invalidation carrying the
//!   new generation. Every instance (the writer included) bumps its L1 epoch, records
//!   the generation and acknowledges; the writer waits, bounded by
//!   `cache.invalidation_wait_ms`, for as many acknowledgements as `PUBLISH` counted
//!   receivers, so the edit is visible on the very next read anywhere.
//! * One round trip per L1 miss: the generation counters are kept in-process, so a
//!   miss is a single `GET` of the value key. They are learnt from Redis once per
//!   scope (one extra round trip, pipelined) and then kept up to date by the
//!   invalidation messages, which carry the new generation, and by the writer's own
//!   `INCR`. They are trusted only while the subscription is up: when it drops
//!   (detected by the stream closing or a failed `PING` on it every second), they
//!   are read from Redis again on every miss, and after resubscribing they are
//!   forgotten (and L1 cleared), since messages may have been missed meanwhile.
//!   A Lua script reading generations and value in one call would not do: the
//!   global generation and a tenant's keys are in different cluster slots.
//! * Acknowledgements are event-driven: each instance subscribes, on its one pub/sub
//!   connection, to the invalidation channel and to its own reply channel
//!   `<prefix>:ack:<instance>`; receivers `PUBLISH` the acknowledgement there, and
//!   the writer's subscriber wakes the waiting writer (a `watch` channel per
//!   invalidation). No polling. A writer whose own subscription is not up (a
//!   fresh process such as the CLI, or a reconnection) waits for it within the same
//!   bound, and otherwise publishes without waiting, since it could not hear the
//!   answers.
//! * Redis is never the source of truth: on error or timeout the cache skips Redis
//!   for a moment (`redis.retry_after_ms`) and loads from PostgreSQL; without Redis,
//!   L1 serves alone. An invalidation that could not reach Redis is queued and
//!   replayed when it is back; until then Redis is not read for its scope (it may
//!   hold entries of the old generation).

mod conn;
mod fetch;
mod invalidation;
mod l1;
mod l2;

use std::future::Future;
use std::hash::Hash;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::config::{CacheSettings, RedisSettings, RedisTopology};
use crate::ids::TenantId;
use l1::{Entry, Epoch, L1};
use l2::Shared;

/// Whose data an entry holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// One tenant's data (which may include inherited global defaults).
    Tenant(TenantId),
    /// Global data shared by every tenant.
    Global,
}

/// A typed cache key: the key type decides the value type, and which scope's
/// invalidations evict it.
///
/// ```ignore
/// #[derive(Clone, PartialEq, Eq, Hash)]
/// struct PriceKey { tenant: TenantId, code: String }
/// impl CacheKey for PriceKey {
///     type Value = Option<Arc<Price>>;
///     fn scope(&self) -> Scope { Scope::Tenant(self.tenant) }
/// }
/// impl SharedKey for PriceKey {
///     fn redis_name(&self) -> String { format!("price:{}", self.code) }
/// }
/// let price = cache.get(&PriceKey { tenant, code }, || load_price(...)).await?;
/// ```
pub trait CacheKey: Hash + Eq + Clone + Send + Sync + 'static {
    /// What the key yields. Cloned on every hit: wrap large values in an `Arc`.
    type Value: Clone + Send + Sync + 'static;

    /// The scope whose invalidation evicts this entry. Everything the value was
    /// made from must be covered by it (tenant entries are also evicted by global
    /// invalidations).
    fn scope(&self) -> Scope;

    /// Approximate bytes the value holds in memory, for size-bounded eviction.
    /// `None` (the default) uses the JSON size for values read through
    /// [`Cache::get`], and [`DEFAULT_LOCAL_WEIGHT`] for [`Cache::get_local`].
    fn weight(&self, _value: &Self::Value) -> Option<u32> {
        None
    }
}

/// A key whose values are also kept in Redis, shared by every instance.
pub trait SharedKey: CacheKey<Value: Serialize + DeserializeOwned> {
    /// The entry's name within its scope, e.g. `price:VID-CLARO-4`; the Redis key is
    /// `<prefix>:{t:<tenant>}:g<gens>:<name>`. It must be unique among the shared
    /// keys of the scope (two value types under one name would read each other's
    /// entries, which then fail to decode and are reloaded).
    fn redis_name(&self) -> String;

    /// Whether the value grants access (a session): such an entry lives, in any
    /// tier and on any instance, at most `cache.l1_ttl_ms` after it was read from
    /// PostgreSQL, whatever Redis does, so a revocation whose invalidation was lost
    /// still takes effect within that bound. With `l1_ttl_ms = 0` it is not cached.
    const REVOCABLE: bool = false;
}

/// Weight of a value read through [`Cache::get_local`] whose key does not say:
/// such values are usually compiled structures (a tenant's quoting catalogue).
pub const DEFAULT_LOCAL_WEIGHT: u32 = 16 * 1024;

/// Counters exposed on `/metrics`.
#[derive(Debug, Default)]
pub struct CacheStats {
    /// Lookups answered from the in-process cache.
    pub l1_hits: AtomicU64,
    /// Loads answered from Redis.
    pub l2_hits: AtomicU64,
    /// Loads that found nothing in Redis either and ran the loader (PostgreSQL).
    pub misses: AtomicU64,
    /// Lookups that waited for another caller's load of the same key instead of
    /// starting their own.
    pub coalesced: AtomicU64,
    /// Round trips to Redis on the command connection (a pipeline is one).
    pub redis_calls: AtomicU64,
    /// Failed or timed-out Redis calls.
    pub redis_errors: AtomicU64,
    /// Redis entries refused because their signature did not verify (and deleted).
    pub l2_rejected: AtomicU64,
    /// Invalidation messages received (this instance's own included).
    pub invalidations_received: AtomicU64,
}

/// State of the Redis connection, for `/ready`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedisState {
    Disabled,
    Up,
    Down,
}

impl RedisState {
    /// Lowercase name for JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Disabled => "disabled",
            Self::Up => "up",
            Self::Down => "down",
        }
    }
}

/// The cache. Cheap to clone; clones share everything.
#[derive(Clone)]
pub struct Cache {
    inner: Arc<Inner>,
}

struct Inner {
    l1: L1,
    redis: Option<Shared>,
    l2_ttl_seconds: u64,
    invalidation_wait: Duration,
    stats: CacheStats,
    subscriber: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Ok(mut task) = self.subscriber.lock() {
            if let Some(task) = task.take() {
                task.abort();
            }
        }
    }
}

/// A value produced on an L1 miss, with what L1 needs to keep it.
struct Fetched<V> {
    value: V,
    weight: u32,
    /// At most this long in L1 (entries that grant access; see
    /// [`SharedKey::REVOCABLE`]).
    lifetime: Option<Duration>,
}

impl<V> Fetched<V> {
    fn new(value: V, weight: u32) -> Self {
        Self {
            value,
            weight,
            lifetime: None,
        }
    }
}

/// Returned by a coalesced load whose loader failed; the loader's own error goes
/// to its caller through a side slot (moka would share it behind an `Arc`).
struct LoadFailed;

impl Cache {
    /// Builds the cache. With no Redis configured, only L1 is used. Must be called
    /// inside a tokio runtime: it spawns the pub/sub subscriber.
    pub fn new(redis: &RedisSettings, cache: &CacheSettings) -> anyhow::Result<Self> {
        let shared = match redis.topology()? {
            RedisTopology::None => None,
            topology => Some(Shared::new(redis, &topology)?),
        };
        let inner = Arc::new(Inner {
            l1: L1::new(Duration::from_millis(cache.l1_ttl_ms), cache.l1_max_bytes),
            redis: shared,
            l2_ttl_seconds: cache.l2_ttl_seconds,
            invalidation_wait: Duration::from_millis(cache.invalidation_wait_ms),
            stats: CacheStats::default(),
            subscriber: Mutex::new(None),
        });
        if inner.redis.is_some() {
            let task = tokio::spawn(invalidation::subscribe_loop(Arc::downgrade(&inner)));
            if let Ok(mut slot) = inner.subscriber.lock() {
                *slot = Some(task);
            }
        }
        Ok(Self { inner })
    }

    /// Counters for `/metrics`.
    pub fn stats(&self) -> &CacheStats {
        &self.inner.stats
    }

    /// The value for `key`: from L1, else Redis, else `load` (whose result is stored
    /// in both). Concurrent misses of one key run one load. Errors from `load` are
    /// passed through and nothing is cached.
    pub async fn get<K, E, F, Fut>(&self, key: &K, load: F) -> Result<K::Value, E>
    where
        K: SharedKey,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<K::Value, E>>,
    {
        self.lookup(key, || self.fetch_shared(key, load)).await
    }

    /// The value for `key`: from L1, else `load` (stored in L1 only). Same
    /// coalescing, eviction and TTL as [`Cache::get`]; no Redis.
    pub async fn get_local<K, E, F, Fut>(&self, key: &K, load: F) -> Result<K::Value, E>
    where
        K: CacheKey,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<K::Value, E>>,
    {
        self.lookup(key, || async move {
            self.inner.stats.misses.fetch_add(1, Ordering::Relaxed);
            let value = load().await?;
            let weight = key.weight(&value).unwrap_or(DEFAULT_LOCAL_WEIGHT);
            Ok(Fetched::new(value, weight))
        })
        .await
    }

    /// Returns the cached value for `key` in `scope`, or loads, stores and returns it.
    /// Errors from `load` are passed through and nothing is cached.
    ///
    /// String-keyed form of [`Cache::get`]; prefer a typed key.
    pub async fn get_or_load<T, E, F, Fut>(&self, scope: Scope, key: &str, load: F) -> Result<T, E>
    where
        T: Clone + Serialize + DeserializeOwned + Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        self.get(&NamedKey::<T>::new(scope, key), load).await
    }

    /// Like [`Cache::get_or_load`] for values kept only in-process (not serializable,
    /// or cheaper to rebuild than to fetch): same eviction, same TTL, no Redis.
    ///
    /// String-keyed form of [`Cache::get_local`]; prefer a typed key.
    pub async fn get_or_load_local<T, E, F, Fut>(
        &self,
        scope: Scope,
        key: &str,
        load: F,
    ) -> Result<T, E>
    where
        T: Clone + Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        self.get_local(&NamedKey::<T>::new(scope, key), load).await
    }

    /// Invalidates everything cached for `scope` on every instance. Call after the
    /// change has committed. `Scope::Global` also invalidates every tenant's entries,
    /// since those may have fallen back to global data.
    pub async fn invalidate(&self, scope: Scope) {
        let inner = &self.inner;
        inner.l1.bump(scope);
        let Some(redis) = &inner.redis else { return };
        if !invalidation::publish_invalidation(inner, redis, scope, false).await {
            redis.queue(scope);
            invalidation::spawn_replay(inner);
        }
    }

    /// Pings Redis (bypassing the back-off) for readiness.
    pub async fn redis_state(&self) -> RedisState {
        match &self.inner.redis {
            None => RedisState::Disabled,
            Some(redis) => {
                if redis.ping().await {
                    RedisState::Up
                } else {
                    RedisState::Down
                }
            }
        }
    }

    /// The coalescing L1 lookup shared by every read. `fetch` produces the value and
    /// its weight on a miss.
    async fn lookup<K, E, Fetch, FetchFut>(&self, key: &K, fetch: Fetch) -> Result<K::Value, E>
    where
        K: CacheKey,
        Fetch: FnOnce() -> FetchFut,
        FetchFut: Future<Output = Result<Fetched<K::Value>, E>>,
    {
        let inner = &self.inner;
        if inner.l1.is_off() {
            // `l1_ttl_ms = 0`: nothing would stay, so skip moka altogether (its
            // insert of an entry that expires at once costs about a tenth of a
            // Redis round trip), and with it the merging of concurrent loads.
            return Box::pin(async move { fetch().await.map(|fetched| fetched.value) }).await;
        }
        // Taken before anything the value is made from is read: an invalidation that
        // lands while we load moves the epoch, and our result goes under the old one.
        let epoch = inner.l1.epoch(key.scope());
        if let Some(value) = inner.l1.get(epoch, key).await {
            inner.stats.l1_hits.fetch_add(1, Ordering::Relaxed);
            return Ok(value);
        }
        // The miss path (Redis, the loader's SQL, moka's coalescing) is boxed: hits,
        // nearly every lookup, then carry and move a small future, not its state.
        Box::pin(self.miss(key, epoch, fetch)).await
    }

    /// Loads a missing entry once for every concurrent caller and keeps it.
    async fn miss<K, E, Fetch, FetchFut>(
        &self,
        key: &K,
        epoch: Epoch,
        fetch: Fetch,
    ) -> Result<K::Value, E>
    where
        K: CacheKey,
        Fetch: FnOnce() -> FetchFut,
        FetchFut: Future<Output = Result<Fetched<K::Value>, E>>,
    {
        let inner = &self.inner;
        let mut fetch = Some(fetch);
        // Our own load's outcome, if moka chose us to run it.
        let mut own: Option<Result<K::Value, E>> = None;
        let shared = inner
            .l1
            .moka
            .try_get_with(L1::stored_key(epoch, key), async {
                let Some(fetch) = fetch.take() else {
                    return Err(LoadFailed);
                };
                match fetch().await {
                    Ok(Fetched {
                        value,
                        weight,
                        lifetime,
                    }) => {
                        own = Some(Ok(value.clone()));
                        Ok(Entry::new(value, weight, lifetime))
                    }
                    Err(err) => {
                        own = Some(Err(err));
                        Err(LoadFailed)
                    }
                }
            })
            .await;
        if let Some(own) = own {
            return own;
        }
        if let Some(value) = shared.ok().and_then(|entry| entry.get::<K::Value>()) {
            inner.stats.coalesced.fetch_add(1, Ordering::Relaxed);
            return Ok(value);
        }
        // The load we waited for failed: load for ourselves, without coalescing (a
        // second failing leader must not fail us again).
        let Some(fetch) = fetch else {
            // Our fetch is consumed only when moka ran our load, which set `own`.
            unreachable!("a coalesced load ran without recording its outcome");
        };
        let Fetched {
            value,
            weight,
            lifetime,
        } = fetch().await?;
        inner
            .l1
            .moka
            .insert(
                L1::stored_key(epoch, key),
                Entry::new(value.clone(), weight, lifetime),
            )
            .await;
        Ok(value)
    }
}

fn scope_tenant(scope: Scope) -> Option<TenantId> {
    match scope {
        Scope::Tenant(tenant) => Some(tenant),
        Scope::Global => None,
    }
}

/// The key of the string-keyed methods: a name in a scope, bound to a value type
/// (so two types under one name are two entries in L1).
struct NamedKey<T> {
    scope: Scope,
    name: Box<str>,
    // `fn() -> T`: the key holds no `T`, so it is `Send`/`Sync` whatever `T` is.
    value: PhantomData<fn() -> T>,
}

impl<T> NamedKey<T> {
    fn new(scope: Scope, name: &str) -> Self {
        Self {
            scope,
            name: name.into(),
            value: PhantomData,
        }
    }
}

impl<T> Clone for NamedKey<T> {
    fn clone(&self) -> Self {
        Self {
            scope: self.scope,
            name: self.name.clone(),
            value: PhantomData,
        }
    }
}

impl<T> PartialEq for NamedKey<T> {
    fn eq(&self, other: &Self) -> bool {
        self.scope == other.scope && self.name == other.name
    }
}

impl<T> Eq for NamedKey<T> {}

impl<T> Hash for NamedKey<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.scope.hash(state);
        self.name.hash(state);
    }
}

impl<T: Clone + Send + Sync + 'static> CacheKey for NamedKey<T> {
    type Value = T;

    fn scope(&self) -> Scope {
        self.scope
    }
}

impl<T: Clone + Serialize + DeserializeOwned + Send + Sync + 'static> SharedKey for NamedKey<T> {
    fn redis_name(&self) -> String {
        self.name.to_string()
    }
}

#[cfg(test)]
mod security_tests;
#[cfg(test)]
mod tests;
