//! Password hashing with argon2id, off the async workers.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::config::AuthSettings;
use crate::telemetry::spawn_blocking_with_span;

/// Hashes and verifies passwords with the configured argon2id parameters.
#[derive(Clone)]
pub struct Passwords {
    params: Params,
    /// Each hash holds `argon2_memory_kib` of memory: bound how many run at once so
    /// a login flood queues instead of exhausting memory.
    permits: Arc<Semaphore>,
    /// A hash of a random password, verified against when the user does not exist so
    /// that unknown users and wrong passwords take the same time.
    dummy_hash: String,
    counts: Arc<Counts>,
}

/// This instance's own counts (the metrics are process-wide; tests run many
/// servers in one process and need to know what one of them did).
#[derive(Default)]
struct Counts {
    waiting: AtomicUsize,
    verified: AtomicU64,
}

/// A hashing slot: while it is held, one hash may run. Taken before anything else
/// a login holds (above all a database connection), and handed to the hash itself,
/// which keeps it until the hash is computed, even if the request is dropped.
/// (The permit is never read: holding it is the point.)
pub struct HashSlot(#[allow(dead_code)] OwnedSemaphorePermit);

/// Counts a caller waiting for a slot, in the metrics and in [`Counts`]; undone on
/// drop, so a request dropped while waiting leaves the queue too.
struct Waiting<'a>(&'a Counts);

impl<'a> Waiting<'a> {
    fn new(counts: &'a Counts) -> Self {
        counts.waiting.fetch_add(1, Ordering::SeqCst);
        metrics::gauge!(crate::ops::metrics::HASH_QUEUE).increment(1.0);
        Self(counts)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.waiting.fetch_sub(1, Ordering::SeqCst);
        metrics::gauge!(crate::ops::metrics::HASH_QUEUE).decrement(1.0);
    }
}

impl Passwords {
    /// Checks the parameters (at least m=19456 KiB, t=2, p=1) and prepares the dummy.
    pub fn new(settings: &AuthSettings) -> anyhow::Result<Self> {
        anyhow::ensure!(
            settings.argon2_memory_kib >= 19456
                && settings.argon2_iterations >= 2
                && settings.argon2_parallelism >= 1,
            "argon2 parameters below the minimum (m=19456 KiB, t=2, p=1)"
        );
        let params = Params::new(
            settings.argon2_memory_kib,
            settings.argon2_iterations,
            settings.argon2_parallelism,
            None,
        )
        .map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?;
        let permits = Arc::new(Semaphore::new(settings.max_concurrent_hashes.max(1)));
        let mut this = Self {
            params,
            permits,
            dummy_hash: String::new(),
            counts: Arc::default(),
        };
        this.dummy_hash = this.hash_now(&uuid::Uuid::new_v4().to_string())?;
        Ok(this)
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// Waits for a hashing slot, counting the queue and the wait in metrics.
    pub async fn slot(&self) -> anyhow::Result<HashSlot> {
        let started = std::time::Instant::now();
        let waiting = Waiting::new(&self.counts);
        let permit = Arc::clone(&self.permits).acquire_owned().await;
        drop(waiting);
        metrics::histogram!(crate::ops::metrics::HASH_WAIT).record(started.elapsed().as_secs_f64());
        Ok(HashSlot(permit?))
    }

    /// How many callers wait for a hashing slot now.
    pub fn waiting(&self) -> usize {
        self.counts.waiting.load(Ordering::SeqCst)
    }

    /// How many password verifications this instance has started.
    pub fn verifications(&self) -> u64 {
        self.counts.verified.load(Ordering::SeqCst)
    }

    fn hash_now(&self, password: &str) -> anyhow::Result<String> {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        self.argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
    }

    /// Hashes a password on the blocking pool.
    pub async fn hash(&self, password: String) -> anyhow::Result<String> {
        let slot = self.slot().await?;
        let this = self.clone();
        spawn_blocking_with_span(move || {
            let _slot = slot;
            this.hash_now(&password)
        })
        .await?
    }

    /// Verifies a password against a stored hash, or against the dummy hash when
    /// there is none (always false then, in about the same time), in a slot the
    /// caller took beforehand with [`Passwords::slot`].
    pub async fn verify_in(
        &self,
        slot: HashSlot,
        password: String,
        stored: Option<String>,
    ) -> anyhow::Result<bool> {
        self.counts.verified.fetch_add(1, Ordering::SeqCst);
        let this = self.clone();
        spawn_blocking_with_span(move || {
            let _slot = slot;
            let known = stored.is_some();
            let hash_text = stored.unwrap_or_else(|| this.dummy_hash.clone());
            let hash =
                PasswordHash::new(&hash_text).map_err(|e| anyhow::anyhow!("stored hash: {e}"))?;
            // Verification uses the parameters recorded in the hash itself.
            let ok = this
                .argon2()
                .verify_password(password.as_bytes(), &hash)
                .is_ok();
            Ok(ok && known)
        })
        .await?
    }

    /// [`Passwords::verify_in`] a slot of its own.
    pub async fn verify(&self, password: String, stored: Option<String>) -> anyhow::Result<bool> {
        let slot = self.slot().await?;
        self.verify_in(slot, password, stored).await
    }
}

/// Why a new password is unacceptable, if it is.
pub fn password_problem(password: &str) -> Option<&'static str> {
    let chars = password.chars().count();
    if chars < 10 {
        Some("must be at least 10 characters")
    } else if chars > 256 {
        Some("must be at most 256 characters")
    } else if password.trim().is_empty() {
        Some("must not be blank")
    } else {
        None
    }
}
