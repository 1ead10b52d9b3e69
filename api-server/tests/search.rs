//! Search through `GET /api/v1/search` and the `SearchIndex` trait: words, prefixes,
//! typos, SKUs (exact first), attribute and description matches, filters, facets, safe
//! highlights, freshness after writes, search documents streamed in keyset batches, and
//! problems for bad input. Both backends answer the same checks: Postgres, and the
//! Meilisearch server at `MEILI_URL` (`make test` starts one).

mod common;

use common::{assert_problem, spawn_app, spawn_app_with, TestApp, TestUser};
use serde_json::{json, Value};
use shopfleet_commerce::catalog::listing::{ListingQuery, DEFAULT_PAGE_SIZE};
use shopfleet_commerce::catalog::search::{
    document, postgres::PostgresSearch, SearchBackend, SearchIndex, SearchQuery,
};
use shopfleet_test_support::database::{meili_flags, meili_url};
use uuid::Uuid;

/// An API on the Meilisearch backend at `url`, with an index of this test only.
async fn meili_app(url: &str) -> TestApp {
    let flags = meili_flags(url);
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    spawn_app_with(&flags, |router| router).await
}

async fn shop(app: &TestApp) -> TestUser {
    let admin = app.admin("admin@example.com").await;
    for (slug, parent) in [("electronics", None), ("headphones", Some("electronics")), ("clothing", None)] {
        let response = app
            .post_as(
                "/api/v1/categories",
                &admin.access_token,
                &json!({"slug": slug, "name": slug, "parent": parent}),
            )
            .await;
        assert_eq!(response.status(), 201);
    }
    let seller = app.user_with_role("seller@example.com", "merchant").await;
    let products = [
        (
            "Acme Wireless Headphones",
            "headphones",
            "HP-ACME-100",
            9900,
            "Acme",
            "plastic",
            "Closed-back <b>studio</b> sound.",
        ),
        (
            "Lumen Noise Cancelling Headphones",
            "headphones",
            "HP-LUM-200",
            24900,
            "Lumen",
            "aluminium",
            "Quiet flights.",
        ),
        ("Fjord Merino Socks", "clothing", "SOCK-FJ-1", 1500, "Fjord", "merino", "Warm feet on long hikes."),
        (
            "Atlas Rain Jacket",
            "clothing",
            "JKT-AT-9",
            12900,
            "Atlas",
            "nylon",
            "Keeps out the rain; pairs with wireless headphones.",
        ),
    ];
    for (title, category, sku, price, brand, material, description) in products {
        let body = json!({"title": title, "status": "published", "category": category, "description": description,
            "attributes": {"brand": brand, "material": material},
            "variants": [{"sku": sku, "price_minor": price, "currency": "EUR", "on_hand": 3}]});
        assert_eq!(app.post_as("/api/v1/products", &seller.access_token, &body).await.status(), 201);
    }
    let draft = json!({"title": "Secret Prototype Headphones", "variants": [{"sku": "HP-SECRET", "price_minor": 1, "currency": "EUR"}]});
    assert_eq!(app.post_as("/api/v1/products", &seller.access_token, &draft).await.status(), 201);
    seller
}

async fn search(app: &TestApp, query: &str) -> Value {
    let response = app.client.get(app.url(&format!("/api/v1/search?{query}"))).send().await.unwrap();
    assert_eq!(response.status(), 200, "{query}");
    response.json().await.unwrap()
}

fn titles(results: &Value) -> Vec<String> {
    results["items"].as_array().unwrap().iter().map(|p| p["title"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn words_prefixes_typos_and_skus_match() {
    let app = spawn_app().await;
    shop(&app).await;
    assert_words_prefixes_typos_and_skus(&app).await;
}

async fn assert_words_prefixes_typos_and_skus(app: &TestApp) {
    let words = search(app, "q=headphones").await;
    assert_eq!(words["total"], 3, "two headphones and a jacket that mentions them; never the draft: {words}");
    assert_eq!(&titles(&words)[2], "Atlas Rain Jacket", "a title match outranks a description match");
    assert_eq!(search(app, "q=headph").await["total"], 3, "the last word is a prefix");
    let typo = search(app, "q=hedphones").await;
    assert!(titles(&typo).iter().any(|t| t.contains("Headphones")), "typos in titles are tolerated: {typo}");
    assert_eq!(titles(&search(app, "q=merino").await), ["Fjord Merino Socks"]);
    assert_eq!(
        titles(&search(app, "q=aluminium").await),
        ["Lumen Noise Cancelling Headphones"],
        "attribute values are searched"
    );

    let exact = search(app, "q=HP-LUM-200").await;
    assert_eq!(titles(&exact)[0], "Lumen Noise Cancelling Headphones", "an exact SKU ranks first");
    let partial = search(app, "q=ACME-1").await;
    assert_eq!(titles(&partial)[0], "Acme Wireless Headphones", "partial SKUs match");
}

#[tokio::test]
async fn filters_facets_and_highlights() {
    let app = spawn_app().await;
    shop(&app).await;
    assert_filters_facets_and_highlights(&app).await;
}

async fn assert_filters_facets_and_highlights(app: &TestApp) {
    let filtered = search(app, "q=headphones&category=clothing").await;
    assert_eq!(titles(&filtered), ["Atlas Rain Jacket"]);
    let cheap = search(app, "q=headphones&max_price_minor=10000").await;
    assert_eq!(titles(&cheap), ["Acme Wireless Headphones"]);
    let branded = search(app, "q=headphones&attr.brand=Lumen").await;
    assert_eq!(branded["total"], 1);

    let all = search(app, "q=headphones").await;
    let facets = &all["facets"];
    assert_eq!(
        facets["categories"],
        json!([{"category": "electronics", "count": 2}, {"category": "clothing", "count": 1}])
    );
    assert_eq!(facets["attributes"]["brand"], json!({"Acme": 1, "Lumen": 1, "Atlas": 1}));
    let prices: Vec<(i64, i64)> = facets["prices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["min"].as_i64().unwrap(), b["count"].as_i64().unwrap()))
        .collect();
    assert_eq!(prices, [(5000, 1), (10000, 2)], "9.90, 129.00 and 249.00 EUR in their buckets");
    assert_eq!(facets["merchants"].as_array().unwrap()[0]["count"], 3);

    let acme =
        all["items"].as_array().unwrap().iter().find(|p| p["title"] == "Acme Wireless Headphones").unwrap();
    assert_eq!(acme["highlights"]["title"], "Acme Wireless <mark>Headphones</mark>");
    let jacket = search(app, "q=studio").await;
    let description = jacket["items"][0]["highlights"]["description"].as_str().unwrap();
    assert!(description.contains("<mark>studio</mark>"), "{description}");
    assert!(!description.contains("<b>"), "product HTML never reaches the highlight: {description}");
}

#[tokio::test]
async fn results_follow_writes_at_once() {
    let app = spawn_app().await;
    let seller = shop(&app).await;
    assert_eq!(search(&app, "q=parka").await["total"], 0);
    let jacket = search(&app, "q=JKT-AT-9").await;
    let id = jacket["items"][0]["id"].as_str().unwrap();
    let renamed = app
        .patch_as(
            &format!("/api/v1/products/{id}"),
            &seller.access_token,
            &json!({"title": "Atlas Rain Parka"}),
        )
        .await;
    assert_eq!(renamed.status(), 200);
    assert_eq!(titles(&search(&app, "q=parka").await), ["Atlas Rain Parka"]);
}

/// Bad queries and what each must name; none reaches a search backend.
fn bad_queries() -> Vec<(String, &'static str)> {
    let merchant = Uuid::new_v4();
    [
        ("", "q"),
        ("q=", "q"),
        ("q=%20%20", "q"),
        ("q=!!!", "q"),
        ("q=socks&page=0", "page"),
        ("q=socks&page=51", "page"),
        ("q=socks&page=two", "page"),
        ("q=socks&page=-1", "page"),
        ("q=socks&page=99999999999", "page"),
        ("q=socks&sort=title", "sort"),
        ("q=socks&cursor=abc", "cursor"),
        ("q=socks&limit=500", "limit"),
        ("q=socks&limit=0", "limit"),
        ("q=socks&limit=ten", "limit"),
        ("q=socks&min_price_minor=cheap", "min_price_minor"),
        ("q=socks&max_price_minor=-5", "max_price_minor"),
        ("q=socks&min_price_minor=900&max_price_minor=100", "min_price_minor"),
        ("q=socks&in_stock=maybe", "in_stock"),
        ("q=socks&merchant=not-a-uuid", "merchant"),
        ("q=socks&category=no-such-category", "category"),
        ("q=socks&attr.flavour=x", "attr.flavour"),
        ("q=socks&colour=red", "colour"),
    ]
    .into_iter()
    .map(|(query, field)| (query.to_owned(), field))
    .chain([
        (format!("q={}", "a".repeat(201)), "q"),
        (format!("q={}", "é".repeat(201)), "q"),
        (format!("q=socks&merchant={merchant}&page=51"), "page"),
    ])
    .collect()
}

async fn assert_bad_input_is_a_problem_naming_the_parameter(app: &TestApp) {
    for (query, field) in bad_queries() {
        let response = app.client.get(app.url(&format!("/api/v1/search?{query}"))).send().await.unwrap();
        let problem = assert_problem(response, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], field, "{query}: {problem}");
    }
}

#[tokio::test]
async fn bad_search_input_is_a_problem_naming_the_parameter() {
    let app = spawn_app().await;
    shop(&app).await;
    assert_bad_input_is_a_problem_naming_the_parameter(&app).await;
}

#[tokio::test]
async fn with_meilisearch_down_bad_input_is_still_named_and_searches_are_503() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let app = meili_app(&format!("http://127.0.0.1:{port}")).await;
    shop(&app).await;
    assert_bad_input_is_a_problem_naming_the_parameter(&app).await;
    let response = app.client.get(app.url("/api/v1/search?q=headphones")).send().await.unwrap();
    let problem = assert_problem(response, 503, "service_unavailable").await;
    assert!(problem["detail"].as_str().unwrap().contains("search engine"), "{problem}");
    let listing = app.client.get(app.url("/api/v1/products")).send().await.unwrap();
    assert_eq!(listing.status(), 200, "browsing does not need the search engine");
}

fn query(text: &str) -> SearchQuery {
    SearchQuery {
        text: text.to_owned(),
        filters: ListingQuery { limit: DEFAULT_PAGE_SIZE, ..Default::default() },
        page: 1,
    }
}

#[tokio::test]
async fn postgres_backend_through_the_trait() {
    let app = spawn_app().await;
    shop(&app).await;
    let index: &dyn SearchIndex = &PostgresSearch;
    assert_eq!(index.backend(), SearchBackend::Postgres);
    assert!(index.follows_commits(), "the product row is its own index entry");
    index.configure().await.unwrap();

    let found = index.search(&app.ctx.db, &query("headphones")).await.unwrap();
    assert_eq!(found.total, 3);
    assert_eq!(found.items[0].highlights.title.matches("<mark>").count(), 1, "{:?}", found.items[0]);
    let mut second_page = query("headphones");
    second_page.filters.limit = 2;
    second_page.page = 2;
    let second = index.search(&app.ctx.db, &second_page).await.unwrap();
    assert_eq!((second.total, second.items.len()), (3, 1), "page 2 of 2 holds the third match");
    assert_eq!(second.items[0].product.title, found.items[2].product.title);

    let titles_for = |text: &'static str| {
        let db = app.ctx.db.clone();
        async move {
            let hits = index.search(&db, &query(text)).await.unwrap().items;
            hits.into_iter().map(|hit| hit.product.title).collect::<Vec<_>>()
        }
    };
    assert_eq!(titles_for("HP-ACM").await, ["Acme Wireless Headphones"], "a SKU fragment without spaces");
    assert_eq!(titles_for("merino socks").await, ["Fjord Merino Socks"], "words with spaces");
    assert_eq!(titles_for("Merino Sokcs").await, ["Fjord Merino Socks"], "a typo in a title");

    // The assistant's ranking is the page's order, without highlights or facets, and
    // by words alone: a typo finds nothing there (its vector half answers typos).
    for (text, limit, page) in
        [("headphones", 24, 1), ("headphones", 2, 2), ("merino socks", 24, 1), ("HP-ACM", 24, 1)]
    {
        let mut paged = query(text);
        (paged.filters.limit, paged.page) = (limit, page);
        let hits = index.search(&app.ctx.db, &paged).await.unwrap().items;
        let ids: Vec<Uuid> = hits.into_iter().map(|hit| hit.product.id).collect();
        assert!(!ids.is_empty(), "{text}");
        assert_eq!(PostgresSearch.ranked_ids(&app.ctx.db, &paged).await.unwrap(), ids, "{text}");
    }
    assert_eq!(
        PostgresSearch.ranked_ids(&app.ctx.db, &query("Merino Sokcs")).await.unwrap(),
        Vec::<Uuid>::new()
    );

    let summary = index.reindex(&app.ctx.db).await.unwrap();
    assert!(summary.contains("nothing to do"), "{summary}");
    let err = index.search(&app.ctx.db, &query("")).await.unwrap_err().to_string();
    assert!(err.starts_with("q:"), "{err}");
}

#[tokio::test]
async fn search_documents_are_published_products_streamed_in_keyset_batches() {
    let app = spawn_app().await;
    let seller = shop(&app).await;
    let db = &app.ctx.db;

    let mut streamed = Vec::new();
    let mut after = None;
    loop {
        let batch = document::batch_after(db, after, 3).await.unwrap();
        assert!(batch.len() <= 3);
        let Some(last) = batch.last() else { break };
        after = Some(last.id);
        streamed.extend(batch);
    }
    let ids: Vec<Uuid> = streamed.iter().map(|d| d.id).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(ids, sorted, "each product once, in id order");
    let titles: Vec<&str> = streamed.iter().map(|d| d.title.as_str()).collect();
    assert_eq!(titles.len(), 4, "the four published products, never the draft: {titles:?}");
    assert!(!titles.contains(&"Secret Prototype Headphones"));

    let acme = streamed.iter().find(|d| d.title == "Acme Wireless Headphones").unwrap();
    let categories: Vec<(Uuid, String)> =
        sqlx::query_as("SELECT id, slug FROM categories ORDER BY path").fetch_all(db).await.unwrap();
    let id_of = |slug: &str| categories.iter().find(|(_, s)| s == slug).unwrap().0;
    assert_eq!(
        acme.category_ids,
        [id_of("electronics"), id_of("headphones")],
        "the category and its ancestors"
    );
    assert_eq!(acme.top_category.as_deref(), Some("electronics"));
    assert_eq!(acme.skus, ["HP-ACME-100"]);
    assert_eq!((acme.price, acme.price_bucket, acme.in_stock), (Some(9900), Some(5000), true));
    assert_eq!(acme.attribute_pairs, [r#"["brand","Acme"]"#, r#"["material","plastic"]"#]);
    assert_eq!(acme.merchant_id.to_string(), seller.id);

    let archived = app
        .patch_as(
            &format!("/api/v1/products/{}", acme.id),
            &seller.access_token,
            &json!({"status": "archived"}),
        )
        .await;
    assert_eq!(archived.status(), 200);
    let published = document::published(db, &ids).await.unwrap();
    assert_eq!(published.len(), 3, "an archived product has no search document");
    assert!(published.iter().all(|d| d.id != acme.id));
}

#[tokio::test]
async fn meilisearch_backend_answers_like_postgres() {
    let url = meili_url();
    let app = meili_app(&url).await;
    shop(&app).await;
    let index = app.ctx.catalog.search_index().clone();
    assert_eq!(index.backend(), SearchBackend::Meilisearch);
    let summary = index.reindex(&app.ctx.db).await.unwrap();
    assert!(summary.starts_with("4 products indexed"), "{summary}");

    assert_words_prefixes_typos_and_skus(&app).await;
    assert_filters_facets_and_highlights(&app).await;
    assert_bad_input_is_a_problem_naming_the_parameter(&app).await;

    let sock = search(&app, "q=SOCK-FJ-1").await["items"][0]["id"].as_str().unwrap().parse::<Uuid>().unwrap();
    index.delete(&[sock]).await.unwrap();
    assert!(titles(&search(&app, "q=merino").await).is_empty(), "a deleted document is not found");
    let again = index.reindex(&app.ctx.db).await.unwrap();
    assert!(again.starts_with("4 products indexed"), "{again}");
    assert_eq!(titles(&search(&app, "q=merino").await), ["Fjord Merino Socks"], "a re-index restores it");
}
