//! The Redis side: the command connection with its fail-open wrapper, the
//! in-process copy of the generation counters, invalidation messages and their
//! acknowledgements, and the subscriber task. The module docs of `cache` describe
//! the protocol.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use redis::aio::ConnectionManager;
use redis::AsyncCommands as _;
use tokio::sync::watch;

use super::{CacheStats, Inner, Scope};
use crate::config::{ExposeSecret as _, RedisSettings};
use crate::ids::TenantId;

/// How often the subscriber pings its connection. A connection that died without
/// closing (a half-open TCP connection) would otherwise deliver no messages and no
/// error, while the generations it should keep current are trusted.
const PING_EVERY: Duration = Duration::from_secs(1);

/// Most scopes whose generations are kept; beyond that they are all forgotten
/// (and read again from Redis as needed).
const MAX_KNOWN_GENERATIONS: usize = 1 << 17;

/// Everything this instance keeps about Redis.
pub(super) struct Shared {
    client: redis::Client,
    conn: ConnectionManager,
    prefix: String,
    /// This instance's name on the acknowledgement channels.
    instance: String,
    timeout: Duration,
    connect_timeout: Duration,
    retry_after: Duration,
    started: Instant,
    /// Milliseconds since `started` before which Redis is skipped.
    down_until_ms: AtomicU64,
    gens: Generations,
    acks: Acks,
    /// Whether the subscriber is subscribed (to invalidations and to our replies).
    pub(super) subscribed: watch::Sender<bool>,
    /// Invalidations that could not reach Redis; replayed when it is back. Until
    /// then Redis is not read for these scopes: it may hold old-generation entries.
    pending: Mutex<Vec<Scope>>,
    has_pending: AtomicBool,
    replaying: AtomicBool,
}

/// Generation counters of the scopes seen, as last read or announced.
#[derive(Default)]
struct Generations {
    /// False while the subscription is down: updates may be missed, so the counters
    /// are read from Redis on every miss.
    trusted: AtomicBool,
    /// Bumped (under the `known` lock) whenever counters are forgotten, so a read of
    /// Redis that started before cannot store what it read afterwards.
    era: AtomicU64,
    known: RwLock<HashMap<Scope, u64>>,
}

/// The generations a Redis value key is built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Gens {
    tenant: u64,
    global: u64,
}

impl Generations {
    fn cached(&self, scope: Scope) -> Option<Gens> {
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

    fn era(&self) -> u64 {
        self.era.load(Ordering::Acquire)
    }

    /// Stores counters read from Redis, unless they were forgotten since `era`.
    /// Counters only grow, so a value announced meanwhile is kept (`max`).
    fn learn(&self, era: u64, scope: Scope, gens: Gens) {
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
    fn observe(&self, scope: Scope, generation: u64) {
        if let Ok(mut known) = self.known.write() {
            raise(&mut known, scope, generation);
        }
    }

    /// Forgets one scope's counter (an announcement without a generation).
    fn forget(&self, scope: Scope) {
        if let Ok(mut known) = self.known.write() {
            self.era.fetch_add(1, Ordering::AcqRel);
            known.remove(&scope);
        }
    }

    /// Forgets every counter; `trusted` says whether the subscription is up.
    fn reset(&self, trusted: bool) {
        if let Ok(mut known) = self.known.write() {
            self.era.fetch_add(1, Ordering::AcqRel);
            known.clear();
            self.trusted.store(trusted, Ordering::Release);
        }
    }
}

fn raise(known: &mut HashMap<Scope, u64>, scope: Scope, generation: u64) {
    let slot = known.entry(scope).or_insert(generation);
    *slot = (*slot).max(generation);
}

/// Writers waiting for acknowledgements, by invalidation number.
#[derive(Default)]
struct Acks {
    next: AtomicU64,
    waiting: Mutex<HashMap<u64, watch::Sender<i64>>>,
}

/// One writer's wait; unregisters itself when dropped (also when the writer's
/// future is cancelled).
struct AckTicket<'a> {
    acks: &'a Acks,
    id: u64,
    count: watch::Receiver<i64>,
}

impl Acks {
    fn ticket(&self) -> AckTicket<'_> {
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

    fn record(&self, id: u64) {
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
    pub(super) fn new(settings: &RedisSettings) -> anyhow::Result<Self> {
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
    pub(super) async fn value_key(
        &self,
        scope: Scope,
        name: &str,
        stats: &CacheStats,
    ) -> Option<String> {
        if !self.available() || self.is_pending(scope) {
            return None;
        }
        let gens = match self.gens.cached(scope) {
            Some(gens) => gens,
            None => self.read_gens(scope, stats).await?,
        };
        let prefix = &self.prefix;
        Some(match scope {
            Scope::Tenant(tenant) => format!(
                "{prefix}:{{t:{tenant}}}:g{}.{}:{name}",
                gens.tenant, gens.global
            ),
            Scope::Global => format!("{prefix}:global:g{}:{name}", gens.global),
        })
    }

    /// Reads the counters `scope` needs (one pipelined round trip) and keeps them.
    async fn read_gens(&self, scope: Scope, stats: &CacheStats) -> Option<Gens> {
        // Taken before the read: a reset meanwhile must discard what we read.
        let era = self.gens.era();
        let global_key = gen_key(&self.prefix, Scope::Global);
        let tenant_key = match scope {
            Scope::Tenant(_) => Some(gen_key(&self.prefix, scope)),
            Scope::Global => None,
        };
        let values: Vec<Option<u64>> = self
            .run(stats, |mut c| async move {
                let mut pipe = redis::pipe();
                pipe.get(&global_key);
                if let Some(tenant_key) = &tenant_key {
                    pipe.get(tenant_key);
                }
                pipe.query_async(&mut c).await
            })
            .await?;
        let gens = Gens {
            global: values.first().copied().flatten().unwrap_or(0),
            tenant: values.get(1).copied().flatten().unwrap_or(0),
        };
        self.gens.learn(era, scope, gens);
        Some(gens)
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

    fn unqueue(&self, scope: Scope) {
        if let Ok(mut pending) = self.pending.lock() {
            pending.retain(|s| *s != scope);
            self.has_pending
                .store(!pending.is_empty(), Ordering::Release);
        }
    }

    fn is_pending(&self, scope: Scope) -> bool {
        if !self.has_pending.load(Ordering::Acquire) {
            return false;
        }
        match self.pending.lock() {
            Ok(pending) => pending.contains(&Scope::Global) || pending.contains(&scope),
            Err(_) => true,
        }
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

    pub(super) async fn get(&self, key: &str, stats: &CacheStats) -> Option<String> {
        self.run(stats, |mut c| async move {
            c.get::<_, Option<String>>(key).await
        })
        .await
        .flatten()
    }

    pub(super) async fn set(&self, key: &str, value: String, ttl: u64, stats: &CacheStats) {
        let _: Option<()> = self
            .run(
                stats,
                |mut c| async move { c.set_ex(key, value, ttl).await },
            )
            .await;
    }

    /// Increments a counter; its new value.
    async fn incr(&self, key: &str, stats: &CacheStats) -> Option<u64> {
        self.run(
            stats,
            |mut c| async move { c.incr::<_, _, u64>(key, 1).await },
        )
        .await
    }

    /// Publishes; the number of subscribers that received the message.
    async fn publish(&self, channel: &str, message: String, stats: &CacheStats) -> Option<i64> {
        self.run(stats, |mut c| async move {
            c.publish::<_, _, i64>(channel, message).await
        })
        .await
    }

    /// Acknowledges an invalidation from an instance of the previous release, which
    /// counts acknowledgements on a key.
    async fn ack_on_key(&self, key: &str, stats: &CacheStats) {
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

fn gen_key(prefix: &str, scope: Scope) -> String {
    match scope {
        Scope::Tenant(tenant) => format!("{prefix}:{{t:{tenant}}}:gen"),
        Scope::Global => format!("{prefix}:global:gen"),
    }
}

fn channel(prefix: &str) -> String {
    format!("{prefix}:invalidate")
}

/// Where `instance` receives acknowledgements of its invalidations.
fn ack_channel(prefix: &str, instance: &str) -> String {
    format!("{prefix}:ack:{instance}")
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

/// An invalidation message: `<scope>;<generation>;<instance>;<number>`, answered
/// by publishing `<number>` on `<prefix>:ack:<instance>`. The previous release sent
/// `<scope>;<ack-id>` and counted acknowledgements on `<prefix>:ack:<ack-id>`; both
/// are understood, so instances of either release evict for each other during a
/// rolling deployment (the older ones do not answer the newer ones, whose writers
/// then wait out `invalidation_wait_ms`).
#[derive(Debug, PartialEq, Eq)]
struct Invalidation<'a> {
    scope: Scope,
    generation: Option<u64>,
    reply: Reply<'a>,
}

#[derive(Debug, PartialEq, Eq)]
enum Reply<'a> {
    None,
    Channel { instance: &'a str, number: u64 },
    LegacyKey(&'a str),
}

fn encode(scope: Scope, generation: u64, instance: &str, number: u64) -> String {
    format!("{};{generation};{instance};{number}", encode_scope(scope))
}

fn decode(payload: &str) -> Option<Invalidation<'_>> {
    let mut parts = payload.split(';');
    let scope = decode_scope(parts.next()?)?;
    let rest: Vec<&str> = parts.collect();
    Some(match rest.as_slice() {
        [] => Invalidation {
            scope,
            generation: None,
            reply: Reply::None,
        },
        [ack_id] => Invalidation {
            scope,
            generation: None,
            reply: Reply::LegacyKey(ack_id),
        },
        [generation, instance, number] => Invalidation {
            scope,
            generation: generation.parse().ok(),
            reply: match number.parse() {
                Ok(number) => Reply::Channel { instance, number },
                Err(_) => Reply::None,
            },
        },
        _ => return None,
    })
}

/// Bumps the generation and tells every instance, then waits (bounded) for their
/// acknowledgements. False if Redis failed (the caller queues the invalidation).
pub(super) async fn publish_invalidation(inner: &Inner, redis: &Shared, scope: Scope) -> bool {
    let stats = &inner.stats;
    let Some(generation) = redis.incr(&gen_key(&redis.prefix, scope), stats).await else {
        return false;
    };
    redis.gens.observe(scope, generation);
    // A reader may have refilled L1 from a Redis entry of the old generation
    // between the caller's eviction and the bump: evict once more, now that every
    // new lookup builds its Redis key from the new generation.
    inner.l1.bump(scope);

    let deadline = tokio::time::Instant::now() + inner.invalidation_wait;
    // Acknowledgements reach us through our subscription: a fresh process (the CLI)
    // may still be subscribing, so give it the same bounded time.
    let mut subscribed = redis.subscribed.subscribe();
    let listening = tokio::time::timeout_at(deadline, subscribed.wait_for(|up| *up))
        .await
        .is_ok_and(|r| r.is_ok());
    let ticket = redis.acks.ticket();
    let message = encode(scope, generation, &redis.instance, ticket.id);
    let Some(receivers) = redis.publish(&channel(&redis.prefix), message, stats).await else {
        return false;
    };
    if !listening {
        tracing::warn!("not subscribed to redis; not waiting for acknowledgements");
        return true;
    }
    // Waiting for every instance (this one included) makes the change visible on the
    // very next read anywhere, not merely soon. An instance that does not answer in
    // time is bounded by its L1 TTL instead.
    let mut count = ticket.count.clone();
    let all = tokio::time::timeout_at(deadline, count.wait_for(|n| *n >= receivers))
        .await
        .is_ok_and(|r| r.is_ok());
    if !all {
        let acked = *ticket.count.borrow();
        tracing::warn!(
            acked,
            receivers,
            "not every instance acknowledged an invalidation in time"
        );
    }
    true
}

/// Replays queued invalidations in the background (the subscriber must keep
/// reading acknowledgements meanwhile). One replay at a time.
fn spawn_replay(inner: &Arc<Inner>) {
    let Some(redis) = &inner.redis else { return };
    if !redis.has_pending.load(Ordering::Acquire) || redis.replaying.swap(true, Ordering::AcqRel) {
        return;
    }
    let inner = Arc::clone(inner);
    tokio::spawn(async move {
        let Some(redis) = &inner.redis else { return };
        let pending: Vec<Scope> = match redis.pending.lock() {
            Ok(pending) => pending.clone(),
            Err(_) => Vec::new(),
        };
        for scope in pending {
            if !publish_invalidation(&inner, redis, scope).await {
                break;
            }
            redis.unqueue(scope);
        }
        redis.replaying.store(false, Ordering::Release);
    });
}

/// Handles one message on the subscription: an invalidation (evict, record the
/// generation, acknowledge) or an acknowledgement of one of ours.
async fn handle(inner: &Inner, redis: &Shared, msg: &redis::Msg) {
    let Ok(payload) = msg.get_payload::<String>() else {
        return;
    };
    if msg.get_channel_name() != channel(&redis.prefix) {
        // Our reply channel.
        if let Ok(number) = payload.parse() {
            redis.acks.record(number);
        }
        return;
    }
    let Some(invalidation) = decode(&payload) else {
        return;
    };
    inner
        .stats
        .invalidations_received
        .fetch_add(1, Ordering::Relaxed);
    let scope = invalidation.scope;
    // The generation first: a lookup that sees the new epoch must also build its
    // Redis key from the new generation.
    match invalidation.generation {
        Some(generation) => redis.gens.observe(scope, generation),
        None => redis.gens.forget(scope),
    }
    inner.l1.bump(scope);
    match invalidation.reply {
        Reply::Channel { instance, number } => {
            let _ = redis
                .publish(
                    &ack_channel(&redis.prefix, instance),
                    number.to_string(),
                    &inner.stats,
                )
                .await;
        }
        Reply::LegacyKey(id) => {
            redis
                .ack_on_key(&format!("{}:ack:{id}", redis.prefix), &inner.stats)
                .await
        }
        Reply::None => {}
    }
}

/// Listens for invalidations from every instance (including this one) and for
/// acknowledgements of ours, until the cache is dropped. After any (re)connection
/// it clears L1 and forgets the generations, since messages may have been missed,
/// and replays invalidations that could not be sent while Redis was down.
pub(super) async fn subscribe_loop(weak: Weak<Inner>) {
    let mut backoff = Duration::from_millis(100);
    loop {
        let (client, channels, limit) = {
            let Some(strong) = weak.upgrade() else { return };
            let Some(redis) = &strong.redis else { return };
            let channels = vec![
                channel(&redis.prefix),
                ack_channel(&redis.prefix, &redis.instance),
            ];
            (
                redis.client.clone(),
                channels,
                redis.timeout + redis.connect_timeout,
            )
        };

        let connected = async {
            let mut pubsub = tokio::time::timeout(limit, client.get_async_pubsub())
                .await
                .ok()?
                .ok()?;
            tokio::time::timeout(limit, pubsub.subscribe(&channels))
                .await
                .ok()?
                .ok()?;
            Some(pubsub)
        }
        .await;
        let Some(pubsub) = connected else {
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(2));
            continue;
        };
        backoff = Duration::from_millis(100);
        {
            let Some(strong) = weak.upgrade() else { return };
            let Some(redis) = &strong.redis else { return };
            redis.gens.reset(true);
            strong.l1.clear();
            redis.subscribed.send_replace(true);
            spawn_replay(&strong);
        }

        let (mut sink, mut stream) = pubsub.split();
        let mut ping = tokio::time::interval(PING_EVERY);
        ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ping.tick().await; // the first tick is immediate
        loop {
            tokio::select! {
                msg = stream.next() => {
                    let Some(msg) = msg else { break };
                    let Some(strong) = weak.upgrade() else { return };
                    let Some(redis) = &strong.redis else { return };
                    handle(&strong, redis, &msg).await;
                }
                _ = ping.tick() => {
                    let alive = tokio::time::timeout(limit, sink.ping::<redis::Value>())
                        .await
                        .is_ok_and(|r| r.is_ok());
                    if !alive {
                        break;
                    }
                    let Some(strong) = weak.upgrade() else { return };
                    spawn_replay(&strong);
                }
            }
        }

        let Some(strong) = weak.upgrade() else { return };
        if let Some(redis) = &strong.redis {
            redis.subscribed.send_replace(false);
            redis.gens.reset(false);
        }
        tracing::warn!("redis invalidation channel lost; reconnecting");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalidation_messages_round_trip() {
        let id = TenantId::new_random();
        let message = encode(Scope::Tenant(id), 7, "abc", 42);
        assert_eq!(
            decode(&message),
            Some(Invalidation {
                scope: Scope::Tenant(id),
                generation: Some(7),
                reply: Reply::Channel {
                    instance: "abc",
                    number: 42
                },
            })
        );
        assert_eq!(
            decode("g;0123abcd"),
            Some(Invalidation {
                scope: Scope::Global,
                generation: None,
                reply: Reply::LegacyKey("0123abcd"),
            }),
            "the previous release's messages are understood"
        );
        assert_eq!(decode("t:not-a-uuid;1;a;2"), None);
        assert_eq!(decode("g;1;2"), None);
    }

    #[test]
    fn generations_grow_and_are_dropped_on_reset() {
        let gens = Generations::default();
        let tenant = Scope::Tenant(TenantId::new_random());
        let era = gens.era();
        gens.learn(
            era,
            tenant,
            Gens {
                tenant: 3,
                global: 1,
            },
        );
        assert_eq!(gens.cached(tenant), None, "not trusted before subscribing");
        gens.reset(true);
        let era = gens.era();
        gens.observe(tenant, 5);
        gens.learn(
            era,
            tenant,
            Gens {
                tenant: 4,
                global: 1,
            },
        );
        assert_eq!(
            gens.cached(tenant),
            Some(Gens {
                tenant: 5,
                global: 1
            }),
            "an older read does not lower an announced generation"
        );
        gens.forget(tenant);
        gens.learn(
            era,
            tenant,
            Gens {
                tenant: 4,
                global: 1,
            },
        );
        assert_eq!(
            gens.cached(tenant),
            None,
            "a read that started before a forget stores nothing"
        );
        gens.reset(false);
        assert_eq!(gens.cached(Scope::Global), None);
    }
}
