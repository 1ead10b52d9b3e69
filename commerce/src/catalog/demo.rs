//! The demo shop: a deterministic generator of a realistic catalog (merchants,
//! shoppers, a category tree, products with attributes, variants and stock), loaded in
//! bulk, with the demo pricing (`crate::pricing::demo`: VAT zones, shipping, a code).
//! `make dev` loads 1,000 products; benchmarks reuse it at 100,000.

use super::categories;
use crate::accounts::password::PasswordHasherService;
use chrono::{Duration, TimeZone, Utc};
use rand::{seq::SliceRandom, Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use shopfleet_domain::DomainError;
use shopfleet_env_names as env_names;
use sqlx::PgPool;
use uuid::Uuid;

/// What to generate.
#[derive(Debug, Clone)]
pub struct DemoSpec {
    pub products: usize,
    pub merchants: usize,
    pub shoppers: usize,
    pub seed: u64,
}

/// What was loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSummary {
    pub categories: usize,
    pub merchants: usize,
    pub shoppers: usize,
    pub products: usize,
    pub variants: usize,
}

const CATEGORIES: &[(&str, &[&str])] = &[
    ("electronics", &["headphones", "speakers", "cameras", "chargers"]),
    ("computers", &["laptops", "keyboards", "monitors"]),
    ("home", &["lighting", "bedding", "storage"]),
    ("kitchen", &["cookware", "knives", "coffee"]),
    ("clothing", &["jackets", "shirts", "trousers", "socks"]),
    ("shoes", &["running", "hiking", "sneakers"]),
    ("sports", &["cycling", "yoga", "camping"]),
    ("books", &["fiction", "science", "cooking"]),
    ("toys", &["puzzles", "building-blocks", "board-games"]),
    ("beauty", &["skincare", "haircare"]),
    ("garden", &["tools", "planters", "seeds"]),
    ("office", &["notebooks", "pens", "desk-accessories"]),
];

const BRANDS: &[&str] =
    &["Acme", "Northwind", "Lumen", "Fjord", "Atlas", "Kestrel", "Orbit", "Verdant", "Summit", "Tandem"];
const MATERIALS: &[&str] = &[
    "cotton",
    "wool",
    "steel",
    "aluminium",
    "oak",
    "bamboo",
    "leather",
    "recycled plastic",
    "glass",
    "ceramic",
];
const COLOURS: &[&str] = &["black", "white", "navy", "red", "green", "grey", "sand", "olive"];
const SIZES: &[&str] = &["XS", "S", "M", "L", "XL"];
const ADJECTIVES: &[&str] = &[
    "Classic",
    "Compact",
    "Lightweight",
    "Premium",
    "Everyday",
    "Ultra",
    "Pro",
    "Eco",
    "Travel",
    "Wireless",
    "Heavy-Duty",
    "Minimal",
    "Vintage",
    "Smart",
    "Ergonomic",
];

fn noun(leaf: &str) -> &'static str {
    match leaf {
        "headphones" => "Headphones",
        "speakers" => "Bluetooth Speaker",
        "cameras" => "Mirrorless Camera",
        "chargers" => "USB-C Charger",
        "laptops" => "Laptop",
        "keyboards" => "Mechanical Keyboard",
        "monitors" => "4K Monitor",
        "lighting" => "Desk Lamp",
        "bedding" => "Duvet Cover",
        "storage" => "Storage Box",
        "cookware" => "Frying Pan",
        "knives" => "Chef's Knife",
        "coffee" => "Pour-Over Coffee Maker",
        "jackets" => "Rain Jacket",
        "shirts" => "Oxford Shirt",
        "trousers" => "Chino Trousers",
        "socks" => "Merino Socks",
        "running" => "Running Shoes",
        "hiking" => "Hiking Boots",
        "sneakers" => "Canvas Sneakers",
        "cycling" => "Cycling Helmet",
        "yoga" => "Yoga Mat",
        "camping" => "Camping Tent",
        "fiction" => "Novel",
        "science" => "Science Book",
        "cooking" => "Cookbook",
        "puzzles" => "Jigsaw Puzzle",
        "building-blocks" => "Building Block Set",
        "board-games" => "Board Game",
        "skincare" => "Face Moisturiser",
        "haircare" => "Shampoo",
        "tools" => "Pruning Shears",
        "planters" => "Ceramic Planter",
        "seeds" => "Herb Seed Kit",
        "notebooks" => "Dotted Notebook",
        "pens" => "Fountain Pen",
        _ => "Desk Organiser",
    }
}

fn is_apparel(leaf: &str) -> bool {
    matches!(leaf, "jackets" | "shirts" | "trousers" | "socks" | "running" | "hiking" | "sneakers")
}

fn uuid(rng: &mut ChaCha8Rng) -> Uuid {
    uuid::Builder::from_random_bytes(rng.gen()).into_uuid()
}

/// Loads the demo shop into an empty catalog. `password` is the password of every demo
/// account (there is no built-in one).
pub async fn load(
    db: &PgPool,
    hasher: &PasswordHasherService,
    spec: &DemoSpec,
    password: &str,
) -> Result<DemoSummary, DomainError> {
    crate::accounts::password::check_policy(env_names::DEMO_PASSWORD, password, "")?;
    let existing: i64 = sqlx::query_scalar("SELECT count(*) FROM products").fetch_one(db).await?;
    if existing > 0 {
        return Err(DomainError::Conflict {
            code: "catalog_not_empty",
            detail: format!("the catalog already has {existing} products"),
        });
    }
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let mut tx = db.begin().await?;

    // Accounts: merchants own the products; shoppers are there to log in as.
    let mut merchant_ids = Vec::new();
    for (role, count) in [("merchant", spec.merchants), ("user", spec.shoppers)] {
        for i in 0..count {
            let id = uuid(&mut rng);
            let hash = hasher.hash(password).await?;
            sqlx::query("INSERT INTO users (id, email, password_hash, role, display_name) VALUES ($1, $2, $3, $4, $5)")
                .bind(id)
                .bind(format!("{role}{i}@demo.shopfleet.dev"))
                .bind(hash)
                .bind(role)
                .bind(format!("Demo {role} {i}"))
                .execute(&mut *tx)
                .await?;
            if role == "merchant" {
                merchant_ids.push(id);
            }
        }
    }

    let mut leaves = Vec::new();
    let mut category_count = 0;
    for (top, children) in CATEGORIES {
        let top_id = uuid(&mut rng);
        insert_category(&mut tx, top_id, None, top).await?;
        category_count += 1;
        for child in *children {
            let id = uuid(&mut rng);
            insert_category(&mut tx, id, Some(top_id), child).await?;
            leaves.push((id, *child));
            category_count += 1;
        }
    }

    let base = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().expect("valid date");
    let mut variants = 0;
    for chunk_start in (0..spec.products).step_by(1000) {
        let chunk = chunk_start..(chunk_start + 1000).min(spec.products);
        let mut products = ProductRows::default();
        let mut variant_rows = VariantRows::default();
        for i in chunk {
            let (category, leaf) = *leaves.choose(&mut rng).expect("categories exist");
            let brand = *BRANDS.choose(&mut rng).expect("non-empty");
            let material = *MATERIALS.choose(&mut rng).expect("non-empty");
            let colour = *COLOURS.choose(&mut rng).expect("non-empty");
            let adjective = *ADJECTIVES.choose(&mut rng).expect("non-empty");
            let title = format!("{brand} {adjective} {}", noun(leaf));
            let id = uuid(&mut rng);
            let price = rng.gen_range(5..=800) * 100 + [0, 49, 95, 99][rng.gen_range(0..4)];
            products.push(ProductRow {
                id,
                merchant: merchant_ids[i % merchant_ids.len()],
                slug: format!("{}-{i}", super::slugify(&title)),
                description: format!(
                    "The {title} is made of {material} in {colour}. A {} choice for {} from {brand}, built to last and easy to care for.",
                    adjective.to_lowercase(),
                    leaf.replace('-', " "),
                ),
                title,
                category,
                attributes: serde_json::json!({"brand": brand, "material": material, "colour": colour}),
                created_at: base + Duration::minutes(i as i64),
            });
            let sizes: &[&str] =
                if is_apparel(leaf) { &SIZES[..rng.gen_range(1..=SIZES.len())] } else { &["one-size"] };
            for (position, size) in sizes.iter().enumerate() {
                let on_hand = if rng.gen_bool(0.1) { 0 } else { rng.gen_range(1..=200) };
                variant_rows.push(VariantRow {
                    id: uuid(&mut rng),
                    product: id,
                    sku: format!("SF-{i:06}-{}", size.to_uppercase().replace('-', "")),
                    options: serde_json::json!({"size": size, "colour": colour}),
                    price: price + position as i64 * 100,
                    on_hand,
                    position: position as i32,
                });
            }
        }
        variants += variant_rows.id.len();
        products.insert(&mut tx).await?;
        variant_rows.insert(&mut tx).await?;
    }
    sqlx::query(
        "UPDATE products p SET min_price_minor = s.min_price, currency = 'EUR', in_stock = s.in_stock, variant_count = s.count,
                skus = s.skus
         FROM (SELECT product_id, min(price_minor) AS min_price, bool_or(on_hand > reserved) AS in_stock, count(*)::int AS count,
                      string_agg(sku, ' ' ORDER BY position) AS skus
               FROM variants GROUP BY product_id) s
         WHERE p.id = s.product_id",
    )
    .execute(&mut *tx)
    .await?;
    crate::pricing::demo::load(&mut tx, || uuid(&mut rng)).await?;
    tx.commit().await?;
    Ok(DemoSummary {
        categories: category_count,
        merchants: spec.merchants,
        shoppers: spec.shoppers,
        products: spec.products,
        variants,
    })
}

/// A demo category named after its slug.
async fn insert_category(
    tx: &mut sqlx::PgTransaction<'_>,
    id: Uuid,
    parent: Option<Uuid>,
    slug: &str,
) -> Result<(), DomainError> {
    let name = slug.replace('-', " ");
    let name = name[..1].to_uppercase() + &name[1..];
    categories::insert(&mut **tx, id, parent, slug, &name).await?;
    Ok(())
}

struct ProductRow {
    id: Uuid,
    merchant: Uuid,
    slug: String,
    title: String,
    description: String,
    category: Uuid,
    attributes: serde_json::Value,
    created_at: chrono::DateTime<Utc>,
}

/// Products in columns, for one `INSERT … SELECT FROM unnest(…)` per chunk.
#[derive(Default)]
struct ProductRows {
    id: Vec<Uuid>,
    merchant: Vec<Uuid>,
    slug: Vec<String>,
    title: Vec<String>,
    description: Vec<String>,
    category: Vec<Uuid>,
    attributes: Vec<serde_json::Value>,
    created_at: Vec<chrono::DateTime<Utc>>,
}

impl ProductRows {
    fn push(&mut self, row: ProductRow) {
        self.id.push(row.id);
        self.merchant.push(row.merchant);
        self.slug.push(row.slug);
        self.title.push(row.title);
        self.description.push(row.description);
        self.category.push(row.category);
        self.attributes.push(row.attributes);
        self.created_at.push(row.created_at);
    }

    async fn insert(self, tx: &mut sqlx::PgTransaction<'_>) -> Result<(), DomainError> {
        sqlx::query(
            "INSERT INTO products (id, merchant_id, slug, title, description, status, category_id, attributes, created_at, updated_at)
             SELECT id, merchant, slug, title, description, 'published', category, attributes, created_at, created_at
             FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::uuid[], $7::jsonb[], $8::timestamptz[])
               AS t(id, merchant, slug, title, description, category, attributes, created_at)",
        )
        .bind(&self.id)
        .bind(&self.merchant)
        .bind(&self.slug)
        .bind(&self.title)
        .bind(&self.description)
        .bind(&self.category)
        .bind(&self.attributes)
        .bind(&self.created_at)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}

struct VariantRow {
    id: Uuid,
    product: Uuid,
    sku: String,
    options: serde_json::Value,
    price: i64,
    on_hand: i32,
    position: i32,
}

#[derive(Default)]
struct VariantRows {
    id: Vec<Uuid>,
    product: Vec<Uuid>,
    sku: Vec<String>,
    options: Vec<serde_json::Value>,
    price: Vec<i64>,
    on_hand: Vec<i32>,
    position: Vec<i32>,
}

impl VariantRows {
    fn push(&mut self, row: VariantRow) {
        self.id.push(row.id);
        self.product.push(row.product);
        self.sku.push(row.sku);
        self.options.push(row.options);
        self.price.push(row.price);
        self.on_hand.push(row.on_hand);
        self.position.push(row.position);
    }

    async fn insert(self, tx: &mut sqlx::PgTransaction<'_>) -> Result<(), DomainError> {
        sqlx::query(
            "INSERT INTO variants (id, product_id, sku, options, price_minor, currency, on_hand, low_stock_threshold, position)
             SELECT id, product, sku, options, price, 'EUR', on_hand, 5, position
             FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::jsonb[], $5::bigint[], $6::int[], $7::int[])
               AS t(id, product, sku, options, price, on_hand, position)",
        )
        .bind(&self.id)
        .bind(&self.product)
        .bind(&self.sku)
        .bind(&self.options)
        .bind(&self.price)
        .bind(&self.on_hand)
        .bind(&self.position)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}
