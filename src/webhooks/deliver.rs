//! One attempt of one claimed delivery: read it under its tenant, send it signed,
//! record what came of it and when to try again.

use crate::db::Pool;
use chrono::{DateTime, Duration, Utc};
use rand::Rng as _;

use super::client::{Attempt, Outcome, Sender};
use super::event::delivery_body;
use super::model::DeliveryStatus;
use super::repo::{self, Claim, Job, Recorded};
use super::secret::{signature, SigningKey};
use super::stored;
use crate::config::WebhookSettings;
use crate::db::TenantTx;

/// What an attempt needs besides its claim.
pub(super) struct Deliverer {
    pub pool: Pool,
    pub key: SigningKey,
    pub sender: Sender,
    pub settings: WebhookSettings,
}

impl Deliverer {
    /// Sends a claimed delivery once and records the attempt. A database error
    /// leaves the claim to run out: the delivery is then due again.
    pub async fn attempt(&self, claim: Claim) {
        if let Err(err) = self.try_attempt(&claim).await {
            tracing::warn!(
                error = %err,
                tenant_id = %claim.tenant_id,
                delivery_id = %claim.delivery_id,
                "webhook delivery not recorded; it is retried when its lease ends"
            );
        }
    }

    async fn try_attempt(&self, claim: &Claim) -> Result<(), sqlx::Error> {
        let mut tx = TenantTx::begin(&self.pool, claim.tenant_id).await?;
        let job = repo::job(&mut tx, claim.delivery_id).await?;
        tx.commit().await?;
        // The connection goes back to the pool while the receiver takes its time.
        let Some(job) = job else { return Ok(()) };
        if job.status != DeliveryStatus::Pending {
            let mut tx = TenantTx::begin(&self.pool, claim.tenant_id).await?;
            repo::release(&mut tx, claim, None).await?;
            return tx.commit().await;
        }
        let outcome = self.send(claim, &job).await;
        let now = Utc::now();
        let (recorded, metric) = match &outcome {
            Outcome::Delivered { status } => (
                Recorded {
                    status: DeliveryStatus::Delivered,
                    status_code: Some(*status),
                    error: None,
                    next_attempt_at: None,
                },
                "delivered",
            ),
            Outcome::Failed { status, error } => {
                let next = next_attempt(&self.settings, job.attempts + 1, job.created_at, now);
                let recorded = Recorded {
                    status: match next {
                        Some(_) => DeliveryStatus::Pending,
                        None => DeliveryStatus::Failed,
                    },
                    status_code: *status,
                    error: Some(error),
                    next_attempt_at: next,
                };
                (recorded, if next.is_some() { "retry" } else { "failed" })
            }
        };
        let mut tx = TenantTx::begin(&self.pool, claim.tenant_id).await?;
        if !repo::release(&mut tx, claim, recorded.next_attempt_at).await? {
            tracing::info!(delivery_id = %claim.delivery_id, "webhook lease lost; the new holder records the attempt");
            return Ok(());
        }
        repo::record(&mut tx, claim.delivery_id, &recorded).await?;
        tx.commit().await?;
        crate::ops::metrics::webhook_attempt(metric);
        if let Outcome::Failed { error, .. } = &outcome {
            tracing::info!(delivery_id = %claim.delivery_id, tenant_id = %claim.tenant_id, %error, outcome = metric, "webhook attempt failed");
        }
        Ok(())
    }

    /// Signs and POSTs the event (an event that cannot be read back fails the
    /// attempt, with the reason).
    async fn send(&self, claim: &Claim, job: &Job) -> Outcome {
        let event = match stored::decode(&job.event_type, job.format, job.data.clone()) {
            Ok(event) => event,
            Err(err) => {
                tracing::error!(error = %err, delivery_id = %claim.delivery_id, "stored webhook event unreadable");
                return Outcome::Failed {
                    status: None,
                    error: "the stored event could not be read".to_owned(),
                };
            }
        };
        let body = delivery_body(job.event_id, job.event_created_at, &event);
        let secret = self.key.secret(job.webhook_id, &job.secret_nonce);
        let attempt = Attempt {
            url: &job.url,
            event: job.event_id,
            delivery: claim.delivery_id,
            signature: signature(&secret, Utc::now().timestamp(), &body),
            body,
        };
        self.sender.send(attempt).await
    }
}

/// When to try a delivery again after its `attempts`-th failed attempt: the base
/// wait doubled per earlier failure, capped, times a random factor between ½ and 1 (in thousandths: integer arithmetic)
/// (so deliveries that failed together do not come back together); never past the
/// end of the retry period, and `None` once that has passed.
pub(super) fn next_attempt(
    settings: &WebhookSettings,
    attempts: i32,
    created_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let jitter_permille = rand::thread_rng().gen_range(500..=1000);
    next_attempt_with(settings, attempts, created_at, now, jitter_permille)
}

fn next_attempt_with(
    settings: &WebhookSettings,
    attempts: i32,
    created_at: DateTime<Utc>,
    now: DateTime<Utc>,
    jitter_permille: u64,
) -> Option<DateTime<Utc>> {
    let retry_for = i64::try_from(settings.retry_for_seconds).unwrap_or(i64::MAX / 1000);
    let deadline = created_at + Duration::seconds(retry_for);
    if now >= deadline {
        return None;
    }
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 40)).unwrap_or(40);
    let cap_ms = settings.retry_max_delay_seconds.saturating_mul(1000);
    let wait_ms = settings
        .retry_base_ms
        .saturating_mul(2u64.saturating_pow(doublings))
        .min(cap_ms);
    let jittered = wait_ms.saturating_mul(jitter_permille) / 1000;
    let wait = Duration::milliseconds(i64::try_from(jittered).unwrap_or(i64::MAX / 2));
    Some((now + wait).min(deadline))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> WebhookSettings {
        WebhookSettings {
            enabled: true,
            allow_private_targets: false,
            signing_key: String::new().into(),
            connect_timeout_ms: 1,
            timeout_ms: 1,
            poll_interval_ms: 1,
            retry_for_seconds: 86_400,
            retry_base_ms: 10_000,
            retry_max_delay_seconds: 3_600,
            max_concurrent_deliveries: 1,
            batch_size: 1,
        }
    }

    #[test]
    fn waits_double_with_jitter_up_to_the_cap_and_stop_after_the_retry_period() {
        let s = settings();
        let created = Utc::now();
        let wait = |attempts, jitter| {
            next_attempt_with(&s, attempts, created, created, jitter)
                .map(|at| (at - created).num_milliseconds())
        };
        assert_eq!(wait(1, 1000), Some(10_000));
        assert_eq!(wait(2, 1000), Some(20_000));
        assert_eq!(wait(3, 500), Some(20_000), "half of 40 s");
        assert_eq!(wait(12, 1000), Some(3_600_000), "capped at an hour");
        assert_eq!(wait(1000, 1000), Some(3_600_000), "no overflow");
        let late = created + Duration::seconds(86_000);
        let last = next_attempt_with(&s, 30, created, late, 1000).expect("one more");
        assert_eq!(
            last,
            created + Duration::seconds(86_400),
            "not past the day"
        );
        let after = created + Duration::seconds(86_400);
        assert_eq!(next_attempt_with(&s, 31, created, after, 1000), None);
    }
}
