//! The AI shopping assistant: product text → embedding → vector store (business filters
//! inside the vector query) + full-text → fused ranking → grounded explanation.
//!
//! - [`settings`]: VECTOR_BACKEND, QDRANT_URL, EMBEDDING_MODEL_DIR, OPENAI_* …
//! - [`embed`]: the [`embed::Embedder`] contract, in-process MiniLM, an OpenAI-compatible endpoint.
//! - [`document`]: a product's embedded text and filter payload.
//! - [`store`]: `product_embeddings` in Postgres, the source of truth, and its change feed.
//! - [`vectors`]: the [`vectors::VectorStore`] contract, the embedded engine and its sync.
//! - [`indexer`]: recomputes a product's row on catalog and stock events; full re-index.
//! - [`fulltext`], [`fusion`], [`retrieval`]: hybrid retrieval by reciprocal rank fusion.
//! - [`explain`]: explanations and answers, by a chat model (checked) or from facts.
//! - [`eval`]: nDCG@10 and recall@10 over a labelled query set.

pub mod document;
pub mod embed;
pub mod eval;
pub mod explain;
pub mod fulltext;
pub mod fusion;
pub mod indexer;
pub mod retrieval;
pub mod settings;
pub mod store;
pub mod vectors;

use explain::{Answer, Explainer, Source};
use retrieval::{Filters, Mode, Retriever};
use serde::Serialize;
use settings::{AssistantSettings, VectorBackend};
use shopfleet_commerce::catalog::products::Product;
use shopfleet_domain::DomainError;
use sqlx::PgPool;
use std::{sync::Arc, time::Duration};
use uuid::Uuid;
use vectors::{sync::IndexSync, VectorStore};

/// How often an embedded index polls Postgres for changed vectors.
pub const SYNC_INTERVAL: Duration = Duration::from_millis(500);

/// A recommended product with its fused score and why it was chosen.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Recommendation {
    pub product: Product,
    /// Reciprocal-rank-fusion score (higher is better).
    pub score: f64,
    /// 1-based rank in the vector search, if it was found there.
    pub vector_rank: Option<usize>,
    /// 1-based rank in the full-text search, if it was found there.
    pub text_rank: Option<usize>,
    pub explanation: String,
    pub explanation_source: Source,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AskReply {
    pub answer: Answer,
    /// The products the answer is grounded in (the only ones it may cite).
    pub products: Vec<Recommendation>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SimilarProduct {
    pub product: Product,
    /// Cosine similarity to the starting product.
    pub score: f32,
}

#[derive(Clone)]
pub struct Assistant {
    pub retriever: Retriever,
    explainer: Explainer,
    sync: Option<Arc<IndexSync>>,
}

/// The vector store the settings name, for the process that queries it. The embedded
/// engine is opened here (this process owns its directory) and kept in sync from Postgres.
pub async fn open_store(
    db: &PgPool,
    settings: &AssistantSettings,
) -> anyhow::Result<(Arc<dyn VectorStore>, Option<Arc<IndexSync>>)> {
    match settings.vector_backend {
        VectorBackend::Embedded => {
            let dir = settings.vector_dir();
            let store: Arc<dyn VectorStore> = Arc::new(
                vectors::edge::EdgeStore::open(&dir, settings.vector_indexing_threshold_kb as usize).await?,
            );
            let sync = Arc::new(IndexSync::new(db.clone(), store.clone(), dir.join("sync-cursor")));
            sync.catch_up().await?;
            sync.clone().spawn(SYNC_INTERVAL);
            Ok((store, Some(sync)))
        }
        VectorBackend::Qdrant => Ok((server_store(settings)?, None)),
    }
}

/// The Qdrant server store, for writers (worker, re-index) and readers alike.
pub fn server_store(settings: &AssistantSettings) -> anyhow::Result<Arc<dyn VectorStore>> {
    let url = settings.qdrant_url.as_deref().ok_or_else(|| anyhow::anyhow!("QDRANT_URL is not set"))?;
    Ok(Arc::new(vectors::server::ServerStore::connect(
        url,
        settings.qdrant_api_key.clone(),
        &settings.vector_collection,
    )?))
}

/// The chat client the settings configure, if any.
pub fn chat_client(settings: &AssistantSettings) -> anyhow::Result<Option<explain::llm::ChatClient>> {
    settings
        .openai_base_url
        .as_deref()
        .map(|url| {
            explain::llm::ChatClient::new(
                url,
                &settings.openai_model,
                settings.openai_api_key.clone(),
                settings.llm_timeout(),
            )
        })
        .transpose()
}

impl Assistant {
    /// Loads the embedder, opens the vector store and the chat client.
    pub async fn open(db: PgPool, settings: &AssistantSettings) -> anyhow::Result<Self> {
        let embedder = embed::from_settings(settings)?;
        let (vectors, sync) = open_store(&db, settings).await?;
        Ok(Self {
            retriever: Retriever { db, embedder, vectors },
            explainer: Explainer::new(chat_client(settings)?),
            sync,
        })
    }

    /// Applies every vector change committed so far to this process's embedded index.
    pub async fn catch_up(&self) -> anyhow::Result<usize> {
        match &self.sync {
            Some(sync) => sync.catch_up().await,
            None => Ok(0),
        }
    }

    /// Hybrid recommendations with an explanation each.
    pub async fn recommend(
        &self,
        query: &str,
        filters: &Filters,
        limit: u32,
    ) -> Result<Vec<Recommendation>, DomainError> {
        let items = self.retriever.retrieve(query, filters, limit, Mode::Hybrid).await?;
        let explanations = self.explainer.explain(query, &items).await;
        Ok(items
            .into_iter()
            .zip(explanations)
            .map(|(item, (explanation, explanation_source))| Recommendation {
                score: item.fused.score,
                vector_rank: item.fused.vector_rank,
                text_rank: item.fused.text_rank,
                product: item.product,
                explanation,
                explanation_source,
            })
            .collect())
    }

    /// An answer grounded in the products retrieved for `question`.
    pub async fn ask(&self, question: &str, filters: &Filters, limit: u32) -> Result<AskReply, DomainError> {
        let items = self.retriever.retrieve(question, filters, limit, Mode::Hybrid).await?;
        let answer = self.explainer.answer(question, &items).await;
        let products = items
            .into_iter()
            .map(|item| Recommendation {
                score: item.fused.score,
                vector_rank: item.fused.vector_rank,
                text_rank: item.fused.text_rank,
                explanation: explain::facts::explanation(question, &item),
                explanation_source: Source::Facts,
                product: item.product,
            })
            .collect();
        Ok(AskReply { answer, products })
    }

    /// Published products nearest to `product_id` (itself excluded).
    pub async fn similar(
        &self,
        product_id: Uuid,
        filters: &Filters,
        limit: u32,
    ) -> Result<Vec<SimilarProduct>, DomainError> {
        let limit = retrieval::check_limit(limit)?;
        let db = &self.retriever.db;
        let vector = store::vector(db, product_id).await?.ok_or(DomainError::NotFound("product"))?;
        let hits = self.retriever.vectors.search(vector, filters.vector(Some(product_id)), limit).await?;
        let ids: Vec<Uuid> = hits.iter().map(|h| h.product_id).collect();
        let mut products: std::collections::HashMap<Uuid, Product> =
            shopfleet_commerce::catalog::listing::published_by_ids(db, &ids, &Default::default())
                .await?
                .into_iter()
                .map(|p| (p.id, p))
                .collect();
        Ok(hits
            .into_iter()
            .filter_map(|hit| {
                products.remove(&hit.product_id).map(|product| SimilarProduct { product, score: hit.score })
            })
            .collect())
    }
}
