//! The `ventanas` binary: parses the command line, then loads settings, starts
//! logging and hands over to the library.

use clap::Parser as _;
use ventanas::cli::{self, Cli};
use ventanas::config::Settings;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // Before anything else: `--help` and usage errors need no configuration. clap
    // prints them and exits (0 for help, 2 for a usage error).
    let command = Cli::parse().into_command();
    let outcome = async {
        if !command.needs_settings() {
            return cli::smoke(command).await;
        }
        let settings = Settings::load()?;
        ventanas::telemetry::init(&settings.telemetry);
        cli::run(command, settings).await
    }
    .await;
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
