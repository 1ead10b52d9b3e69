//! `ApiContext`: what every handler can reach (pools, settings, metrics), built once at start-up.

use crate::{config::ApiSettings, http::problem::ApiError};
use metrics_exporter_prometheus::PrometheusHandle;
use shopfleet_commerce::{
    accounts::Accounts,
    assistant::Assistant,
    catalog::Catalog,
    db, kafka,
    payments::{provider::PaymentProvider, simulator::SimulatedProvider},
    readiness::Readiness,
    redis_conn::RedisConn,
};
use sqlx::PgPool;
use std::sync::Arc;
use tokio::sync::OnceCell;

#[derive(Clone)]
pub struct ApiContext {
    pub db: PgPool,
    pub redis: RedisConn,
    pub accounts: Accounts,
    pub catalog: Catalog,
    /// The payment provider (the simulator; a real PSP implements the same trait).
    pub payments: Arc<dyn PaymentProvider>,
    pub readiness: Readiness,
    pub metrics: PrometheusHandle,
    pub settings: Arc<ApiSettings>,
    /// The shopping assistant, opened on first use (it loads a model and a vector index).
    assistant: Arc<OnceCell<Assistant>>,
}

impl ApiContext {
    /// Connects lazily to every dependency; nothing here waits on the network.
    pub fn new(settings: ApiSettings) -> anyhow::Result<Self> {
        let db = db::connect_lazy(&settings.database)?;
        let redis = RedisConn::new(&settings.redis)?;
        let readiness = Readiness {
            db: db.clone(),
            redis: redis.clone(),
            kafka: kafka::client_config(&settings.kafka),
            timeout: settings.readiness.timeout(),
        };
        Ok(Self {
            accounts: Accounts::new(db.clone(), redis.clone(), &settings.auth)?,
            catalog: Catalog::new(db.clone(), redis.clone(), settings.catalog_cache_ttl_secs)
                .with_search(settings.search.index()?),
            payments: Arc::new(SimulatedProvider::new(db.clone(), settings.payments.settle_delay())),
            db,
            redis,
            readiness,
            metrics: shopfleet_commerce::metrics::handle(),
            settings: Arc::new(settings),
            assistant: Arc::default(),
        })
    }

    /// The assistant, opened once per process; 503 while it cannot be opened.
    pub async fn assistant(&self) -> Result<&Assistant, ApiError> {
        self.assistant
            .get_or_try_init(|| Assistant::open(self.db.clone(), &self.settings.assistant))
            .await
            .map_err(|err| {
                tracing::error!(error = format!("{err:#}"), "the shopping assistant could not be opened");
                ApiError::Unavailable("the shopping assistant is not available".into())
            })
    }
}
