//! Change notifications: a tenant's webhooks, the transactional outbox, and the
//! delivery worker.
//!
//! **Publishing.** Code that changes prices calls [`publish`] inside its own
//! [`TenantTx`], before committing. It records the event and one pending delivery
//! per webhook of the tenant subscribed to the event's type, in that transaction:
//! a change that commits is delivered at least once, one that rolls back is never
//! sent. Events are stored in their own versioned format (`stored`), never as API
//! types. A platform change to a default is recorded by
//! [`record_global_price_change`] in the platform's transaction and announced later,
//! tenant by tenant, to those that inherit the code (`fanout`).
//!
//! **Delivering.** Every instance with `webhooks.enabled` runs a [`worker`]: it
//! claims due deliveries from `webhook_queue` (ids and times only, the one place
//! that lists work across tenants) with a lease, reads each under its own tenant,
//! POSTs it signed (`secret`), records the attempt, and retries failures with
//! exponential back-off and jitter for `webhooks.retry_for_seconds`, then marks the
//! delivery failed. Targets must be public addresses, checked at registration and
//! at connection time (`target`).

pub mod api;
pub mod client;
mod deliver;
pub mod event;
mod fanout;
pub mod manage;
pub mod model;
mod queue;
mod replay;
mod repo;
pub mod secret;
pub mod settings;
mod stored;
pub mod target;
pub mod worker;

use crate::db::Conn;

use crate::db::TenantTx;
use crate::ids::WebhookEventId;
use crate::money::Money;
pub use event::{BatchKind, Event, MaterialPrice};
pub use replay::RegistrationSecret;
use secret::SigningKey;

/// What the webhook endpoints need, kept in the shared state.
#[derive(Debug, Clone)]
pub struct Webhooks {
    /// The server key every webhook's secret is derived from.
    pub key: SigningKey,
    /// Whether loopback, private and other non-public targets may be registered.
    pub allow_private_targets: bool,
}

/// Records `event` for the tenant of `tx`, with one delivery per webhook of the
/// tenant subscribed to its type, in the caller's transaction (nothing at all when
/// no webhook subscribes). Call it before committing the change it describes: the
/// deliveries exist exactly when the change does, and workers are woken when the
/// transaction commits. One call is one event: publish a batch as one
/// [`Event::PriceUpdateApplied`] listing its materials, never one event per material.
///
/// ```ignore
/// let mut tx = ctx.tx(&state).await?;
/// // ... apply the batch ...
/// crate::webhooks::publish(&mut tx, Event::PriceUpdateApplied { batch_id, kind, materials }).await?;
/// tx.commit().await?;
/// ```
pub async fn publish(tx: &mut TenantTx, event: Event) -> Result<(), sqlx::Error> {
    publish_event(tx, &event, None).await
}

/// [`publish`], for the announcement of a platform change (recorded at most once
/// per tenant and change).
async fn publish_event(
    tx: &mut TenantTx,
    event: &Event,
    global_change: Option<i64>,
) -> Result<(), sqlx::Error> {
    let id = WebhookEventId::new_random();
    let stored = stored::encode(event);
    let queued = repo::insert_event(tx, id, event.event_type(), stored, global_change).await?;
    if queued > 0 {
        repo::notify(tx.conn()).await?;
    }
    Ok(())
}

/// Records, in the platform's transaction on `conn`, that the default price of
/// `code` changed from `old` (`None`: the default was inactive) to `new`. Tenants
/// that inherit the code when the change is announced (they have no active row of
/// their own) and have a webhook subscribed to `price.changed` get one such event,
/// with `source: global` and no user. A change that rolls back announces nothing.
pub async fn record_global_price_change(
    mut conn: Conn<'_>,
    code: &str,
    old: Option<Money>,
    new: Money,
) -> Result<(), sqlx::Error> {
    repo::insert_global_change(conn.reborrow(), code, old, new).await
}
