//! Tenant-keyed cache: an in-process (L1) map in front of Redis (L2), fail-open.
//!
//! * Redis keys carry the tenant as a Redis Cluster hash tag,
//!   `<prefix>:{t:<tenant>}:g<tenant-gen>.<global-gen>:<key>`, so one tenant's keys
//!   share a slot. Global entries live under `<prefix>:global:...`.
//! * Tenant entries may depend on the global catalogue (effective prices fall back to
//!   it), so their keys embed both generation counters. A write commits to
//!   PostgreSQL, then bumps the generation (old keys become unreachable and expire)
//!   and publishes an invalidation that evicts L1 entries on every instance; the
//!   writer waits (bounded) for every instance's acknowledgement.
//! * Cached values embed their tenant id, checked on every read.
//! * Redis is never the source of truth: on error or timeout the cache skips Redis for
//!   a moment and loads from PostgreSQL; without Redis, L1 serves alone.

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use redis::aio::ConnectionManager;
use redis::AsyncCommands as _;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::config::{CacheSettings, ExposeSecret as _, RedisSettings};
use crate::ids::TenantId;

/// Whose data an entry holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// One tenant's data (which may include inherited global defaults).
    Tenant(TenantId),
    /// Global data shared by every tenant.
    Global,
}

/// Counters exposed on `/metrics`.
#[derive(Debug, Default)]
pub struct CacheStats {
    pub l1_hits: AtomicU64,
    pub l2_hits: AtomicU64,
    pub misses: AtomicU64,
    pub redis_errors: AtomicU64,
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
    redis: Option<RedisLayer>,
    prefix: String,
    l2_ttl_seconds: u64,
    invalidation_wait: Duration,
    stats: CacheStats,
    /// Invalidations that could not reach Redis; replayed when it is back.
    pending: Mutex<Vec<Scope>>,
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

#[derive(Serialize, Deserialize)]
struct Envelope<T> {
    tenant: Option<TenantId>,
    value: T,
}

impl Cache {
    /// Builds the cache. With an empty Redis URL, only L1 is used. Must be called
    /// inside a tokio runtime: it spawns the pub/sub subscriber.
    pub fn new(redis: &RedisSettings, cache: &CacheSettings) -> anyhow::Result<Self> {
        let layer = if redis.url.expose_secret().trim().is_empty() {
            None
        } else {
            Some(RedisLayer::new(redis)?)
        };
        let inner = Arc::new(Inner {
            l1: L1::new(Duration::from_millis(cache.l1_ttl_ms), cache.l1_max_entries),
            redis: layer,
            prefix: redis.key_prefix.clone(),
            l2_ttl_seconds: cache.l2_ttl_seconds,
            invalidation_wait: Duration::from_millis(cache.invalidation_wait_ms),
            stats: CacheStats::default(),
            pending: Mutex::new(Vec::new()),
            subscriber: Mutex::new(None),
        });
        if inner.redis.is_some() {
            let task = tokio::spawn(subscribe_loop(Arc::downgrade(&inner)));
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

    /// Returns the cached value for `key` in `scope`, or loads, stores and returns it.
    /// Errors from `load` are passed through and nothing is cached.
    pub async fn get_or_load<T, E, F, Fut>(&self, scope: Scope, key: &str, load: F) -> Result<T, E>
    where
        T: Clone + Serialize + DeserializeOwned + Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let inner = &self.inner;
        if let Some(value) = inner.l1.get::<T>(scope, key) {
            inner.stats.l1_hits.fetch_add(1, Ordering::Relaxed);
            return Ok(value);
        }
        // Taken before any read, so an invalidation that lands while we load stops
        // us from putting the (possibly stale) result into L1.
        let epoch = inner.l1.epoch(scope);

        let redis_key = match &inner.redis {
            Some(redis) => self.redis_key(redis, scope, key).await,
            None => None,
        };
        if let (Some(redis), Some(redis_key)) = (&inner.redis, &redis_key) {
            if let Some(raw) = redis.get(redis_key, &inner.stats).await {
                match serde_json::from_str::<Envelope<T>>(&raw) {
                    Ok(env) if env.tenant == scope_tenant(scope) => {
                        inner.stats.l2_hits.fetch_add(1, Ordering::Relaxed);
                        inner.l1.insert(scope, key, env.value.clone(), epoch);
                        return Ok(env.value);
                    }
                    Ok(_) => {
                        tracing::warn!(key = %redis_key, "cached value names another tenant; ignored")
                    }
                    Err(err) => {
                        tracing::warn!(key = %redis_key, %err, "undecodable cache entry; ignored")
                    }
                }
            }
        }

        inner.stats.misses.fetch_add(1, Ordering::Relaxed);
        let value = load().await?;
        inner.l1.insert(scope, key, value.clone(), epoch);
        if let (Some(redis), Some(redis_key)) = (&inner.redis, redis_key) {
            let env = Envelope {
                tenant: scope_tenant(scope),
                value: &value,
            };
            if let Ok(raw) = serde_json::to_string(&env) {
                redis
                    .set(&redis_key, raw, inner.l2_ttl_seconds, &inner.stats)
                    .await;
            }
        }
        Ok(value)
    }

    /// Like [`Cache::get_or_load`] for values kept only in-process (not serializable,
    /// or cheaper to rebuild than to fetch): same eviction, same TTL, no Redis.
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
        let inner = &self.inner;
        if let Some(value) = inner.l1.get::<T>(scope, key) {
            inner.stats.l1_hits.fetch_add(1, Ordering::Relaxed);
            return Ok(value);
        }
        let epoch = inner.l1.epoch(scope);
        inner.stats.misses.fetch_add(1, Ordering::Relaxed);
        let value = load().await?;
        inner.l1.insert(scope, key, value.clone(), epoch);
        Ok(value)
    }

    /// Invalidates everything cached for `scope` on every instance. Call after the
    /// change has committed. `Scope::Global` also invalidates every tenant's entries,
    /// since those may have fallen back to global data.
    pub async fn invalidate(&self, scope: Scope) {
        let inner = &self.inner;
        inner.l1.evict(scope);
        let Some(redis) = &inner.redis else { return };
        let published = publish_invalidation(inner, redis, scope).await;
        // A concurrent reader may have refilled L1 from a Redis entry of the old
        // generation between the first eviction and the bump: evict once more.
        inner.l1.evict(scope);
        if !published {
            if let Ok(mut pending) = inner.pending.lock() {
                if !pending.contains(&scope) {
                    pending.push(scope);
                }
            }
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

    async fn redis_key(&self, redis: &RedisLayer, scope: Scope, key: &str) -> Option<String> {
        let prefix = &self.inner.prefix;
        let global_gen_key = format!("{prefix}:global:gen");
        match scope {
            Scope::Global => {
                let gens = redis.get_gens(&[global_gen_key], &self.inner.stats).await?;
                Some(format!("{prefix}:global:g{}:{key}", gens[0]))
            }
            Scope::Tenant(tenant) => {
                let tenant_gen_key = format!("{prefix}:{{t:{tenant}}}:gen");
                let gens = redis
                    .get_gens(&[tenant_gen_key, global_gen_key], &self.inner.stats)
                    .await?;
                Some(format!(
                    "{prefix}:{{t:{tenant}}}:g{}.{}:{key}",
                    gens[0], gens[1]
                ))
            }
        }
    }
}

fn scope_tenant(scope: Scope) -> Option<TenantId> {
    match scope {
        Scope::Tenant(tenant) => Some(tenant),
        Scope::Global => None,
    }
}

fn channel(prefix: &str) -> String {
    format!("{prefix}:invalidate")
}

fn encode_scope(scope: Scope) -> String {
    match scope {
        Scope::Tenant(tenant) => format!("t:{tenant}"),
        Scope::Global => "g".to_owned(),
    }
}

fn decode_scope(message: &str) -> Option<Scope> {
    if message == "g" {
        return Some(Scope::Global);
    }
    let id = message.strip_prefix("t:")?.parse().ok()?;
    Some(Scope::Tenant(TenantId(id)))
}

/// Bumps the generation and tells the other instances. False if Redis failed.
async fn publish_invalidation(inner: &Inner, redis: &RedisLayer, scope: Scope) -> bool {
    let prefix = &inner.prefix;
    let gen_key = match scope {
        Scope::Tenant(tenant) => format!("{prefix}:{{t:{tenant}}}:gen"),
        Scope::Global => format!("{prefix}:global:gen"),
    };
    if !redis.incr(&gen_key, &inner.stats).await {
        return false;
    }
    // Every instance (this one included) acknowledges the eviction by counting on
    // this key; waiting for all of them makes the change visible on the very next
    // read anywhere, not merely soon. The wait is bounded: an instance that does not
    // answer in time is bounded by its L1 TTL instead.
    let ack_id = uuid::Uuid::new_v4().simple().to_string();
    let message = format!("{};{ack_id}", encode_scope(scope));
    let Some(receivers) = redis.publish(&channel(prefix), message, &inner.stats).await else {
        return false;
    };
    let ack_key = ack_key(prefix, &ack_id);
    let deadline = Instant::now() + inner.invalidation_wait;
    loop {
        let acked = redis
            .get(&ack_key, &inner.stats)
            .await
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0);
        if acked >= receivers {
            return true;
        }
        if Instant::now() >= deadline {
            tracing::warn!(
                acked,
                receivers,
                "not every instance acknowledged an invalidation in time"
            );
            return true;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

fn ack_key(prefix: &str, ack_id: &str) -> String {
    format!("{prefix}:ack:{ack_id}")
}

/// Listens for invalidations from every instance (including this one) until the
/// cache is dropped. After any (re)connection it clears L1, since messages may have
/// been missed, and replays invalidations that could not be sent while Redis was down.
async fn subscribe_loop(inner: std::sync::Weak<Inner>) {
    let mut backoff = Duration::from_millis(100);
    loop {
        let Some(strong) = inner.upgrade() else {
            return;
        };
        let Some(redis) = &strong.redis else { return };
        let client = redis.client.clone();
        let chan = channel(&strong.prefix);
        let timeout = redis.connect_timeout;
        drop(strong);

        let connected = async {
            let mut pubsub = tokio::time::timeout(timeout, client.get_async_pubsub())
                .await
                .ok()?
                .ok()?;
            tokio::time::timeout(timeout, pubsub.subscribe(&chan))
                .await
                .ok()?
                .ok()?;
            Some(pubsub)
        }
        .await;

        match connected {
            Some(pubsub) => {
                backoff = Duration::from_millis(100);
                if let Some(strong) = inner.upgrade() {
                    strong.l1.clear();
                    replay_pending(&strong).await;
                }
                let mut messages = pubsub.into_on_message();
                while let Some(msg) = messages.next().await {
                    let Some(strong) = inner.upgrade() else {
                        return;
                    };
                    let Ok(payload) = msg.get_payload::<String>() else {
                        continue;
                    };
                    let (scope_text, ack_id) =
                        payload.split_once(';').unwrap_or((payload.as_str(), ""));
                    if let Some(scope) = decode_scope(scope_text) {
                        strong
                            .stats
                            .invalidations_received
                            .fetch_add(1, Ordering::Relaxed);
                        strong.l1.evict(scope);
                        if let (false, Some(redis)) = (ack_id.is_empty(), &strong.redis) {
                            redis
                                .ack(&ack_key(&strong.prefix, ack_id), &strong.stats)
                                .await;
                        }
                    }
                }
                tracing::warn!("redis invalidation channel closed; reconnecting");
            }
            None => {
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(2));
            }
        }
    }
}

async fn replay_pending(inner: &Inner) {
    let Some(redis) = &inner.redis else { return };
    let pending: Vec<Scope> = match inner.pending.lock() {
        Ok(mut pending) => std::mem::take(&mut *pending),
        Err(_) => return,
    };
    for scope in pending {
        if !publish_invalidation(inner, redis, scope).await {
            if let Ok(mut again) = inner.pending.lock() {
                again.push(scope);
            }
        }
    }
}

/// The Redis side: one multiplexed connection, short timeouts, and a back-off window
/// after a failure during which Redis is not tried at all.
struct RedisLayer {
    client: redis::Client,
    conn: ConnectionManager,
    timeout: Duration,
    connect_timeout: Duration,
    retry_after: Duration,
    started: Instant,
    /// Milliseconds since `started` before which Redis is skipped.
    down_until_ms: AtomicU64,
}

impl RedisLayer {
    fn new(settings: &RedisSettings) -> anyhow::Result<Self> {
        let client = redis::Client::open(settings.url.expose_secret())?;
        let timeout = Duration::from_millis(settings.response_timeout_ms);
        let connect_timeout = Duration::from_millis(settings.connect_timeout_ms);
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_response_timeout(Some(timeout))
            .set_connection_timeout(Some(connect_timeout))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(100));
        let conn = ConnectionManager::new_lazy_with_config(client.clone(), config)?;
        Ok(Self {
            client,
            conn,
            timeout,
            connect_timeout,
            retry_after: Duration::from_millis(settings.retry_after_ms),
            started: Instant::now(),
            down_until_ms: AtomicU64::new(0),
        })
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn available(&self) -> bool {
        self.now_ms() >= self.down_until_ms.load(Ordering::Relaxed)
    }

    /// Runs one Redis call with the timeout; on failure marks Redis down for a while.
    async fn run<T, Fut>(
        &self,
        stats: &CacheStats,
        call: impl FnOnce(ConnectionManager) -> Fut,
    ) -> Option<T>
    where
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        if !self.available() {
            return None;
        }
        // The connect timeout bounds a call that has to reconnect first.
        let limit = self.timeout + self.connect_timeout;
        match tokio::time::timeout(limit, call(self.conn.clone())).await {
            Ok(Ok(value)) => Some(value),
            outcome => {
                stats.redis_errors.fetch_add(1, Ordering::Relaxed);
                let was_up = self.down_until_ms.swap(
                    self.now_ms() + u64::try_from(self.retry_after.as_millis()).unwrap_or(1000),
                    Ordering::Relaxed,
                ) <= self.now_ms();
                if was_up {
                    match outcome {
                        Ok(Err(err)) => {
                            tracing::warn!(%err, "redis unavailable; serving from PostgreSQL")
                        }
                        _ => tracing::warn!("redis timed out; serving from PostgreSQL"),
                    }
                }
                None
            }
        }
    }

    async fn get(&self, key: &str, stats: &CacheStats) -> Option<String> {
        self.run(stats, |mut c| async move {
            c.get::<_, Option<String>>(key).await
        })
        .await
        .flatten()
    }

    async fn set(&self, key: &str, value: String, ttl: u64, stats: &CacheStats) {
        let _: Option<()> = self
            .run(
                stats,
                |mut c| async move { c.set_ex(key, value, ttl).await },
            )
            .await;
    }

    async fn incr(&self, key: &str, stats: &CacheStats) -> bool {
        self.run(
            stats,
            |mut c| async move { c.incr::<_, _, i64>(key, 1).await },
        )
        .await
        .is_some()
    }

    /// Publishes; the number of subscribers that received the message.
    async fn publish(&self, channel: &str, message: String, stats: &CacheStats) -> Option<i64> {
        self.run(stats, |mut c| async move {
            c.publish::<_, _, i64>(channel, message).await
        })
        .await
    }

    /// Counts one acknowledgement; the key expires on its own.
    async fn ack(&self, key: &str, stats: &CacheStats) {
        let _: Option<()> = self
            .run(stats, |mut c| async move {
                redis::pipe()
                    .incr(key, 1)
                    .ignore()
                    .expire(key, 60)
                    .ignore()
                    .query_async(&mut c)
                    .await
            })
            .await;
    }

    /// Current generation counters (0 when never bumped), in one round trip.
    async fn get_gens(&self, keys: &[String], stats: &CacheStats) -> Option<Vec<u64>> {
        let keys = keys.to_vec();
        let values: Vec<Option<u64>> = self
            .run(stats, |mut c| async move {
                let mut pipe = redis::pipe();
                for key in &keys {
                    pipe.get(key);
                }
                pipe.query_async(&mut c).await
            })
            .await?;
        Some(values.into_iter().map(|v| v.unwrap_or(0)).collect())
    }

    async fn ping(&self) -> bool {
        let call = async {
            let mut conn = self.conn.clone();
            redis::cmd("PING").query_async::<String>(&mut conn).await
        };
        let ok = matches!(
            tokio::time::timeout(self.timeout + self.connect_timeout, call).await,
            Ok(Ok(_))
        );
        if ok {
            self.down_until_ms.store(0, Ordering::Relaxed);
        }
        ok
    }
}

type Value = Arc<dyn Any + Send + Sync>;

/// In-process entries, bucketed by scope so one tenant can be evicted at once.
struct L1 {
    ttl: Duration,
    max_entries: usize,
    state: RwLock<L1State>,
}

#[derive(Default)]
struct L1State {
    /// Bumped by every global eviction (which evicts every bucket).
    global_epoch: u64,
    buckets: HashMap<Scope, Bucket>,
    len: usize,
}

#[derive(Default)]
struct Bucket {
    epoch: u64,
    /// Value and the instant it expires.
    entries: HashMap<String, (Instant, Value)>,
}

/// Snapshot of the epochs an entry was loaded under.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Epoch {
    global: u64,
    bucket: u64,
}

impl L1 {
    fn new(ttl: Duration, max_entries: usize) -> Self {
        Self {
            ttl,
            max_entries,
            state: RwLock::new(L1State::default()),
        }
    }

    fn get<T: Clone + 'static>(&self, scope: Scope, key: &str) -> Option<T> {
        let state = self.state.read().ok()?;
        let (expires, value) = state.buckets.get(&scope)?.entries.get(key)?;
        if Instant::now() >= *expires {
            return None;
        }
        value.downcast_ref::<T>().cloned()
    }

    /// Now plus the TTL, less up to a quarter of it at random: entries loaded together
    /// (at start-up, after an invalidation) then expire spread out instead of all
    /// missing in the same instant.
    fn expiry(&self) -> Instant {
        let ttl_ms = u64::try_from(self.ttl.as_millis()).unwrap_or(u64::MAX);
        let jitter = rand::random::<u64>() % (ttl_ms / 4 + 1);
        Instant::now() + self.ttl - Duration::from_millis(jitter)
    }

    fn epoch(&self, scope: Scope) -> Epoch {
        match self.state.read() {
            Ok(state) => Epoch {
                global: state.global_epoch,
                bucket: state.buckets.get(&scope).map_or(0, |b| b.epoch),
            },
            Err(_) => Epoch {
                global: u64::MAX,
                bucket: u64::MAX,
            },
        }
    }

    fn insert<T: Send + Sync + 'static>(
        &self,
        scope: Scope,
        key: &str,
        value: T,
        loaded_under: Epoch,
    ) {
        let Ok(mut state) = self.state.write() else {
            return;
        };
        let current = Epoch {
            global: state.global_epoch,
            bucket: state.buckets.get(&scope).map_or(0, |b| b.epoch),
        };
        if current != loaded_under {
            return; // invalidated while loading: the value may be stale
        }
        if state.len >= self.max_entries {
            for bucket in state.buckets.values_mut() {
                bucket.entries.clear();
            }
            state.len = 0;
        }
        let bucket = state.buckets.entry(scope).or_default();
        if bucket
            .entries
            .insert(key.to_owned(), (self.expiry(), Arc::new(value)))
            .is_none()
        {
            state.len += 1;
        }
    }

    fn evict(&self, scope: Scope) {
        let Ok(mut state) = self.state.write() else {
            return;
        };
        match scope {
            Scope::Global => {
                state.global_epoch += 1;
                for bucket in state.buckets.values_mut() {
                    bucket.entries.clear();
                    bucket.epoch += 1;
                }
                state.len = 0;
            }
            Scope::Tenant(_) => {
                let bucket = state.buckets.entry(scope).or_default();
                let removed = bucket.entries.len();
                bucket.entries.clear();
                bucket.epoch += 1;
                state.len -= removed;
            }
        }
    }

    fn clear(&self) {
        self.evict(Scope::Global);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tenant() -> Scope {
        Scope::Tenant(TenantId::new_random())
    }

    #[test]
    fn l1_returns_what_was_inserted_until_evicted() {
        let l1 = L1::new(Duration::from_secs(60), 100);
        let scope = tenant();
        l1.insert(scope, "k", 42_u32, l1.epoch(scope));
        assert_eq!(l1.get::<u32>(scope, "k"), Some(42));
        l1.evict(scope);
        assert_eq!(l1.get::<u32>(scope, "k"), None);
    }

    #[test]
    fn l1_refuses_a_value_loaded_before_an_invalidation() {
        let l1 = L1::new(Duration::from_secs(60), 100);
        let scope = tenant();
        let before = l1.epoch(scope);
        l1.evict(Scope::Global);
        l1.insert(scope, "k", 1_u32, before);
        assert_eq!(l1.get::<u32>(scope, "k"), None);
    }

    #[test]
    fn l1_keeps_tenants_apart_and_global_eviction_clears_all() {
        let l1 = L1::new(Duration::from_secs(60), 100);
        let (a, b) = (tenant(), tenant());
        l1.insert(a, "k", 1_u32, l1.epoch(a));
        l1.insert(b, "k", 2_u32, l1.epoch(b));
        assert_eq!(l1.get::<u32>(a, "k"), Some(1));
        l1.evict(a);
        assert_eq!(l1.get::<u32>(b, "k"), Some(2), "evicting A must keep B");
        l1.evict(Scope::Global);
        assert_eq!(l1.get::<u32>(b, "k"), None);
    }

    #[test]
    fn l1_entries_expire_after_the_ttl() {
        let l1 = L1::new(Duration::ZERO, 100);
        let scope = tenant();
        l1.insert(scope, "k", 1_u32, l1.epoch(scope));
        std::thread::sleep(Duration::from_millis(2));
        assert_eq!(l1.get::<u32>(scope, "k"), None);
    }

    #[test]
    fn invalidation_messages_round_trip() {
        let id = TenantId::new_random();
        assert_eq!(
            decode_scope(&encode_scope(Scope::Tenant(id))),
            Some(Scope::Tenant(id))
        );
        assert_eq!(decode_scope("g"), Some(Scope::Global));
        assert_eq!(decode_scope("t:not-a-uuid"), None);
    }
}
