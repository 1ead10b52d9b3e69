//! The Meilisearch backend: one index of [`ProductDocument`]s per shop, configured for
//! the searchable, filterable and sortable fields and typo tolerance. The worker keeps it
//! in step after catalog and stock events; a full re-index rebuilds it in place. Answers
//! carry the products as Postgres has them now, in Meilisearch's ranking, with the same
//! facets and `<mark>` highlights as the Postgres backend.

use super::{
    document::{self, attribute_pair},
    safe_highlight, Highlights, ProductDocument, SearchBackend, SearchHit, SearchIndex, SearchQuery,
    SearchResults, MARK_END, MARK_START, MAX_PAGE, PRICE_BUCKETS,
};
use crate::catalog::{
    categories,
    listing::{ListingQuery, MAX_PAGE_SIZE},
    products::{Product, PRODUCT_COLUMNS},
};
use anyhow::Context;
use meilisearch_sdk::{
    client::Client,
    documents::DocumentDeletionQuery,
    errors::ErrorCode,
    indexes::Index,
    search::Selectors,
    settings::{
        FacetSortValue, FacetingSettings, MinWordSizeForTypos, PaginationSetting, Settings,
        TypoToleranceSettings,
    },
    task_info::TaskInfo,
    tasks::Task,
};
use serde::Deserialize;
use serde_json::{json, Value};
use shopfleet_domain::DomainError;
use sqlx::PgPool;
use std::{
    collections::{BTreeMap, HashMap},
    time::Duration,
};
use uuid::Uuid;

/// Products read from Postgres and sent to Meilisearch per request of a full re-index.
pub const REINDEX_BATCH: u32 = 1000;
/// How long a document change may wait in Meilisearch's task queue.
const TASK_TIMEOUT: Duration = Duration::from_secs(120);
/// How long applying settings may take (it re-indexes every document when they change).
const SETTINGS_TIMEOUT: Duration = Duration::from_secs(900);
/// Words of the description around the match in its highlight.
const DESCRIPTION_WORDS: usize = 25;

const SEARCHABLE: [&str; 4] = ["title", "skus", "attributes", "description"];
const FILTERABLE: [&str; 9] = [
    "category_ids",
    "price",
    "in_stock",
    "merchant_id",
    "status",
    "attribute_pairs",
    "top_category",
    "price_bucket",
    "indexed_at",
];
const SORTABLE: [&str; 3] = ["price", "created_at", "title"];
const FACETS: [&str; 4] = ["top_category", "price_bucket", "attribute_pairs", "merchant_id"];

/// The settings every products index gets.
fn index_settings() -> Settings {
    Settings::new()
        .with_searchable_attributes(SEARCHABLE)
        .with_filterable_attributes(FILTERABLE)
        .with_sortable_attributes(SORTABLE)
        .with_typo_tolerance(TypoToleranceSettings {
            enabled: Some(true),
            // SKUs match exactly or by prefix, never "nearly".
            disable_on_attributes: Some(vec!["skus".to_owned()]),
            min_word_size_for_typos: Some(MinWordSizeForTypos { one_typo: Some(5), two_typos: Some(9) }),
            ..Default::default()
        })
        .with_faceting(FacetingSettings {
            max_values_per_facet: 1000,
            sort_facet_values_by: Some(BTreeMap::from([("*".to_owned(), FacetSortValue::Count)])),
        })
        // Deep enough for the last allowed page at the largest page size.
        .with_pagination(PaginationSetting { max_total_hits: (MAX_PAGE * MAX_PAGE_SIZE) as usize })
}

pub struct MeiliSearch {
    client: Client,
    index: Index,
}

impl MeiliSearch {
    /// A client of the server at `url` for the index `index_uid` (nothing is sent yet).
    pub fn new(url: &str, api_key: Option<&str>, index_uid: &str) -> anyhow::Result<Self> {
        let client = Client::new(url.trim_end_matches('/'), api_key).context("MEILI_URL / MEILI_API_KEY")?;
        let index = client.index(index_uid);
        Ok(Self { client, index })
    }

    pub fn index_uid(&self) -> &str {
        &self.index.uid
    }

    /// Waits for `task` and fails unless it succeeded.
    async fn finish(&self, task: TaskInfo, timeout: Duration) -> anyhow::Result<Task> {
        let task = task
            .wait_for_completion(&self.client, Some(Duration::from_millis(50)), Some(timeout))
            .await
            .with_context(|| format!("waiting for a task on Meilisearch index {}", self.index.uid))?;
        if task.is_failure() {
            let error = task.unwrap_failure();
            anyhow::bail!("Meilisearch index {}: {}", self.index.uid, error.error_message);
        }
        Ok(task)
    }
}

/// `"…"` with `\` and `"` escaped, for a filter expression.
fn quote(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The Meilisearch filter for published products matching `filters`; `category` is the
/// id of the filter's category (resolved from its slug).
fn filter_expression(filters: &ListingQuery, category: Option<Uuid>) -> String {
    let mut parts = vec!["status = \"published\"".to_owned()];
    if let Some(category) = category {
        parts.push(format!("category_ids = {}", quote(&category.to_string())));
    }
    if let Some(min) = filters.min_price_minor {
        parts.push(format!("price >= {min}"));
    }
    if let Some(max) = filters.max_price_minor {
        parts.push(format!("price <= {max}"));
    }
    if let Some(in_stock) = filters.in_stock {
        parts.push(format!("in_stock = {in_stock}"));
    }
    if let Some(merchant) = filters.merchant {
        parts.push(format!("merchant_id = {}", quote(&merchant.to_string())));
    }
    for (name, value) in &filters.attributes {
        parts.push(format!("attribute_pairs = {}", quote(&attribute_pair(name, value))));
    }
    parts.join(" AND ")
}

type Distribution = HashMap<String, HashMap<String, usize>>;

/// Meilisearch's facet distribution in the shape the Postgres backend returns.
fn facets(distribution: &Distribution) -> Value {
    let empty = HashMap::new();
    let of = |facet: &str| distribution.get(facet).unwrap_or(&empty);

    let mut categories: Vec<(&String, usize)> = of("top_category").iter().map(|(k, n)| (k, *n)).collect();
    categories.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));

    let bucket_counts: HashMap<i64, usize> = of("price_bucket")
        .iter()
        .filter_map(|(min, n)| min.parse::<f64>().ok().map(|min| (min as i64, *n)))
        .collect();
    let prices: Vec<Value> = PRICE_BUCKETS
        .iter()
        .filter_map(|(min, max)| bucket_counts.get(min).map(|n| json!({"min": min, "max": max, "count": n})))
        .collect();

    let mut attributes: BTreeMap<String, serde_json::Map<String, Value>> = BTreeMap::new();
    for (pair, n) in of("attribute_pairs") {
        if let Ok((name, value)) = serde_json::from_str::<(String, String)>(pair) {
            attributes.entry(name).or_default().insert(value, json!(n));
        }
    }

    let mut merchants: Vec<(&String, usize)> = of("merchant_id").iter().map(|(k, n)| (k, *n)).collect();
    merchants.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));

    json!({
        "categories": categories.iter().map(|(c, n)| json!({"category": c, "count": n})).collect::<Vec<_>>(),
        "prices": prices,
        "attributes": attributes,
        "merchants": merchants.iter().map(|(m, n)| json!({"merchant_id": m, "count": n})).collect::<Vec<_>>(),
    })
}

#[derive(Deserialize)]
struct HitId {
    id: Uuid,
}

/// The highlighted `field` of a hit, or the plain text when Meilisearch sent none.
fn highlight(formatted: Option<&serde_json::Map<String, Value>>, field: &str, plain: &str) -> String {
    safe_highlight(formatted.and_then(|f| f.get(field)).and_then(Value::as_str).unwrap_or(plain))
}

/// The published products among `ids`, as Postgres has them now, by id.
async fn published_products(db: &PgPool, ids: &[Uuid]) -> Result<HashMap<Uuid, Product>, DomainError> {
    let products: Vec<Product> = sqlx::query_as(&format!(
        "SELECT {PRODUCT_COLUMNS} FROM products p LEFT JOIN categories c ON c.id = p.category_id
         WHERE p.status = 'published' AND p.id = ANY($1)"
    ))
    .bind(ids)
    .fetch_all(db)
    .await?;
    Ok(products.into_iter().map(|p| (p.id, p)).collect())
}

#[async_trait::async_trait]
impl SearchIndex for MeiliSearch {
    fn backend(&self) -> SearchBackend {
        SearchBackend::Meilisearch
    }

    fn follows_commits(&self) -> bool {
        false
    }

    async fn configure(&self) -> anyhow::Result<()> {
        let created = self.client.create_index(&self.index.uid, Some("id")).await?;
        let created = created
            .wait_for_completion(&self.client, Some(Duration::from_millis(50)), Some(TASK_TIMEOUT))
            .await?;
        if created.is_failure() {
            let error = created.unwrap_failure();
            if error.error_code != ErrorCode::IndexAlreadyExists {
                anyhow::bail!("creating Meilisearch index {}: {}", self.index.uid, error.error_message);
            }
        }
        let task = self.index.set_settings(&index_settings()).await?;
        self.finish(task, SETTINGS_TIMEOUT).await?;
        tracing::info!(index = %self.index.uid, "Meilisearch index configured");
        Ok(())
    }

    async fn search(&self, db: &PgPool, query: &SearchQuery) -> Result<SearchResults, DomainError> {
        let text = query.check(db).await?;
        let category = match &query.filters.category {
            Some(slug) => categories::by_slug(db, slug).await?.map(|c| c.id),
            None => None,
        };
        let filter = filter_expression(&query.filters, category);
        let (pre, post) = (MARK_START.to_string(), MARK_END.to_string());
        let facet_names: &[&str] = &FACETS;
        let retrieved: &[&str] = &["id", "title", "description"];
        let highlighted: &[&str] = &["title", "description"];
        let cropped: &[(&str, Option<usize>)] = &[("description", Some(DESCRIPTION_WORDS))];
        let mut request = self.index.search();
        request
            .with_query(text)
            .with_filter(&filter)
            .with_page(query.page as usize)
            .with_hits_per_page(query.filters.limit as usize)
            .with_facets(Selectors::Some(facet_names))
            .with_attributes_to_retrieve(Selectors::Some(retrieved))
            .with_attributes_to_highlight(Selectors::Some(highlighted))
            .with_attributes_to_crop(Selectors::Some(cropped))
            .with_highlight_pre_tag(&pre)
            .with_highlight_post_tag(&post)
            .with_show_ranking_score(true);
        let found = request.execute::<HitId>().await.map_err(|err| {
            tracing::warn!(index = %self.index.uid, error = %err, "Meilisearch search failed");
            DomainError::Unavailable("the search engine")
        })?;

        let ids: Vec<Uuid> = found.hits.iter().map(|hit| hit.result.id).collect();
        let mut products = published_products(db, &ids).await?;
        let items = found
            .hits
            .iter()
            .filter_map(|hit| {
                let product = products.remove(&hit.result.id)?;
                let formatted = hit.formatted_result.as_ref();
                let highlights = Highlights {
                    title: highlight(formatted, "title", &product.title),
                    description: highlight(formatted, "description", &product.description),
                };
                Some(SearchHit { score: hit.ranking_score.unwrap_or(0.0), highlights, product })
            })
            .collect();
        let total = found.total_hits.or(found.estimated_total_hits).unwrap_or(0);
        Ok(SearchResults {
            total: i64::try_from(total).unwrap_or(i64::MAX),
            items,
            facets: facets(&found.facet_distribution.unwrap_or_default()),
        })
    }

    async fn upsert(&self, documents: &[ProductDocument]) -> anyhow::Result<()> {
        if documents.is_empty() {
            return Ok(());
        }
        let task = self.index.add_or_replace(documents, Some("id")).await?;
        self.finish(task, TASK_TIMEOUT).await?;
        Ok(())
    }

    async fn delete(&self, ids: &[Uuid]) -> anyhow::Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let task = self.index.delete_documents(ids).await?;
        self.finish(task, TASK_TIMEOUT).await?;
        Ok(())
    }

    /// Applies the settings, upserts every published product batch by batch, then
    /// removes the entries this run did not write (products gone or unpublished). Searches
    /// keep working throughout; events handled meanwhile write newer entries, which stay.
    async fn reindex(&self, db: &PgPool) -> anyhow::Result<String> {
        self.configure().await?;
        let started = chrono::Utc::now().timestamp_millis();
        let (mut after, mut indexed) = (None, 0usize);
        loop {
            let batch = document::batch_after(db, after, REINDEX_BATCH).await?;
            let Some(last) = batch.last() else { break };
            after = Some(last.id);
            self.upsert(&batch).await?;
            indexed += batch.len();
            if batch.len() < REINDEX_BATCH as usize {
                break;
            }
        }
        let stale = format!("indexed_at < {started}");
        let mut deletion = DocumentDeletionQuery::new(&self.index);
        deletion.with_filter(&stale);
        let task = self.index.delete_documents_with(&deletion).await?;
        self.finish(task, TASK_TIMEOUT).await?;
        Ok(format!("{indexed} products indexed in {}; older entries removed", self.index.uid))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_quote_their_values() {
        let merchant = Uuid::nil();
        let category = Uuid::max();
        let filters = ListingQuery {
            min_price_minor: Some(100),
            max_price_minor: Some(900),
            in_stock: Some(true),
            merchant: Some(merchant),
            attributes: vec![("fit".into(), "6\" \\ wide".into())],
            ..Default::default()
        };
        assert_eq!(
            filter_expression(&filters, Some(category)),
            format!(
                "status = \"published\" AND category_ids = \"{category}\" AND price >= 100 AND price <= 900 \
                 AND in_stock = true AND merchant_id = \"{merchant}\" \
                 AND attribute_pairs = \"[\\\"fit\\\",\\\"6\\\\\\\" \\\\\\\\ wide\\\"]\""
            )
        );
        assert_eq!(filter_expression(&ListingQuery::default(), None), "status = \"published\"");
    }

    #[test]
    fn facet_distribution_maps_to_the_postgres_shape() {
        let distribution: Distribution = serde_json::from_value(json!({
            "top_category": {"clothing": 1, "electronics": 2},
            "price_bucket": {"10000": 2, "5000": 1},
            "attribute_pairs": {"[\"brand\",\"Acme\"]": 1, "[\"brand\",\"Lumen\"]": 1, "[\"material\",\"nylon\"]": 1},
            "merchant_id": {"m-1": 3},
        }))
        .unwrap();
        assert_eq!(
            facets(&distribution),
            json!({
                "categories": [{"category": "electronics", "count": 2}, {"category": "clothing", "count": 1}],
                "prices": [{"min": 5000, "max": 10000, "count": 1}, {"min": 10000, "max": 25000, "count": 2}],
                "attributes": {"brand": {"Acme": 1, "Lumen": 1}, "material": {"nylon": 1}},
                "merchants": [{"merchant_id": "m-1", "count": 3}],
            })
        );
        assert_eq!(
            facets(&Distribution::new()),
            json!({"categories": [], "prices": [], "attributes": {}, "merchants": []})
        );
    }
}
