//! `/api/v1/categories`, `/api/v1/products` (with `/{id}/variants`) and `/api/v1/variants/{id}/inventory-adjustments`:
//! browsing for everyone, catalog management for merchants (their own products) and admins.

use super::path::ApiPath;
use super::{
    auth::{Admin, MaybeSignedIn, Merchant},
    json::ApiJson,
    problem::ApiError,
    query::ApiQuery,
};
use crate::state::ApiContext;
use axum::{
    extract::{RawQuery, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde::Deserialize;
use shopfleet_commerce::catalog::{
    categories::{Category, NewCategory},
    inventory::{Adjustment, NewAdjustment},
    listing::{ListingQuery, ProductPage, Sort, DEFAULT_PAGE_SIZE},
    products::{Deletion, NewProduct, Product, ProductPatch, VariantPage},
    search::{SearchQuery, SearchResults},
    ProductStatus,
};
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new()
        .routes(routes!(list_categories, create_category))
        .routes(routes!(list_products, create_product))
        .routes(routes!(own_products))
        .routes(routes!(get_product, patch_product, delete_product))
        .routes(routes!(list_variants))
        .routes(routes!(adjust_stock, stock_history))
        .routes(routes!(search))
}

/// The category tree, parents before children.
#[utoipa::path(get, path = "/api/v1/categories", tag = "catalog", responses((status = 200, body = Vec<Category>)))]
async fn list_categories(State(ctx): State<ApiContext>) -> Result<Json<Vec<Category>>, ApiError> {
    Ok(Json(ctx.catalog.categories().await?))
}

/// Add a category (admins).
#[utoipa::path(post, path = "/api/v1/categories", tag = "catalog", security(("bearer" = ["admin"])),
    request_body = NewCategory, responses(
        (status = 201, body = Category),
        (status = 409, description = "Slug taken (`category_slug_taken`)", body = super::problem::Problem)))]
async fn create_category(
    State(ctx): State<ApiContext>,
    _admin: Admin,
    ApiJson(input): ApiJson<NewCategory>,
) -> Result<(StatusCode, Json<Category>), ApiError> {
    Ok((StatusCode::CREATED, Json(ctx.catalog.create_category(&input).await?)))
}

/// Query parameters of the product listing (documentation; parsed by [`parse_listing`]).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct ListingParams {
    /// Category slug; products of its descendants are included.
    category: Option<String>,
    #[param(minimum = 0, maximum = 100_000_000_000_i64)]
    min_price_minor: Option<i64>,
    #[param(minimum = 0, maximum = 100_000_000_000_i64)]
    max_price_minor: Option<i64>,
    in_stock: Option<bool>,
    merchant: Option<Uuid>,
    /// `newest` (default), `price_asc`, `price_desc` or `title`.
    sort: Option<Sort>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Page size, 1 to 100 (default 24).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
    /// Attribute filters: `attr.<name>=<value>`, e.g. `attr.brand=Acme`.
    #[param(rename = "attr.{name}")]
    attr: Option<String>,
}

fn parse<T: std::str::FromStr>(field: &str, value: &str) -> Result<T, ApiError> {
    value.parse().map_err(|_| ApiError::invalid(field, format!("`{value}` is not a valid value")))
}

/// Parses the listing filters by hand: `attr.<name>` keys are dynamic, and unknown keys
/// are refused. Keys in `extra` are returned for the caller (e.g. `q`, `page`).
fn parse_listing(
    raw: Option<&str>,
    extra: &[&str],
) -> Result<(ListingQuery, Vec<(String, String)>), ApiError> {
    let mut query = ListingQuery { limit: DEFAULT_PAGE_SIZE, ..Default::default() };
    let mut extras = Vec::new();
    for (key, value) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        super::text::check_query_pair(&key, &value).map_err(|err| ApiError::Validation(vec![err]))?;
        match key.as_ref() {
            "category" => query.category = Some(value.into_owned()),
            "min_price_minor" => query.min_price_minor = Some(parse(&key, &value)?),
            "max_price_minor" => query.max_price_minor = Some(parse(&key, &value)?),
            "in_stock" => query.in_stock = Some(parse(&key, &value)?),
            "merchant" => query.merchant = Some(parse(&key, &value)?),
            "cursor" if !extra.contains(&"page") => query.cursor = Some(value.into_owned()),
            "limit" => query.limit = parse(&key, &value)?,
            "sort" if !extra.contains(&"page") => {
                query.sort =
                    serde_json::from_value(serde_json::Value::String(value.to_string())).map_err(|_| {
                        ApiError::invalid("sort", "must be newest, price_asc, price_desc or title")
                    })?;
            }
            other if extra.contains(&other) => extras.push((other.to_owned(), value.into_owned())),
            other => match other.strip_prefix("attr.") {
                Some(name) if !name.is_empty() => {
                    query.attributes.push((name.to_owned(), value.into_owned()))
                }
                _ => return Err(ApiError::invalid(other, "unknown query parameter")),
            },
        }
    }
    Ok((query, extras))
}

/// Browse published products: filters, sorts, keyset pagination. Variants are summarised
/// (`min_price_minor`, `in_stock`, `variant_count`); the detail lists them.
#[utoipa::path(get, path = "/api/v1/products", tag = "catalog", params(ListingParams),
    responses((status = 200, body = ProductPage), (status = 422, description = "Bad filter, cursor or page size", body = super::problem::Problem)))]
async fn list_products(
    State(ctx): State<ApiContext>,
    RawQuery(raw): RawQuery,
) -> Result<CachedJson, ApiError> {
    let (query, _) = parse_listing(raw.as_deref(), &[])?;
    Ok(CachedJson(ctx.catalog.list_json(&query).await?))
}

/// A JSON body as the catalog cache holds it: sent without parsing and serialising it again.
struct CachedJson(bytes::Bytes);

impl axum::response::IntoResponse for CachedJson {
    fn into_response(self) -> axum::response::Response {
        ([(http::header::CONTENT_TYPE, "application/json")], self.0).into_response()
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct OwnListingParams {
    /// Only products in this status; all statuses when omitted.
    status: Option<ProductStatus>,
    /// `newest` (default), `price_asc`, `price_desc` or `title`.
    sort: Option<Sort>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Page size, 1 to 100 (default 24).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

/// The caller's own products in every status (drafts and archived ones included, which the
/// public listing hides), with keyset pagination; never served from the cache.
#[utoipa::path(get, path = "/api/v1/merchant/products", tag = "catalog", security(("bearer" = ["merchant", "admin"])),
    params(OwnListingParams), responses((status = 200, body = ProductPage),
        (status = 422, description = "Bad status, sort, cursor or page size", body = super::problem::Problem)))]
async fn own_products(
    State(ctx): State<ApiContext>,
    merchant: Merchant,
    ApiQuery(params): ApiQuery<OwnListingParams>,
) -> Result<Json<ProductPage>, ApiError> {
    let query = ListingQuery {
        sort: params.sort.unwrap_or_default(),
        cursor: params.cursor,
        limit: params.limit.unwrap_or(DEFAULT_PAGE_SIZE),
        ..Default::default()
    };
    Ok(Json(ctx.catalog.list_own(merchant.principal.user_id, params.status, query).await?))
}

/// Query parameters of search besides the listing filters (documentation).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct SearchParams {
    /// The search text (1 to 200 characters). The last word matches as a prefix; titles
    /// match despite small typos; a full or partial SKU matches its product.
    #[param(min_length = 1, max_length = 200)]
    q: String,
    /// 1-based page of results, at most 50.
    #[param(minimum = 1, maximum = 50)]
    page: Option<u32>,
    category: Option<String>,
    #[param(minimum = 0, maximum = 100_000_000_000_i64)]
    min_price_minor: Option<i64>,
    #[param(minimum = 0, maximum = 100_000_000_000_i64)]
    max_price_minor: Option<i64>,
    in_stock: Option<bool>,
    merchant: Option<Uuid>,
    /// Page size, 1 to 100 (default 24).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
    /// Attribute filters: `attr.<name>=<value>`.
    #[param(rename = "attr.{name}")]
    attr: Option<String>,
}

/// Full-text search over published products, ranked (an exact SKU first), with facets
/// over all matches and highlighted title and description.
#[utoipa::path(get, path = "/api/v1/search", tag = "catalog", params(SearchParams),
    responses((status = 200, body = SearchResults), (status = 422, description = "Missing or bad `q`, filter or page", body = super::problem::Problem),
        (status = 503, description = "The search engine (Meilisearch backend) did not answer (`service_unavailable`)", body = super::problem::Problem)))]
async fn search(State(ctx): State<ApiContext>, RawQuery(raw): RawQuery) -> Result<CachedJson, ApiError> {
    let (filters, extras) = parse_listing(raw.as_deref(), &["q", "page"])?;
    let mut text = None;
    let mut page = 1;
    for (key, value) in extras {
        if key == "q" {
            text = Some(value);
        } else {
            page = parse("page", &value)?;
        }
    }
    let text = text.ok_or_else(|| ApiError::invalid("q", "is required"))?;
    Ok(CachedJson(ctx.catalog.search_json(&SearchQuery { text, filters, page }).await?))
}

/// Create a product with its variants (merchants; owned by the caller).
#[utoipa::path(post, path = "/api/v1/products", tag = "catalog", security(("bearer" = ["merchant", "admin"])),
    request_body = NewProduct, responses(
        (status = 201, body = Product),
        (status = 409, description = "Slug or SKU taken (`slug_taken`, `sku_taken`)", body = super::problem::Problem),
        (status = 422, description = "Invalid field, named in `errors`", body = super::problem::Problem)))]
async fn create_product(
    State(ctx): State<ApiContext>,
    merchant: Merchant,
    ApiJson(input): ApiJson<NewProduct>,
) -> Result<(StatusCode, Json<Product>), ApiError> {
    let product = ctx.catalog.create_product(merchant.principal.user_id, &input).await?;
    Ok((StatusCode::CREATED, Json(product)))
}

/// A product by id or slug, with up to 50 variants. Unpublished products are visible to
/// their merchant and admins only.
#[utoipa::path(get, path = "/api/v1/products/{id}", tag = "catalog", params(("id" = String, Path, description = "Product id or slug")),
    responses((status = 200, body = Product), (status = 404, body = super::problem::Problem)))]
async fn get_product(
    State(ctx): State<ApiContext>,
    signed_in: MaybeSignedIn,
    ApiPath(id): ApiPath<String>,
) -> Result<CachedJson, ApiError> {
    match ctx.catalog.get_json(&id, signed_in.0.as_ref()).await? {
        Some(json) => Ok(CachedJson(json)),
        None => Err(ApiError::NotFound("product not found".into())),
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VariantParams {
    /// `next_cursor` of the previous page.
    cursor: Option<Uuid>,
    /// Page size, 1 to 200 (default 50).
    limit: Option<u32>,
}

/// All variants of a product, page by page in display order (the detail shows the first
/// 50 and `variant_count`). Same visibility as the product.
#[utoipa::path(get, path = "/api/v1/products/{id}/variants", tag = "catalog",
    params(("id" = String, Path, description = "Product id or slug"), VariantParams),
    responses((status = 200, body = VariantPage), (status = 404, body = super::problem::Problem)))]
async fn list_variants(
    State(ctx): State<ApiContext>,
    signed_in: MaybeSignedIn,
    ApiPath(id): ApiPath<String>,
    ApiQuery(params): ApiQuery<VariantParams>,
) -> Result<Json<VariantPage>, ApiError> {
    let product = match ctx.catalog.get(&id).await? {
        Some(product) if product.visible_to(signed_in.0.as_ref()) => product,
        _ => return Err(ApiError::NotFound("product not found".into())),
    };
    Ok(Json(ctx.catalog.variants(product.id, params.cursor, params.limit.unwrap_or(50)).await?))
}

/// Update a product's title, description or status (its merchant or an admin).
#[utoipa::path(patch, path = "/api/v1/products/{id}", tag = "catalog", security(("bearer" = ["merchant", "admin"])),
    params(("id" = Uuid, Path)), request_body = ProductPatch, responses((status = 200, body = Product)))]
async fn patch_product(
    State(ctx): State<ApiContext>,
    merchant: Merchant,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(patch): ApiJson<ProductPatch>,
) -> Result<Json<Product>, ApiError> {
    Ok(Json(ctx.catalog.update_product(&merchant.caller(), id, &patch).await?))
}

/// Delete a product (its merchant or an admin). A product that was sold or has stock
/// reserved by a checkout is archived instead (orders refer to it): 200 with the product.
#[utoipa::path(delete, path = "/api/v1/products/{id}", tag = "catalog", security(("bearer" = ["merchant", "admin"])),
    params(("id" = Uuid, Path)), responses(
        (status = 204, description = "Deleted"),
        (status = 200, description = "Archived instead: it has orders or reservations", body = Product)))]
async fn delete_product(
    State(ctx): State<ApiContext>,
    merchant: Merchant,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    Ok(match ctx.catalog.delete_product(&merchant.caller(), id).await? {
        Deletion::Deleted => StatusCode::NO_CONTENT.into_response(),
        Deletion::Archived(product) => Json(*product).into_response(),
    })
}

/// Restock or correct a variant's stock; recorded in its audit log.
#[utoipa::path(post, path = "/api/v1/variants/{id}/inventory-adjustments", tag = "inventory", security(("bearer" = ["merchant", "admin"])),
    params(("id" = Uuid, Path)), request_body = NewAdjustment, responses(
        (status = 201, body = Adjustment),
        (status = 409, description = "Would go below reserved stock (`below_reserved`)", body = super::problem::Problem)))]
async fn adjust_stock(
    State(ctx): State<ApiContext>,
    merchant: Merchant,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<NewAdjustment>,
) -> Result<(StatusCode, Json<Adjustment>), ApiError> {
    Ok((StatusCode::CREATED, Json(ctx.catalog.adjust_stock(&merchant.caller(), id, &input).await?)))
}

/// A variant's stock audit log, newest first (last 200).
#[utoipa::path(get, path = "/api/v1/variants/{id}/inventory-adjustments", tag = "inventory", security(("bearer" = ["merchant", "admin"])),
    params(("id" = Uuid, Path)), responses((status = 200, body = Vec<Adjustment>)))]
async fn stock_history(
    State(ctx): State<ApiContext>,
    merchant: Merchant,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Vec<Adjustment>>, ApiError> {
    Ok(Json(ctx.catalog.stock_history(&merchant.caller(), id).await?))
}
