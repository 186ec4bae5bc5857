//! SQL of the delivery queue: the workers' claims, shop by shop, and their ends.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::db::{Pool, TenantTx};
use crate::ids::{TenantId, WebhookDeliveryId};

/// A delivery a worker holds: whose, which, and the token of its lease.
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct Claim {
    pub tenant_id: TenantId,
    pub delivery_id: WebhookDeliveryId,
    pub lease_token: Uuid,
}

/// Claims up to `limit` due deliveries of any tenant for `lease_ms`: shop by shop,
/// the shops whose oldest due delivery is oldest first. Reads the queue only: ids
/// and times, no tenant data.
///
/// Each shop's claim locks its rows with `FOR UPDATE SKIP LOCKED` within that shop
/// (one shard on Citus, which refuses the lock across shards): two workers never
/// claim the same delivery, since a row one of them holds is skipped and a row it
/// claimed meanwhile no longer qualifies when the other locks it.
pub async fn claim(pool: &Pool, limit: i64, lease_ms: i64) -> Result<Vec<Claim>, sqlx::Error> {
    let mut one = pool.single().await?;
    let shops: Vec<TenantId> = sqlx::query_scalar(
        r#"SELECT tenant_id FROM webhook_queue
            WHERE due_at <= now() AND (lease_until IS NULL OR lease_until <= now())
            GROUP BY tenant_id
            ORDER BY min(due_at), tenant_id
            LIMIT $1"#,
    )
    .bind(limit)
    .fetch_all(one.conn())
    .await?;
    one.finish().await?;
    let token = Uuid::new_v4();
    let mut claims = Vec::new();
    for shop in shops {
        let left = limit - i64::try_from(claims.len()).unwrap_or(i64::MAX);
        if left <= 0 {
            break;
        }
        claims.extend(claim_of(pool, shop, left, lease_ms, token).await?);
    }
    Ok(claims)
}

/// Claims up to `limit` due deliveries of one shop (see [`claim`]).
async fn claim_of(
    pool: &Pool,
    shop: TenantId,
    limit: i64,
    lease_ms: i64,
    token: Uuid,
) -> Result<Vec<Claim>, sqlx::Error> {
    let mut one = pool.single().await?;
    let value = sqlx::query_as(
        r#"UPDATE webhook_queue q
              SET lease_until = now() + $2 * interval '1 millisecond', lease_token = $3
            WHERE q.tenant_id = $4 AND (q.tenant_id, q.delivery_id) IN (
                   SELECT tenant_id, delivery_id FROM webhook_queue
                    WHERE tenant_id = $4
                      AND due_at <= now() AND (lease_until IS NULL OR lease_until <= now())
                    ORDER BY due_at
                    LIMIT $1
                      FOR UPDATE SKIP LOCKED)
        RETURNING q.tenant_id, q.delivery_id, q.lease_token"#,
    )
    .bind(limit)
    .bind(lease_ms)
    .bind(token)
    .bind(shop)
    .fetch_all(one.conn())
    .await?;
    one.finish().await?;
    Ok(value)
}

/// Ends a claim: the delivery is due again at `next`, or (with `None`) leaves the
/// queue. False when the lease was lost (it ran out and another worker claimed the
/// delivery): that worker records its own attempt, this one records nothing.
pub async fn release(
    tx: &mut TenantTx,
    claim: &Claim,
    next: Option<DateTime<Utc>>,
) -> Result<bool, sqlx::Error> {
    let done = match next {
        Some(next) => sqlx::query(
            r#"UPDATE webhook_queue SET due_at = $4, lease_until = NULL, lease_token = NULL
                WHERE tenant_id = $1 AND delivery_id = $2 AND lease_token = $3"#,
        )
        .bind(claim.tenant_id)
        .bind(claim.delivery_id)
        .bind(claim.lease_token)
        .bind(next),
        None => sqlx::query(
            "DELETE FROM webhook_queue WHERE tenant_id = $1 AND delivery_id = $2 AND lease_token = $3",
        )
        .bind(claim.tenant_id)
        .bind(claim.delivery_id)
        .bind(claim.lease_token),
    }
    .execute(tx.conn())
    .await?;
    Ok(done.rows_affected() > 0)
}
