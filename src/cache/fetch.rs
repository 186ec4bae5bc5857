//! An L1 miss of a shared key: the signed Redis entry if there is a good one,
//! else the loader, whose result is written back to Redis.

use std::future::Future;
use std::sync::atomic::Ordering;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::l2::{Shared, ValueKey};
use super::{scope_tenant, Cache, Fetched, SharedKey, DEFAULT_LOCAL_WEIGHT};
use crate::ids::TenantId;

/// What a Redis entry holds (as JSON, signed; see [`l2::Shared::get_signed`]).
#[derive(Serialize, Deserialize)]
struct Envelope<T> {
    tenant: Option<TenantId>,
    /// For [`SharedKey::REVOCABLE`] values: when the value was read from
    /// PostgreSQL, in milliseconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    loaded_at_ms: Option<u64>,
    value: T,
}

pub(super) fn unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl Cache {
    /// An L1 miss of a shared key: Redis (one `GET` when the generations are known),
    /// else the loader, whose result is written back to Redis.
    pub(super) async fn fetch_shared<K, E, F, Fut>(
        &self,
        key: &K,
        load: F,
    ) -> Result<Fetched<K::Value>, E>
    where
        K: SharedKey,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<K::Value, E>>,
    {
        let inner = &self.inner;
        let scope = key.scope();
        // Values that grant access live at most the L1 TTL from their load, in
        // Redis too; with no L1 they are not shared at all.
        let bound = K::REVOCABLE.then(|| inner.l1.ttl());
        let redis_key = match &inner.redis {
            Some(redis) if bound.is_none_or(|b| !b.is_zero()) => {
                redis
                    .value_key(scope, &key.redis_name(), &inner.stats)
                    .await
            }
            _ => None,
        };
        if let (Some(redis), Some(redis_key)) = (&inner.redis, &redis_key) {
            if let Some(found) = self.read_shared(redis, redis_key, key, bound).await {
                redis.learn(redis_key);
                return Ok(found);
            }
        }

        inner.stats.misses.fetch_add(1, Ordering::Relaxed);
        let loaded_at = unix_ms();
        let value = load().await?;
        let env = Envelope {
            tenant: scope_tenant(scope),
            loaded_at_ms: bound.map(|_| loaded_at),
            value: &value,
        };
        let weight = match (&inner.redis, redis_key) {
            (Some(redis), Some(redis_key)) => match serde_json::to_string(&env) {
                Ok(json) => {
                    redis.learn(&redis_key);
                    let ttl = bound.unwrap_or(Duration::from_secs(inner.l2_ttl_seconds));
                    redis
                        .set_signed(&redis_key.key, &json, ttl, &inner.stats)
                        .await;
                    json_weight(json.len())
                }
                Err(err) => {
                    tracing::warn!(key = %redis_key.key, %err, "value not serializable; not shared");
                    DEFAULT_LOCAL_WEIGHT
                }
            },
            // Not going to Redis: measure the JSON without building it.
            _ => {
                let mut counter = ByteCounter(0);
                match serde_json::to_writer(&mut counter, &env) {
                    Ok(()) => json_weight(counter.0),
                    Err(_) => DEFAULT_LOCAL_WEIGHT,
                }
            }
        };
        Ok(Fetched {
            weight: key.weight(&value).unwrap_or(weight),
            lifetime: bound.map(|b| remaining(b, loaded_at)),
            value,
        })
    }

    /// The value of `key` in Redis, if there is one that verifies, belongs to the
    /// key's tenant and, for values that grant access, is still young enough.
    async fn read_shared<K: SharedKey>(
        &self,
        redis: &Shared,
        redis_key: &ValueKey,
        key: &K,
        bound: Option<Duration>,
    ) -> Option<Fetched<K::Value>> {
        let inner = &self.inner;
        let json = redis.get_signed(&redis_key.key, &inner.stats).await?;
        let env = match serde_json::from_str::<Envelope<K::Value>>(&json) {
            Ok(env) => env,
            Err(err) => {
                tracing::warn!(key = %redis_key.key, %err, "undecodable cache entry; ignored");
                return None;
            }
        };
        if env.tenant != scope_tenant(key.scope()) {
            tracing::warn!(key = %redis_key.key, "cached value names another tenant; ignored");
            return None;
        }
        let lifetime = match bound {
            None => None,
            Some(bound) => {
                let left = remaining(bound, env.loaded_at_ms?);
                if left.is_zero() {
                    return None;
                }
                Some(left)
            }
        };
        inner.stats.l2_hits.fetch_add(1, Ordering::Relaxed);
        Some(Fetched {
            weight: key
                .weight(&env.value)
                .unwrap_or_else(|| json_weight(json.len())),
            lifetime,
            value: env.value,
        })
    }
}

/// What is left of `bound` for a value loaded at `loaded_at_ms` (Unix ms).
fn remaining(bound: Duration, loaded_at_ms: u64) -> Duration {
    let age = Duration::from_millis(unix_ms().saturating_sub(loaded_at_ms));
    bound.saturating_sub(age)
}

fn json_weight(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

/// Counts what is written, for the size of a value's JSON.
struct ByteCounter(usize);

impl std::io::Write for ByteCounter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
