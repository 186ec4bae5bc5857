//! The in-process layer: one moka cache for every key type, keyed by the typed key
//! (type-erased) together with the epochs of its scope.
//!
//! Invalidating a scope bumps its epoch. Lookups build their moka key from the
//! current epochs, so entries stored under an older epoch become unreachable at once,
//! whatever their key type, and TTL or size eviction reclaims them later: no scan,
//! no per-scope index. A load that started before an invalidation inserts its result
//! under the epoch it started with, where no later lookup will look.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use foldhash::quality::RandomState as FoldHash;
use moka::future::Cache as Moka;
use moka::{Equivalent, Expiry};

use super::{CacheKey, Scope};
use crate::ids::TenantId;

/// Estimated bytes of one entry beyond its value: the moka node, the key, the
/// epochs, the type-erased pointers. Keeps tiny values from weighing nothing.
pub(super) const ENTRY_OVERHEAD: u32 = 160;

/// The epochs an entry was looked up (and loaded) under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct Epoch {
    /// The tenant's epoch; 0 for global entries.
    tenant: u64,
    /// Bumped by every global invalidation, which must reach every tenant's entries
    /// too (they may have fallen back to global data).
    global: u64,
}

#[derive(Default)]
struct Epochs {
    global: u64,
    /// Only tenants invalidated since start-up; absent means 0. Never pruned: an
    /// epoch that went back to an earlier value could make a stale entry (or the
    /// result of a slow, stale load) reachable again. About 40 bytes per tenant.
    tenants: HashMap<TenantId, u64, FoldHash>,
}

/// A stored value, the weight it was admitted with, and for entries that grant
/// access, how long they may live at most (less than the TTL when the value was
/// read from PostgreSQL a while ago, by another instance).
#[derive(Clone)]
pub(super) struct Entry {
    value: Arc<dyn Any + Send + Sync>,
    weight: u32,
    lifetime: Option<Duration>,
}

impl Entry {
    pub(super) fn new<V: Send + Sync + 'static>(
        value: V,
        weight: u32,
        lifetime: Option<Duration>,
    ) -> Self {
        Self {
            value: Arc::new(value),
            weight: weight.saturating_add(ENTRY_OVERHEAD),
            lifetime,
        }
    }

    /// The value, if it has type `V` (always, since the key type fixes it).
    pub(super) fn get<V: Clone + 'static>(&self) -> Option<V> {
        self.value.downcast_ref::<V>().cloned()
    }
}

/// A typed key with its type erased, so one moka cache holds every key type.
trait DynKey: Send + Sync + 'static {
    fn as_any(&self) -> &dyn Any;
    fn dyn_eq(&self, other: &dyn Any) -> bool;
    fn dyn_hash(&self, state: &mut dyn Hasher);
}

impl<K: CacheKey> DynKey for K {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn dyn_eq(&self, other: &dyn Any) -> bool {
        other.downcast_ref::<K>().is_some_and(|other| other == self)
    }

    fn dyn_hash(&self, mut state: &mut dyn Hasher) {
        TypeId::of::<K>().hash(&mut state);
        self.hash(&mut state);
    }
}

/// The moka key: a typed key under the epochs it was stored with.
pub(super) struct StoredKey {
    epoch: Epoch,
    key: Box<dyn DynKey>,
}

// Hashing must feed the hasher exactly what `Probe` feeds it, so that a lookup by
// reference finds the stored key. Both go through `&mut dyn Hasher`, whose impl
// forwards every call unchanged.
impl Hash for StoredKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.epoch.hash(state);
        self.key.dyn_hash(state);
    }
}

impl PartialEq for StoredKey {
    fn eq(&self, other: &Self) -> bool {
        self.epoch == other.epoch && self.key.dyn_eq(other.key.as_any())
    }
}

impl Eq for StoredKey {}

/// A borrowed lookup key: hashes and compares like the `StoredKey` it would
/// become, without boxing the typed key (an L1 hit allocates nothing).
struct Probe<'a, K> {
    epoch: Epoch,
    key: &'a K,
}

impl<K: CacheKey> Hash for Probe<'_, K> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.epoch.hash(state);
        let state: &mut dyn Hasher = state;
        self.key.dyn_hash(state);
    }
}

impl<K: CacheKey> Equivalent<StoredKey> for Probe<'_, K> {
    fn equivalent(&self, stored: &StoredKey) -> bool {
        self.epoch == stored.epoch && self.key.dyn_eq(stored.key.as_any())
    }
}

/// Per-entry lifetime: the TTL less up to a quarter of it at random, so entries
/// loaded together (at start-up, after an invalidation) expire spread out instead
/// of all missing in the same instant; never longer than the entry's own bound.
struct JitteredTtl {
    ttl: Duration,
}

impl Expiry<StoredKey, Entry> for JitteredTtl {
    fn expire_after_create(&self, _: &StoredKey, entry: &Entry, _: Instant) -> Option<Duration> {
        let ttl_ms = u64::try_from(self.ttl.as_millis()).unwrap_or(u64::MAX);
        let jitter = rand::random::<u64>() % (ttl_ms / 4 + 1);
        let jittered = self.ttl - Duration::from_millis(jitter);
        Some(entry.lifetime.map_or(jittered, |bound| bound.min(jittered)))
    }
}

/// The in-process cache. Hashed with foldhash (its `quality` variant, seeded per
/// process) rather than SipHash: every request hashes two keys, and SipHash through
/// `&mut dyn Hasher` was a measurable part of a cached request's work.
pub(super) struct L1 {
    pub(super) moka: Moka<StoredKey, Entry, FoldHash>,
    epochs: RwLock<Epochs>,
    ttl: Duration,
    /// A zero TTL: nothing is kept.
    off: bool,
}

impl L1 {
    /// `max_weight` bounds the sum of entry weights (approximate bytes).
    pub(super) fn new(ttl: Duration, max_weight: u64) -> Self {
        let moka = Moka::builder()
            .max_capacity(max_weight)
            .weigher(|_: &StoredKey, entry: &Entry| entry.weight)
            .expire_after(JitteredTtl { ttl })
            .build_with_hasher(FoldHash::default());
        Self {
            moka,
            epochs: RwLock::new(Epochs::default()),
            ttl,
            off: ttl.is_zero(),
        }
    }

    pub(super) fn is_off(&self) -> bool {
        self.off
    }

    /// The configured entry lifetime (`cache.l1_ttl_ms`).
    pub(super) fn ttl(&self) -> Duration {
        self.ttl
    }

    /// The epochs a lookup in `scope` uses now. Take it before reading anything a
    /// value is made from.
    pub(super) fn epoch(&self, scope: Scope) -> Epoch {
        match self.epochs.read() {
            Ok(epochs) => Epoch {
                tenant: match scope {
                    Scope::Tenant(tenant) => epochs.tenants.get(&tenant).copied().unwrap_or(0),
                    Scope::Global => 0,
                },
                global: epochs.global,
            },
            // A panic while holding the lock (cannot happen: nothing in it panics)
            // would leave unknown epochs; an epoch no entry has means "miss".
            Err(_) => Epoch {
                tenant: u64::MAX,
                global: u64::MAX,
            },
        }
    }

    /// The entry stored for `key` under `epoch`, if any and not expired.
    pub(super) async fn get<K: CacheKey>(&self, epoch: Epoch, key: &K) -> Option<K::Value> {
        self.moka.get(&Probe { epoch, key }).await?.get()
    }

    /// The owned moka key for `key` under `epoch`.
    pub(super) fn stored_key<K: CacheKey>(epoch: Epoch, key: &K) -> StoredKey {
        StoredKey {
            epoch,
            key: Box::new(key.clone()),
        }
    }

    /// Makes every entry of `scope` unreachable (for `Scope::Global`, every entry).
    pub(super) fn bump(&self, scope: Scope) {
        let Ok(mut epochs) = self.epochs.write() else {
            return;
        };
        match scope {
            Scope::Tenant(tenant) => *epochs.tenants.entry(tenant).or_insert(0) += 1,
            Scope::Global => {
                epochs.global += 1;
                drop(epochs);
                // Unreachable already; this lets moka drop them now rather than at
                // their TTL. Constant time (entries older than this call are skipped
                // and removed lazily).
                self.moka.invalidate_all();
            }
        }
    }

    /// Drops every entry (e.g. after a reconnection, when messages may be lost).
    pub(super) fn clear(&self) {
        self.bump(Scope::Global);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::hash_map::RandomState;
    use std::hash::BuildHasher as _;

    use super::*;

    #[derive(Clone, PartialEq, Eq, Hash)]
    struct Name(Scope, &'static str);

    impl CacheKey for Name {
        type Value = u32;
        fn scope(&self) -> Scope {
            self.0
        }
    }

    #[test]
    fn a_probe_hashes_and_compares_like_the_key_it_stands_for() {
        let state = RandomState::new();
        let key = Name(Scope::Tenant(TenantId::new_random()), "price:X");
        let epoch = Epoch {
            tenant: 3,
            global: 7,
        };
        let stored = L1::stored_key(epoch, &key);
        let probe = Probe { epoch, key: &key };
        assert_eq!(state.hash_one(&stored), state.hash_one(&probe));
        assert!(probe.equivalent(&stored));
        let later = Epoch {
            tenant: 4,
            global: 7,
        };
        assert!(!Probe {
            epoch: later,
            key: &key
        }
        .equivalent(&stored));
        assert!(L1::stored_key(epoch, &key) == stored);
    }
}
