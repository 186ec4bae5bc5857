//! The Redis side: the command connection with its fail-open wrapper, the
//! in-process copy of the generation counters and the acknowledgements a writer
//! waits for. The protocol's messages and the subscriber are in `invalidation`; the
//! module docs of `cache` describe it.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use redis::AsyncCommands as _;
use sha2::Sha256;
use tokio::sync::watch;

use super::conn::{Conn, Endpoints};
use super::invalidation::gen_key;
use super::{CacheStats, Scope};
use crate::config::{ExposeSecret as _, RedisSettings, RedisTopology};

/// How often the subscriber pings its connection. A connection that died without
/// closing (a half-open TCP connection) would otherwise deliver no messages and no
/// error, while the generations it should keep current are trusted.
pub(super) const PING_EVERY: Duration = Duration::from_secs(1);

/// Most scopes whose generations are kept; beyond that they are all forgotten
/// (and read again from Redis as needed).
pub(super) const MAX_KNOWN_GENERATIONS: usize = 1 << 17;

/// Shortest accepted `redis.signing_key`, in bytes.
const MIN_SIGNING_KEY_BYTES: usize = 32;

/// Marks a signed value: `v1.<hex HMAC-SHA256>.<json>`.
const SEAL_VERSION: &str = "v1";

/// Everything this instance keeps about Redis.
pub(super) struct Shared {
    /// Where the subscriber subscribes, in turn (one server, or a cluster's nodes).
    pub(super) subscribe_via: Vec<redis::Client>,
    /// Keys the HMAC every value written to Redis carries: whoever can write to
    /// Redis but does not know the key cannot make the service accept an entry.
    signer: Hmac<Sha256>,
    pub(super) conn: Conn,
    pub(super) prefix: String,
    /// This instance's name on the acknowledgement channels.
    pub(super) instance: String,
    pub(super) timeout: Duration,
    pub(super) connect_timeout: Duration,
    pub(super) retry_after: Duration,
    pub(super) started: Instant,
    /// Milliseconds since `started` before which Redis is skipped.
    pub(super) down_until_ms: AtomicU64,
    pub(super) gens: Generations,
    pub(super) acks: Acks,
    /// Whether the subscriber is subscribed (to invalidations and to our replies).
    pub(super) subscribed: watch::Sender<bool>,
    /// Invalidations that could not reach Redis; replayed when it is back. Until
    /// then Redis is not read for these scopes: it may hold old-generation entries.
    pub(super) pending: Mutex<Vec<Scope>>,
    pub(super) has_pending: AtomicBool,
    pub(super) replaying: AtomicBool,
}

/// A value's Redis key, and the generations read from Redis to build it that are
/// not yet kept.
pub(super) struct ValueKey {
    pub(super) key: String,
    scope: Scope,
    unlearnt: Option<(u64, Gens)>,
}

/// Generation counters of the scopes seen, as last read or announced.
#[derive(Default)]
pub(super) struct Generations {
    /// False while the subscription is down: updates may be missed, so the counters
    /// are read from Redis on every miss.
    pub(super) trusted: AtomicBool,
    /// Bumped (under the `known` lock) whenever counters are forgotten, so a read of
    /// Redis that started before cannot store what it read afterwards.
    pub(super) era: AtomicU64,
    pub(super) known: RwLock<HashMap<Scope, u64>>,
}

/// The generations a Redis value key is built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Gens {
    pub(super) tenant: u64,
    pub(super) global: u64,
}

impl Generations {
    pub(super) fn cached(&self, scope: Scope) -> Option<Gens> {
        if !self.trusted.load(Ordering::Acquire) {
            return None;
        }
        let known = self.known.read().ok()?;
        let global = *known.get(&Scope::Global)?;
        let tenant = match scope {
            Scope::Tenant(_) => *known.get(&scope)?,
            Scope::Global => 0,
        };
        Some(Gens { tenant, global })
    }

    pub(super) fn era(&self) -> u64 {
        self.era.load(Ordering::Acquire)
    }

    /// Stores counters read from Redis, unless they were forgotten since `era`.
    /// Counters only grow, so a value announced meanwhile is kept (`max`).
    pub(super) fn learn(&self, era: u64, scope: Scope, gens: Gens) {
        let Ok(mut known) = self.known.write() else {
            return;
        };
        if !self.trusted.load(Ordering::Acquire) || self.era.load(Ordering::Acquire) != era {
            return;
        }
        if known.len() >= MAX_KNOWN_GENERATIONS {
            // What we read may predate an announcement being dropped here: store
            // nothing this time.
            self.era.fetch_add(1, Ordering::AcqRel);
            known.clear();
            return;
        }
        raise(&mut known, Scope::Global, gens.global);
        if let Scope::Tenant(_) = scope {
            raise(&mut known, scope, gens.tenant);
        }
    }

    /// Records a generation announced by a message or returned by our `INCR`.
    pub(super) fn observe(&self, scope: Scope, generation: u64) {
        if let Ok(mut known) = self.known.write() {
            raise(&mut known, scope, generation);
        }
    }

    /// Forgets one scope's counter (an announcement without a generation).
    pub(super) fn forget(&self, scope: Scope) {
        if let Ok(mut known) = self.known.write() {
            self.era.fetch_add(1, Ordering::AcqRel);
            known.remove(&scope);
        }
    }

    /// Forgets every counter; `trusted` says whether the subscription is up.
    pub(super) fn reset(&self, trusted: bool) {
        if let Ok(mut known) = self.known.write() {
            self.era.fetch_add(1, Ordering::AcqRel);
            known.clear();
            self.trusted.store(trusted, Ordering::Release);
        }
    }
}

pub(super) fn raise(known: &mut HashMap<Scope, u64>, scope: Scope, generation: u64) {
    let slot = known.entry(scope).or_insert(generation);
    *slot = (*slot).max(generation);
}

/// Writers waiting for acknowledgements, by invalidation number.
#[derive(Default)]
pub(super) struct Acks {
    pub(super) next: AtomicU64,
    pub(super) waiting: Mutex<HashMap<u64, watch::Sender<i64>>>,
}

/// One writer's wait; unregisters itself when dropped (also when the writer's
/// future is cancelled).
pub(super) struct AckTicket<'a> {
    pub(super) acks: &'a Acks,
    pub(super) id: u64,
    pub(super) count: watch::Receiver<i64>,
}

impl Acks {
    pub(super) fn ticket(&self) -> AckTicket<'_> {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let (tx, count) = watch::channel(0);
        if let Ok(mut waiting) = self.waiting.lock() {
            waiting.insert(id, tx);
        }
        AckTicket {
            acks: self,
            id,
            count,
        }
    }

    pub(super) fn record(&self, id: u64) {
        if let Ok(waiting) = self.waiting.lock() {
            if let Some(count) = waiting.get(&id) {
                count.send_modify(|n| *n += 1);
            }
        }
    }
}

impl Drop for AckTicket<'_> {
    fn drop(&mut self) {
        if let Ok(mut waiting) = self.acks.waiting.lock() {
            waiting.remove(&self.id);
        }
    }
}

impl Shared {
    pub(super) fn new(settings: &RedisSettings, topology: &RedisTopology) -> anyhow::Result<Self> {
        let signing_key = settings.signing_key.expose_secret().as_bytes();
        anyhow::ensure!(
            signing_key.len() >= MIN_SIGNING_KEY_BYTES,
            "redis.signing_key must be at least {MIN_SIGNING_KEY_BYTES} bytes \
             (or empty, to derive it from idempotency.secret)"
        );
        let signer = Hmac::<Sha256>::new_from_slice(signing_key)
            .map_err(|e| anyhow::anyhow!("redis.signing_key: {e}"))?;
        let timeout = Duration::from_millis(settings.response_timeout_ms);
        let connect_timeout = Duration::from_millis(settings.connect_timeout_ms);
        let Endpoints {
            conn,
            subscribe_via,
        } = Endpoints::open(topology, timeout, connect_timeout)?;
        Ok(Self {
            subscribe_via,
            signer,
            conn,
            prefix: settings.key_prefix.clone(),
            instance: uuid::Uuid::new_v4().simple().to_string(),
            timeout,
            connect_timeout,
            retry_after: Duration::from_millis(settings.retry_after_ms),
            started: Instant::now(),
            down_until_ms: AtomicU64::new(0),
            gens: Generations::default(),
            acks: Acks::default(),
            subscribed: watch::Sender::new(false),
            pending: Mutex::new(Vec::new()),
            has_pending: AtomicBool::new(false),
            replaying: AtomicBool::new(false),
        })
    }

    /// The Redis key of `name` in `scope` at the current generations, or `None` when
    /// Redis must not be used for it (down, or an invalidation of the scope pending).
    /// Generations read from Redis for it are kept only once [`Shared::learn`] is
    /// told the scope is real (an entry was found or loaded): a request naming a
    /// made-up tenant leaves nothing behind.
    pub(super) async fn value_key(
        &self,
        scope: Scope,
        name: &str,
        stats: &CacheStats,
    ) -> Option<ValueKey> {
        if !self.available() || self.is_pending(scope) {
            return None;
        }
        let (gens, unlearnt) = match self.gens.cached(scope) {
            Some(gens) => (gens, None),
            None => {
                let (era, gens) = self.read_gens(scope, stats).await?;
                (gens, Some((era, gens)))
            }
        };
        let prefix = &self.prefix;
        let key = match scope {
            Scope::Tenant(tenant) => format!(
                "{prefix}:{{t:{tenant}}}:g{}.{}:{name}",
                gens.tenant, gens.global
            ),
            Scope::Global => format!("{prefix}:global:g{}:{name}", gens.global),
        };
        Some(ValueKey {
            key,
            scope,
            unlearnt,
        })
    }

    /// Keeps the generations `key` was built with, now that its scope proved real.
    pub(super) fn learn(&self, key: &ValueKey) {
        if let Some((era, gens)) = key.unlearnt {
            self.gens.learn(era, key.scope, gens);
        }
    }

    /// Reads the counters `scope` needs (one pipelined round trip), with the era
    /// they were read in.
    pub(super) async fn read_gens(&self, scope: Scope, stats: &CacheStats) -> Option<(u64, Gens)> {
        // Taken before the read: a reset meanwhile must discard what we read.
        let era = self.gens.era();
        let global_key = gen_key(&self.prefix, Scope::Global);
        let tenant_key = match scope {
            Scope::Tenant(_) => Some(gen_key(&self.prefix, scope)),
            Scope::Global => None,
        };
        let values: Vec<Option<u64>> = self
            .run(stats, |mut c| async move {
                match &tenant_key {
                    // The two counters hash to different slots: a cluster takes them
                    // as two commands, sent together.
                    Some(tenant_key) if c.is_cluster() => {
                        let mut c2 = c.clone();
                        let (global, tenant) = tokio::join!(c.get(&global_key), c2.get(tenant_key));
                        Ok(vec![global?, tenant?])
                    }
                    _ => {
                        let mut pipe = redis::pipe();
                        pipe.get(&global_key);
                        if let Some(tenant_key) = &tenant_key {
                            pipe.get(tenant_key);
                        }
                        pipe.query_async(&mut c).await
                    }
                }
            })
            .await?;
        let gens = Gens {
            global: values.first().copied().flatten().unwrap_or(0),
            tenant: values.get(1).copied().flatten().unwrap_or(0),
        };
        Some((era, gens))
    }

    /// Queues an invalidation that could not be published.
    pub(super) fn queue(&self, scope: Scope) {
        if let Ok(mut pending) = self.pending.lock() {
            if !pending.contains(&scope) {
                pending.push(scope);
            }
            self.has_pending.store(true, Ordering::Release);
        }
    }

    pub(super) fn unqueue(&self, scope: Scope) {
        if let Ok(mut pending) = self.pending.lock() {
            pending.retain(|s| *s != scope);
            self.has_pending
                .store(!pending.is_empty(), Ordering::Release);
        }
    }

    pub(super) fn is_pending(&self, scope: Scope) -> bool {
        if !self.has_pending.load(Ordering::Acquire) {
            return false;
        }
        match self.pending.lock() {
            Ok(pending) => pending.contains(&Scope::Global) || pending.contains(&scope),
            Err(_) => true,
        }
    }

    pub(super) fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    pub(super) fn available(&self) -> bool {
        self.now_ms() >= self.down_until_ms.load(Ordering::Relaxed)
    }

    /// Runs one Redis call with the timeout; on failure marks Redis down for a while.
    pub(super) async fn run<T, Fut>(
        &self,
        stats: &CacheStats,
        call: impl FnOnce(Conn) -> Fut,
    ) -> Option<T>
    where
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        if !self.available() {
            return None;
        }
        self.run_now(stats, call).await
    }

    /// As [`Shared::run`], even while Redis is marked down: for the retries of
    /// queued invalidations, which must reach Redis the moment it answers again.
    pub(super) async fn run_now<T, Fut>(
        &self,
        stats: &CacheStats,
        call: impl FnOnce(Conn) -> Fut,
    ) -> Option<T>
    where
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        stats.redis_calls.fetch_add(1, Ordering::Relaxed);
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

    /// The JSON stored under `key`, if its signature holds. An entry that does not
    /// verify (written by someone without the signing key, or by an older release)
    /// is a miss: it is deleted and logged.
    pub(super) async fn get_signed(&self, key: &str, stats: &CacheStats) -> Option<String> {
        let raw = self
            .run(stats, |mut c| async move {
                c.get::<_, Option<String>>(key).await
            })
            .await
            .flatten()?;
        match self.open(key, &raw) {
            Some(json) => Some(json.to_owned()),
            None => {
                stats.l2_rejected.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(key, "cache entry without a valid signature; deleted");
                let _: Option<i64> = self
                    .run(stats, |mut c| async move { c.del(key).await })
                    .await;
                None
            }
        }
    }

    /// Stores `json` under `key`, signed, for `ttl`.
    pub(super) async fn set_signed(
        &self,
        key: &str,
        json: &str,
        ttl: Duration,
        stats: &CacheStats,
    ) {
        let value = self.seal(key, json);
        let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        let _: Option<()> = self
            .run(
                stats,
                |mut c| async move { c.pset_ex(key, value, ttl_ms).await },
            )
            .await;
    }

    /// HMAC-SHA256 over the key and the JSON: an entry cannot be replayed under
    /// another key (another tenant's, another session's).
    fn signature(&self, key: &str, json: &str) -> Hmac<Sha256> {
        let mut mac = self.signer.clone();
        mac.update(&(key.len() as u64).to_be_bytes());
        mac.update(key.as_bytes());
        mac.update(json.as_bytes());
        mac
    }

    fn seal(&self, key: &str, json: &str) -> String {
        let tag = hex::encode(self.signature(key, json).finalize().into_bytes());
        format!("{SEAL_VERSION}.{tag}.{json}")
    }

    /// The JSON of a sealed value, if its signature holds.
    fn open<'a>(&self, key: &str, raw: &'a str) -> Option<&'a str> {
        let rest = raw.strip_prefix(SEAL_VERSION)?.strip_prefix('.')?;
        let (tag, json) = rest.split_once('.')?;
        let tag = hex::decode(tag).ok()?;
        self.signature(key, json).verify_slice(&tag).ok()?;
        Some(json)
    }

    /// Increments a counter; its new value.
    /// Increments a counter (`now`: even while Redis is marked down).
    pub(super) async fn incr(&self, key: &str, stats: &CacheStats, now: bool) -> Option<u64> {
        let call = |mut c: Conn| async move { c.incr::<_, _, u64>(key, 1).await };
        if now {
            self.run_now(stats, call).await
        } else {
            self.run(stats, call).await
        }
    }

    /// Publishes; the number of subscribers that received the message (`now`: even
    /// while Redis is marked down).
    pub(super) async fn publish(
        &self,
        channel: &str,
        message: String,
        stats: &CacheStats,
        now: bool,
    ) -> Option<i64> {
        let call = |mut c: Conn| async move { c.publish::<_, _, i64>(channel, message).await };
        if now {
            self.run_now(stats, call).await
        } else {
            self.run(stats, call).await
        }
    }

    /// Acknowledges an invalidation from an instance of the previous release, which
    /// counts acknowledgements on a key.
    pub(super) async fn ack_on_key(&self, key: &str, stats: &CacheStats) {
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

    pub(super) async fn ping(&self) -> bool {
        // After an outage the connection manager answers the first command with the
        // error of its last failed reconnection, and only then reconnects: a second
        // try reports the state of Redis rather than that of the old connection.
        for _ in 0..2 {
            let call = async {
                let mut conn = self.conn.clone();
                redis::cmd("PING").query_async::<String>(&mut conn).await
            };
            match tokio::time::timeout(self.timeout + self.connect_timeout, call).await {
                Ok(Ok(_)) => {
                    self.down_until_ms.store(0, Ordering::Relaxed);
                    return true;
                }
                Ok(Err(_)) => continue,
                Err(_) => return false,
            }
        }
        false
    }
}
