//! `shopfleet-api`: the HTTP API of a Shopfleet shop. Handlers stay thin: they
//! extract, call the commerce library and respond.

pub mod assistant_commands;
pub mod backup_commands;
pub mod config;
pub mod http;
pub mod state;

use anyhow::Context;
use config::ApiSettings;
use shopfleet_platform::config::Validate;
use state::ApiContext;
use tokio::net::TcpListener;

/// Runs the API until SIGTERM/SIGINT: optional migrations, then serve.
pub async fn serve(settings: ApiSettings) -> anyhow::Result<()> {
    settings.validate()?;
    // Only the server needs the assistant's model; other commands check it where they use it.
    settings.assistant.validate()?;
    let addr = std::net::SocketAddr::new(settings.http.host, settings.http.port);
    let serve_options = settings.http.serve_options();
    let ctx = ApiContext::new(settings)?;
    if ctx.settings.migrate_on_start {
        shopfleet_commerce::db::migrate(&ctx.db).await?;
        tracing::info!("migrations applied");
    }
    bootstrap_admin(&ctx).await?;
    shopfleet_commerce::catalog::search::configure_in_background(ctx.catalog.search_index().clone());
    // Open the assistant (model, vector index and its sync) now rather than on the first request.
    ctx.open_assistant_in_background();
    let listener =
        TcpListener::bind(addr).await.with_context(|| format!("binding API_HOST:API_PORT {addr}"))?;
    tracing::info!(%addr, docs = ctx.settings.http.docs_enabled, "shopfleet-api listening");
    shopfleet_serve::serve(listener, http::app(ctx), shopfleet_platform::shutdown::signal(), serve_options)
        .await?;
    tracing::info!("shopfleet-api stopped");
    Ok(())
}

/// Creates the admin named by BOOTSTRAP_ADMIN_EMAIL / _PASSWORD if no admin exists yet.
async fn bootstrap_admin(ctx: &ApiContext) -> anyhow::Result<()> {
    let auth = &ctx.settings.auth;
    let (Some(email), Some(password)) = (&auth.bootstrap_admin_email, &auth.bootstrap_admin_password) else {
        return Ok(());
    };
    match ctx.accounts.bootstrap_admin(email, password.expose()).await {
        Ok(Some(admin)) => tracing::info!(user_id = %admin.id, "bootstrap admin created"),
        Ok(None) => tracing::debug!("an admin exists; bootstrap admin not created"),
        Err(err) => anyhow::bail!("BOOTSTRAP_ADMIN_EMAIL / BOOTSTRAP_ADMIN_PASSWORD: {err}"),
    }
    Ok(())
}
