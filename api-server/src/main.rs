//! Command line of `shopfleet-api`: `serve` (the default), `migrate`, `create-admin`, `seed-demo`,
//! `reindex-search`, `reindex-vectors` and `eval-assistant`.

use clap::{Parser, Subcommand};
use shopfleet_api::config::ApiSettings;
use shopfleet_commerce::catalog::search::SearchSettings;
use shopfleet_env_names as env_names;
use shopfleet_platform::config::{DatabaseSettings, TelemetrySettings, Validate};

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
    /// Load the deterministic demo shop into an empty catalog. Demo accounts use DEMO_PASSWORD.
    SeedDemo {
        /// Number of products.
        #[arg(long, default_value_t = 1000)]
        products: usize,
        #[arg(long, default_value_t = 10)]
        merchants: usize,
        #[arg(long, default_value_t = 20)]
        shoppers: usize,
        /// Seed of the generator: the same seed gives the same shop.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Password of every demo account (no built-in default).
        #[arg(long, env = env_names::DEMO_PASSWORD, hide_env_values = true)]
        demo_password: shopfleet_platform::secret::Secret,
        #[command(flatten)]
        settings: Box<ApiSettings>,
    },
    /// Recompute the vector of every published product (after seed-demo or a model change).
    ReindexVectors {
        /// Embed every product again, even those whose stored vector is current (e.g. for a new Qdrant server).
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        settings: Box<ApiSettings>,
    },
    /// Report nDCG@10 and recall@10 of full text, vectors and hybrid retrieval over the
    /// labelled query set (needs the demo shop: seed-demo, then reindex-vectors).
    EvalAssistant {
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
    /// Move a backup of the database between a file and an S3-compatible bucket (the
    /// operator's backup CronJob and restore Job run it beside pg_dump and pg_restore).
    Backup {
        #[command(subcommand)]
        command: shopfleet_api::backup_commands::BackupCommand,
        #[command(flatten)]
        telemetry: TelemetrySettings,
    },
    /// Rebuild the search index from every published product, in batches, and exit
    /// (the postgres backend needs none and only says so).
    ReindexSearch {
        #[command(flatten)]
        telemetry: TelemetrySettings,
        #[command(flatten)]
        database: DatabaseSettings,
        #[command(flatten)]
        search: SearchSettings,
    },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let telemetry = match &cli.command {
        Some(Command::Serve(settings)) => settings.telemetry.clone(),
        Some(Command::Migrate { telemetry, .. }) => telemetry.clone(),
        Some(Command::ReindexSearch { telemetry, .. }) => telemetry.clone(),
        Some(Command::Backup { telemetry, .. }) => telemetry.clone(),
        Some(Command::CreateAdmin { settings, .. }) => settings.telemetry.clone(),
        Some(Command::SeedDemo { settings, .. }) => settings.telemetry.clone(),
        Some(Command::ReindexVectors { settings, .. } | Command::EvalAssistant { settings }) => {
            settings.telemetry.clone()
        }
        None => cli.serve.telemetry.clone(),
    };
    let _guard = match shopfleet_platform::telemetry::init(&telemetry, "shopfleet-api") {
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
        Some(Command::ReindexSearch { database, search, .. }) => reindex_search(database, search).await,
        Some(Command::Backup { command, .. }) => shopfleet_api::backup_commands::run(command).await,
        Some(Command::CreateAdmin { email, settings }) => create_admin(&email, *settings).await,
        Some(Command::SeedDemo { products, merchants, shoppers, seed, demo_password, settings }) => {
            let spec = shopfleet_commerce::catalog::demo::DemoSpec { products, merchants, shoppers, seed };
            seed_demo(&spec, demo_password.expose(), *settings).await
        }
        Some(Command::ReindexVectors { force, settings }) => {
            shopfleet_api::assistant_commands::reindex(*settings, force).await
        }
        Some(Command::EvalAssistant { settings }) => {
            shopfleet_api::assistant_commands::evaluate(*settings).await
        }
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
    let pool = shopfleet_platform::db::connect_lazy(&database)?;
    shopfleet_commerce::db::migrate(&pool).await?;
    tracing::info!("migrations applied");
    Ok(())
}

async fn reindex_search(database: DatabaseSettings, search: SearchSettings) -> anyhow::Result<()> {
    database.validate()?;
    search.validate()?;
    let pool = shopfleet_platform::db::connect_lazy(&database)?;
    let summary = search.index()?.reindex(&pool).await?;
    tracing::info!(summary, "search re-index finished");
    println!("{summary}");
    Ok(())
}

async fn create_admin(email: &str, settings: ApiSettings) -> anyhow::Result<()> {
    settings.validate()?;
    let password = match std::env::var(env_names::ADMIN_PASSWORD) {
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

async fn seed_demo(
    spec: &shopfleet_commerce::catalog::demo::DemoSpec,
    password: &str,
    settings: ApiSettings,
) -> anyhow::Result<()> {
    settings.database.validate()?;
    let pool = shopfleet_platform::db::connect_lazy(&settings.database)?;
    let hasher = shopfleet_commerce::accounts::password::PasswordHasherService::new(&settings.auth)?;
    match shopfleet_commerce::catalog::demo::load(&pool, &hasher, spec, password).await {
        Ok(summary) => {
            tracing::info!(?summary, "demo shop loaded");
            Ok(())
        }
        Err(shopfleet_domain::DomainError::Conflict { detail, .. }) => {
            tracing::info!("demo shop not loaded: {detail}");
            Ok(())
        }
        Err(err) => Err(anyhow::anyhow!("{err}")),
    }
}
