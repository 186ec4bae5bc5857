//! SQL for webhooks: endpoints, the outbox (events, deliveries and the queue), and
//! the fan-out of default-price changes. The worker's claims are in `queue`.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::Value;

use super::model::{Delivery, DeliveryStatus, EventType, Webhook};
pub use super::queue::repo::{claim, release, Claim};
use crate::db::repo::insert_values;
use crate::db::{Conn, Pool, TenantTx};
use crate::http::{Nullable, PageRequest};
use crate::ids::{TenantId, UserId, WebhookDeliveryId, WebhookEventId, WebhookId};
use crate::money::Money;

/// The channel new work is announced on (delivered by PostgreSQL on commit only).
pub const CHANNEL: &str = "ventanas_webhooks";

#[derive(sqlx::FromRow)]
struct WebhookRow {
    id: WebhookId,
    url: String,
    events: Vec<String>,
    secret_version: i32,
    created_at: DateTime<Utc>,
    created_by: UserId,
    secret_rotated_at: DateTime<Utc>,
}

impl TryFrom<WebhookRow> for Webhook {
    type Error = sqlx::Error;
    fn try_from(r: WebhookRow) -> Result<Self, sqlx::Error> {
        let events = r
            .events
            .iter()
            .map(|e| EventType::parse(e).ok_or_else(|| bad(&format!("event type {e:?}"))))
            .collect::<Result<_, _>>()?;
        Ok(Webhook {
            id: r.id,
            url: r.url,
            events,
            secret_version: r.secret_version,
            created_at: r.created_at,
            created_by: r.created_by,
            secret_rotated_at: r.secret_rotated_at,
        })
    }
}

fn bad(what: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("webhooks: bad {what}").into())
}

const COLUMNS: &str = "id, url, events, secret_version, created_at, created_by, secret_rotated_at";

/// How many webhooks the bound tenant has.
pub async fn count(tx: &mut TenantTx) -> Result<i64, sqlx::Error> {
    let tenant = tx.tenant();
    sqlx::query_scalar("SELECT count(*) FROM webhooks WHERE tenant_id = $1")
        .bind(tenant)
        .fetch_one(tx.conn())
        .await
}

/// Registers a webhook of the bound tenant.
pub async fn insert(
    tx: &mut TenantTx,
    id: WebhookId,
    url: &str,
    events: &[EventType],
    nonce: &[u8],
    by: UserId,
) -> Result<Webhook, sqlx::Error> {
    let tenant = tx.tenant();
    let names: Vec<&str> = events.iter().map(|e| e.as_str()).collect();
    let row: WebhookRow = sqlx::query_as(&format!(
        r#"INSERT INTO webhooks (tenant_id, id, url, events, secret_nonce, created_by)
           VALUES ($1, $2, $3, $4, $5, $6)
           RETURNING {COLUMNS}"#
    ))
    .bind(tenant)
    .bind(id)
    .bind(url)
    .bind(&names)
    .bind(nonce)
    .bind(by)
    .fetch_one(tx.conn())
    .await?;
    row.try_into()
}

/// A page of the bound tenant's webhooks, oldest first, and how many it has.
pub async fn page(
    tx: &mut TenantTx,
    page: &PageRequest<WebhookId>,
) -> Result<(Vec<Webhook>, i64), sqlx::Error> {
    let tenant = tx.tenant();
    let rows: Vec<WebhookRow> = sqlx::query_as(&format!(
        r#"SELECT {COLUMNS} FROM webhooks
            WHERE tenant_id = $1
              AND ($2::uuid IS NULL OR (created_at, id) >
                   (SELECT created_at, id FROM webhooks WHERE tenant_id = $1 AND id = $2))
            ORDER BY created_at, id
            LIMIT $3"#
    ))
    .bind(tenant)
    .bind(page.after)
    .bind(page.fetch())
    .fetch_all(tx.conn())
    .await?;
    let total = count(tx).await?;
    let items = rows
        .into_iter()
        .map(Webhook::try_from)
        .collect::<Result<_, _>>()?;
    Ok((items, total))
}

/// A webhook row with its secret's nonce.
#[derive(sqlx::FromRow)]
struct WithNonce {
    #[sqlx(flatten)]
    webhook: WebhookRow,
    secret_nonce: Vec<u8>,
}

/// One webhook of the bound tenant, with its secret's nonce.
pub async fn get(
    tx: &mut TenantTx,
    id: WebhookId,
) -> Result<Option<(Webhook, Vec<u8>)>, sqlx::Error> {
    let tenant = tx.tenant();
    let row: Option<WithNonce> = sqlx::query_as(&format!(
        "SELECT {COLUMNS}, secret_nonce FROM webhooks WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(tx.conn())
    .await?;
    row.map(|r| Ok((r.webhook.try_into()?, r.secret_nonce)))
        .transpose()
}

/// Gives a webhook a new nonce (so a new secret); `None` if there is no such webhook.
pub async fn rotate(
    tx: &mut TenantTx,
    id: WebhookId,
    nonce: &[u8],
) -> Result<Option<Webhook>, sqlx::Error> {
    let tenant = tx.tenant();
    let row: Option<WebhookRow> = sqlx::query_as(&format!(
        r#"UPDATE webhooks
              SET secret_nonce = $3, secret_version = secret_version + 1,
                  secret_rotated_at = now()
            WHERE tenant_id = $1 AND id = $2
        RETURNING {COLUMNS}"#
    ))
    .bind(tenant)
    .bind(id)
    .bind(nonce)
    .fetch_optional(tx.conn())
    .await?;
    row.map(Webhook::try_from).transpose()
}

/// Deletes a webhook with its deliveries (and so their place in the queue); false
/// if there was none.
pub async fn delete(tx: &mut TenantTx, id: WebhookId) -> Result<bool, sqlx::Error> {
    let tenant = tx.tenant();
    let done = sqlx::query("DELETE FROM webhooks WHERE tenant_id = $1 AND id = $2")
        .bind(tenant)
        .bind(id)
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Records an event for the bound tenant with one pending delivery per webhook
/// subscribed to its type, each queued as due now, in the caller's transaction.
/// Nothing is written when no webhook subscribes, nor for a platform change
/// (`global_change`) already recorded for the tenant. Answers how many deliveries
/// were queued.
///
/// Row by row with `VALUES` (the subscribed webhooks locked against deletion
/// meanwhile), not as `INSERT ... SELECT`: on Citus those are written through COPY,
/// which row-level security refuses (docs/scaling.md).
pub async fn insert_event(
    tx: &mut TenantTx,
    id: WebhookEventId,
    event_type: EventType,
    (format, data): (i16, Value),
    global_change: Option<i64>,
) -> Result<i64, sqlx::Error> {
    let tenant = tx.tenant();
    let subscribed: Vec<WebhookId> = sqlx::query_scalar(
        "SELECT id FROM webhooks WHERE tenant_id = $1 AND $2 = ANY (events) ORDER BY id FOR KEY SHARE",
    )
    .bind(tenant)
    .bind(event_type.as_str())
    .fetch_all(tx.conn())
    .await?;
    if subscribed.is_empty() {
        return Ok(0);
    }
    let created_at: Option<DateTime<Utc>> = sqlx::query_scalar(
        r#"INSERT INTO webhook_events (tenant_id, id, type, format, data, global_change_id, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, clock_timestamp())
           ON CONFLICT (tenant_id, global_change_id) DO NOTHING
           RETURNING created_at"#,
    )
    .bind(tenant)
    .bind(id)
    .bind(event_type.as_str())
    .bind(format)
    .bind(data)
    .bind(global_change)
    .fetch_optional(tx.conn())
    .await?;
    let Some(created_at) = created_at else {
        return Ok(0);
    };
    let deliveries: Vec<(WebhookDeliveryId, WebhookId)> = subscribed
        .into_iter()
        .map(|webhook| (WebhookDeliveryId::new_random(), webhook))
        .collect();
    insert_values(
        tx.conn(),
        (
            "INSERT INTO webhook_deliveries (tenant_id, id, webhook_id, event_id, next_attempt_at, created_at)",
            "",
        ),
        6,
        &deliveries,
        |row, (delivery, webhook)| {
            row.push_bind(tenant)
                .push_bind(*delivery)
                .push_bind(*webhook)
                .push_bind(id)
                .push_bind(created_at)
                .push_bind(created_at);
        },
    )
    .await?;
    let queued = insert_values(
        tx.conn(),
        (
            "INSERT INTO webhook_queue (tenant_id, delivery_id, due_at)",
            "",
        ),
        3,
        &deliveries,
        |row, (delivery, _)| {
            row.push_bind(tenant)
                .push_bind(*delivery)
                .push_bind(created_at);
        },
    )
    .await?;
    Ok(i64::try_from(queued).unwrap_or(i64::MAX))
}

/// Wakes the delivery workers once the current transaction commits (PostgreSQL
/// holds notifications until then and drops them on rollback).
pub async fn notify(mut conn: Conn<'_>) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_notify($1, '')")
        .bind(CHANNEL)
        .execute(conn.reborrow())
        .await?;
    Ok(())
}

/// Records a price change of a default, in the platform's transaction, for the
/// worker to announce to the tenants that inherit it.
pub async fn insert_global_change(
    mut conn: Conn<'_>,
    code: &str,
    old: Option<Money>,
    new: Money,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO webhook_global_changes (code, old_price, new_price) VALUES ($1, $2, $3)",
    )
    .bind(code)
    .bind(old)
    .bind(new)
    .execute(conn.reborrow())
    .await?;
    notify(conn.reborrow()).await
}

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    id: WebhookDeliveryId,
    event_id: WebhookEventId,
    event_type: String,
    status: DeliveryStatus,
    attempts: i32,
    last_status_code: Option<i16>,
    last_error: Option<String>,
    next_attempt_at: Option<DateTime<Utc>>,
    delivered_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

impl TryFrom<DeliveryRow> for Delivery {
    type Error = sqlx::Error;
    fn try_from(r: DeliveryRow) -> Result<Self, sqlx::Error> {
        Ok(Delivery {
            id: r.id,
            event_id: r.event_id,
            event_type: EventType::parse(&r.event_type)
                .ok_or_else(|| bad(&format!("event type {:?}", r.event_type)))?,
            status: r.status,
            attempts: r.attempts,
            last_status_code: Nullable(r.last_status_code.map(i32::from)),
            last_error: Nullable(r.last_error),
            next_attempt_at: Nullable(r.next_attempt_at),
            delivered_at: Nullable(r.delivered_at),
            created_at: r.created_at,
        })
    }
}

/// A page of a webhook's deliveries, newest first, and how many it has.
pub async fn deliveries(
    tx: &mut TenantTx,
    webhook: WebhookId,
    page: &PageRequest<WebhookDeliveryId>,
) -> Result<(Vec<Delivery>, i64), sqlx::Error> {
    let tenant = tx.tenant();
    let rows: Vec<DeliveryRow> = sqlx::query_as(
        r#"SELECT d.id, d.event_id, e.type AS event_type, d.status, d.attempts,
                  d.last_status_code, d.last_error, d.next_attempt_at, d.delivered_at, d.created_at
             FROM webhook_deliveries d
             JOIN webhook_events e ON e.tenant_id = d.tenant_id AND e.id = d.event_id
            WHERE d.tenant_id = $1 AND d.webhook_id = $2
              AND ($3::uuid IS NULL OR (d.created_at, d.id) <
                   (SELECT created_at, id FROM webhook_deliveries WHERE tenant_id = $1 AND id = $3))
            ORDER BY d.created_at DESC, d.id DESC
            LIMIT $4"#,
    )
    .bind(tenant)
    .bind(webhook)
    .bind(page.after)
    .bind(page.fetch())
    .fetch_all(tx.conn())
    .await?;
    let total = sqlx::query_scalar(
        "SELECT count(*) FROM webhook_deliveries WHERE tenant_id = $1 AND webhook_id = $2",
    )
    .bind(tenant)
    .bind(webhook)
    .fetch_one(tx.conn())
    .await?;
    let items = rows
        .into_iter()
        .map(Delivery::try_from)
        .collect::<Result<_, _>>()?;
    Ok((items, total))
}

/// What sending a delivery takes, read under the delivery's tenant.
#[derive(Debug, sqlx::FromRow)]
pub struct Job {
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
    pub event_id: WebhookEventId,
    pub event_type: String,
    pub format: i16,
    pub data: Value,
    pub event_created_at: DateTime<Utc>,
    pub webhook_id: WebhookId,
    pub url: String,
    pub secret_nonce: Vec<u8>,
}

/// The delivery with its event and webhook; `None` if it is gone (its webhook was
/// deleted).
pub async fn job(
    tx: &mut TenantTx,
    delivery: WebhookDeliveryId,
) -> Result<Option<Job>, sqlx::Error> {
    let tenant = tx.tenant();
    sqlx::query_as(
        r#"SELECT d.status, d.attempts, d.created_at, e.id AS event_id, e.type AS event_type,
                  e.format, e.data, e.created_at AS event_created_at, w.id AS webhook_id, w.url,
                  w.secret_nonce
             FROM webhook_deliveries d
             JOIN webhook_events e ON e.tenant_id = d.tenant_id AND e.id = d.event_id
             JOIN webhooks w ON w.tenant_id = d.tenant_id AND w.id = d.webhook_id
            WHERE d.tenant_id = $1 AND d.id = $2"#,
    )
    .bind(tenant)
    .bind(delivery)
    .fetch_optional(tx.conn())
    .await
}

/// An attempt's result, as recorded on its delivery.
pub struct Recorded<'a> {
    pub status: DeliveryStatus,
    pub status_code: Option<u16>,
    pub error: Option<&'a str>,
    pub next_attempt_at: Option<DateTime<Utc>>,
}

/// Records an attempt on the bound tenant's delivery. The delivery time is chosen
/// here, not by a `CASE` around `now()` in the statement: Citus refuses functions
/// that are not immutable inside `CASE` on a distributed table.
pub async fn record(
    tx: &mut TenantTx,
    delivery: WebhookDeliveryId,
    r: &Recorded<'_>,
) -> Result<(), sqlx::Error> {
    let tenant = tx.tenant();
    let delivered_at = if r.status == DeliveryStatus::Delivered {
        "now()"
    } else {
        "NULL"
    };
    sqlx::query(&format!(
        r#"UPDATE webhook_deliveries
              SET status = $3, attempts = attempts + 1, last_status_code = $4,
                  last_error = $5, last_attempt_at = now(), next_attempt_at = $6,
                  delivered_at = {delivered_at}
            WHERE tenant_id = $1 AND id = $2"#
    ))
    .bind(tenant)
    .bind(delivery)
    .bind(r.status)
    .bind(r.status_code.and_then(|s| i16::try_from(s).ok()))
    .bind(r.error)
    .bind(r.next_attempt_at)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// A change of a default's price, to be announced.
#[derive(Debug, sqlx::FromRow)]
pub struct GlobalChange {
    pub id: i64,
    pub code: String,
    pub old_price: Option<Decimal>,
    pub new_price: Decimal,
    pub after_tenant: Option<TenantId>,
}

/// Claims the oldest change of a default not yet announced everywhere, for
/// `lease_ms`.
pub async fn claim_global_change(
    pool: &Pool,
    lease_ms: i64,
) -> Result<Option<GlobalChange>, sqlx::Error> {
    let mut one = pool.single().await?;
    let value = sqlx::query_as(
        r#"UPDATE webhook_global_changes
              SET lease_until = now() + $1 * interval '1 millisecond'
            WHERE id = (SELECT id FROM webhook_global_changes
                         WHERE done_at IS NULL AND (lease_until IS NULL OR lease_until <= now())
                         ORDER BY id LIMIT 1
                           FOR UPDATE SKIP LOCKED)
        RETURNING id, code, old_price, new_price, after_tenant"#,
    )
    .bind(lease_ms)
    .fetch_optional(one.conn())
    .await?;
    one.finish().await?;
    Ok(value)
}

/// Active tenants after `after`, in id order (the registry is not tenant data).
pub async fn tenants_after(
    pool: &Pool,
    after: Option<TenantId>,
    limit: i64,
) -> Result<Vec<TenantId>, sqlx::Error> {
    let mut one = pool.single().await?;
    let value = sqlx::query_scalar(
        "SELECT id FROM tenants WHERE active AND ($1::uuid IS NULL OR id > $1) ORDER BY id LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(one.conn())
    .await?;
    one.finish().await?;
    Ok(value)
}

/// Whether the bound tenant inherits a code: it has no active row of its own.
pub async fn inherits(tx: &mut TenantTx, code: &str) -> Result<bool, sqlx::Error> {
    let tenant = tx.tenant();
    sqlx::query_scalar(
        "SELECT NOT EXISTS (SELECT 1 FROM materials WHERE tenant_id = $1 AND code = $2 AND active)",
    )
    .bind(tenant)
    .bind(code)
    .fetch_one(tx.conn())
    .await
}

/// Records how far a change's announcement got, and extends its lease; with
/// `done`, marks it announced everywhere.
pub async fn global_progress(
    pool: &Pool,
    id: i64,
    after_tenant: Option<TenantId>,
    lease_ms: i64,
    done: bool,
) -> Result<(), sqlx::Error> {
    let mut one = pool.single().await?;
    sqlx::query(
        r#"UPDATE webhook_global_changes
              SET after_tenant = $2,
                  lease_until = CASE WHEN $4 THEN NULL ELSE now() + $3 * interval '1 millisecond' END,
                  done_at = CASE WHEN $4 THEN now() END
            WHERE id = $1"#,
    )
    .bind(id)
    .bind(after_tenant)
    .bind(lease_ms)
    .bind(done)
    .execute(one.conn())
    .await?;
    one.finish().await?;
    Ok(())
}
