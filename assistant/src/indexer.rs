//! Keeps `product_embeddings` equal to the catalog: a product's row is recomputed from
//! Postgres whenever it may have changed (events carry ids, never copies), its vector
//! only when its text changed, and a product that is gone or unpublished is tombstoned.
//! With a Qdrant server the same change is applied to it directly.

use super::{
    document::ProductDoc,
    embed::{self, Embedder},
    settings::{AssistantSettings, VectorBackend},
    store,
    vectors::{Point, VectorStore},
};
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};
use std::{collections::HashMap, sync::Arc};
use uuid::Uuid;

/// Products embedded per batch by a full re-index: several forward passes, so every
/// embedding thread has one and each pass holds texts of similar length.
const REINDEX_BATCH: i64 = 256;

/// What indexing one product did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Embedded,
    PayloadUpdated,
    Unchanged,
    Removed,
}

#[derive(Clone)]
pub struct Indexer {
    embedder: Arc<dyn Embedder>,
    /// A store written directly (a Qdrant server); embedded indexes sync from Postgres instead.
    direct: Option<Arc<dyn VectorStore>>,
}

fn hash(model: &str, text: &str) -> String {
    hex::encode(Sha256::digest(format!("{model}\n{text}").as_bytes()))
}

/// A product's stored row, as a re-index compares it.
#[derive(sqlx::FromRow)]
struct Stored {
    product_id: Uuid,
    source_hash: String,
    payload: serde_json::Value,
    embedding: Vec<f32>,
}

#[derive(sqlx::FromRow)]
struct Existing {
    source_hash: String,
    payload: serde_json::Value,
    has_vector: bool,
}

impl Indexer {
    pub fn new(embedder: Arc<dyn Embedder>, direct: Option<Arc<dyn VectorStore>>) -> Self {
        Self { embedder, direct }
    }

    /// The embedder the settings name, writing a Qdrant server directly when that is the backend.
    pub fn from_settings(settings: &AssistantSettings) -> anyhow::Result<Self> {
        let direct = match settings.vector_backend {
            VectorBackend::Embedded => None,
            VectorBackend::Qdrant => Some(super::server_store(settings)?),
        };
        Ok(Self::new(embed::from_settings(settings)?, direct))
    }

    /// Brings one product's row up to date, in `conn`'s transaction.
    pub async fn index_product(&self, conn: &mut PgConnection, product_id: Uuid) -> anyhow::Result<Outcome> {
        let doc = ProductDoc::load(&mut *conn, product_id).await?;
        let existing: Option<Existing> = sqlx::query_as(
            "SELECT source_hash, payload, embedding IS NOT NULL AS has_vector FROM product_embeddings WHERE product_id = $1 FOR UPDATE",
        )
        .bind(product_id)
        .fetch_optional(&mut *conn)
        .await?;
        let model = self.embedder.model().to_owned();
        let Some(doc) = doc.filter(ProductDoc::searchable) else {
            if existing.is_some_and(|e| e.has_vector) {
                store::tombstone(conn, &model, product_id).await?;
                self.apply_delete(product_id).await?;
                return Ok(Outcome::Removed);
            }
            return Ok(Outcome::Unchanged);
        };
        let (text, payload) = (doc.text(), doc.payload());
        let source_hash = hash(&model, &text);
        if let Some(existing) = existing.filter(|e| e.has_vector && e.source_hash == source_hash) {
            if existing.payload == serde_json::to_value(&payload)? {
                return Ok(Outcome::Unchanged);
            }
            let vector = store::vector(&mut *conn, product_id).await?.unwrap_or_default();
            store::upsert(conn, &model, &vector, &payload, &source_hash).await?;
            self.apply_upsert(vec![Point { vector, payload }]).await?;
            return Ok(Outcome::PayloadUpdated);
        }
        let vector = embed::embed_one(self.embedder.as_ref(), &text).await?;
        store::upsert(conn, &model, &vector, &payload, &source_hash).await?;
        self.apply_upsert(vec![Point { vector, payload }]).await?;
        Ok(Outcome::Embedded)
    }

    /// Brings every published product's row up to date in batches (embedding only those
    /// whose text, model or payload differ from what is stored) and tombstones the rest.
    /// A directly written store (a Qdrant server) receives every published product.
    /// With `force`, every product is embedded again. Returns the number embedded.
    pub async fn reindex_all(&self, db: &PgPool, force: bool) -> anyhow::Result<usize> {
        let model = self.embedder.model().to_owned();
        let mut after = None;
        let mut total = 0;
        loop {
            let docs = ProductDoc::published_page(db, after, REINDEX_BATCH).await?;
            let Some(last) = docs.last() else { break };
            after = Some(last.id);
            let ids: Vec<Uuid> = docs.iter().map(|d| d.id).collect();
            let stored: HashMap<Uuid, Stored> = sqlx::query_as(
                "SELECT product_id, source_hash, payload, embedding FROM product_embeddings WHERE product_id = ANY($1) AND embedding IS NOT NULL",
            )
            .bind(&ids)
            .fetch_all(db)
            .await?
            .into_iter()
            .map(|row: Stored| (row.product_id, row))
            .collect();
            let (stale, current): (Vec<_>, Vec<_>) = docs
                .iter()
                .map(|doc| {
                    let text = doc.text();
                    let source_hash = hash(&model, &text);
                    (doc, text, source_hash)
                })
                .partition(|(doc, _, source_hash)| {
                    let payload = serde_json::to_value(doc.payload()).expect("payload serialises");
                    force
                        || stored
                            .get(&doc.id)
                            .is_none_or(|s| &s.source_hash != source_hash || s.payload != payload)
                });
            // A server's collection may be new or behind (say, after VECTOR_COLLECTION
            // changed): it gets the current rows too, from Postgres, without embedding them.
            if self.direct.is_some() && !current.is_empty() {
                let points = current
                    .iter()
                    .filter_map(|(doc, _, _)| {
                        let vector = stored.get(&doc.id)?.embedding.clone();
                        Some(Point { vector, payload: doc.payload() })
                    })
                    .collect();
                self.apply_upsert(points).await?;
            }
            if stale.is_empty() {
                continue;
            }
            let texts: Vec<String> = stale.iter().map(|(_, text, _)| text.clone()).collect();
            let vectors = embed::embed(self.embedder.as_ref(), &texts).await?;
            let mut tx = db.begin().await?;
            let mut points = Vec::with_capacity(stale.len());
            for ((doc, _, source_hash), vector) in stale.iter().zip(vectors) {
                let payload = doc.payload();
                store::upsert(&mut tx, &model, &vector, &payload, source_hash).await?;
                points.push(Point { vector, payload });
            }
            tx.commit().await?;
            total += points.len();
            self.apply_upsert(points).await?;
            tracing::info!(embedded = total, "re-indexing product vectors");
        }
        let gone: Vec<Uuid> = sqlx::query_scalar(
            "UPDATE product_embeddings e SET embedding = NULL, payload = '{}', source_hash = '', changed_xid = pg_current_xact_id(), updated_at = now()
             WHERE e.embedding IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM products p WHERE p.id = e.product_id AND p.status = 'published')
             RETURNING e.product_id",
        )
        .fetch_all(db)
        .await?;
        if let (Some(direct), false) = (&self.direct, gone.is_empty()) {
            direct.delete(gone).await?;
        }
        Ok(total)
    }

    async fn apply_upsert(&self, points: Vec<Point>) -> anyhow::Result<()> {
        match &self.direct {
            Some(direct) => direct.upsert(points).await,
            None => Ok(()),
        }
    }

    async fn apply_delete(&self, id: Uuid) -> anyhow::Result<()> {
        match &self.direct {
            Some(direct) => direct.delete(vec![id]).await,
            None => Ok(()),
        }
    }
}
