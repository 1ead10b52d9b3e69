//! `ApiContext`: what every handler can reach (the commerce services and workflows,
//! settings, metrics), built once at start-up and shared: a handle to [`Services`], so
//! the clone axum makes for every request is one reference count. Handlers call the
//! services; the pool is here for readiness, the assistant and tests.

use crate::{config::ApiSettings, http::problem::ApiError};
use metrics_exporter_prometheus::PrometheusHandle;
use shopfleet_assistant::Assistant;
use shopfleet_commerce::{
    accounts::Accounts,
    carts::Carts,
    catalog::{cache::CatalogCache, images::ProductImages, Catalog},
    events::ledger::EventMonitor,
    idempotency::IdempotencyKeys,
    orders::Orders,
    payments::provider::PaymentProvider,
    pricing::{promotions::Promotions, settings::PricingAdmin},
    workflows::Workflows,
};
use shopfleet_payment_simulator::SimulatedProvider;
use shopfleet_platform::{db, kafka, readiness::Readiness, redis_conn::RedisConn};
use sqlx::PgPool;
use std::sync::{
    atomic::{AtomicBool, Ordering},
    Arc,
};
use tokio::sync::OnceCell;

/// What every handler can reach, through [`ApiContext`]'s `Deref`.
#[derive(Clone)]
pub struct ApiContext(Arc<Services>);

impl std::ops::Deref for ApiContext {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

pub struct Services {
    pub db: PgPool,
    pub redis: RedisConn,
    pub accounts: Accounts,
    pub catalog: Catalog,
    /// Uploaded product images and the media store.
    pub images: ProductImages,
    pub carts: Carts,
    /// Tax mode, shipping zones and methods (admins).
    pub pricing: PricingAdmin,
    /// Promotions (admins, and merchants for their own products).
    pub promotions: Promotions,
    pub orders: Orders,
    /// Checkout, payment, refunds and cancellation.
    pub workflows: Workflows,
    pub events: EventMonitor,
    pub idempotency: IdempotencyKeys,
    /// The payment provider (the simulator; a real PSP implements the same trait).
    pub payments: Arc<dyn PaymentProvider>,
    pub readiness: Readiness,
    pub metrics: PrometheusHandle,
    pub settings: Arc<ApiSettings>,
    /// The shopping assistant, opened on first use (it loads a model and a vector index).
    assistant: OnceCell<Assistant>,
    /// True while [`ApiContext::open_assistant_in_background`] runs: requests then get a 503
    /// at once instead of waiting (a large index takes longer to catch up than a request may).
    assistant_opening: AtomicBool,
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
        let cache = CatalogCache::new(redis.clone(), settings.catalog_cache_ttl_secs)
            .with_local_tier(settings.catalog_local_cache_mib << 20);
        let catalog = Catalog::new(db.clone(), cache).with_search(settings.search.index()?);
        let payments: Arc<dyn PaymentProvider> =
            Arc::new(SimulatedProvider::new(db.clone(), settings.payments.settle_delay()));
        let media = settings.media.open(&settings.assistant.data_dir)?;
        let images = ProductImages::new(db.clone(), media, settings.media.limits(), catalog.cache().clone());
        Ok(Self(Arc::new(Services {
            images,
            accounts: Accounts::new(db.clone(), redis.clone(), &settings.auth)?,
            carts: Carts::new(db.clone()),
            pricing: PricingAdmin::new(db.clone()),
            promotions: Promotions::new(db.clone()),
            orders: Orders::new(db.clone()),
            workflows: Workflows::new(db.clone(), payments.clone(), catalog.cache().clone()),
            events: EventMonitor::new(db.clone()),
            idempotency: IdempotencyKeys::new(db.clone()),
            catalog,
            payments,
            db,
            redis,
            readiness,
            metrics: shopfleet_platform::metrics::handle(),
            settings: Arc::new(settings),
            assistant: OnceCell::new(),
            assistant_opening: AtomicBool::new(false),
        })))
    }

    /// The assistant, opened once per process; 503 while it is being opened in the
    /// background or cannot be opened.
    pub async fn assistant(&self) -> Result<&Assistant, ApiError> {
        if let Some(assistant) = self.assistant.get() {
            return Ok(assistant);
        }
        if self.assistant_opening.load(Ordering::Acquire) {
            return Err(ApiError::Unavailable("the shopping assistant is starting; retry shortly".into()));
        }
        self.open_assistant().await
    }

    /// Starts opening the assistant (model, vector index and its sync) without waiting.
    pub fn open_assistant_in_background(&self) {
        self.assistant_opening.store(true, Ordering::Release);
        let ctx = self.clone();
        tokio::spawn(async move {
            let _ = ctx.open_assistant().await;
            ctx.assistant_opening.store(false, Ordering::Release);
        });
    }

    async fn open_assistant(&self) -> Result<&Assistant, ApiError> {
        self.assistant
            .get_or_try_init(|| Assistant::open(self.db.clone(), &self.settings.assistant))
            .await
            .map_err(|err| {
                tracing::error!(error = format!("{err:#}"), "the shopping assistant could not be opened");
                ApiError::Unavailable("the shopping assistant is not available".into())
            })
    }
}
