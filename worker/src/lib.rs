//! `shopfleet-worker`: moves events from the outbox to their handlers (through Kafka, or
//! straight from Postgres without it), runs the scheduled jobs, sends mail and replays
//! dead letters. It serves `/health`, `/ready` and `/metrics` on its own port.
//!
//! - [`pipeline`]: outbox partitions, the Kafka relay and consumers, the Postgres mode.
//! - [`dispatch`]: one event to one handler: idempotent, retried, dead-lettered.
//! - [`scheduler`] + [`jobs`]: cron jobs that run once per tick across replicas.
//! - [`mail`]: notification e-mail (templates, queue, SMTP or files).
//! - [`search_index`]: keeps a Meilisearch index in step with the catalog.
//! - [`replay`]: dead letters replayed on request of the admin API.
//! - [`lag`]: consumer lag snapshots.
//! - [`vectors`]: product vectors for the shopping assistant.

pub mod config;
pub mod dispatch;
pub mod images;
pub mod jobs;
pub mod lag;
pub mod mail;
pub mod pipeline;
pub mod replay;
pub mod scheduler;
pub mod search_index;
pub mod vectors;

use anyhow::Context;
use axum::{routing::get, Router};
use config::WorkerSettings;
use dispatch::{DeadLetterSink, Dispatcher};
use pipeline::{consumer::HandlerConsumer, direct::DirectSink, outbox::BatchSink, relay::KafkaRelay};
use scheduler::Job;
use shopfleet_commerce::{
    catalog::{
        cache::{CatalogCache, DEFAULT_TTL_SECS},
        images::ProductImages,
        search::{self, SearchBackend},
    },
    events::Handler,
    workflows::Workflows,
};
use shopfleet_env_names as env_names;
use shopfleet_payment_simulator::{Delivery, SimulatedProvider};
use shopfleet_platform::{
    config::Validate,
    db, kafka,
    probes::{self, ProbeState},
    readiness::Readiness,
    redis_conn::RedisConn,
};
use std::{sync::Arc, time::Duration};
use tokio::{
    sync::{watch, Notify},
    task::JoinSet,
};

/// How often each worker looks for dead letters to replay.
const REPLAY_INTERVAL: Duration = Duration::from_secs(2);

/// The worker's probe server: `/health`, `/ready`, `/metrics`.
pub fn probe_router(state: ProbeState) -> Router {
    Router::new()
        .route("/health", get(probes::health))
        .route("/ready", get(probes::ready))
        .route("/metrics", get(probes::metrics))
        .with_state(state)
}

/// Builds the worker's probe state from its settings (connections are lazy).
pub fn probe_state(settings: &WorkerSettings) -> anyhow::Result<ProbeState> {
    let db = db::connect_lazy(&settings.database)?;
    let redis = RedisConn::new(&settings.redis)?;
    Ok(ProbeState {
        readiness: Readiness {
            db,
            redis,
            kafka: kafka::client_config(&settings.kafka),
            timeout: settings.readiness.timeout(),
        },
        metrics: shopfleet_platform::metrics::handle(),
    })
}

/// The handlers this worker runs with its settings.
pub fn default_handlers(settings: &WorkerSettings) -> Vec<Arc<dyn Handler>> {
    let mut handlers: Vec<Arc<dyn Handler>> = Vec::new();
    if settings.mail.smtp_url.is_some() || settings.mail.mail_dir.is_some() {
        handlers.push(Arc::new(mail::handler::EmailNotifications {
            templates: mail::templates::Templates::new(),
        }));
    } else {
        tracing::warn!("neither SMTP_URL nor MAIL_DIR is set: notification e-mail is off");
    }
    if settings.search.backend == SearchBackend::Meilisearch {
        match settings.search.index() {
            Ok(index) => handlers.push(Arc::new(search_index::SearchIndexSync { index })),
            Err(err) => tracing::error!(error = format!("{err:#}"), "search index sync is off"),
        }
    }
    match image_processing(settings) {
        Ok(images) => handlers.push(Arc::new(images)),
        Err(err) => tracing::error!(error = format!("{err:#}"), "product image processing is off"),
    }
    match shopfleet_assistant::indexer::Indexer::from_settings(&settings.assistant) {
        Ok(indexer) => handlers.push(Arc::new(vectors::VectorIndexing { indexer })),
        Err(err) => tracing::error!(error = format!("{err:#}"), "product vector indexing is off"),
    }
    handlers
}

/// The `images` handler with its own (lazily connected) pool, cache and media store.
fn image_processing(settings: &WorkerSettings) -> anyhow::Result<images::ImageProcessing> {
    let db = shopfleet_platform::db::connect_lazy(&settings.database)?;
    let cache =
        CatalogCache::new(shopfleet_platform::redis_conn::RedisConn::new(&settings.redis)?, DEFAULT_TTL_SECS);
    let store = settings.media.open(&settings.assistant.data_dir)?;
    Ok(images::ImageProcessing { images: ProductImages::new(db, store, settings.media.limits(), cache) })
}

/// The scheduled jobs with their configured schedules.
pub fn jobs(settings: &WorkerSettings, state: &ProbeState) -> anyhow::Result<Vec<Job>> {
    let db = state.readiness.db.clone();
    let cache = CatalogCache::new(state.readiness.redis.clone(), DEFAULT_TTL_SECS);
    let provider = Arc::new(SimulatedProvider::new(db.clone(), settings.payments.settle_delay()));
    let workflows = Workflows::new(db.clone(), provider, cache);
    let schedules = &settings.schedules;
    let events = settings.events.clone();
    let index = settings.search.index()?;
    Ok(vec![
        Job::new("expire_reservations", schedules.expire_reservations.cron.clone(), {
            let workflows = workflows.clone();
            move || jobs::expire_reservations(workflows.clone())
        }),
        Job::new("expire_orders", schedules.expire_orders.cron.clone(), {
            let workflows = workflows.clone();
            move || jobs::expire_orders(workflows.clone())
        }),
        Job::new("prune", schedules.prune.cron.clone(), {
            let db = db.clone();
            move || jobs::prune(db.clone())
        }),
        Job::new("reindex_search", schedules.reindex.cron.clone(), {
            let db = db.clone();
            move || jobs::reindex_search(db.clone(), index.clone())
        }),
        Job::new("measure_lag", schedules.measure_lag.cron.clone(), {
            let db = db.clone();
            move || jobs::measure_lag(db.clone(), events.clone())
        }),
        Job::new("payments", schedules.payments.cron.clone(), {
            let secrets = settings.payments.active_webhook_secrets().into_iter().cloned().collect();
            let delivery = Delivery::new(settings.payments_webhook_url.clone(), secrets)?;
            move || jobs::run_payments(db.clone(), workflows.clone(), delivery.clone())
        }),
    ])
}

/// Starts every background task of the worker: the event pipeline (Kafka or Postgres
/// mode), the scheduler, the mail sender and the dead-letter replayer. They run until
/// `stop` turns true.
pub async fn start(
    settings: &WorkerSettings,
    state: &ProbeState,
    handlers: Vec<Arc<dyn Handler>>,
    stop: watch::Receiver<bool>,
) -> anyhow::Result<JoinSet<()>> {
    let db = state.readiness.db.clone();
    let events = settings.events.clone();
    dispatch::export_counters_at_zero(&handlers);
    let mut tasks = JoinSet::new();
    let wake = Arc::new(Notify::new());
    tasks.spawn(pipeline::outbox::listen(db.clone(), wake.clone(), stop.clone()));

    let sink: Arc<dyn BatchSink> = match kafka::client_config(&settings.kafka) {
        Some(base) => {
            let prefix = settings.kafka.topic_prefix.clone();
            if let Err(err) = pipeline::relay::ensure_topics(&base, &prefix, 3).await {
                tracing::warn!(
                    error = format!("{err:#}"),
                    "could not create the Kafka topics (the broker may create them)"
                );
            }
            let relay = Arc::new(KafkaRelay {
                producer: pipeline::relay::producer(&base)?,
                topic_prefix: prefix.clone(),
            });
            let dead_letters: Arc<dyn DeadLetterSink> = relay.clone();
            let dispatcher = Dispatcher::new(db.clone(), events.clone(), Some(dead_letters), stop.clone());
            for handler in &handlers {
                let consumer = HandlerConsumer {
                    handler: handler.clone(),
                    dispatcher: dispatcher.clone(),
                    db: db.clone(),
                    group: format!("{}.{}", events.kafka_group_prefix, handler.name()),
                    topics: pipeline::consumer::event_topics(&prefix),
                };
                let (base, stop) = (base.clone(), stop.clone());
                tasks.spawn(async move {
                    if let Err(err) = consumer.run(base, stop).await {
                        tracing::error!(error = format!("{err:#}"), "a Kafka consumer stopped");
                    }
                });
            }
            relay
        }
        None => Arc::new(DirectSink {
            dispatcher: Dispatcher::new(db.clone(), events.clone(), None, stop.clone()),
            handlers: handlers.clone(),
        }),
    };
    for partition in 0..events.outbox_partitions {
        tasks.spawn(pipeline::outbox::run_partition(
            db.clone(),
            sink.clone(),
            partition,
            events.clone(),
            wake.clone(),
            stop.clone(),
        ));
    }

    tasks.spawn(scheduler::run(db.clone(), settings.worker_id(), jobs(settings, state)?, stop.clone()));
    tasks.spawn(replay::run(db.clone(), handlers, REPLAY_INTERVAL, stop.clone()));
    if let Some(transport) = mail::transport::Transport::from_settings(&settings.mail)? {
        let from = settings.mail.from.parse().context(env_names::MAIL_FROM)?;
        let interval = Duration::from_secs(settings.mail.poll_secs);
        tasks.spawn(mail::sender::run(db, transport, from, interval, stop));
    }
    Ok(tasks)
}

/// Runs the worker until SIGTERM/SIGINT.
pub async fn run(settings: WorkerSettings) -> anyhow::Result<()> {
    settings.validate()?;
    let addr = std::net::SocketAddr::new(settings.host, settings.port);
    let state = probe_state(&settings)?;
    let (stop_tx, stop_rx) = watch::channel(false);
    let handlers = default_handlers(&settings);
    search::configure_in_background(settings.search.index()?);
    let mut tasks = start(&settings, &state, handlers, stop_rx).await?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding WORKER_HOST:WORKER_PORT {addr}"))?;
    tracing::info!(%addr, kafka = settings.kafka.brokers.is_some(), "shopfleet-worker started");
    shopfleet_serve::serve(
        listener,
        probe_router(state),
        async move {
            shopfleet_platform::shutdown::signal().await;
            let _ = stop_tx.send(true);
        },
        settings.serve_options(),
    )
    .await?;
    while tasks.join_next().await.is_some() {}
    tracing::info!("shopfleet-worker stopped");
    Ok(())
}

/// Resolves once `stop` turns true (or its sender is gone).
pub(crate) async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stopping| *stopping).await;
}
