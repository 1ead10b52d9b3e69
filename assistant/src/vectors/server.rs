//! A Qdrant server through qdrant-client (gRPC): the shop's collection is created on
//! first use with cosine distance and a payload index on every filtered field.

use super::{keys, Point, VectorFilter, VectorHit, VectorStore};
use crate::embed::DIMENSIONS;
use anyhow::Context;
use qdrant_client::{
    qdrant::{
        point_id::PointIdOptions, Condition, CountPointsBuilder, CreateCollectionBuilder,
        CreateFieldIndexCollectionBuilder, DeletePointsBuilder, Distance, FieldType, Filter, PointStruct,
        PointsIdsList, Range, SearchPointsBuilder, UpsertPointsBuilder, VectorParamsBuilder,
    },
    Payload as QdrantPayload, Qdrant,
};
use shopfleet_env_names as env_names;
use shopfleet_platform::secret::Secret;
use tokio::sync::OnceCell;
use uuid::Uuid;

pub struct ServerStore {
    client: Qdrant,
    collection: String,
    ready: OnceCell<()>,
}

impl ServerStore {
    /// A client for `url`; nothing is sent until the first operation.
    pub fn connect(url: &str, api_key: Option<Secret>, collection: &str) -> anyhow::Result<Self> {
        let client = Qdrant::from_url(url)
            .api_key(api_key.map(|k| k.expose().to_owned()))
            .build()
            .context(env_names::QDRANT_URL)?;
        Ok(Self { client, collection: collection.to_owned(), ready: OnceCell::new() })
    }

    /// Creates the collection and its payload indexes unless it exists.
    async fn ensure(&self) -> anyhow::Result<()> {
        self.ready
            .get_or_try_init(|| async {
                if self.client.collection_exists(&self.collection).await? {
                    return anyhow::Ok(());
                }
                self.client
                    .create_collection(
                        CreateCollectionBuilder::new(&self.collection)
                            .vectors_config(VectorParamsBuilder::new(DIMENSIONS as u64, Distance::Cosine)),
                    )
                    .await?;
                for (key, kind) in [
                    (keys::MERCHANT, FieldType::Keyword),
                    (keys::CATEGORY_SLUGS, FieldType::Keyword),
                    (keys::STATUS, FieldType::Keyword),
                    (keys::CURRENCY, FieldType::Keyword),
                    (keys::PRICE, FieldType::Integer),
                    (keys::IN_STOCK, FieldType::Bool),
                ] {
                    self.client
                        .create_field_index(
                            CreateFieldIndexCollectionBuilder::new(&self.collection, key, kind).wait(true),
                        )
                        .await?;
                }
                Ok(())
            })
            .await?;
        Ok(())
    }

    /// Removes the collection (tests).
    pub async fn drop_collection(&self) -> anyhow::Result<()> {
        self.client.delete_collection(&self.collection).await?;
        Ok(())
    }
}

fn filter(filter: &VectorFilter) -> Filter {
    let mut must = vec![Condition::matches(keys::STATUS, "published".to_owned())];
    if let Some(slug) = &filter.category {
        must.push(Condition::matches(keys::CATEGORY_SLUGS, slug.clone()));
    }
    if filter.min_price_minor.is_some() || filter.max_price_minor.is_some() {
        let range = Range {
            gte: filter.min_price_minor.map(|v| v as f64),
            lte: filter.max_price_minor.map(|v| v as f64),
            ..Default::default()
        };
        must.push(Condition::range(keys::PRICE, range));
    }
    if let Some(in_stock) = filter.in_stock {
        must.push(Condition::matches(keys::IN_STOCK, in_stock));
    }
    if let Some(merchant) = filter.merchant {
        must.push(Condition::matches(keys::MERCHANT, merchant.to_string()));
    }
    let mut result = Filter::must(must);
    if let Some(id) = filter.exclude {
        result.must_not = vec![Condition::has_id([id.to_string()])];
    }
    result
}

#[async_trait::async_trait]
impl VectorStore for ServerStore {
    async fn upsert(&self, points: Vec<Point>) -> anyhow::Result<()> {
        if points.is_empty() {
            return Ok(());
        }
        self.ensure().await?;
        let points = points
            .into_iter()
            .map(|p| {
                let payload = QdrantPayload::try_from(serde_json::to_value(&p.payload)?)?;
                anyhow::Ok(PointStruct::new(p.payload.product_id.to_string(), p.vector, payload))
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.client.upsert_points(UpsertPointsBuilder::new(&self.collection, points).wait(true)).await?;
        Ok(())
    }

    async fn delete(&self, ids: Vec<Uuid>) -> anyhow::Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        self.ensure().await?;
        let ids = PointsIdsList { ids: ids.iter().map(|id| id.to_string().into()).collect() };
        self.client.delete_points(DeletePointsBuilder::new(&self.collection).points(ids).wait(true)).await?;
        Ok(())
    }

    async fn clear(&self) -> anyhow::Result<()> {
        self.ensure().await?;
        // The empty filter matches every point.
        let every = DeletePointsBuilder::new(&self.collection).points(Filter::default()).wait(true);
        self.client.delete_points(every).await?;
        Ok(())
    }

    async fn search(
        &self,
        vector: Vec<f32>,
        filter_by: VectorFilter,
        limit: usize,
    ) -> anyhow::Result<Vec<VectorHit>> {
        self.ensure().await?;
        let request =
            SearchPointsBuilder::new(&self.collection, vector, limit as u64).filter(filter(&filter_by));
        let response = self.client.search_points(request).await?;
        Ok(response
            .result
            .into_iter()
            .filter_map(|point| match point.id?.point_id_options? {
                PointIdOptions::Uuid(id) => {
                    Some(VectorHit { product_id: id.parse().ok()?, score: point.score })
                }
                PointIdOptions::Num(_) => None,
            })
            .collect())
    }

    async fn count(&self) -> anyhow::Result<usize> {
        self.ensure().await?;
        let response = self.client.count(CountPointsBuilder::new(&self.collection).exact(true)).await?;
        Ok(response.result.map_or(0, |r| r.count as usize))
    }
}
