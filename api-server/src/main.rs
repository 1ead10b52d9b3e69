//! Command line of `shopfleet-api`: `serve` (the default) and `migrate`.

use clap::{Parser, Subcommand};
use shopfleet_api::config::ApiSettings;
use shopfleet_commerce::config::{DatabaseSettings, TelemetrySettings, Validate};

#[derive(Parser)]
#[command(name = "shopfleet-api", version, about = "The HTTP API of a Shopfleet shop")]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ApiSettings,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (the default when no command is given).
    Serve(Box<ApiSettings>),
    /// Apply pending database migrations and exit.
    Migrate {
        #[command(flatten)]
        telemetry: TelemetrySettings,
        #[command(flatten)]
        database: DatabaseSettings,
    },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let telemetry = match &cli.command {
        Some(Command::Serve(settings)) => settings.telemetry.clone(),
        Some(Command::Migrate { telemetry, .. }) => telemetry.clone(),
        None => cli.serve.telemetry.clone(),
    };
    let _guard = match shopfleet_commerce::telemetry::init(&telemetry, "shopfleet-api") {
        Ok(guard) => guard,
        Err(err) => {
            eprintln!("shopfleet-api: {err:#}");
            return std::process::ExitCode::from(2);
        }
    };
    let result = match cli.command {
        Some(Command::Serve(settings)) => shopfleet_api::serve(*settings).await,
        None => shopfleet_api::serve(cli.serve).await,
        Some(Command::Migrate { database, .. }) => migrate(database).await,
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = format!("{err:#}"), "shopfleet-api failed");
            eprintln!("shopfleet-api: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn migrate(database: DatabaseSettings) -> anyhow::Result<()> {
    database.validate()?;
    let pool = shopfleet_commerce::db::connect_lazy(&database)?;
    shopfleet_commerce::db::migrate(&pool).await?;
    tracing::info!("migrations applied");
    Ok(())
}
