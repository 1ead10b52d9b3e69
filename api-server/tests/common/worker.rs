//! The worker in the test's own process, on the app's database, Redis prefix and local
//! state, in Postgres mode (outbox polled every 100 ms), with the handlers a test keeps;
//! and `eventually`, for what the worker does a moment later.

use super::TestApp;
use std::time::Duration;

#[derive(clap::Parser)]
struct WorkerArgs {
    #[command(flatten)]
    settings: shopfleet_worker::config::WorkerSettings,
}

pub struct Worker {
    stop: tokio::sync::watch::Sender<bool>,
    tasks: tokio::task::JoinSet<()>,
}

impl Worker {
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        while self.tasks.join_next().await.is_some() {}
    }
}

/// Starts the worker with those of its default handlers named in `handlers` (each must be
/// registered). It shares the app's media store (directory or bucket).
pub async fn start_worker(app: &TestApp, handlers: &[&str]) -> Worker {
    use clap::Parser;
    let app_settings = &app.ctx.settings;
    let args = WorkerArgs::try_parse_from([
        "shopfleet-worker".to_owned(),
        format!("--database-url={}", app_settings.database.url.expose()),
        format!("--redis-url={}", super::redis_url()),
        format!("--redis-key-prefix={}", app_settings.redis.key_prefix),
        "--outbox-poll-ms=100".to_owned(),
        format!("--data-dir={}", app_settings.assistant.data_dir.join("worker").display()),
        format!("--media-dir={}", app_settings.assistant.data_dir.join("media").display()),
    ])
    .unwrap();
    let mut settings = args.settings;
    settings.media.s3 = app_settings.media.s3.clone();
    let state = shopfleet_worker::probe_state(&settings).unwrap();
    let (stop, stop_rx) = tokio::sync::watch::channel(false);
    let kept: Vec<_> = shopfleet_worker::default_handlers(&settings)
        .into_iter()
        .filter(|h| handlers.contains(&h.name()))
        .collect();
    assert_eq!(kept.len(), handlers.len(), "every handler in {handlers:?} is registered");
    let tasks = shopfleet_worker::start(&settings, &state, kept, stop_rx).await.unwrap();
    Worker { stop, tasks }
}

/// Waits up to a minute for `check` to hold.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while tokio::time::Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting until {what}");
}
