//! The `[webhooks]` settings (documented in `config/default.toml`). They live with
//! the area that reads them; `crate::config` re-exports them with the others.

use serde::Deserialize;

use crate::config::SecretString;

/// Change notifications: the delivery worker, its HTTP client and the targets it
/// may reach.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSettings {
    /// Whether this instance runs the delivery worker. Events are recorded either
    /// way, and delivered by whichever instance runs one.
    pub enabled: bool,
    /// Lets targets be loopback, private, link-local and other non-public
    /// addresses (tests, a receiver on the same network). Off in production.
    pub allow_private_targets: bool,
    /// Keys the derivation of every webhook's signing secret. Empty: derived from
    /// `idempotency.secret`, see `Settings::load_from`. At least 32 bytes.
    pub signing_key: SecretString,
    /// Longest wait for a connection to a receiver (TLS included), in ms.
    pub connect_timeout_ms: u64,
    /// Longest a whole attempt may take, from connecting to the answer's head, in ms.
    pub timeout_ms: u64,
    /// How often the worker looks for due deliveries when no notification woke it.
    pub poll_interval_ms: u64,
    /// How long a delivery is retried after its event, in seconds; then it fails.
    pub retry_for_seconds: u64,
    /// The wait after the first failed attempt, in ms; doubled after each one.
    pub retry_base_ms: u64,
    /// The longest wait between two attempts, in seconds.
    pub retry_max_delay_seconds: u64,
    /// Deliveries one instance sends at once.
    pub max_concurrent_deliveries: usize,
    /// Deliveries claimed by one query.
    pub batch_size: i64,
}
