//! The command line: `ventanas serve | migrate | citus distribute | tenants sync|export|import | platform-key ... | smoke`.
//!
//! Parsing reads no configuration, so `ventanas --help` and usage errors work
//! anywhere (a fresh checkout, a container without secrets); the binary loads
//! settings only once it has a command to run.

use std::path::PathBuf;

use anyhow::{bail, Context as _};
use clap::{Parser, Subcommand};
use secrecy::ExposeSecret as _;
use uuid::Uuid;

use crate::ids::PlatformKeyId;

use crate::auth::password::Passwords;
use crate::auth::{repo as auth_repo, token};
use crate::cache::{Cache, Scope};
use crate::config::Settings;
use crate::db::{self, Db};
use crate::startup::Application;
use crate::tenants::{archive, deletion, seed};

/// Shown after the command list, so that `--help` also says where settings come from.
const CONFIGURATION_HELP: &str = "\
Configuration: config/default.toml, then config/$VENTANAS_ENV.toml (VENTANAS_ENV: local,
test or production; default local), then environment variables VENTANAS__SECTION__KEY.
VENTANAS_CONFIG_DIR names another directory than config. Unknown keys are refused.";

/// Hosted multi-tenant quoting backend for window shops.
#[derive(Debug, Parser)]
#[command(name = "ventanas", version, after_help = CONFIGURATION_HELP)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

impl Cli {
    /// The command to run: `serve` when none is given.
    pub fn into_command(self) -> Command {
        self.command.unwrap_or(Command::Serve)
    }
}

/// A command to run.
#[derive(Debug, PartialEq, Eq, Subcommand)]
pub enum Command {
    /// Run the HTTP server (the default)
    Serve,
    /// Run database migrations as the owner role
    Migrate,
    /// A Citus cluster's schema (run after migrate)
    #[command(subcommand)]
    Citus(CitusCommand),
    /// Tenant manifests and the global catalogue
    #[command(subcommand)]
    Tenants(TenantsCommand),
    /// Platform API keys
    #[command(subcommand)]
    PlatformKey(PlatformKeyCommand),
    /// Verify a running deployment on a canary tenant (run after every deploy)
    Smoke {
        /// The deployment's base URL, e.g. https://ventanas.example.com
        #[arg(long, value_name = "URL")]
        url: String,
        /// A platform API key (better from the environment than on the command line)
        #[arg(
            long,
            value_name = "KEY",
            env = "VENTANAS_SMOKE_PLATFORM_KEY",
            hide_env_values = true
        )]
        platform_key: String,
        /// The canary tenant's slug (onboarded on first use)
        #[arg(long, value_name = "SLUG", default_value = "smoke-canary")]
        tenant: String,
    },
}

impl Command {
    /// Whether the command runs without the service's configuration: `smoke` only
    /// talks HTTP to a deployment.
    pub fn needs_settings(&self) -> bool {
        !matches!(self, Command::Smoke { .. })
    }
}

/// Runs `ventanas smoke`: every step printed, the first failure returned.
pub async fn smoke(command: Command) -> anyhow::Result<()> {
    let Command::Smoke {
        url,
        platform_key,
        tenant,
    } = command
    else {
        bail!("not the smoke command");
    };
    let options = crate::ops::smoke::Options {
        url,
        platform_key: platform_key.into(),
        tenant,
    };
    let passed = crate::ops::smoke::run(&options).await?;
    println!("smoke: all {} steps passed", passed.len());
    Ok(())
}

/// `ventanas tenants ...`.
#[derive(Debug, PartialEq, Eq, Subcommand)]
pub enum TenantsCommand {
    /// Upsert the global catalogue and the tenant manifests
    Sync {
        /// Directory holding global.toml and the tenant manifests
        #[arg(long, value_name = "DIR", default_value = "tenants")]
        dir: PathBuf,
    },
    /// Write all of a shop's data as a versioned JSON archive to standard output
    Export {
        /// The shop's slug
        slug: String,
    },
    /// Create a shop from an archive written by `tenants export` (as the owner role)
    Import {
        /// The archive's path, or - for standard input
        file: PathBuf,
    },
    /// Remove for good the shops deleted longer ago than the grace period (as the owner role)
    Purge {
        /// Days a deleted shop stays restorable
        #[arg(long, value_name = "DAYS", default_value_t = crate::tenants::deletion::DEFAULT_GRACE_DAYS)]
        grace_days: u32,
        /// Only list the shops that would be purged
        #[arg(long)]
        dry_run: bool,
    },
}

/// `ventanas citus ...`.
#[derive(Debug, PartialEq, Eq, Subcommand)]
pub enum CitusCommand {
    /// Distribute the tenant tables by tenant_id and make the global catalogue
    /// reference tables, as the owner role on the coordinator (idempotent)
    Distribute,
}

/// `ventanas platform-key ...`.
#[derive(Debug, PartialEq, Eq, Subcommand)]
pub enum PlatformKeyCommand {
    /// Create a platform API key and print it once
    Create {
        /// What the key is for, 1 to 100 characters
        #[arg(long, value_name = "NAME", value_parser = key_name)]
        name: String,
    },
    /// List platform API keys (never the secrets)
    List,
    /// Revoke a platform API key
    Revoke {
        /// The key's id, as `platform-key list` shows it
        #[arg(long, value_name = "UUID")]
        id: Uuid,
    },
}

/// A key name, trimmed, of 1 to 100 characters: checked here, before any
/// configuration or connection, rather than by the database's CHECK
/// (`length(name) BETWEEN 1 AND 100`, which counts characters, not bytes).
fn key_name(raw: &str) -> Result<String, String> {
    let name = raw.trim();
    if (1..=100).contains(&name.chars().count()) {
        Ok(name.to_owned())
    } else {
        Err("must be 1 to 100 characters".to_owned())
    }
}

/// Runs a command to completion.
pub async fn run(command: Command, settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::Smoke { .. } => smoke(command).await?,
        Command::Serve => {
            let app = Application::build(settings).await?;
            app.run_until_stopped().await?;
        }
        Command::Migrate => {
            db::migrate(&settings.database.owner_url).await?;
            println!("migrations applied");
        }
        Command::Citus(CitusCommand::Distribute) => {
            let owner = sqlx::PgPool::connect(settings.database.owner_url.expose_secret())
                .await
                .context("connecting as the owner role (database.owner_url)")?;
            let started = std::time::Instant::now();
            let report = db::citus::distribute(&owner).await?;
            println!(
                "distributed {} tables by tenant_id and made {} reference tables in {:.1}s; \
                 {} were already",
                report.distributed.len(),
                report.reference.len(),
                started.elapsed().as_secs_f64(),
                report.already
            );
        }
        Command::Tenants(command) => tenants(command, settings).await?,
        Command::PlatformKey(PlatformKeyCommand::Create { name }) => {
            let db = Db::connect_lazy(&settings.database)?;
            let key = token::new_platform_key();
            let id = PlatformKeyId::new_random();
            auth_repo::insert_platform_key(&db.platform, id, &name, &token::digest(&key)).await?;
            eprintln!("platform key {id} ({name}) created; it is shown only once:");
            println!("{key}");
        }
        Command::PlatformKey(PlatformKeyCommand::List) => {
            let db = Db::connect_lazy(&settings.database)?;
            for (id, name, created, used, revoked) in
                auth_repo::list_platform_keys(&db.platform).await?
            {
                let used = used.map_or_else(|| "never".to_owned(), |t| t.to_rfc3339());
                let state = revoked.map_or_else(
                    || "active".to_owned(),
                    |t| format!("revoked {}", t.to_rfc3339()),
                );
                println!(
                    "{id}  {name}  created {}  last used {used}  {state}",
                    created.to_rfc3339()
                );
            }
        }
        Command::PlatformKey(PlatformKeyCommand::Revoke { id }) => {
            let db = Db::connect_lazy(&settings.database)?;
            if !auth_repo::revoke_platform_key(&db.platform, PlatformKeyId(id)).await? {
                bail!("no active platform key {id}");
            }
            println!("platform key {id} revoked");
        }
    }
    Ok(())
}

/// Runs `ventanas tenants ...`.
async fn tenants(command: TenantsCommand, settings: Settings) -> anyhow::Result<()> {
    match command {
        TenantsCommand::Sync { dir } => {
            let db = Db::connect_lazy(&settings.database)?;
            let passwords = Passwords::new(&settings.auth)?;
            let report = seed::sync_all(&db, &passwords, &dir).await?;
            // Running servers must not keep serving what the sync replaced.
            let cache = Cache::new(&settings.redis, &settings.cache)?;
            cache.invalidate(Scope::Global).await;
            println!(
                "synced {} default materials; created {} tenants and {} users; set {} tenant prices",
                report.materials, report.tenants_created, report.users_created, report.prices_set
            );
        }
        TenantsCommand::Export { slug } => {
            let db = Db::connect_lazy(&settings.database)?;
            let archive = archive::export(&db.app, &db.platform, &slug).await?;
            let mut out = std::io::stdout().lock();
            serde_json::to_writer(&mut out, &archive)?;
            std::io::Write::write_all(&mut out, b"\n")?;
            let rows: usize = archive.tables.iter().map(|t| t.rows.len()).sum();
            eprintln!(
                "exported {slug}: {rows} rows in {} tables",
                archive.tables.len()
            );
        }
        TenantsCommand::Import { file } => {
            let text = if file.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin())?
            } else {
                std::fs::read_to_string(&file)
                    .with_context(|| format!("reading {}", file.display()))?
            };
            let archive: archive::Archive =
                serde_json::from_str(&text).context("the file is not a tenant archive")?;
            let owner = db::connect_owner(&settings.database).await?;
            let done = archive::import(&owner, &archive).await?;
            println!(
                "imported {} ({}): {} rows",
                done.slug, done.tenant, done.rows
            );
        }
        TenantsCommand::Purge {
            grace_days,
            dry_run,
        } => {
            let owner = db::connect_owner(&settings.database).await?;
            let cutoff = deletion::cutoff(chrono::Utc::now(), grace_days);
            let purged = deletion::purge(&owner, cutoff, dry_run).await?;
            for p in &purged {
                let deleted = p
                    .tenant
                    .deleted_at
                    .map(|t| t.to_rfc3339())
                    .unwrap_or_default();
                let what = if dry_run { "would purge" } else { "purged" };
                println!(
                    "{what} {} ({}), deleted {deleted}: {} rows",
                    p.tenant.slug, p.tenant.id, p.rows
                );
            }
            println!(
                "{} shops deleted before {}",
                purged.len(),
                cutoff.to_rfc3339()
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::error::ErrorKind;
    use clap::CommandFactory as _;

    use super::*;

    fn parse(line: &str) -> Result<Command, clap::Error> {
        Cli::try_parse_from(std::iter::once("ventanas").chain(line.split_whitespace()))
            .map(Cli::into_command)
    }

    fn error_kind(line: &str) -> Option<ErrorKind> {
        parse(line).err().map(|err| err.kind())
    }

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn commands_parse() {
        assert_eq!(parse("").ok(), Some(Command::Serve));
        assert_eq!(parse("serve").ok(), Some(Command::Serve));
        assert_eq!(parse("migrate").ok(), Some(Command::Migrate));
        assert_eq!(
            parse("citus distribute").ok(),
            Some(Command::Citus(CitusCommand::Distribute))
        );
        assert_eq!(
            parse("tenants sync").ok(),
            Some(Command::Tenants(TenantsCommand::Sync {
                dir: "tenants".into()
            }))
        );
        assert_eq!(
            parse("tenants sync --dir /srv/tenants").ok(),
            Some(Command::Tenants(TenantsCommand::Sync {
                dir: "/srv/tenants".into()
            }))
        );
        assert_eq!(
            parse("platform-key create --name ops").ok(),
            Some(Command::PlatformKey(PlatformKeyCommand::Create {
                name: "ops".into()
            }))
        );
        assert_eq!(
            parse("platform-key list").ok(),
            Some(Command::PlatformKey(PlatformKeyCommand::List))
        );
        let id = Uuid::new_v4();
        assert_eq!(
            parse(&format!("platform-key revoke --id {id}")).ok(),
            Some(Command::PlatformKey(PlatformKeyCommand::Revoke { id }))
        );
        assert_eq!(
            parse("tenants export norte").ok(),
            Some(Command::Tenants(TenantsCommand::Export {
                slug: "norte".into()
            }))
        );
        assert_eq!(
            parse("tenants import -").ok(),
            Some(Command::Tenants(TenantsCommand::Import {
                file: "-".into()
            }))
        );
        let smoke = parse("smoke --url https://v.example.com --platform-key vtp.k").ok();
        assert_eq!(
            smoke,
            Some(Command::Smoke {
                url: "https://v.example.com".into(),
                platform_key: "vtp.k".into(),
                tenant: "smoke-canary".into()
            })
        );
        assert!(!smoke.expect("parsed").needs_settings());
        assert!(Command::Serve.needs_settings());
    }

    #[test]
    fn help_is_a_command_line_matter() {
        for line in [
            "--help",
            "-h",
            "help",
            "migrate --help",
            "tenants sync --help",
            "platform-key create --help",
            "help platform-key revoke",
        ] {
            assert_eq!(error_kind(line), Some(ErrorKind::DisplayHelp), "{line}");
        }
        // `tenants` and `platform-key` alone need a subcommand: clap shows their help.
        assert_eq!(
            error_kind("platform-key"),
            Some(ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand)
        );
    }

    #[test]
    fn unknown_commands_and_flags_are_refused() {
        assert_eq!(error_kind("frobnicate"), Some(ErrorKind::InvalidSubcommand));
        assert_eq!(
            error_kind("serve --port 9000"),
            Some(ErrorKind::UnknownArgument)
        );
        assert_eq!(error_kind("--verbose"), Some(ErrorKind::UnknownArgument));
        assert_eq!(
            error_kind("tenants sync --dri x"),
            Some(ErrorKind::UnknownArgument)
        );
        assert_eq!(
            error_kind("platform-key delete --id x"),
            Some(ErrorKind::InvalidSubcommand)
        );
    }

    #[test]
    fn platform_key_arguments_are_validated() {
        assert_eq!(
            error_kind("platform-key create"),
            Some(ErrorKind::MissingRequiredArgument)
        );
        assert_eq!(
            error_kind("platform-key revoke --id nope"),
            Some(ErrorKind::ValueValidation)
        );
        assert_eq!(
            error_kind("platform-key revoke"),
            Some(ErrorKind::MissingRequiredArgument)
        );
        let name = |name: &str| {
            Cli::try_parse_from(["ventanas", "platform-key", "create", "--name", name])
                .map(Cli::into_command)
        };
        assert!(name("").is_err());
        assert!(name("   ").is_err());
        assert!(name(&"x".repeat(101)).is_err());
        // Characters, not bytes: 100 of `ñ` are 200 bytes and fit the column.
        assert_eq!(
            name(&format!("  {}  ", "ñ".repeat(100))).ok(),
            Some(Command::PlatformKey(PlatformKeyCommand::Create {
                name: "ñ".repeat(100)
            }))
        );
    }
}
