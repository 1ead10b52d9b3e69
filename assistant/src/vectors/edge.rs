//! The embedded engine: one qdrant-edge shard in a directory this process owns, with
//! cosine distance over [`DIMENSIONS`] and a payload index on every filtered field.
//! The shard's calls are blocking, so they run on tokio's blocking threads; writes and
//! flushes are serialised (the shard's flush expects no concurrent update).

use super::{keys, Point, VectorFilter, VectorHit, VectorStore};
use crate::embed::DIMENSIONS;
use anyhow::Context;
use qdrant_edge::external::ordered_float::OrderedFloat;
use qdrant_edge::{
    Condition, CountRequest, CreateIndex, Distance, EdgeConfigBuilder, EdgeOptimizersConfig, EdgeShard,
    EdgeVectorParamsBuilder, FieldCondition, FieldIndexOperations, Filter, Match, MatchValue, NamedQuery,
    PayloadFieldSchema, PayloadSchemaType, PointId, PointInsertOperations, PointOperations, PointStruct,
    QueryEnum, QueryRequest, Range, ScoringQuery, UpdateOperation, ValueVariants, WithPayloadInterface,
    WithVector, DEFAULT_VECTOR_NAME,
};
use std::{path::Path, sync::Arc};
use tokio::sync::{Mutex, RwLock};
use uuid::Uuid;

/// Payload indexes: what each filtered field is.
const INDEXES: &[(&str, PayloadSchemaType)] = &[
    (keys::MERCHANT, PayloadSchemaType::Keyword),
    (keys::CATEGORY_SLUGS, PayloadSchemaType::Keyword),
    (keys::STATUS, PayloadSchemaType::Keyword),
    (keys::CURRENCY, PayloadSchemaType::Keyword),
    (keys::PRICE, PayloadSchemaType::Integer),
    (keys::IN_STOCK, PayloadSchemaType::Bool),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexStats {
    pub points: usize,
    pub indexed_vectors: usize,
}

pub struct EdgeStore {
    /// Readers query concurrently; a writer (update + flush) runs alone.
    shard: Arc<RwLock<EdgeShard>>,
    /// One optimisation at a time: it runs beside readers, and its flush must not overlap another.
    optimizing: Mutex<()>,
}

fn edge_err(err: qdrant_edge::OperationError) -> anyhow::Error {
    anyhow::anyhow!("qdrant-edge: {err}")
}

impl EdgeStore {
    /// Opens the shard in `dir`, creating it (with its payload indexes) on first use. A
    /// segment holding more than `indexing_threshold_kb` of vectors gets an HNSW index
    /// when [`VectorStore::optimize`] runs; smaller ones are searched exhaustively.
    pub async fn open(dir: &Path, indexing_threshold_kb: usize) -> anyhow::Result<Self> {
        let dir = dir.to_owned();
        let shard = tokio::task::spawn_blocking(move || {
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            let optimizers = EdgeOptimizersConfig {
                indexing_threshold: Some(indexing_threshold_kb),
                ..Default::default()
            };
            let config = EdgeConfigBuilder::new()
                .on_disk_payload(false)
                .vector(
                    DEFAULT_VECTOR_NAME,
                    EdgeVectorParamsBuilder::new(DIMENSIONS, Distance::Cosine).build(),
                )
                .optimizers(optimizers.clone())
                .build();
            let shard = EdgeShard::load(&dir, Some(config)).map_err(edge_err)?;
            // An index created with another threshold takes this one.
            shard.set_optimizers_config(optimizers).map_err(edge_err)?;
            for (field, kind) in INDEXES {
                let index = CreateIndex {
                    field_name: (*field)
                        .try_into()
                        .map_err(|_| anyhow::anyhow!("bad payload key {field}"))?,
                    field_schema: Some(PayloadFieldSchema::FieldType(*kind)),
                };
                shard
                    .update(UpdateOperation::FieldIndexOperation(FieldIndexOperations::CreateIndex(index)))
                    .map_err(edge_err)?;
            }
            shard.flush();
            anyhow::Ok(shard)
        })
        .await??;
        Ok(Self { shard: Arc::new(RwLock::new(shard)), optimizing: Mutex::new(()) })
    }

    /// Points stored and how many of their vectors are in an HNSW index.
    pub async fn stats(&self) -> IndexStats {
        let info = self.shard.read().await.info();
        IndexStats { points: info.points_count, indexed_vectors: info.indexed_vectors_count }
    }

    async fn write(&self, operation: UpdateOperation) -> anyhow::Result<()> {
        let shard = self.shard.clone().write_owned().await;
        tokio::task::spawn_blocking(move || {
            shard.update(operation).map_err(edge_err)?;
            // Durable before returning: the sync cursor is saved only after this.
            shard.flush();
            anyhow::Ok(())
        })
        .await?
    }
}

fn matches(key: &str, value: ValueVariants) -> Condition {
    let key = key.try_into().expect("payload keys are plain names");
    Condition::Field(FieldCondition::new_match(key, Match::Value(MatchValue { value })))
}

/// The business filters as a Qdrant filter: only published products, then each filter given.
fn filter(filter: &VectorFilter) -> Filter {
    let mut must = vec![matches(keys::STATUS, ValueVariants::String("published".into()))];
    if let Some(slug) = &filter.category {
        must.push(matches(keys::CATEGORY_SLUGS, ValueVariants::String(slug.clone())));
    }
    if filter.min_price_minor.is_some() || filter.max_price_minor.is_some() {
        let range = Range {
            lt: None,
            gt: None,
            gte: filter.min_price_minor.map(|v| OrderedFloat(v as f64)),
            lte: filter.max_price_minor.map(|v| OrderedFloat(v as f64)),
        };
        let key = keys::PRICE.try_into().expect("payload keys are plain names");
        must.push(Condition::Field(FieldCondition::new_range(key, range)));
    }
    if let Some(in_stock) = filter.in_stock {
        must.push(matches(keys::IN_STOCK, ValueVariants::Bool(in_stock)));
    }
    if let Some(merchant) = filter.merchant {
        must.push(matches(keys::MERCHANT, ValueVariants::String(merchant.to_string())));
    }
    Filter { should: None, min_should: None, must: Some(must), must_not: None }
}

#[async_trait::async_trait]
impl VectorStore for EdgeStore {
    async fn upsert(&self, points: Vec<Point>) -> anyhow::Result<()> {
        if points.is_empty() {
            return Ok(());
        }
        let points = points
            .into_iter()
            .map(|p| {
                let payload = serde_json::to_value(&p.payload)?;
                anyhow::Ok(PointStruct::new(PointId::Uuid(p.payload.product_id), p.vector, payload).into())
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.write(UpdateOperation::PointOperation(PointOperations::UpsertPoints(
            PointInsertOperations::PointsList(points),
        )))
        .await
    }

    async fn delete(&self, ids: Vec<Uuid>) -> anyhow::Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let ids = ids.into_iter().map(PointId::Uuid).collect();
        self.write(UpdateOperation::PointOperation(PointOperations::DeletePoints { ids })).await
    }

    async fn clear(&self) -> anyhow::Result<()> {
        // The empty filter matches every point.
        self.write(UpdateOperation::PointOperation(PointOperations::DeletePointsByFilter(Filter::default())))
            .await
    }

    async fn search(
        &self,
        vector: Vec<f32>,
        filter_by: VectorFilter,
        limit: usize,
    ) -> anyhow::Result<Vec<VectorHit>> {
        let shard = self.shard.clone().read_owned().await;
        // The excluded product (at most one) is dropped from one extra result.
        let wanted = limit + usize::from(filter_by.exclude.is_some());
        let request = QueryRequest {
            prefetches: vec![],
            query: Some(ScoringQuery::Vector(QueryEnum::Nearest(NamedQuery {
                query: vector.into(),
                using: None,
            }))),
            filter: Some(filter(&filter_by)),
            score_threshold: None,
            limit: wanted,
            offset: 0,
            params: None,
            with_vector: WithVector::Bool(false),
            with_payload: WithPayloadInterface::Bool(false),
        };
        let points = tokio::task::spawn_blocking(move || shard.query(request).map_err(edge_err)).await??;
        Ok(points
            .into_iter()
            .filter_map(|point| match point.id {
                PointId::Uuid(id) if Some(id) != filter_by.exclude => {
                    Some(VectorHit { product_id: id, score: point.score })
                }
                _ => None,
            })
            .take(limit)
            .collect())
    }

    /// Runs the engine's optimizers until they have nothing left to do: builds the HNSW
    /// index of segments past the threshold, merges small segments, vacuums deleted points.
    /// Queries go on meanwhile (the optimizers swap segments in); writes wait.
    async fn optimize(&self) -> anyhow::Result<()> {
        let _alone = self.optimizing.lock().await;
        let shard = self.shard.clone().read_owned().await;
        let stats = tokio::task::spawn_blocking(move || {
            let optimized = shard.optimize().map_err(edge_err)?;
            if optimized {
                shard.flush();
            }
            anyhow::Ok(optimized.then(|| shard.info()))
        })
        .await??;
        if let Some(info) = stats {
            tracing::info!(
                points = info.points_count,
                indexed = info.indexed_vectors_count,
                segments = info.segments_count,
                "vector index optimised"
            );
            metrics::gauge!("assistant_index_indexed_vectors").set(info.indexed_vectors_count as f64);
        }
        Ok(())
    }

    async fn count(&self) -> anyhow::Result<usize> {
        let shard = self.shard.clone().read_owned().await;
        let request = CountRequest { filter: None, exact: true };
        tokio::task::spawn_blocking(move || shard.count(request).map_err(edge_err)).await?
    }
}
