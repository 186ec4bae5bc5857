//! The `ventanas` binary: parses the command line and hands over to the library.

use ventanas::cli;
use ventanas::config::Settings;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = async {
        let command = cli::parse(&args)?;
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
