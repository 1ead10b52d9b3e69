//! Products and their variants: creation with validation, reads by id or slug,
//! updates and deletion, with merchants confined to their own products.

use super::{check_currency, check_slug, slugify, ProductStatus, MAX_PRICE_MINOR};
use crate::{
    accounts::Caller,
    events::{Change, EventType},
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use shopfleet_domain::{pricing::TaxClass, DomainError, PageLimit};
use sqlx::{PgConnection, PgPool};
use std::collections::HashSet;
use uuid::Uuid;

/// Most variants one product may have.
pub const MAX_VARIANTS: usize = 500;
/// Variants included in a product's detail; more are listed via the variants endpoint.
pub const DETAIL_VARIANTS: i64 = 50;

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Image {
    pub url: String,
    #[serde(default)]
    pub alt: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewVariant {
    #[schema(min_length = 1, max_length = 64, pattern = "^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    pub sku: String,
    /// Option values, e.g. `{"size": "M", "colour": "blue"}`.
    #[serde(default)]
    pub options: serde_json::Map<String, serde_json::Value>,
    /// Price in minor units (cents).
    #[schema(minimum = 0, maximum = 100_000_000_000_i64)]
    pub price_minor: i64,
    #[schema(minimum = 0, maximum = 100_000_000_000_i64)]
    pub compare_at_minor: Option<i64>,
    /// ISO 4217 code.
    #[schema(pattern = "^[A-Z]{3}$")]
    pub currency: String,
    #[schema(minimum = 0, maximum = 10_000_000)]
    pub weight_grams: Option<i32>,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 100_000_000)]
    pub on_hand: i32,
    #[schema(minimum = 0)]
    pub low_stock_threshold: Option<i32>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProduct {
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    /// Defaults to a slug of the title.
    #[schema(max_length = 120, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$")]
    pub slug: Option<String>,
    #[serde(default)]
    #[schema(max_length = 20000)]
    pub description: String,
    #[serde(default = "draft")]
    pub status: ProductStatus,
    /// Category slug.
    pub category: Option<String>,
    /// The tax class its prices are taxed at; `standard` when omitted.
    #[serde(default = "standard")]
    pub tax_class: TaxClass,
    /// Filterable attributes, e.g. `{"brand": "Acme", "material": "wool"}`.
    #[serde(default)]
    pub attributes: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    pub images: Vec<Image>,
    #[schema(min_items = 1, max_items = 500)]
    pub variants: Vec<NewVariant>,
}

fn draft() -> ProductStatus {
    ProductStatus::Draft
}

fn standard() -> TaxClass {
    TaxClass::Standard
}

#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Variant {
    pub id: Uuid,
    pub sku: String,
    #[schema(value_type = Object)]
    pub options: serde_json::Value,
    pub price_minor: i64,
    pub compare_at_minor: Option<i64>,
    pub currency: String,
    pub weight_grams: Option<i32>,
    pub on_hand: i32,
    pub reserved: i32,
    /// `on_hand - reserved`.
    pub available: i32,
    pub low_stock_threshold: Option<i32>,
}

/// A product with its first variants.
#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Product {
    pub id: Uuid,
    pub merchant_id: Uuid,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub status: ProductStatus,
    pub category_id: Option<Uuid>,
    pub category_path: Option<String>,
    #[serde(default = "standard")]
    pub tax_class: TaxClass,
    #[schema(value_type = Object)]
    pub attributes: serde_json::Value,
    #[schema(value_type = Vec<Image>)]
    pub images: serde_json::Value,
    pub min_price_minor: Option<i64>,
    pub currency: Option<String>,
    pub in_stock: bool,
    pub variant_count: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Uploaded images ready to show, in the merchant's order, with their renditions.
    #[schema(value_type = Vec<super::images::ShownImage>)]
    pub media: serde_json::Value,
    /// The first variants (at most 50); see `variant_count`.
    #[sqlx(skip)]
    #[serde(default)]
    pub variants: Vec<Variant>,
}

/// The product columns, with `media`: its ready uploaded images in order.
pub(super) const PRODUCT_COLUMNS: &str = "p.id, p.merchant_id, p.slug, p.title, p.description, p.status, p.category_id, \
     c.path AS category_path, p.tax_class, p.attributes, p.images, p.min_price_minor, p.currency, p.in_stock, p.variant_count, \
     p.created_at, p.updated_at, \
     (SELECT coalesce(jsonb_agg(jsonb_build_object('id', i.id, 'alt', i.alt, 'position', i.position, \
          'width', i.width, 'height', i.height, 'placeholder', i.placeholder, 'renditions', i.renditions) \
          ORDER BY i.position, i.created_at), '[]'::jsonb) \
      FROM product_images i WHERE i.product_id = p.id AND i.status = 'ready') AS media";
const VARIANT_COLUMNS: &str =
    "id, sku, options, price_minor, compare_at_minor, currency, weight_grams, on_hand, reserved, \
     on_hand - reserved AS available, low_stock_threshold";

impl NewProduct {
    fn validate(&self) -> Result<String, DomainError> {
        let title = self.title.trim();
        if title.is_empty() || title.chars().count() > 200 {
            return Err(DomainError::invalid("title", "must be 1 to 200 characters"));
        }
        let slug = self.slug.clone().unwrap_or_else(|| slugify(title));
        check_slug("slug", &slug)?;
        if self.description.chars().count() > 20_000 {
            return Err(DomainError::invalid("description", "must be at most 20000 characters"));
        }
        for (i, image) in self.images.iter().enumerate() {
            let ok = url::Url::parse(&image.url).is_ok_and(|u| matches!(u.scheme(), "https" | "http"));
            if !ok {
                return Err(DomainError::invalid(format!("images[{i}].url"), "must be an http(s) URL"));
            }
        }
        if self.variants.is_empty() || self.variants.len() > MAX_VARIANTS {
            return Err(DomainError::invalid("variants", format!("must have 1 to {MAX_VARIANTS} variants")));
        }
        let mut skus = HashSet::new();
        for (i, variant) in self.variants.iter().enumerate() {
            variant.validate(i)?;
            if !skus.insert(variant.sku.as_str()) {
                return Err(DomainError::invalid(
                    format!("variants[{i}].sku"),
                    format!("`{}` appears twice", variant.sku),
                ));
            }
        }
        let currencies: HashSet<&str> = self.variants.iter().map(|v| v.currency.as_str()).collect();
        if currencies.len() > 1 {
            return Err(DomainError::invalid("variants", "all variants of a product use one currency"));
        }
        Ok(slug)
    }
}

impl NewVariant {
    fn validate(&self, i: usize) -> Result<(), DomainError> {
        let field = |name: &str| format!("variants[{i}].{name}");
        let sku_ok = !self.sku.is_empty()
            && self.sku.len() <= 64
            && self.sku.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
            && self.sku.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
        if !sku_ok {
            return Err(DomainError::invalid(
                field("sku"),
                "must be 1 to 64 letters, digits, '.', '_' or '-'",
            ));
        }
        if !(0..=MAX_PRICE_MINOR).contains(&self.price_minor) {
            return Err(DomainError::invalid(
                field("price_minor"),
                format!("must be between 0 and {MAX_PRICE_MINOR}"),
            ));
        }
        if let Some(compare_at) = self.compare_at_minor {
            if !(0..=MAX_PRICE_MINOR).contains(&compare_at) {
                return Err(DomainError::invalid(
                    field("compare_at_minor"),
                    format!("must be between 0 and {MAX_PRICE_MINOR}"),
                ));
            }
        }
        check_currency(&field("currency"), &self.currency)?;
        if self.weight_grams.is_some_and(|w| !(0..=10_000_000).contains(&w)) {
            return Err(DomainError::invalid(field("weight_grams"), "must be between 0 and 10000000"));
        }
        if !(0..=100_000_000).contains(&self.on_hand) {
            return Err(DomainError::invalid(field("on_hand"), "must be between 0 and 100000000"));
        }
        if self.low_stock_threshold.is_some_and(|t| t < 0) {
            return Err(DomainError::invalid(field("low_stock_threshold"), "must not be negative"));
        }
        Ok(())
    }
}

fn map_conflicts(err: sqlx::Error) -> DomainError {
    if let sqlx::Error::Database(db) = &err {
        match db.constraint() {
            Some("products_slug_key") => {
                return DomainError::Conflict {
                    code: "slug_taken",
                    detail: "a product with this slug exists".into(),
                };
            }
            Some("variants_sku_key") => {
                // Postgres names the duplicate: "Key (sku)=(ABC-1) already exists."
                let key = db
                    .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                    .and_then(|e| e.detail())
                    .unwrap_or("a SKU of this product exists already")
                    .to_owned();
                return DomainError::Conflict { code: "sku_taken", detail: format!("SKU taken: {key}") };
            }
            _ => {}
        }
    }
    err.into()
}

/// Recomputes a product's listing columns from its variants (same transaction).
pub(super) async fn refresh_summary(conn: &mut PgConnection, product: Uuid) -> Result<(), DomainError> {
    sqlx::query(
        "UPDATE products p SET min_price_minor = s.min_price, currency = s.currency, in_stock = s.in_stock,
                variant_count = s.count, skus = s.skus, updated_at = now()
         FROM (SELECT min(price_minor) AS min_price, min(currency) AS currency,
                      coalesce(bool_or(on_hand > reserved), false) AS in_stock, count(*)::int AS count,
                      coalesce(string_agg(sku, ' ' ORDER BY position), '') AS skus
               FROM variants WHERE product_id = $1) s
         WHERE p.id = $1",
    )
    .bind(product)
    .execute(conn)
    .await?;
    Ok(())
}

/// Creates a product with its variants for `merchant`.
pub async fn create(db: &PgPool, merchant: Uuid, input: &NewProduct) -> Result<Product, DomainError> {
    let slug = input.validate()?;
    let category = match &input.category {
        Some(slug) => Some(
            super::categories::by_slug(db, slug)
                .await?
                .ok_or_else(|| DomainError::invalid("category", format!("no category `{slug}`")))?
                .id,
        ),
        None => None,
    };
    let mut change = Change::begin(db).await?;
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO products (id, merchant_id, slug, title, description, status, category_id, attributes, images,
                               tax_class)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(id)
    .bind(merchant)
    .bind(&slug)
    .bind(input.title.trim())
    .bind(&input.description)
    .bind(input.status)
    .bind(category)
    .bind(serde_json::Value::Object(input.attributes.clone()))
    .bind(serde_json::to_value(&input.images).map_err(anyhow::Error::from)?)
    .bind(input.tax_class)
    .execute(&mut *change)
    .await
    .map_err(map_conflicts)?;
    for (position, v) in input.variants.iter().enumerate() {
        sqlx::query(
            "INSERT INTO variants (id, product_id, sku, options, price_minor, compare_at_minor, currency, weight_grams,
                                   on_hand, low_stock_threshold, position)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(Uuid::now_v7())
        .bind(id)
        .bind(&v.sku)
        .bind(serde_json::Value::Object(v.options.clone()))
        .bind(v.price_minor)
        .bind(v.compare_at_minor)
        .bind(&v.currency)
        .bind(v.weight_grams)
        .bind(v.on_hand)
        .bind(v.low_stock_threshold)
        .bind(i32::try_from(position).unwrap_or(i32::MAX))
        .execute(&mut *change)
        .await
        .map_err(map_conflicts)?;
    }
    refresh_summary(&mut change, id).await?;
    super::events::product_changed(&mut change, EventType::ProductCreated, id, merchant, Some(input.status))?;
    change.commit().await?;
    get(db, &id.to_string()).await?.ok_or(DomainError::NotFound("product"))
}

/// A product by id or slug, with its first variants (two queries, whatever the size).
pub async fn get(db: &PgPool, id_or_slug: &str) -> Result<Option<Product>, DomainError> {
    let id = Uuid::parse_str(id_or_slug).ok();
    let product: Option<Product> = sqlx::query_as(&format!(
        "SELECT {PRODUCT_COLUMNS} FROM products p LEFT JOIN categories c ON c.id = p.category_id
         WHERE ($1::uuid IS NOT NULL AND p.id = $1) OR ($1::uuid IS NULL AND p.slug = $2)"
    ))
    .bind(id)
    .bind(id_or_slug)
    .fetch_optional(db)
    .await?;
    let Some(mut product) = product else { return Ok(None) };
    product.variants = sqlx::query_as(&format!(
        "SELECT {VARIANT_COLUMNS} FROM variants WHERE product_id = $1 ORDER BY position, id LIMIT $2"
    ))
    .bind(product.id)
    .bind(DETAIL_VARIANTS)
    .fetch_all(db)
    .await?;
    Ok(Some(product))
}

/// Most variants per page of the variants endpoint.
pub const MAX_VARIANT_PAGE: u32 = 200;

/// One page of a product's variants, in their display order.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VariantPage {
    pub items: Vec<Variant>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<Uuid>,
}

/// Variants of `product` after the variant `after` (keyset on display order), up to `limit`.
pub async fn variants_page(
    db: &PgPool,
    product: Uuid,
    after: Option<Uuid>,
    limit: u32,
) -> Result<VariantPage, DomainError> {
    PageLimit::within(limit, MAX_VARIANT_PAGE)?;
    if let Some(after) = after {
        let known: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM variants WHERE id = $1 AND product_id = $2)")
                .bind(after)
                .bind(product)
                .fetch_one(db)
                .await?;
        if !known {
            return Err(DomainError::invalid("cursor", "is not a variant of this product"));
        }
    }
    let mut items: Vec<Variant> = sqlx::query_as(&format!(
        "SELECT {VARIANT_COLUMNS} FROM variants
         WHERE product_id = $1
           AND ($2::uuid IS NULL OR (position, id) > (SELECT position, id FROM variants WHERE id = $2))
         ORDER BY position, id LIMIT $3"
    ))
    .bind(product)
    .bind(after)
    .bind(i64::from(limit) + 1)
    .fetch_all(db)
    .await?;
    let next_cursor = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(|variant| variant.id)
    } else {
        None
    };
    Ok(VariantPage { items, next_cursor })
}

impl Product {
    /// Merchants may touch only their own products; admins any.
    pub fn ensure_owned_by(&self, caller: &Caller) -> Result<(), DomainError> {
        if caller.may_act_for(self.merchant_id) {
            Ok(())
        } else {
            Err(DomainError::Forbidden("this product belongs to another merchant".into()))
        }
    }

    /// Whether `caller` (anonymous when `None`) may see this product: anyone when it is
    /// published, otherwise its merchant and admins.
    pub fn visible_to(&self, caller: Option<&Caller>) -> bool {
        Visibility { status: self.status, merchant_id: self.merchant_id }.visible_to(caller)
    }
}

/// What decides who may see a product, read from its JSON without the rest.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct Visibility {
    status: ProductStatus,
    merchant_id: Uuid,
}

impl Visibility {
    /// Of a product's JSON, or `None` for `null` (no such product).
    pub fn of_json(json: &[u8]) -> Result<Option<Self>, DomainError> {
        serde_json::from_slice(json).map_err(|err| DomainError::Internal(err.into()))
    }

    /// See [`Product::visible_to`].
    pub fn visible_to(self, caller: Option<&Caller>) -> bool {
        self.status == ProductStatus::Published
            || caller.is_some_and(|caller| caller.may_act_for(self.merchant_id))
    }
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductPatch {
    pub title: Option<String>,
    pub description: Option<String>,
    pub status: Option<ProductStatus>,
    /// The tax class its prices are taxed at.
    pub tax_class: Option<TaxClass>,
}

/// Updates title, description or status of a product the caller owns.
pub async fn update(
    db: &PgPool,
    caller: &Caller,
    id: Uuid,
    patch: &ProductPatch,
) -> Result<Product, DomainError> {
    let product = get(db, &id.to_string()).await?.ok_or(DomainError::NotFound("product"))?;
    product.ensure_owned_by(caller)?;
    if let Some(title) = &patch.title {
        if title.trim().is_empty() || title.chars().count() > 200 {
            return Err(DomainError::invalid("title", "must be 1 to 200 characters"));
        }
    }
    if patch.description.as_ref().is_some_and(|d| d.chars().count() > 20_000) {
        return Err(DomainError::invalid("description", "must be at most 20000 characters"));
    }
    let mut change = Change::begin(db).await?;
    let status: ProductStatus = sqlx::query_scalar(
        "UPDATE products SET title = coalesce($2, title), description = coalesce($3, description),
                status = coalesce($4, status), tax_class = coalesce($5, tax_class), updated_at = now()
         WHERE id = $1 RETURNING status",
    )
    .bind(id)
    .bind(patch.title.as_deref().map(str::trim))
    .bind(&patch.description)
    .bind(patch.status)
    .bind(patch.tax_class)
    .fetch_one(&mut *change)
    .await?;
    let event = if status == ProductStatus::Archived && product.status != ProductStatus::Archived {
        EventType::ProductArchived
    } else {
        EventType::ProductUpdated
    };
    super::events::product_changed(&mut change, event, id, product.merchant_id, Some(status))?;
    change.commit().await?;
    get(db, &id.to_string()).await?.ok_or(DomainError::NotFound("product"))
}

/// What deleting a product did.
#[derive(Debug)]
pub enum Deletion {
    /// It is gone, with its variants and stock history.
    Deleted,
    /// It is on an order, or has sold or reserved stock, so its history must stay: it was
    /// archived instead and is returned as it is now.
    Archived(Box<Product>),
}

/// Deletes a product the caller owns, or archives it when it is on an order or any of its
/// units were sold or are reserved (deleting would erase what orders refer to).
pub async fn delete(db: &PgPool, caller: &Caller, id: Uuid) -> Result<Deletion, DomainError> {
    let product = get(db, &id.to_string()).await?.ok_or(DomainError::NotFound("product"))?;
    product.ensure_owned_by(caller)?;
    let mut change = Change::begin(db).await?;
    sqlx::query("SELECT 1 FROM products WHERE id = $1 FOR UPDATE").bind(id).execute(&mut *change).await?;
    let ordered: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM order_lines WHERE product_id = $1)
             OR EXISTS (SELECT 1 FROM stock_reservations r JOIN variants v ON v.id = r.variant_id
                        WHERE v.product_id = $1 AND r.status IN ('committed', 'active'))",
    )
    .bind(id)
    .fetch_one(&mut *change)
    .await?;
    if ordered {
        sqlx::query("UPDATE products SET status = 'archived', updated_at = now() WHERE id = $1")
            .bind(id)
            .execute(&mut *change)
            .await?;
        if product.status != ProductStatus::Archived {
            let archived = Some(ProductStatus::Archived);
            super::events::product_changed(
                &mut change,
                EventType::ProductArchived,
                id,
                product.merchant_id,
                archived,
            )?;
        }
        change.commit().await?;
        let archived = get(db, &id.to_string()).await?.ok_or(DomainError::NotFound("product"))?;
        return Ok(Deletion::Archived(Box::new(archived)));
    }
    sqlx::query("DELETE FROM products WHERE id = $1").bind(id).execute(&mut *change).await?;
    super::events::product_changed(&mut change, EventType::ProductDeleted, id, product.merchant_id, None)?;
    change.commit().await?;
    Ok(Deletion::Deleted)
}
