//! [`Catalog`]: the catalog operations the API calls, with the Redis cache in front of
//! reads and invalidated after every write commits, and search through the configured
//! [`SearchIndex`].

use super::ProductStatus;
use super::{
    cache::CatalogCache,
    categories::{self, Category, NewCategory},
    inventory::{self, Adjustment, NewAdjustment},
    listing::{self, ListingQuery, ProductPage, Scope},
    products::{self, NewProduct, Product, ProductPatch},
    search::{postgres::PostgresSearch, SearchIndex, SearchQuery},
};
use crate::accounts::Caller;
use bytes::Bytes;
use sha2::{Digest, Sha256};
use shopfleet_domain::DomainError;
use sqlx::PgPool;
use std::sync::Arc;
use uuid::Uuid;

#[derive(Clone)]
pub struct Catalog {
    db: PgPool,
    cache: CatalogCache,
    search: Arc<dyn SearchIndex>,
}

impl Catalog {
    /// A catalog reading through `cache` and searching on Postgres; see [`Catalog::with_search`].
    pub fn new(db: PgPool, cache: CatalogCache) -> Self {
        Self { db, cache, search: Arc::new(PostgresSearch) }
    }

    /// Searches with `index` instead.
    pub fn with_search(self, index: Arc<dyn SearchIndex>) -> Self {
        Self { search: index, ..self }
    }

    pub fn search_index(&self) -> &Arc<dyn SearchIndex> {
        &self.search
    }

    /// A merchant's own products in any status (never cached: a merchant expects to see
    /// the draft they just saved).
    pub async fn list_own(
        &self,
        merchant: Uuid,
        status: Option<ProductStatus>,
        query: ListingQuery,
    ) -> Result<ProductPage, DomainError> {
        let query = ListingQuery { scope: Scope::Owner { merchant, status }, ..query };
        listing::list(&self.db, &query).await
    }

    /// A page of the published catalog, as JSON (a `ProductPage`, sent as cached).
    pub async fn list_json(&self, query: &ListingQuery) -> Result<Bytes, DomainError> {
        let canonical = serde_json::to_vec(query).map_err(anyhow::Error::from)?;
        let key = hex::encode(&Sha256::digest(&canonical)[..16]);
        self.cache.get_or_load_json("listing", &key, listing::list(&self.db, query)).await
    }

    /// Searches published products. Pages of a backend that is in step with every commit
    /// are cached under the catalog version; others are asked every time (they catch up
    /// with writes later, and a cached page could outlive the catch-up).
    /// The answer is JSON (`SearchResults`, sent as cached).
    pub async fn search_json(&self, query: &SearchQuery) -> Result<Bytes, DomainError> {
        if !self.search.follows_commits() {
            let results = self.search.search(&self.db, query).await?;
            return Ok(serde_json::to_vec(&results).map_err(anyhow::Error::from)?.into());
        }
        let canonical =
            serde_json::to_vec(&(&query.text, query.page, &query.filters)).map_err(anyhow::Error::from)?;
        let key = hex::encode(&Sha256::digest(&canonical)[..16]);
        self.cache.get_or_load_json("search", &key, self.search.search(&self.db, query)).await
    }

    pub async fn get(&self, id_or_slug: &str) -> Result<Option<Product>, DomainError> {
        self.cache.get_or_load("product", id_or_slug, products::get(&self.db, id_or_slug)).await
    }

    /// The product as JSON (a `Product`, sent as cached) if `caller` may see it.
    pub async fn get_json(
        &self,
        id_or_slug: &str,
        caller: Option<&Caller>,
    ) -> Result<Option<Bytes>, DomainError> {
        let json =
            self.cache.get_or_load_json("product", id_or_slug, products::get(&self.db, id_or_slug)).await?;
        let visible = products::Visibility::of_json(&json)?.is_some_and(|product| product.visible_to(caller));
        Ok(visible.then_some(json))
    }

    /// A page of a product's variants (not cached: pages of large products are rare reads).
    pub async fn variants(
        &self,
        product: Uuid,
        after: Option<Uuid>,
        limit: u32,
    ) -> Result<products::VariantPage, DomainError> {
        products::variants_page(&self.db, product, after, limit).await
    }

    pub async fn create_product(&self, merchant: Uuid, input: &NewProduct) -> Result<Product, DomainError> {
        let product = products::create(&self.db, merchant, input).await?;
        self.cache.invalidate().await;
        Ok(product)
    }

    pub async fn update_product(
        &self,
        caller: &Caller,
        id: Uuid,
        patch: &ProductPatch,
    ) -> Result<Product, DomainError> {
        let product = products::update(&self.db, caller, id, patch).await?;
        self.cache.invalidate().await;
        Ok(product)
    }

    pub async fn delete_product(&self, caller: &Caller, id: Uuid) -> Result<products::Deletion, DomainError> {
        let deletion = products::delete(&self.db, caller, id).await?;
        self.cache.invalidate().await;
        Ok(deletion)
    }

    pub async fn adjust_stock(
        &self,
        caller: &Caller,
        variant: Uuid,
        input: &NewAdjustment,
    ) -> Result<Adjustment, DomainError> {
        let adjustment = inventory::adjust(&self.db, caller, variant, input).await?;
        self.cache.invalidate().await;
        Ok(adjustment)
    }

    /// The audit trail of a variant's stock (its merchant and admins).
    pub async fn stock_history(
        &self,
        caller: &Caller,
        variant: Uuid,
    ) -> Result<Vec<Adjustment>, DomainError> {
        inventory::history(&self.db, caller, variant).await
    }

    /// Every category, as a flat list.
    pub async fn categories(&self) -> Result<Vec<Category>, DomainError> {
        categories::list(&self.db).await
    }

    pub async fn create_category(&self, input: &NewCategory) -> Result<Category, DomainError> {
        categories::create(&self.db, input).await
    }

    /// The cache in front of catalog reads, for the workflows that change availability.
    pub fn cache(&self) -> &CatalogCache {
        &self.cache
    }
}
