//! Catalog against real Postgres: categories, products and variants, ownership,
//! validation, the listing (filters, sorts, cursors, constant query count), stock
//! adjustments under concurrency, and the deterministic demo shop.

mod common;

use common::{assert_problem, spawn_app, TestApp, TestUser};
use serde_json::{json, Value};
use tracing_subscriber::Layer as _;

async fn merchant(app: &TestApp, email: &str) -> TestUser {
    app.user_with_role(email, "merchant").await
}

async fn categories(app: &TestApp, admin: &TestUser) {
    for (slug, parent) in [
        ("clothing", None),
        ("jackets", Some("clothing")),
        ("rain-jackets", Some("jackets")),
        ("books", None),
    ] {
        let response = app
            .post_as(
                "/api/v1/categories",
                &admin.access_token,
                &json!({"slug": slug, "name": slug, "parent": parent}),
            )
            .await;
        assert_eq!(response.status(), 201, "{slug}");
    }
}

fn product(title: &str, category: &str, sku: &str, price: i64, on_hand: i32, brand: &str) -> Value {
    json!({
        "title": title, "status": "published", "category": category,
        "attributes": {"brand": brand},
        "images": [{"url": "https://img.example.com/1.jpg", "alt": title}],
        "variants": [{"sku": sku, "price_minor": price, "currency": "EUR", "on_hand": on_hand, "options": {"size": "M"}}]
    })
}

#[tokio::test]
async fn merchants_create_products_and_shoppers_see_published_ones() {
    let app = spawn_app().await;
    let admin = app.admin("admin@example.com").await;
    categories(&app, &admin).await;
    let seller = merchant(&app, "seller@example.com").await;

    let mut body = product("Storm Shell Jacket", "rain-jackets", "JKT-1", 12999, 5, "Acme");
    body["status"] = json!("draft");
    body["variants"]
        .as_array_mut()
        .unwrap()
        .push(json!({"sku": "JKT-1-L", "price_minor": 13999, "currency": "EUR", "options": {"size": "L"}}));
    let created = app.post_as("/api/v1/products", &seller.access_token, &body).await;
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    assert_eq!(created["slug"], "storm-shell-jacket");
    assert_eq!(created["category_path"], "clothing/jackets/rain-jackets");
    assert_eq!(
        (created["min_price_minor"].as_i64(), created["variant_count"].as_i64()),
        (Some(12999), Some(2))
    );
    assert_eq!(created["in_stock"], true);
    assert_eq!(created["variants"][0]["available"], 5);

    let anonymous = app.client.get(app.url("/api/v1/products/storm-shell-jacket")).send().await.unwrap();
    assert_problem(anonymous, 404, "not_found").await;
    let owner = app.get_as("/api/v1/products/storm-shell-jacket", &seller.access_token).send().await.unwrap();
    assert_eq!(owner.status(), 200, "the merchant sees its draft");

    let id = created["id"].as_str().unwrap();
    let publish = app
        .patch_as(&format!("/api/v1/products/{id}"), &seller.access_token, &json!({"status": "published"}))
        .await;
    assert_eq!(publish.status(), 200);
    let by_id: Value = app
        .client
        .get(app.url(&format!("/api/v1/products/{id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(by_id["status"], "published");

    let shopper = app.register_and_login("shopper@example.com").await;
    let refused = app
        .post_as("/api/v1/products", &shopper.access_token, &product("X", "books", "X-1", 100, 1, "Acme"))
        .await;
    assert_problem(refused, 403, "forbidden").await;
}

#[tokio::test]
async fn merchants_list_their_own_products_in_every_status() {
    let app = spawn_app().await;
    let admin = app.admin("admin@example.com").await;
    categories(&app, &admin).await;
    let seller = merchant(&app, "own@example.com").await;
    let rival = merchant(&app, "rival@example.com").await;
    for (title, sku, status) in [
        ("Draft Coat", "OWN-1", "draft"),
        ("Live Coat", "OWN-2", "published"),
        ("Old Coat", "OWN-3", "archived"),
    ] {
        let mut body = product(title, "jackets", sku, 5000, 3, "Acme");
        body["status"] = json!(status);
        assert_eq!(app.post_as("/api/v1/products", &seller.access_token, &body).await.status(), 201);
    }
    app.post_as(
        "/api/v1/products",
        &rival.access_token,
        &product("Rival Coat", "jackets", "RIV-1", 5000, 3, "Acme"),
    )
    .await;
    let titles = |page: &Value| -> Vec<String> {
        page["items"].as_array().unwrap().iter().map(|p| p["title"].as_str().unwrap().to_owned()).collect()
    };

    let own: Value = app.get_json_as("/api/v1/merchant/products?sort=title", &seller.access_token).await;
    assert_eq!(
        titles(&own),
        ["Draft Coat", "Live Coat", "Old Coat"],
        "drafts and archived included, no rival's"
    );
    let drafts: Value = app.get_json_as("/api/v1/merchant/products?status=draft", &seller.access_token).await;
    assert_eq!(titles(&drafts), ["Draft Coat"]);
    let first: Value =
        app.get_json_as("/api/v1/merchant/products?sort=title&limit=2", &seller.access_token).await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let rest: Value = app
        .get_json_as(
            &format!("/api/v1/merchant/products?sort=title&limit=2&cursor={cursor}"),
            &seller.access_token,
        )
        .await;
    assert_eq!(titles(&rest), ["Old Coat"]);
    let public: Value =
        app.client.get(app.url("/api/v1/products?sort=title")).send().await.unwrap().json().await.unwrap();
    assert_eq!(
        titles(&public),
        ["Live Coat", "Rival Coat"],
        "the public listing shows published products only"
    );

    let bad =
        app.get_as("/api/v1/merchant/products?status=hidden", &seller.access_token).send().await.unwrap();
    assert_eq!(assert_problem(bad, 422, "validation_failed").await["errors"][0]["field"], "status");
    let too_many =
        app.get_as("/api/v1/merchant/products?limit=101", &seller.access_token).send().await.unwrap();
    assert_eq!(assert_problem(too_many, 422, "validation_failed").await["errors"][0]["field"], "limit");
    let shopper = app.register_and_login("buyer@example.com").await;
    let refused = app.get_as("/api/v1/merchant/products", &shopper.access_token).send().await.unwrap();
    assert_problem(refused, 403, "forbidden").await;
}

#[tokio::test]
async fn bad_catalog_input_gets_problems_naming_the_field() {
    let app = spawn_app().await;
    let admin = app.admin("admin@example.com").await;
    categories(&app, &admin).await;
    let seller = merchant(&app, "seller@example.com").await;
    let token = &seller.access_token;
    assert_eq!(
        app.post_as("/api/v1/products", token, &product("Atlas Tee", "clothing", "TEE-1", 1999, 3, "Atlas"))
            .await
            .status(),
        201
    );

    let duplicate_slug = app
        .post_as("/api/v1/products", token, &product("Atlas Tee", "clothing", "TEE-2", 1999, 3, "Atlas"))
        .await;
    assert_problem(duplicate_slug, 409, "slug_taken").await;
    let mut duplicate_sku = product("Other Tee", "clothing", "TEE-1", 1999, 3, "Atlas");
    duplicate_sku["slug"] = json!("other-tee");
    let body =
        assert_problem(app.post_as("/api/v1/products", token, &duplicate_sku).await, 409, "sku_taken").await;
    assert!(body["detail"].as_str().unwrap().contains("TEE-1"), "{body}");

    let cases = [
        (
            json!({"variants": [{"sku": "A-1", "price_minor": 100, "currency": "EURO"}]}),
            "variants[0].currency",
        ),
        (
            json!({"variants": [{"sku": "A-1", "price_minor": 100, "currency": "XYZ"}]}),
            "variants[0].currency",
        ),
        (
            json!({"variants": [{"sku": "A-1", "price_minor": 99999999999999_i64, "currency": "EUR"}]}),
            "variants[0].price_minor",
        ),
        (
            json!({"variants": [{"sku": "A-1", "price_minor": 100, "currency": "EUR", "on_hand": -5}]}),
            "variants[0].on_hand",
        ),
        (json!({"variants": [{"sku": "A 1", "price_minor": 100, "currency": "EUR"}]}), "variants[0].sku"),
        (json!({"variants": []}), "variants"),
        (json!({"category": "no-such-category"}), "category"),
        (json!({"slug": "Not A Slug"}), "slug"),
        (json!({"images": [{"url": "javascript:alert(1)"}]}), "images[0].url"),
    ];
    for (patch, field) in cases {
        let mut body = product("Valid Title", "clothing", "OK-1", 100, 1, "Atlas");
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let response = app.post_as("/api/v1/products", token, &body).await;
        let problem = assert_problem(response, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
    let negative = json!({"title": "T", "variants": [{"sku": "N-1", "price_minor": -1, "currency": "EUR"}]});
    let problem =
        assert_problem(app.post_as("/api/v1/products", token, &negative).await, 422, "validation_failed")
            .await;
    assert_eq!(problem["errors"][0]["field"], "variants[0].price_minor");
}

#[tokio::test]
async fn merchants_cannot_touch_each_others_products() {
    let app = spawn_app().await;
    let admin = app.admin("admin@example.com").await;
    categories(&app, &admin).await;
    let alice = merchant(&app, "alice@example.com").await;
    let bob = merchant(&app, "bob@example.com").await;
    let created: Value = app
        .post_as(
            "/api/v1/products",
            &alice.access_token,
            &product("Alice Book", "books", "AB-1", 999, 2, "Lumen"),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap();
    let variant = created["variants"][0]["id"].as_str().unwrap();

    let patch = app
        .patch_as(&format!("/api/v1/products/{id}"), &bob.access_token, &json!({"title": "Mine now"}))
        .await;
    assert_problem(patch, 403, "forbidden").await;
    let delete = app
        .client
        .delete(app.url(&format!("/api/v1/products/{id}")))
        .bearer_auth(&bob.access_token)
        .send()
        .await
        .unwrap();
    assert_problem(delete, 403, "forbidden").await;
    let restock = app
        .post_as(
            &format!("/api/v1/variants/{variant}/inventory-adjustments"),
            &bob.access_token,
            &json!({"kind": "restock", "quantity": 5, "reason": "sneaky"}),
        )
        .await;
    assert_problem(restock, 403, "forbidden").await;

    let admin_patch = app
        .patch_as(
            &format!("/api/v1/products/{id}"),
            &admin.access_token,
            &json!({"title": "Edited by admin"}),
        )
        .await;
    assert_eq!(admin_patch.status(), 200);
    let own_delete = app
        .client
        .delete(app.url(&format!("/api/v1/products/{id}")))
        .bearer_auth(&alice.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(own_delete.status(), 204);
}

/// Counts the SQL statements sqlx runs in this process (its `sqlx::query` events).
#[derive(Clone, Default)]
struct QueryCounter(std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for QueryCounter {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        if event.metadata().target() == "sqlx::query" {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }
}

impl QueryCounter {
    fn install() -> Self {
        use tracing_subscriber::{layer::SubscriberExt, util::SubscriberInitExt};
        let counter = Self::default();
        let filter =
            tracing_subscriber::filter::Targets::new().with_target("sqlx::query", tracing::Level::TRACE);
        tracing_subscriber::registry().with(counter.clone().with_filter(filter)).init();
        counter
    }

    fn get(&self) -> usize {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

#[tokio::test]
async fn listing_filters_sorts_pages_and_keeps_its_query_count() {
    let counter = QueryCounter::install();
    let app = spawn_app().await;
    let admin = app.admin("admin@example.com").await;
    categories(&app, &admin).await;
    let alice = merchant(&app, "alice@example.com").await;
    let bob = merchant(&app, "bob@example.com").await;
    for i in 0..30 {
        let (owner, category, brand) = if i % 3 == 0 {
            (&bob, "books", "Lumen")
        } else {
            (&alice, if i % 2 == 0 { "rain-jackets" } else { "clothing" }, "Acme")
        };
        let body = product(
            &format!("Item {i:02}"),
            category,
            &format!("SKU-{i:02}"),
            1000 + i * 100,
            if i % 5 == 0 { 0 } else { 3 },
            brand,
        );
        assert_eq!(app.post_as("/api/v1/products", &owner.access_token, &body).await.status(), 201);
    }
    let list = |query: &str| {
        let url = app.url(&format!("/api/v1/products?{query}"));
        let client = app.client.clone();
        async move { client.get(url).send().await.unwrap() }
    };
    let titles = |page: &Value| {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["title"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };

    let clothing: Value = list("category=clothing&limit=100").await.json().await.unwrap();
    assert_eq!(clothing["items"].as_array().unwrap().len(), 20, "clothing includes its descendants");
    assert!(
        clothing["items"][0].get("variants").is_none_or(|v| v.as_array().is_some_and(|a| a.is_empty())),
        "listings summarise variants"
    );
    let books: Value =
        list(&format!("merchant={}&attr.brand=Lumen&limit=100", bob.id)).await.json().await.unwrap();
    assert_eq!(books["items"].as_array().unwrap().len(), 10);
    let priced: Value =
        list("min_price_minor=2000&max_price_minor=2500&sort=price_asc").await.json().await.unwrap();
    assert_eq!(titles(&priced), ["Item 10", "Item 11", "Item 12", "Item 13", "Item 14", "Item 15"]);
    let in_stock: Value = list("in_stock=true&limit=100").await.json().await.unwrap();
    assert_eq!(in_stock["items"].as_array().unwrap().len(), 24);

    // Cursor pagination visits every product exactly once, in order, for every sort.
    for (sort, first) in
        [("newest", "Item 29"), ("price_asc", "Item 00"), ("price_desc", "Item 29"), ("title", "Item 00")]
    {
        let mut seen = Vec::new();
        let mut cursor = String::new();
        loop {
            let page: Value = list(&format!("sort={sort}&limit=7{cursor}")).await.json().await.unwrap();
            seen.extend(titles(&page));
            match page["next_cursor"].as_str() {
                Some(next) => cursor = format!("&cursor={next}"),
                None => break,
            }
        }
        assert_eq!(seen.len(), 30, "{sort}");
        assert_eq!(seen[0], first, "{sort}");
        let unique: std::collections::HashSet<_> = seen.iter().collect();
        assert_eq!(unique.len(), 30, "{sort}: no duplicates");
    }

    for (query, field) in [
        ("cursor=not-a-cursor", "cursor"),
        ("limit=101", "limit"),
        ("limit=0", "limit"),
        ("attr.flavour=vanilla", "attr.flavour"),
        ("category=nope", "category"),
        ("min_price_minor=-5", "min_price_minor"),
        ("min_price_minor=500&max_price_minor=100", "min_price_minor"),
        ("sort=random", "sort"),
        ("colour=red", "colour"),
        ("in_stock=maybe", "in_stock"),
    ] {
        let problem = assert_problem(list(query).await, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], field, "{query}: {problem}");
    }
    let newest_cursor: Value = list("sort=newest&limit=1").await.json().await.unwrap();
    let cursor = newest_cursor["next_cursor"].as_str().unwrap();
    let mismatched = list(&format!("sort=title&cursor={cursor}")).await;
    assert_problem(mismatched, 422, "validation_failed").await;

    // The number of SQL statements per listing does not grow with the page size.
    let before = counter.get();
    assert_eq!(list("limit=2&attr.brand=Acme").await.status(), 200);
    let small = counter.get() - before;
    let before = counter.get();
    assert_eq!(list("limit=100&attr.brand=Acme").await.status(), 200);
    let large = counter.get() - before;
    assert!(small > 0, "the counter sees sqlx statements");
    assert_eq!(small, large, "statements for 2 items: {small}, for 20 items: {large}");
}

#[tokio::test]
async fn concurrent_stock_adjustments_are_all_applied_and_audited() {
    let app = spawn_app().await;
    let admin = app.admin("admin@example.com").await;
    categories(&app, &admin).await;
    let seller = merchant(&app, "seller@example.com").await;
    let created: Value = app
        .post_as("/api/v1/products", &seller.access_token, &product("Mug", "books", "MUG-1", 900, 0, "Orbit"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(created["in_stock"], false);
    let variant = created["variants"][0]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/variants/{variant}/inventory-adjustments");
    let body = json!({"kind": "restock", "quantity": 1, "reason": "delivery"});
    let restocks = (0..25).map(|_| app.post_as(&path, &seller.access_token, &body));
    let statuses: Vec<u16> =
        futures_util::future::join_all(restocks).await.iter().map(|r| r.status().as_u16()).collect();
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");

    let product: Value =
        app.client.get(app.url("/api/v1/products/mug")).send().await.unwrap().json().await.unwrap();
    assert_eq!(product["variants"][0]["on_hand"], 25, "no lost update");
    assert_eq!(product["in_stock"], true, "listing summary follows stock");
    let history: Vec<Value> =
        app.get_as(&path, &seller.access_token).send().await.unwrap().json().await.unwrap();
    assert_eq!(history.len(), 25);
    let mut afters: Vec<i64> = history.iter().map(|h| h["on_hand_after"].as_i64().unwrap()).collect();
    afters.sort_unstable();
    assert_eq!(afters, (1..=25).collect::<Vec<_>>(), "each audit row records its own before/after");
    assert_eq!(history[0]["actor_id"].as_str(), Some(seller.id.as_str()));

    let correction = app
        .post_as(
            &path,
            &seller.access_token,
            &json!({"kind": "correction", "quantity": 3, "reason": "stock-take"}),
        )
        .await;
    assert_eq!(correction.json::<Value>().await.unwrap()["on_hand_after"], 3);
    let bad = app
        .post_as(&path, &seller.access_token, &json!({"kind": "restock", "quantity": -3, "reason": "oops"}))
        .await;
    assert_eq!(assert_problem(bad, 422, "validation_failed").await["errors"][0]["field"], "quantity");
    let no_reason = app
        .post_as(&path, &seller.access_token, &json!({"kind": "restock", "quantity": 3, "reason": " "}))
        .await;
    assert_eq!(assert_problem(no_reason, 422, "validation_failed").await["errors"][0]["field"], "reason");
}

#[tokio::test]
async fn demo_shop_is_deterministic_and_realistic() {
    use shopfleet_commerce::catalog::demo::{load, DemoSpec};
    let spec = DemoSpec { products: 1200, merchants: 3, shoppers: 2, seed: 7 };
    let mut fingerprints = Vec::new();
    for _ in 0..2 {
        let app = spawn_app().await;
        let hasher =
            shopfleet_commerce::accounts::password::PasswordHasherService::new(&app.ctx.settings.auth)
                .unwrap();
        let summary = load(&app.ctx.db, &hasher, &spec, "a demo passphrase here").await.unwrap();
        assert_eq!(summary.products, 1200);
        assert!(summary.categories >= 12 + 12, "a dozen top-level categories with children");
        assert!(summary.variants > summary.products, "apparel has several sizes");
        let again = load(&app.ctx.db, &hasher, &spec, "a demo passphrase here").await;
        assert!(again.is_err(), "loads only into an empty catalog");

        let fingerprint: (String, i64, i64) = sqlx::query_as(
            "SELECT md5(string_agg(slug || ':' || min_price_minor || ':' || attributes::text, ',' ORDER BY slug)),
                    count(*) FILTER (WHERE in_stock), count(DISTINCT category_id) FROM products",
        )
        .fetch_one(&app.ctx.db)
        .await
        .unwrap();
        assert!(fingerprint.1 > 1000 && fingerprint.2 >= 30, "{fingerprint:?}");
        let page: Value = app
            .client
            .get(app.url("/api/v1/products?category=clothing&attr.brand=Acme&limit=5"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(page["items"].as_array().unwrap().len(), 5);
        let login = app
            .token_request(&[
                ("grant_type", "password"),
                ("username", "merchant0@demo.shopfleet.dev"),
                ("password", "a demo passphrase here"),
            ])
            .await;
        assert_eq!(login.status(), 200, "demo accounts can log in");
        let pricing: (i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM shipping_zones), (SELECT count(*) FROM shipping_methods),
                    (SELECT count(*) FROM promotions WHERE code = 'WELCOME10' AND per_customer_limit = 1)",
        )
        .fetch_one(&app.ctx.db)
        .await
        .unwrap();
        assert_eq!(pricing, (2, 4, 1), "the demo shop ships, taxes and offers a first-order code");
        fingerprints.push(fingerprint.0);
    }
    assert_eq!(fingerprints[0], fingerprints[1], "same seed, same shop");
}

fn cache_count(metrics: &str, cache: &str, result: &str) -> u64 {
    metrics
        .lines()
        .find(|l| {
            l.starts_with("cache_requests_total{")
                && l.contains(&format!("cache=\"{cache}\""))
                && l.contains(&format!("result=\"{result}\""))
        })
        .and_then(|l| l.rsplit(' ').next())
        .map_or(0, |v| v.parse().unwrap())
}

#[tokio::test]
async fn reads_are_cached_and_every_write_invalidates_them() {
    let app = spawn_app().await;
    let admin = app.admin("admin@example.com").await;
    categories(&app, &admin).await;
    let seller = merchant(&app, "seller@example.com").await;
    let created: Value = app
        .post_as(
            "/api/v1/products",
            &seller.access_token,
            &product("Kettle", "books", "KET-1", 3000, 1, "Orbit"),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap();
    let variant = created["variants"][0]["id"].as_str().unwrap();
    let get = |path: String| {
        let client = app.client.clone();
        let url = app.url(&path);
        async move { client.get(url).send().await.unwrap().json::<Value>().await.unwrap() }
    };

    for _ in 0..3 {
        assert_eq!(get("/api/v1/products/kettle".into()).await["title"], "Kettle");
        assert_eq!(get("/api/v1/products?limit=5".into()).await["items"][0]["title"], "Kettle");
    }
    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    let hits = |cache| cache_count(&metrics, cache, "hit") + cache_count(&metrics, cache, "local_hit");
    assert!(hits("product") >= 2 && hits("listing") >= 2, "{metrics}");

    // A write is visible in the very next read, in detail and listing.
    let patch = app
        .patch_as(&format!("/api/v1/products/{id}"), &seller.access_token, &json!({"title": "Kettle Pro"}))
        .await;
    assert_eq!(patch.status(), 200);
    assert_eq!(get("/api/v1/products/kettle".into()).await["title"], "Kettle Pro");
    assert_eq!(get("/api/v1/products?limit=5".into()).await["items"][0]["title"], "Kettle Pro");

    let restock = app
        .post_as(
            &format!("/api/v1/variants/{variant}/inventory-adjustments"),
            &seller.access_token,
            &json!({"kind": "correction", "quantity": 0, "reason": "sold out"}),
        )
        .await;
    assert_eq!(restock.status(), 201);
    assert_eq!(
        get("/api/v1/products?in_stock=true".into()).await["items"].as_array().unwrap().len(),
        0,
        "stock changes invalidate listings"
    );
    assert_eq!(get("/api/v1/products/kettle".into()).await["in_stock"], false);
}

#[tokio::test]
async fn a_redis_outage_falls_back_to_postgres() {
    let app = common::spawn_app_with(&["--redis-url=redis://127.0.0.1:1/0"], |r| r).await;
    let page = app.client.get(app.url("/api/v1/products")).send().await.unwrap();
    assert_eq!(page.status(), 200, "listing works without Redis");
    let detail = app.client.get(app.url("/api/v1/products/nope")).send().await.unwrap();
    assert_eq!(detail.status(), 404);
    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(cache_count(&metrics, "listing", "error") >= 1, "{metrics}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_misses_of_one_page_load_it_once() {
    let app = spawn_app().await;
    let admin = app.admin("admin@example.com").await;
    categories(&app, &admin).await;
    let seller = merchant(&app, "seller@example.com").await;
    let body = product("Kettle", "books", "KET-1", 3000, 1, "Orbit");
    assert_eq!(app.post_as("/api/v1/products", &seller.access_token, &body).await.status(), 201);
    let metrics =
        || async { app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap() };
    let before = metrics().await;

    let searches = (0..16).map(|_| {
        let (client, url) = (app.client.clone(), app.url("/api/v1/search?q=kettle"));
        async move { client.get(url).send().await.unwrap().json::<Value>().await.unwrap() }
    });
    let results = futures_util::future::join_all(searches).await;
    assert!(results.iter().all(|r| r["total"] == 1), "{results:?}");

    let after = metrics().await;
    let delta = |result| cache_count(&after, "search", result) - cache_count(&before, "search", result);
    assert_eq!(
        (delta("miss"), delta("hit") + delta("local_hit")),
        (1, 15),
        "one load; the other 15 read what it stored"
    );
}

/// The Redis keys of cached product details under `prefix`.
async fn cached_details(redis: &mut redis::aio::ConnectionManager, prefix: &str) -> Vec<String> {
    redis::cmd("KEYS").arg(format!("{prefix}:catalog:*:product:*")).query_async(redis).await.unwrap()
}

/// Two API processes of one shop: each answers repeated reads from its memory, and a write
/// through one reaches the other's memory through the published catalog version.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_through_one_replica_reaches_the_memory_of_another() {
    let writer = spawn_app().await;
    let reader = common::spawn_with_settings((*writer.ctx.settings).clone()).await;
    let admin = writer.admin("admin@example.com").await;
    categories(&writer, &admin).await;
    let seller = merchant(&writer, "seller@example.com").await;
    let created = writer
        .post_as(
            "/api/v1/products",
            &seller.access_token,
            &product("Kettle", "books", "KET-1", 3000, 1, "Orbit"),
        )
        .await;
    let id = created.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let title = |app: &TestApp| {
        let request = app.client.get(app.url("/api/v1/products/kettle"));
        async move { request.send().await.unwrap().json::<Value>().await.unwrap()["title"].clone() }
    };
    let prefix = &writer.ctx.settings.redis.key_prefix;
    let mut redis = writer.ctx.redis.connection().await.unwrap();

    // Once the reader's memory tier follows the version, a page it has read is answered with
    // its Redis entry gone, and is not loaded (nor stored in Redis) again.
    let mut from_memory = false;
    for _ in 0..50 {
        assert_eq!(title(&reader).await, "Kettle");
        let entries = cached_details(&mut redis, prefix).await;
        assert!(!entries.is_empty(), "the read left its entry in Redis");
        let _: () = redis::cmd("DEL").arg(&entries).query_async(&mut redis).await.unwrap();
        assert_eq!(title(&reader).await, "Kettle");
        if cached_details(&mut redis, prefix).await.is_empty() {
            from_memory = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(from_memory, "the reader never answered from its memory");

    let patch = writer
        .patch_as(&format!("/api/v1/products/{id}"), &seller.access_token, &json!({"title": "Kettle Pro"}))
        .await;
    assert_eq!(patch.status(), 200);
    assert_eq!(title(&writer).await, "Kettle Pro", "the writer reads its write at once");
    let mut seen = Value::Null;
    for _ in 0..30 {
        seen = title(&reader).await;
        if seen == "Kettle Pro" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(seen, "Kettle Pro", "the other replica's memory followed the write");
}
