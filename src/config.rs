//! Typed settings: `config/default.toml`, then `config/<env>.toml`, then
//! `VENTANAS__SECTION__KEY` environment variables.
//!
//! Unknown keys are refused wherever they come from: a misspelt key would
//! otherwise be ignored silently and the service would run with the default it
//! was meant to override (the classic is a production port or URL). The error
//! names the key and where it was set (a file or an environment variable).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
/// Re-exported so that callers (the binary, tests) name the same `secrecy` as the
/// settings do: read a secret with `settings.database.url.expose_secret()`.
pub use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

pub use crate::webhooks::settings::WebhookSettings;

/// Every setting the service reads. See `config/default.toml` for documentation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub redis: RedisSettings,
    pub cache: CacheSettings,
    pub auth: AuthSettings,
    pub login_limit: LoginLimitSettings,
    pub idempotency: IdempotencySettings,
    pub pdf: PdfSettings,
    pub webhooks: WebhookSettings,
    pub web: WebSettings,
    pub telemetry: TelemetrySettings,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    pub max_body_bytes: usize,
    /// Largest accepted CSV import (`POST /api/v1/materials/import`), in bytes.
    pub max_import_bytes: usize,
    /// The longest a client may take to send a request's head (slowloris guard).
    pub header_read_timeout_ms: u64,
    pub shutdown_grace_seconds: u64,
    /// Once stopping, how long an idle keep-alive connection waits for one more
    /// request (answered with `Connection: close`) before it is closed.
    pub shutdown_drain_idle_ms: u64,
    pub public_url: String,
    /// Origins besides the service's own whose pages may send cookie-authenticated
    /// writes (`scheme://host[:port]`); checked in `auth::csrf`.
    pub allowed_origins: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// The URLs carry passwords: `SecretString` keeps them out of `{:?}` (a
    /// logged `Settings`, an error that prints its context).
    pub url: SecretString,
    pub platform_url: SecretString,
    pub owner_url: SecretString,
    pub max_connections: u32,
    pub platform_max_connections: u32,
    pub acquire_timeout_ms: u64,
    pub statement_timeout_ms: u64,
    /// The database is a Citus coordinator: every connection of the server's pools
    /// sets `citus.propagate_set_commands = 'local'`, so that the transaction's
    /// `SET LOCAL app.tenant_id` reaches the workers (docs/scaling.md).
    pub citus: bool,
    /// Named prepared statements (true) or the unnamed statement, parsed each time,
    /// for poolers that cannot route named ones (`db::exec`).
    pub named_statements: bool,
    /// Where the webhook worker `LISTEN`s, when `url` goes through a pooler in
    /// transaction mode (which hands a `LISTEN` no lasting connection); empty: `url`.
    pub listen_url: SecretString,
}

impl DatabaseSettings {
    /// The URL to `LISTEN` on: `listen_url`, or `url` when it is empty.
    pub fn listen_url(&self) -> &SecretString {
        if self.listen_url.expose_secret().trim().is_empty() {
            &self.url
        } else {
            &self.listen_url
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedisSettings {
    /// May carry a password (`redis://:<secret>@host`); empty disables Redis
    /// (unless `cluster_urls` is set).
    pub url: SecretString,
    /// Redis Cluster: some of its nodes' URLs, comma-separated (the client finds
    /// the rest); `url` must then be empty. See [`RedisSettings::cluster_nodes`].
    pub cluster_urls: SecretString,
    pub key_prefix: String,
    /// Keys the HMAC every value written to Redis carries. Empty (the default):
    /// derived from `idempotency.secret`, see [`Settings::load_from`].
    pub signing_key: SecretString,
    pub response_timeout_ms: u64,
    pub connect_timeout_ms: u64,
    pub retry_after_ms: u64,
}

/// Where Redis is, as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedisTopology {
    /// No Redis: the in-process cache serves alone.
    None,
    /// One server (or a proxy in front of several).
    Single(String),
    /// A Redis Cluster, reached through any of these nodes.
    Cluster(Vec<String>),
}

impl RedisSettings {
    /// The configured topology; an error when both `url` and `cluster_urls` are set.
    pub fn topology(&self) -> anyhow::Result<RedisTopology> {
        let url = self.url.expose_secret().trim();
        let nodes: Vec<String> = self
            .cluster_urls
            .expose_secret()
            .split(',')
            .map(str::trim)
            .filter(|node| !node.is_empty())
            .map(str::to_owned)
            .collect();
        match (url.is_empty(), nodes.is_empty()) {
            (true, true) => Ok(RedisTopology::None),
            (false, true) => Ok(RedisTopology::Single(url.to_owned())),
            (true, false) => Ok(RedisTopology::Cluster(nodes)),
            (false, false) => anyhow::bail!(
                "redis.url and redis.cluster_urls are both set: set url for one server, \
                 cluster_urls for a Redis Cluster (and url to \"\")"
            ),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheSettings {
    /// Lifetime of an in-process entry; 0 turns the in-process layer off (and the
    /// merging of concurrent loads with it).
    pub l1_ttl_ms: u64,
    /// Bound on the in-process entries' total weight, in approximate bytes.
    pub l1_max_bytes: u64,
    pub l2_ttl_seconds: u64,
    pub invalidation_wait_ms: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    pub session_ttl_hours: i64,
    pub max_failed_logins: i32,
    pub lockout_seconds: i64,
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    pub argon2_parallelism: u32,
    pub max_concurrent_hashes: usize,
}

/// The per-client-address limit on `POST /api/v1/auth/login`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginLimitSettings {
    /// Logins one client address may send per minute, on average; 0 turns the
    /// limit off.
    pub per_minute: u32,
    /// Logins one client address may send at once before the rate applies.
    pub burst: u32,
    /// Comma-separated addresses or CIDR blocks of proxies whose `X-Forwarded-For`
    /// names the client; empty: the socket's peer is the client.
    pub trusted_proxies: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PdfSettings {
    /// Quote PDFs rendered at once; more wait their turn.
    pub max_concurrent_renders: usize,
    /// How long a PDF request waits for a rendering slot before 503 `pdf_busy`.
    pub queue_timeout_ms: u64,
    /// The widest and tallest logo an upload may be, in pixels.
    pub max_logo_width_px: u32,
    pub max_logo_height_px: u32,
    /// Bound on the decoded logos kept in-process, in bytes.
    pub logo_cache_max_bytes: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdempotencySettings {
    /// Keys the HMAC that fingerprints requests (whose bodies may hold passwords);
    /// the server refuses to start when it is shorter than 32 bytes.
    pub secret: SecretString,
}

/// The hosted web app (`src/web`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebSettings {
    /// When set (e.g. `.ventanas.mx`), the shop comes from the Host's subdomain.
    pub tenant_host_suffix: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelemetrySettings {
    pub filter: String,
    pub format: LogFormat,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines, for a terminal.
    Pretty,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Environment variables that override settings start with this.
const ENV_PREFIX: &str = "VENTANAS__";

impl Settings {
    /// Loads settings from `<config_dir>/default.toml`, the environment's file and the
    /// process environment. The environment name comes from `VENTANAS_ENV`
    /// (default `local`); the directory from `VENTANAS_CONFIG_DIR` (default `config`).
    pub fn load() -> anyhow::Result<Self> {
        let dir = std::env::var_os("VENTANAS_CONFIG_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("config"));
        let env = std::env::var("VENTANAS_ENV").unwrap_or_else(|_| "local".to_owned());
        Self::load_from(&dir, &env, std::env::vars())
    }

    /// Loads settings from an explicit directory, environment name and variables.
    pub fn load_from(
        dir: &Path,
        env: &str,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> anyhow::Result<Self> {
        let mut merged = toml::Value::Table(toml::map::Map::new());
        let mut origins = Origins::new();
        let default_file = dir.join("default.toml");
        merge_file(
            &mut merged,
            &default_file,
            read_toml(&default_file)?,
            &mut origins,
        );
        // A mistyped environment name must not silently run with local defaults.
        let env_file = dir.join(format!("{env}.toml"));
        let env_values = read_toml(&env_file).context("VENTANAS_ENV names no config file")?;
        merge_file(&mut merged, &env_file, env_values, &mut origins);
        for (name, value) in vars {
            if let Some(path) = name.strip_prefix(ENV_PREFIX) {
                let keys: Vec<String> = path.split("__").map(str::to_lowercase).collect();
                let origin = format!("environment variable {name}");
                set_path(&mut merged, &keys, &value, &origin, &mut origins)
                    .with_context(|| origin.clone())?;
            }
        }
        // serde_path_to_error gives the dotted key of the failure, which leads to
        // the file or variable that set it.
        let settings: Self = serde_path_to_error::deserialize(merged)
            .map_err(|err| {
                // `message()` leaves out toml's own "in `section`" suffix: the key says it.
                let message = err.inner().message();
                if err.path().iter().next().is_none() {
                    return anyhow::anyhow!("{message}");
                }
                let key = err.path().to_string();
                match origins.get(&key) {
                    Some(origin) => anyhow::anyhow!("{key} (set by {origin}): {message}"),
                    None => anyhow::anyhow!("{key}: {message}"),
                }
            })
            .context("invalid configuration (config/default.toml documents every key)")?;
        Ok(settings.with_derived_keys())
    }

    /// Fills an empty `redis.signing_key` and `webhooks.signing_key` with keys
    /// derived from `idempotency.secret` (HMAC-SHA256 of a fixed label under it), so
    /// one server secret suffices; a derived key reveals nothing of the secret.
    fn with_derived_keys(mut self) -> Self {
        use hmac::Mac as _;
        let secret = self.idempotency.secret.expose_secret().as_bytes();
        let keys = [
            (&mut self.redis.signing_key, "redis"),
            (&mut self.webhooks.signing_key, "webhook"),
        ];
        for (key, name) in keys {
            let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret) else {
                continue;
            };
            if key.expose_secret().is_empty() && !secret.is_empty() {
                mac.update(format!("ventanas {name} signing key v1").as_bytes());
                *key = hex::encode(mac.finalize().into_bytes()).into();
            }
        }
        self
    }

    /// The runtime database URL with another database name, for tests and tooling.
    pub fn with_database_name(mut self, name: &str) -> Self {
        for url in [
            &mut self.database.url,
            &mut self.database.platform_url,
            &mut self.database.owner_url,
        ] {
            *url = replace_database_name(url.expose_secret(), name).into();
        }
        self
    }
}

fn read_toml(path: &Path) -> anyhow::Result<toml::Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

/// Which file or environment variable set each dotted key (`server.port`), for
/// error messages. A section keeps the source that introduced it.
type Origins = BTreeMap<String, String>;

fn merge_file(base: &mut toml::Value, file: &Path, over: toml::Value, origins: &mut Origins) {
    merge(base, over, "", &file.display().to_string(), origins);
}

/// Deep-merges `over` (from `origin`) into `base`: tables merge key by key,
/// anything else replaces.
fn merge(
    base: &mut toml::Value,
    over: toml::Value,
    path: &str,
    origin: &str,
    origins: &mut Origins,
) {
    match (base, over) {
        (toml::Value::Table(base), toml::Value::Table(over)) => {
            for (key, value) in over {
                let path = join_key(path, &key);
                match base.get_mut(&key) {
                    Some(existing) => merge(existing, value, &path, origin, origins),
                    None => {
                        record_origins(&path, &value, origin, origins);
                        base.insert(key, value);
                    }
                }
            }
        }
        (base, over) => {
            record_origins(path, &over, origin, origins);
            *base = over;
        }
    }
}

/// Records `origin` for `path` and, if `value` is a section, for every key in it.
fn record_origins(path: &str, value: &toml::Value, origin: &str, origins: &mut Origins) {
    if let toml::Value::Table(table) = value {
        for (key, value) in table {
            record_origins(&join_key(path, key), value, origin, origins);
        }
    }
    origins.insert(path.to_owned(), origin.to_owned());
}

fn join_key(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

/// Sets `keys` to `raw`, keeping the type of the value it replaces: an env var is
/// always a string, but `port` must stay an integer. A key that does not exist yet
/// is created (as a string), so that deserialization refuses it as unknown and
/// the error names the variable through `origins`.
fn set_path(
    root: &mut toml::Value,
    keys: &[String],
    raw: &str,
    origin: &str,
    origins: &mut Origins,
) -> anyhow::Result<()> {
    let (last, parents) = keys.split_last().context("empty key")?;
    let mut table = root
        .as_table_mut()
        .context("the configuration is not a table")?;
    let mut path = String::new();
    for key in parents {
        path = join_key(&path, key);
        let node = table.entry(key.clone()).or_insert_with(|| {
            origins.insert(path.clone(), origin.to_owned());
            toml::Value::Table(toml::Table::new())
        });
        table = node
            .as_table_mut()
            .with_context(|| format!("{path} is a key, not a section"))?;
    }
    let path = join_key(&path, last);
    set_key(table, last, raw, &path)?;
    origins.insert(path, origin.to_owned());
    Ok(())
}

/// Sets one key, coercing `raw` to the type of the value it replaces.
fn set_key(table: &mut toml::Table, key: &str, raw: &str, path: &str) -> anyhow::Result<()> {
    let value = match table.get(key) {
        Some(toml::Value::Integer(_)) => toml::Value::Integer(
            raw.parse()
                .with_context(|| format!("{raw:?} is not an integer"))?,
        ),
        Some(toml::Value::Boolean(_)) => toml::Value::Boolean(
            raw.parse()
                .with_context(|| format!("{raw:?} is not true or false"))?,
        ),
        Some(toml::Value::Table(_)) => {
            anyhow::bail!("{path} is a section; set its keys one by one")
        }
        // A list from one variable: comma-separated, blanks dropped (`""` is empty).
        Some(toml::Value::Array(_)) => toml::Value::Array(
            raw.split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(|item| toml::Value::String(item.to_owned()))
                .collect(),
        ),
        _ => toml::Value::String(raw.to_owned()),
    };
    table.insert(key.to_owned(), value);
    Ok(())
}

/// Replaces the path of a `postgres://` URL (the database name), keeping any query.
fn replace_database_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    let mut out = format!("{}/{}", &base[..path_start], name);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

#[cfg(test)]
mod tests;
