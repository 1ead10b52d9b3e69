//! Command line of `shopfleet-worker`.

use clap::Parser;
use shopfleet_worker::config::WorkerSettings;

#[derive(Parser)]
#[command(
    name = "shopfleet-worker",
    version,
    about = "Event consumers and scheduled jobs of a Shopfleet shop"
)]
struct Cli {
    #[command(flatten)]
    settings: WorkerSettings,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let _guard = match shopfleet_platform::telemetry::init(&cli.settings.telemetry, "shopfleet-worker") {
        Ok(guard) => guard,
        Err(err) => {
            eprintln!("shopfleet-worker: {err:#}");
            return std::process::ExitCode::from(2);
        }
    };
    match shopfleet_worker::run(cli.settings).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = format!("{err:#}"), "shopfleet-worker failed");
            eprintln!("shopfleet-worker: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
