//! Command line of `shopfleet-api`: `serve` (the default), `migrate` and `create-admin`.

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
    /// Create an admin account. The password is read from ADMIN_PASSWORD or, if unset, from stdin.
    CreateAdmin {
        /// E-mail address of the new admin.
        #[arg(long)]
        email: String,
        #[command(flatten)]
        settings: Box<ApiSettings>,
    },
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
        Some(Command::CreateAdmin { settings, .. }) => settings.telemetry.clone(),
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
        Some(Command::CreateAdmin { email, settings }) => create_admin(&email, *settings).await,
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

async fn create_admin(email: &str, settings: ApiSettings) -> anyhow::Result<()> {
    settings.validate()?;
    let password = match std::env::var("ADMIN_PASSWORD") {
        Ok(password) => password,
        Err(_) => {
            eprintln!("password for {email} (from stdin):");
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    let ctx = shopfleet_api::state::ApiContext::new(settings)?;
    let admin = ctx.accounts.create_admin(email, &password).await.map_err(|err| anyhow::anyhow!("{err}"))?;
    tracing::info!(user_id = %admin.id, email = %admin.email, "admin created");
    println!("{}", admin.id);
    Ok(())
}
