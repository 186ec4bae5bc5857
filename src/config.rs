//! Typed settings: `config/default.toml`, then `config/<env>.toml`, then
//! `VENTANAS__SECTION__KEY` environment variables.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::Deserialize;

/// Every setting the service reads. See `config/default.toml` for documentation.
#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub redis: RedisSettings,
    pub cache: CacheSettings,
    pub auth: AuthSettings,
    pub telemetry: TelemetrySettings,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    pub max_body_bytes: usize,
    pub shutdown_grace_seconds: u64,
    pub public_url: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseSettings {
    pub url: String,
    pub platform_url: String,
    pub owner_url: String,
    pub max_connections: u32,
    pub platform_max_connections: u32,
    pub acquire_timeout_ms: u64,
    pub statement_timeout_ms: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RedisSettings {
    pub url: String,
    pub key_prefix: String,
    pub response_timeout_ms: u64,
    pub connect_timeout_ms: u64,
    pub retry_after_ms: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CacheSettings {
    pub l1_ttl_ms: u64,
    pub l1_max_entries: usize,
    pub l2_ttl_seconds: u64,
    pub invalidation_wait_ms: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AuthSettings {
    pub session_ttl_hours: i64,
    pub max_failed_logins: i32,
    pub lockout_seconds: i64,
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    pub argon2_parallelism: u32,
    pub max_concurrent_hashes: usize,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TelemetrySettings {
    pub filter: String,
    pub format: String,
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
        let mut merged = read_toml(&dir.join("default.toml"))?;
        // A mistyped environment name must not silently run with local defaults.
        let env_file = dir.join(format!("{env}.toml"));
        merge(
            &mut merged,
            read_toml(&env_file).context("VENTANAS_ENV names no config file")?,
        );
        for (name, value) in vars {
            if let Some(path) = name.strip_prefix(ENV_PREFIX) {
                let keys: Vec<String> = path.split("__").map(str::to_lowercase).collect();
                set_path(&mut merged, &keys, &value)
                    .with_context(|| format!("environment variable {name}"))?;
            }
        }
        merged
            .try_into()
            .context("invalid configuration (see config/default.toml for every key)")
    }

    /// The runtime database URL with another database name, for tests and tooling.
    pub fn with_database_name(mut self, name: &str) -> Self {
        for url in [
            &mut self.database.url,
            &mut self.database.platform_url,
            &mut self.database.owner_url,
        ] {
            *url = replace_database_name(url, name);
        }
        self
    }
}

fn read_toml(path: &Path) -> anyhow::Result<toml::Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

/// Deep-merges `over` into `base`: tables merge key by key, anything else replaces.
fn merge(base: &mut toml::Value, over: toml::Value) {
    match (base, over) {
        (toml::Value::Table(base), toml::Value::Table(over)) => {
            for (key, value) in over {
                match base.get_mut(&key) {
                    Some(existing) => merge(existing, value),
                    None => {
                        base.insert(key, value);
                    }
                }
            }
        }
        (base, over) => *base = over,
    }
}

/// Sets `keys` to `raw`, keeping the type of the value it replaces: an env var is
/// always a string, but `port` must stay an integer.
fn set_path(root: &mut toml::Value, keys: &[String], raw: &str) -> anyhow::Result<()> {
    let (last, parents) = keys.split_last().context("empty key")?;
    let mut node = root;
    for key in parents {
        let table = node.as_table_mut().context("not a section")?;
        node = table
            .entry(key.clone())
            .or_insert_with(|| toml::Value::Table(toml::map::Map::new()));
    }
    let table = node.as_table_mut().context("not a section")?;
    let value = match table.get(last) {
        Some(toml::Value::Integer(_)) => toml::Value::Integer(
            raw.parse()
                .with_context(|| format!("{raw:?} is not an integer"))?,
        ),
        Some(toml::Value::Boolean(_)) => toml::Value::Boolean(
            raw.parse()
                .with_context(|| format!("{raw:?} is not true or false"))?,
        ),
        _ => toml::Value::String(raw.to_owned()),
    };
    table.insert(last.clone(), value);
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
mod tests {
    use super::*;

    fn config_dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config")
    }

    #[test]
    fn env_vars_override_files_and_keep_types() {
        let vars = vec![
            ("VENTANAS__SERVER__PORT".to_owned(), "9123".to_owned()),
            ("VENTANAS__REDIS__URL".to_owned(), String::new()),
            ("UNRELATED".to_owned(), "x".to_owned()),
        ];
        let settings = Settings::load_from(&config_dir(), "local", vars).expect("loads");
        assert_eq!(settings.server.port, 9123);
        assert_eq!(settings.redis.url, "");
        assert!(settings.database.url.contains("ventanas_app_local"));
    }

    #[test]
    fn a_non_numeric_port_is_a_clear_error() {
        let vars = vec![("VENTANAS__SERVER__PORT".to_owned(), "eighty".to_owned())];
        let err = Settings::load_from(&config_dir(), "local", vars).expect_err("must fail");
        assert!(format!("{err:#}").contains("VENTANAS__SERVER__PORT"));
    }

    #[test]
    fn an_unknown_environment_name_is_an_error() {
        let err = Settings::load_from(&config_dir(), "prod", Vec::new()).expect_err("must fail");
        assert!(format!("{err:#}").contains("prod.toml"), "{err:#}");
    }

    #[test]
    fn database_name_is_replaced_keeping_credentials_and_query() {
        assert_eq!(
            replace_database_name("postgres://u:p@h:5432/ventanas?sslmode=disable", "t1"),
            "postgres://u:p@h:5432/t1?sslmode=disable"
        );
        assert_eq!(
            replace_database_name("postgres://u@h", "t2"),
            "postgres://u@h/t2"
        );
    }
}
