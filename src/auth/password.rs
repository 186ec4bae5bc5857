//! Password hashing with argon2id, off the async workers.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use std::sync::Arc;

use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

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
        };
        this.dummy_hash = this.hash_now(&uuid::Uuid::new_v4().to_string())?;
        Ok(this)
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// Waits for a hashing slot, counting the queue and the wait in metrics.
    async fn slot(&self) -> anyhow::Result<tokio::sync::SemaphorePermit<'_>> {
        let started = std::time::Instant::now();
        let queue = metrics::gauge!(crate::ops::metrics::HASH_QUEUE);
        queue.increment(1.0);
        let permit = self.permits.acquire().await;
        queue.decrement(1.0);
        metrics::histogram!(crate::ops::metrics::HASH_WAIT).record(started.elapsed().as_secs_f64());
        Ok(permit?)
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
        let _permit = self.slot().await?;
        let this = self.clone();
        spawn_blocking_with_span(move || this.hash_now(&password)).await?
    }

    /// Verifies a password against a stored hash, or against the dummy hash when
    /// there is none (always false then, in about the same time).
    pub async fn verify(&self, password: String, stored: Option<String>) -> anyhow::Result<bool> {
        let _permit = self.slot().await?;
        let this = self.clone();
        spawn_blocking_with_span(move || {
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
