//! The delivery worker: a background task of every instance with
//! `webhooks.enabled`, started by `startup::Application` and stopped with it.
//!
//! Each round it announces pending changes of defaults (`fanout`), then claims due
//! deliveries, at most as many as it has free sending slots
//! (`webhooks.max_concurrent_deliveries`), and sends each on a task of its own, so a
//! slow receiver holds one slot and nothing else. Claims are leases on rows of
//! `webhook_queue` taken with `FOR UPDATE SKIP LOCKED`: instances never claim the
//! same delivery, and a delivery whose instance died is due again when its lease
//! ends. A lease lasts the attempt's timeout plus a minute.
//!
//! Between rounds it sleeps until woken: by a notification on its own `LISTEN`
//! connection (sent when a transaction that published commits), by the poll
//! interval (retries coming due; a lost connection), by a finished attempt when all
//! slots were busy, or by the stop signal. Stopping lets attempts in flight finish
//! (each is bounded by the timeout).

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::PgListener;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

use super::client::Sender;
use super::deliver::Deliverer;
use super::repo::{self, CHANNEL};
use super::secret::SigningKey;
use crate::config::{DatabaseSettings, ExposeSecret as _, SecretString, WebhookSettings};
use crate::db::Db;

/// How long to wait before trying a lost `LISTEN` connection again.
const RELISTEN_AFTER: Duration = Duration::from_secs(5);

/// A running worker.
pub struct WorkerHandle {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl WorkerHandle {
    /// Stops claiming, lets attempts in flight finish (up to `grace`), and returns.
    pub async fn stop(self, grace: Duration) {
        let _ = self.stop.send(true);
        if tokio::time::timeout(grace, self.task).await.is_err() {
            tracing::warn!("webhook worker still busy after the grace period; its claims run out and other instances retry them");
        }
    }
}

/// What the worker runs with.
pub struct Worker {
    deliverer: Arc<Deliverer>,
    listen_url: SecretString,
    poll: Duration,
    batch_size: i64,
    max_concurrent: usize,
    lease_ms: i64,
}

impl Worker {
    /// Prepares a worker; `None` when `webhooks.enabled` is off.
    pub fn new(
        settings: &WebhookSettings,
        database: &DatabaseSettings,
        db: &Db,
        key: SigningKey,
    ) -> anyhow::Result<Option<Self>> {
        if !settings.enabled {
            return Ok(None);
        }
        anyhow::ensure!(
            settings.max_concurrent_deliveries > 0 && settings.batch_size > 0,
            "webhooks.max_concurrent_deliveries and webhooks.batch_size must be at least 1"
        );
        let lease_ms = i64::try_from(settings.timeout_ms)
            .unwrap_or(i64::MAX)
            .saturating_add(60_000);
        Ok(Some(Self {
            deliverer: Arc::new(Deliverer {
                pool: db.app.clone(),
                key,
                sender: Sender::new(settings)?,
                settings: settings.clone(),
            }),
            listen_url: database.listen_url().clone(),
            poll: Duration::from_millis(settings.poll_interval_ms.max(10)),
            batch_size: settings.batch_size,
            max_concurrent: settings.max_concurrent_deliveries,
            lease_ms,
        }))
    }

    /// Starts the worker on a task of its own.
    pub fn spawn(self) -> WorkerHandle {
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(self.run(stopped));
        WorkerHandle { stop, task }
    }

    async fn run(self, mut stop: watch::Receiver<bool>) {
        let slots = Arc::new(Semaphore::new(self.max_concurrent));
        let mut attempts = JoinSet::new();
        let mut listener = None;
        let mut listen_at = tokio::time::Instant::now();
        while !*stop.borrow() {
            if listener.is_none() && tokio::time::Instant::now() >= listen_at {
                listener = self.listen().await;
                listen_at = tokio::time::Instant::now() + RELISTEN_AFTER;
            }
            let pool = &self.deliverer.pool;
            if let Err(err) = super::fanout::announce_pending(pool, self.lease_ms, &stop).await {
                tracing::warn!(error = %err, "announcing changes of defaults failed; retried next round");
            }
            let full = self.claim_round(&slots, &mut attempts).await;
            while attempts.try_join_next().is_some() {}
            if full && slots.available_permits() > 0 {
                continue;
            }
            tokio::select! {
                changed = stop.changed() => {
                    if changed.is_err() {
                        break; // the handle is gone: nobody can stop the worker later
                    }
                }
                woken = next_notification(&mut listener) => {
                    if let Err(err) = woken {
                        tracing::warn!(error = %err, "webhook LISTEN connection lost; polling until it is back");
                        listener = None;
                    }
                }
                _ = attempts.join_next(), if !attempts.is_empty() => {}
                () = tokio::time::sleep(self.poll) => {}
            }
        }
        while attempts.join_next().await.is_some() {}
    }

    /// Claims as many due deliveries as there are free slots (at most a batch) and
    /// starts their attempts. True when it claimed all it asked for (more may be due).
    async fn claim_round(&self, slots: &Arc<Semaphore>, attempts: &mut JoinSet<()>) -> bool {
        let free = i64::try_from(slots.available_permits()).unwrap_or(i64::MAX);
        let wanted = free.min(self.batch_size);
        if wanted == 0 {
            return false;
        }
        let claims = match repo::claim(&self.deliverer.pool, wanted, self.lease_ms).await {
            Ok(claims) => claims,
            Err(err) => {
                tracing::warn!(error = %err, "claiming webhook deliveries failed; retried next round");
                return false;
            }
        };
        let claimed = i64::try_from(claims.len()).unwrap_or(i64::MAX);
        for claim in claims {
            let Ok(slot) = Arc::clone(slots).try_acquire_owned() else {
                // Cannot happen (no more claims than free slots); the lease runs out.
                break;
            };
            let deliverer = Arc::clone(&self.deliverer);
            attempts.spawn(async move {
                deliverer.attempt(claim).await;
                drop(slot);
            });
        }
        claimed == wanted
    }

    /// A `LISTEN` connection of its own (outside the pool, which it would otherwise
    /// hold for good); `None` when it cannot be had (polling still works).
    async fn listen(&self) -> Option<PgListener> {
        let listening = async {
            let mut listener = PgListener::connect(self.listen_url.expose_secret()).await?;
            listener.listen(CHANNEL).await?;
            Ok::<_, sqlx::Error>(listener)
        };
        match listening.await {
            Ok(listener) => Some(listener),
            Err(err) => {
                tracing::warn!(error = %err, "webhook worker cannot LISTEN; polling only");
                None
            }
        }
    }
}

/// The next notification, or forever without a listener.
async fn next_notification(listener: &mut Option<PgListener>) -> Result<(), sqlx::Error> {
    match listener {
        Some(listener) => listener.recv().await.map(|_| ()),
        None => std::future::pending().await,
    }
}
