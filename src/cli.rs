//! The command line: `ventanas serve | migrate | tenants sync | platform-key ...`.

use std::path::PathBuf;

use anyhow::{bail, Context as _};
use uuid::Uuid;

use crate::auth::password::Passwords;
use crate::auth::{repo as auth_repo, token};
use crate::cache::{Cache, Scope};
use crate::config::Settings;
use crate::db::{self, Db};
use crate::startup::Application;
use crate::tenants::seed;

/// Usage text.
pub const USAGE: &str = "\
usage: ventanas <command>

commands:
  serve                              run the HTTP server (default)
  migrate                            run database migrations as the owner role
  tenants sync [--dir DIR]           upsert the global catalogue and tenant manifests (default dir: tenants)
  platform-key create --name NAME    create a platform API key and print it once
  platform-key list                  list platform API keys (never the secrets)
  platform-key revoke --id ID        revoke a platform API key

configuration: config/default.toml, config/$VENTANAS_ENV.toml, VENTANAS__SECTION__KEY";

/// A parsed command line.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    Serve,
    Migrate,
    TenantsSync { dir: PathBuf },
    PlatformKeyCreate { name: String },
    PlatformKeyList,
    PlatformKeyRevoke { id: Uuid },
    Help,
}

/// Parses arguments (without the program name).
pub fn parse(args: &[String]) -> anyhow::Result<Command> {
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    let flag = |name: &str| -> anyhow::Result<Option<&str>> {
        match words.iter().position(|w| *w == name) {
            Some(i) => words
                .get(i + 1)
                .copied()
                .map(Some)
                .with_context(|| format!("{name} needs a value")),
            None => Ok(None),
        }
    };
    Ok(match words.as_slice() {
        [] | ["serve"] => Command::Serve,
        ["migrate"] => Command::Migrate,
        ["tenants", "sync", ..] => Command::TenantsSync {
            dir: PathBuf::from(flag("--dir")?.unwrap_or("tenants")),
        },
        ["platform-key", "create", ..] => {
            let name = flag("--name")?.context("platform-key create needs --name NAME")?;
            if name.trim().is_empty() || name.len() > 100 {
                bail!("--name must be 1 to 100 characters");
            }
            Command::PlatformKeyCreate {
                name: name.to_owned(),
            }
        }
        ["platform-key", "list"] => Command::PlatformKeyList,
        ["platform-key", "revoke", ..] => {
            let id = flag("--id")?.context("platform-key revoke needs --id ID")?;
            Command::PlatformKeyRevoke {
                id: id.parse().context("--id must be a uuid")?,
            }
        }
        ["help" | "--help" | "-h"] => Command::Help,
        _ => bail!("unknown command: {}\n\n{USAGE}", words.join(" ")),
    })
}

/// Runs a command to completion.
pub async fn run(command: Command, settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::Help => println!("{USAGE}"),
        Command::Serve => {
            let app = Application::build(settings).await?;
            app.run_until_stopped().await?;
        }
        Command::Migrate => {
            db::migrate(&settings.database.owner_url).await?;
            println!("migrations applied");
        }
        Command::TenantsSync { dir } => {
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
        Command::PlatformKeyCreate { name } => {
            let db = Db::connect_lazy(&settings.database)?;
            let key = token::new_platform_key();
            let id = Uuid::new_v4();
            auth_repo::insert_platform_key(&db.platform, id, name.trim(), &token::digest(&key))
                .await?;
            eprintln!("platform key {id} ({name}) created; it is shown only once:");
            println!("{key}");
        }
        Command::PlatformKeyList => {
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
        Command::PlatformKeyRevoke { id } => {
            let db = Db::connect_lazy(&settings.database)?;
            if !auth_repo::revoke_platform_key(&db.platform, id).await? {
                bail!("no active platform key {id}");
            }
            println!("platform key {id} revoked");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn commands_parse() {
        assert_eq!(parse(&args("")).ok(), Some(Command::Serve));
        assert_eq!(
            parse(&args("tenants sync")).ok(),
            Some(Command::TenantsSync {
                dir: "tenants".into()
            })
        );
        assert_eq!(
            parse(&args("platform-key create --name ops")).ok(),
            Some(Command::PlatformKeyCreate { name: "ops".into() })
        );
        assert!(parse(&args("platform-key create")).is_err());
        assert!(parse(&args("platform-key revoke --id nope")).is_err());
        assert!(parse(&args("frobnicate")).is_err());
    }
}
