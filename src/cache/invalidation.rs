//! The invalidation protocol over Redis pub/sub: generation counters per scope,
//! invalidation messages that carry the new generation, acknowledgements on each
//! instance's reply channel, and the subscriber that keeps all of it alive.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::Duration;

use futures_util::StreamExt as _;

use super::l2::{Shared, PING_EVERY};
use super::{Inner, Scope};
use crate::ids::TenantId;

pub(super) fn gen_key(prefix: &str, scope: Scope) -> String {
    match scope {
        Scope::Tenant(tenant) => format!("{prefix}:{{t:{tenant}}}:gen"),
        Scope::Global => format!("{prefix}:global:gen"),
    }
}

pub(super) fn channel(prefix: &str) -> String {
    format!("{prefix}:invalidate")
}

/// Where `instance` receives acknowledgements of its invalidations.
pub(super) fn ack_channel(prefix: &str, instance: &str) -> String {
    format!("{prefix}:ack:{instance}")
}

pub(super) fn encode_scope(scope: Scope) -> String {
    match scope {
        Scope::Tenant(tenant) => format!("t:{tenant}"),
        Scope::Global => "g".to_owned(),
    }
}

pub(super) fn decode_scope(message: &str) -> Option<Scope> {
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
pub(super) struct Invalidation<'a> {
    scope: Scope,
    generation: Option<u64>,
    reply: Reply<'a>,
}

#[derive(Debug, PartialEq, Eq)]
pub(super) enum Reply<'a> {
    None,
    Channel { instance: &'a str, number: u64 },
    LegacyKey(&'a str),
}

pub(super) fn encode(scope: Scope, generation: u64, instance: &str, number: u64) -> String {
    format!("{};{generation};{instance};{number}", encode_scope(scope))
}

pub(super) fn decode(payload: &str) -> Option<Invalidation<'_>> {
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
pub(super) async fn publish_invalidation(
    inner: &Inner,
    redis: &Shared,
    scope: Scope,
    retry: bool,
) -> bool {
    let stats = &inner.stats;
    let Some(generation) = redis
        .incr(&gen_key(&redis.prefix, scope), stats, retry)
        .await
    else {
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
    let Some(receivers) = redis
        .publish(&channel(&redis.prefix), message, stats, retry)
        .await
    else {
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

/// How often queued invalidations are tried again while Redis does not answer.
const RETRY_EVERY: Duration = Duration::from_millis(50);

/// Sends queued invalidations in the background until none is left (the
/// subscriber must keep reading acknowledgements meanwhile), trying every
/// [`RETRY_EVERY`] and ignoring the back-off that spares reads a slow Redis: the
/// moment Redis answers again, the generation moves and every instance evicts, so
/// no instance keeps serving an entry of the old generation from Redis (which a
/// slow Redis otherwise allowed for up to `cache.l2_ttl_seconds`). One at a time.
pub(super) fn spawn_replay(inner: &Arc<Inner>) {
    let Some(redis) = &inner.redis else { return };
    if !redis.has_pending.load(Ordering::Acquire) || redis.replaying.swap(true, Ordering::AcqRel) {
        return;
    }
    let weak = Arc::downgrade(inner);
    tokio::spawn(async move {
        loop {
            let Some(inner) = weak.upgrade() else { return };
            let Some(redis) = &inner.redis else { return };
            let pending: Vec<Scope> = match redis.pending.lock() {
                Ok(pending) => pending.clone(),
                Err(_) => Vec::new(),
            };
            for scope in pending {
                if !publish_invalidation(&inner, redis, scope, true).await {
                    break;
                }
                redis.unqueue(scope);
            }
            if !redis.has_pending.load(Ordering::Acquire) {
                redis.replaying.store(false, Ordering::Release);
                // A scope queued between the check and the store starts its own.
                spawn_replay(&inner);
                return;
            }
            drop(inner);
            tokio::time::sleep(RETRY_EVERY).await;
        }
    });
}

/// Handles one message on the subscription: an invalidation (evict, record the
/// generation, acknowledge) or an acknowledgement of one of ours.
pub(super) async fn handle(inner: &Inner, redis: &Shared, msg: &redis::Msg) {
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
                    false,
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
/// In a cluster it subscribes through one node, and through the next one when
/// that fails: a message published on any node reaches the subscribers of all.
pub(super) async fn subscribe_loop(weak: Weak<Inner>) {
    let mut backoff = Duration::from_millis(100);
    let mut turn = 0usize;
    loop {
        let (client, channels, limit) = {
            let Some(strong) = weak.upgrade() else { return };
            let Some(redis) = &strong.redis else { return };
            let channels = vec![
                channel(&redis.prefix),
                ack_channel(&redis.prefix, &redis.instance),
            ];
            let client = redis.subscribe_via[turn % redis.subscribe_via.len()].clone();
            turn = turn.wrapping_add(1);
            (client, channels, redis.timeout + redis.connect_timeout)
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
    use crate::cache::l2::{Generations, Gens};

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
